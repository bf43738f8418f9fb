using System.Globalization;
using Settlement.Domain.Monetary;

namespace Settlement.Documents;

/// <summary>
/// How every rendered document writes numbers: invariant culture, no grouping, '.' as decimal point,
/// so the same document always renders to the same bytes and parses back in any locale.
/// </summary>
internal static class DocumentNumbers
{
    /// <summary>Quantities and percentages without trailing zeros ("19", "7.7"), whatever scale the decimal carries.</summary>
    public const string PlainFormat = "0.############################";

    /// <summary>An amount with exactly the currency's minor units ("12.30", JPY "1230").</summary>
    /// <exception cref="ArgumentException">The amount has a fraction of a minor unit (see <see cref="WholeMinorUnits"/>).</exception>
    public static string Money(decimal amount, Currency currency) =>
        WholeMinorUnits(amount, currency).ToString(MoneyFormat(currency), CultureInfo.InvariantCulture);

    public static string MoneyFormat(Currency currency) =>
        "F" + currency.MinorUnits.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The amount itself, once checked to be a whole number of minor units. Issued amounts always are;
    /// rounding one here would print a figure that differs from the one that was booked.
    /// </summary>
    /// <exception cref="ArgumentException">The amount has a fraction of a minor unit.</exception>
    public static decimal WholeMinorUnits(decimal amount, Currency currency) =>
        decimal.Round(amount, currency.MinorUnits) == amount
            ? amount
            : throw new ArgumentException(
                $"{amount.ToString(CultureInfo.InvariantCulture)} is not a whole number of {currency.Code} minor units", nameof(amount));

    /// <summary>
    /// A unit price: at least the currency's minor units, and any further decimals it was set with
    /// ("0.49", "0.4975", JPY "55").
    /// </summary>
    public static string UnitPrice(decimal price, Currency currency) =>
        price.ToString(UnitPriceFormat(currency), CultureInfo.InvariantCulture);

    public static string UnitPriceFormat(Currency currency) =>
        "0." + new string('0', currency.MinorUnits) + "############################";

    public static string Plain(decimal value) => value.ToString(PlainFormat, CultureInfo.InvariantCulture);
}
