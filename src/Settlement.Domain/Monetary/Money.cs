using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;
using System.Text.Json.Serialization;

namespace Settlement.Domain.Monetary;

/// <summary>
/// An exact amount of one currency. Arithmetic keeps full decimal precision: rounding happens
/// only where a caller asks for it, with an explicit <see cref="MidpointRounding"/>, because
/// tariffs (price per kWh to 4+ decimals) and roaming contracts disagree on when and how to round.
/// </summary>
/// <remarks>
/// A sealed record rather than a struct so that <c>default</c> cannot produce money without a currency.
/// Equality is numeric: 1.5 EUR equals 1.50 EUR.
/// </remarks>
[JsonConverter(typeof(MoneyJsonConverter))]
public sealed record Money : IComparable<Money>, IComparable
{
    public Money(decimal amount, Currency currency)
    {
        ArgumentNullException.ThrowIfNull(currency);
        Amount = amount;
        Currency = currency;
    }

    public decimal Amount { get; }

    public Currency Currency { get; }

    public static Money Zero(Currency currency) => new(0m, currency);

    public bool IsZero => Amount == 0m;

    public bool IsNegative => Amount < 0m;

    public bool IsPositive => Amount > 0m;

    public Money Abs() => new(Math.Abs(Amount), Currency);

    public static Money operator +(Money left, Money right)
    {
        var currency = SameCurrency(left, right, "add");
        return new Money(left.Amount + right.Amount, currency);
    }

    public static Money operator -(Money left, Money right)
    {
        var currency = SameCurrency(left, right, "subtract");
        return new Money(left.Amount - right.Amount, currency);
    }

    public static Money operator -(Money money) => new(-money.Amount, money.Currency);

    public static Money operator *(Money money, decimal factor) => new(money.Amount * factor, money.Currency);

    public static Money operator *(decimal factor, Money money) => money * factor;

    public static Money operator /(Money money, decimal divisor) => new(money.Amount / divisor, money.Currency);

    public static bool operator <(Money left, Money right) => Compare(left, right) < 0;

    public static bool operator >(Money left, Money right) => Compare(left, right) > 0;

    public static bool operator <=(Money left, Money right) => Compare(left, right) <= 0;

    public static bool operator >=(Money left, Money right) => Compare(left, right) >= 0;

    /// <exception cref="CurrencyMismatchException">The currencies differ: there is no exchange rate here.</exception>
    public int CompareTo(Money? other) => other is null ? 1 : Compare(this, other);

    int IComparable.CompareTo(object? obj) => obj switch
    {
        null => 1,
        Money other => CompareTo(other),
        _ => throw new ArgumentException($"Cannot compare Money with {obj.GetType().Name}", nameof(obj)),
    };

    /// <summary>Rounds to the currency's minor units (cents, whole yen, fils).</summary>
    public Money Round(MidpointRounding mode) => Round(Currency.MinorUnits, mode);

