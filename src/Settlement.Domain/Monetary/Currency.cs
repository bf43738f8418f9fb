using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace Settlement.Domain.Monetary;

/// <summary>
/// An ISO 4217 currency: its alphabetic code and the number of decimal places of its minor unit.
/// </summary>
/// <remarks>
/// Instances come only from the built-in table, so a code always carries the same minor units
/// (there is no way to build a "EUR with 3 decimals" that would round differently elsewhere).
/// Adding a currency the business starts settling in is a one-line change to the table below.
/// </remarks>
[JsonConverter(typeof(CurrencyJsonConverter))]
public sealed class Currency : IEquatable<Currency>
{
    // Minor units as published in ISO 4217 (SIX list), not as used colloquially: ISK and HUF
    // cash has no coins below 1, but ISO says ISK 0 and HUF 2, and partners invoice accordingly.
    public static readonly Currency EUR = new("EUR", 2);
    public static readonly Currency USD = new("USD", 2);
    public static readonly Currency GBP = new("GBP", 2);
    public static readonly Currency CHF = new("CHF", 2);
    public static readonly Currency NOK = new("NOK", 2);
    public static readonly Currency SEK = new("SEK", 2);
    public static readonly Currency DKK = new("DKK", 2);
    public static readonly Currency PLN = new("PLN", 2);
    public static readonly Currency CZK = new("CZK", 2);
    public static readonly Currency HUF = new("HUF", 2);
    public static readonly Currency RON = new("RON", 2);
    public static readonly Currency BGN = new("BGN", 2);
    public static readonly Currency ISK = new("ISK", 0);
    public static readonly Currency JPY = new("JPY", 0);
    public static readonly Currency KRW = new("KRW", 0);
    public static readonly Currency CAD = new("CAD", 2);
    public static readonly Currency AUD = new("AUD", 2);
    public static readonly Currency NZD = new("NZD", 2);
    public static readonly Currency KWD = new("KWD", 3);
    public static readonly Currency BHD = new("BHD", 3);
    public static readonly Currency JOD = new("JOD", 3);
    public static readonly Currency TND = new("TND", 3);
    public static readonly Currency CLF = new("CLF", 4);

    private static readonly Currency[] Table =
    [
        EUR, USD, GBP, CHF, NOK, SEK, DKK, PLN, CZK, HUF, RON, BGN, ISK, JPY, KRW, CAD, AUD, NZD,
        KWD, BHD, JOD, TND, CLF,
        // Further currencies of markets we roam into; not given named fields to keep the surface small.
        new("RSD", 2), new("MKD", 2), new("BAM", 2), new("ALL", 2), new("MDL", 2), new("UAH", 2),
        new("TRY", 2), new("GEL", 2), new("ILS", 2), new("AED", 2), new("SAR", 2), new("QAR", 2),
        new("OMR", 3), new("IQD", 3), new("LYD", 3),
        new("CNY", 2), new("HKD", 2), new("SGD", 2), new("TWD", 2), new("INR", 2), new("THB", 2),
        new("MYR", 2), new("IDR", 2), new("PHP", 2), new("VND", 0),
        new("ZAR", 2), new("MAD", 2), new("EGP", 2), new("XOF", 0), new("XAF", 0), new("XPF", 0),
        new("MXN", 2), new("BRL", 2), new("ARS", 2), new("COP", 2), new("PEN", 2), new("UYU", 2),
        new("CLP", 0),
    ];

    private static readonly Dictionary<string, Currency> ByCode =
        Table.ToDictionary(c => c.Code, StringComparer.OrdinalIgnoreCase);

    private Currency(string code, int minorUnits)
    {
        Code = code;
        MinorUnits = minorUnits;
    }

    /// <summary>The ISO 4217 alphabetic code, three upper-case letters.</summary>
    public string Code { get; }

    /// <summary>Decimal places of the minor unit (2 for EUR cents, 0 for JPY, 3 for KWD fils).</summary>
    public int MinorUnits { get; }

    /// <summary>Every currency in the built-in table.</summary>
    public static IReadOnlyCollection<Currency> All => Table;

    /// <summary>Looks a currency up by its ISO 4217 code, ignoring case.</summary>
    /// <exception cref="UnknownCurrencyException">The code is not in the built-in table.</exception>
    public static Currency FromCode(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        return TryFromCode(code, out var currency) ? currency : throw new UnknownCurrencyException(code);
    }

    public static bool TryFromCode([NotNullWhen(true)] string? code, [NotNullWhen(true)] out Currency? currency)
    {
        currency = null;
        return code is not null && ByCode.TryGetValue(code, out currency);
    }

    public bool Equals(Currency? other) =>
        other is not null && string.Equals(Code, other.Code, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as Currency);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Code);

    public static bool operator ==(Currency? left, Currency? right) => left?.Equals(right) ?? right is null;

    public static bool operator !=(Currency? left, Currency? right) => !(left == right);

    public override string ToString() => Code;
}

/// <summary>Thrown when a code is not an ISO 4217 currency this system knows.</summary>
public sealed class UnknownCurrencyException(string code)
    : ArgumentException($"Unknown ISO 4217 currency code '{code}'", nameof(code))
{
    public string Code { get; } = code;
}
