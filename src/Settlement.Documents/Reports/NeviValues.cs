using System.Globalization;
using NodaTime;
using NodaTime.Text;
using Settlement.Domain.Reports;

namespace Settlement.Documents.Reports;

/// <summary>How report values are written, the same in CSV and JSON.</summary>
internal static class NeviValues
{
    // The layout of EV-ChART's template. Its upload also takes fractions of a second, but a NEVI report
    // needs none, and an offset such as +02:00 it refuses outright.
    private static readonly InstantPattern WholeSecondsUtc = InstantPattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm':'ss'Z'");

    /// <summary>The instant in UTC to the second; a fraction of a second is dropped.</summary>
    public static string Timestamp(Instant instant) => WholeSecondsUtc.Format(instant);

    /// <summary>A cell's text: empty for null, TRUE/FALSE for booleans, decimals with exactly the column's decimal places.</summary>
    public static string Text(EvChartField field, object? value) => value switch
    {
        null => "",
        string text => text,
        Instant instant => Timestamp(instant),
        decimal number => Decimal(field, number),
        bool flag => flag ? "TRUE" : "FALSE",
        int code => code.ToString(CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException($"{field.Name} holds a {value.GetType().Name}, which no EV-ChART column takes"),
    };

    /// <summary>
    /// "31.50", whatever scale the decimal carries, so equal rows render to equal bytes.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The value has more decimal places than the column. Rounding here would report a figure other than the
    /// row's; whoever builds the row decides how to round.
    /// </exception>
    public static string Decimal(EvChartField field, decimal value) =>
        decimal.Round(value, field.Scale) == value
            ? value.ToString("F" + field.Scale.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)
            : throw new ArgumentException(
                $"{field.Name} {value.ToString(CultureInfo.InvariantCulture)} has more than the column's {field.Scale} decimal places", nameof(value));
}