    /// <summary>
    /// Rounds to <paramref name="decimals"/> places. The result carries exactly that many places
    /// (1.5 rounded to 2 is 1.50) so that rounded amounts serialise the same way however they were computed.
    /// </summary>
    public Money Round(int decimals, MidpointRounding mode)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(decimals);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(decimals, 28);
        var rounded = decimal.Round(Amount, decimals, mode);
        // Adding a zero of the target scale widens the scale without changing the value; decimal
        // quietly keeps fewer places where the widened form would not fit in 96 bits.
        return new Money(rounded + new decimal(0, 0, 0, false, (byte)decimals), Currency);
    }

    /// <summary>True when the amount has no precision beyond the currency's minor unit.</summary>
    public bool IsWholeMinorUnits => decimal.Round(Amount, Currency.MinorUnits) == Amount;

    /// <summary>Splits into <paramref name="parts"/> equal shares; see <see cref="Allocate(decimal[])"/>.</summary>
    public IReadOnlyList<Money> Allocate(int parts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 1);
        return AllocateUnits(Enumerable.Repeat(BigInteger.One, parts).ToArray());
    }

    /// <summary>
    /// Splits into shares proportional to <paramref name="ratios"/>, each a whole number of minor units,
    /// that add up exactly to this amount. Uses the largest-remainder method: every share first gets the
    /// minor units its exact share covers, and the units left over go one each to the shares with the
    /// largest remainders, earlier shares first on ties (so equal splits favour the first parts).
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// The amount has precision beyond the minor unit. Allocation does not round on the caller's behalf
    /// because the rounding mode is a business decision: call <see cref="Round(MidpointRounding)"/> first.
    /// </exception>
    public IReadOnlyList<Money> Allocate(params decimal[] ratios)
    {
        ArgumentNullException.ThrowIfNull(ratios);
        if (ratios.Length == 0)
            throw new ArgumentException("At least one ratio is needed", nameof(ratios));
        if (ratios.Any(r => r < 0m))
            throw new ArgumentException("Ratios cannot be negative", nameof(ratios));
        if (ratios.All(r => r == 0m))
            throw new ArgumentException("At least one ratio must be positive", nameof(ratios));

        // Scale every ratio to a common integer so that shares are computed exactly, not via decimal division.
        var scale = ratios.Max(r => r.Scale);
        return AllocateUnits(ratios.Select(r => Mantissa(r) * BigInteger.Pow(10, scale - r.Scale)).ToArray());
    }

    private IReadOnlyList<Money> AllocateUnits(BigInteger[] weights)
    {
        if (!IsWholeMinorUnits)
            throw new InvalidOperationException(
                $"Cannot allocate {this}: it has precision beyond the {Currency.MinorUnits} decimal places of {Currency}; round it first with an explicit MidpointRounding");

        var minor = Currency.MinorUnits;
        // BigInteger so that amounts near decimal's limits do not overflow when counted in minor units.
        var total = Mantissa(Amount) * BigInteger.Pow(10, minor) / BigInteger.Pow(10, Amount.Scale);
        var weightSum = weights.Aggregate(BigInteger.Zero, (sum, w) => sum + w);

        var shares = new BigInteger[weights.Length];
        var remainders = new BigInteger[weights.Length];
        for (var i = 0; i < weights.Length; i++)
            shares[i] = BigInteger.DivRem(total * weights[i], weightSum, out remainders[i]);

        var leftOver = (int)(total - shares.Aggregate(BigInteger.Zero, (sum, s) => sum + s));
        // OrderBy is stable, so equal remainders keep index order and the first parts get the extra units.
        foreach (var i in Enumerable.Range(0, weights.Length).OrderByDescending(i => remainders[i]).Take(leftOver))
            shares[i] += 1;

        return shares.Select(units => new Money(FromMinorUnits(units, minor, Amount < 0m), Currency)).ToArray();
    }

    private static BigInteger Mantissa(decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        return (new BigInteger((uint)bits[2]) << 64) | (new BigInteger((uint)bits[1]) << 32) | new BigInteger((uint)bits[0]);
    }

    private static decimal FromMinorUnits(BigInteger units, int minorUnits, bool negative)
    {
        if (units.GetBitLength() > 96)
            throw new OverflowException(
                $"A share of {units} minor units cannot be represented exactly as a decimal with {minorUnits} places");
        var bytes = new byte[12];
        units.TryWriteBytes(bytes, out _, isUnsigned: true);
        return new decimal(BitConverter.ToInt32(bytes, 0), BitConverter.ToInt32(bytes, 4), BitConverter.ToInt32(bytes, 8),
            negative, (byte)minorUnits);
    }

    /// <summary>Adds amounts of one currency; the currency is given so that an empty sequence has a total.</summary>
    /// <exception cref="CurrencyMismatchException">An item is in a different currency.</exception>
    public static Money Sum(IEnumerable<Money> items, Currency currency)
    {
        ArgumentNullException.ThrowIfNull(items);
        var total = Zero(currency);
        foreach (var item in items)
        {
            ArgumentNullException.ThrowIfNull(item, nameof(items));
            if (item.Currency != currency)
                throw new CurrencyMismatchException(currency, item.Currency, "sum");
            total += item;
        }
        return total;
    }

    /// <summary>
    /// "12.34 EUR" in the invariant culture: padded to the currency's minor units when the amount
    /// fits in them, otherwise every digit of the amount, so nothing is hidden by display rounding.
    /// </summary>
    public override string ToString()
    {
        var amount = IsWholeMinorUnits
            ? Amount.ToString("F" + Currency.MinorUnits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)
            : Amount.ToString(CultureInfo.InvariantCulture);
        return $"{amount} {Currency.Code}";
    }

    /// <summary>Parses the <see cref="ToString"/> format, "amount CODE", in the invariant culture.</summary>
    /// <exception cref="FormatException">The text is not in that format or names an unknown currency.</exception>
    public static Money Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var money, out var error) ? money : throw new FormatException($"'{text}' is not money: {error}");
    }

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out Money? money) =>
        TryParse(text, out money, out _);

    private static bool TryParse(string? text, [NotNullWhen(true)] out Money? money, out string error)
    {
        money = null;
        var separator = text?.IndexOf(' ') ?? -1;
        if (text is null || separator < 0 || separator != text.LastIndexOf(' '))
        {
            error = "expected an amount and a currency code separated by one space, like \"12.34 EUR\"";
            return false;
        }
        // No thousands separators or exponents: the format is for machines and logs, and must be unambiguous.
        if (!decimal.TryParse(text.AsSpan(0, separator), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint,
                CultureInfo.InvariantCulture, out var amount))
        {
            error = $"'{text[..separator]}' is not a decimal amount";
            return false;
        }
        var code = text[(separator + 1)..];
        if (!Currency.TryFromCode(code, out var currency))
        {
            error = $"Unknown ISO 4217 currency code '{code}'";
            return false;
        }
        money = new Money(amount, currency);
        error = "";
        return true;
    }

    private static Currency SameCurrency(Money left, Money right, string operation)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        return left.Currency == right.Currency
            ? left.Currency
            : throw new CurrencyMismatchException(left.Currency, right.Currency, operation);
    }

    private static int Compare(Money left, Money right)
    {
        SameCurrency(left, right, "compare");
        return left.Amount.CompareTo(right.Amount);
    }
}

/// <summary>Thrown when an operation would mix two currencies; converting needs a rate, which Money does not have.</summary>
public sealed class CurrencyMismatchException(Currency left, Currency right, string operation)
    : InvalidOperationException($"Cannot {operation} {left.Code} and {right.Code}: the currencies differ")
{
    public Currency Left { get; } = left;

    public Currency Right { get; } = right;
}
