using CsCheck;
using Settlement.Domain.Monetary;

namespace Settlement.Tests.Monetary;

/// <summary>Generators shared by the Money property tests.</summary>
internal static class MoneyGen
{
    public static readonly Gen<Currency> AnyCurrency = Gen.OneOf(Currency.All.ToArray());

    // Gen.Decimal favours "ordinary" values; raw bits reach every scale and the full 96-bit mantissa,
    // and the edge values are where formatting and parsing usually break.
    private static readonly Gen<decimal> RawBits = Gen.Select(Gen.Int, Gen.Int, Gen.Int, Gen.Bool, Gen.Int[0, 28],
        (lo, mid, hi, negative, scale) => new decimal(lo, mid, hi, negative, (byte)scale));

    private static readonly Gen<decimal> Edges = Gen.OneOf(
        0m, new decimal(0, 0, 0, true, 2), 1.00m, 0.5m, 0.005m, 0.0050m, -0.005m,
        decimal.MaxValue, decimal.MinValue, 0.0000000000000000000000000001m, -0.0000000000000000000000000001m);

    /// <summary>Any decimal at all.</summary>
    public static readonly Gen<decimal> AnyDecimal = Gen.OneOf<decimal>(Gen.Decimal, RawBits, Edges);

    /// <summary>
    /// Amounts whose sums of a few terms stay well inside decimal's 28 digits, so addition is exact
    /// and algebraic laws can be checked with equality rather than tolerance.
    /// </summary>
    public static readonly Gen<decimal> ExactlyAddable = Gen.Select(Gen.Long[-1_000_000_000_000_000L, 1_000_000_000_000_000L], Gen.Int[0, 6],
        (mantissa, scale) =>
        {
            var magnitude = (ulong)Math.Abs(mantissa);
            return new decimal((int)(uint)magnitude, (int)(uint)(magnitude >> 32), 0, mantissa < 0, (byte)scale);
        });

    /// <summary>Realistic invoice-sized amounts, any scale; far enough from decimal's limits to allocate.</summary>
    public static readonly Gen<decimal> InvoiceAmount = Gen.Decimal[-1_000_000_000_000_000m, 1_000_000_000_000_000m];

    public static readonly Gen<MidpointRounding> AnyRounding = Gen.Enum<MidpointRounding>();

    public static decimal MinorUnit(Currency currency) => new(1, 0, 0, false, (byte)currency.MinorUnits);
}
