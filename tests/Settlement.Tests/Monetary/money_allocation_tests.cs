using CsCheck;
using Settlement.Domain.Monetary;

namespace Settlement.Tests.Monetary;


public sealed class money_allocation_tests
{
    private static Money Eur(decimal amount) => new(amount, Currency.EUR);

    private static void AssertParts(IEnumerable<Money> actual, params Money[] expected) => Assert.Equal(expected, actual);

    [Fact]
    public void allocation_never_loses_a_cent()
    {
        var parts = Eur(100.00m).Allocate(3);

        AssertParts(parts, Eur(33.34m), Eur(33.33m), Eur(33.33m));
        Assert.Equal(Eur(100.00m), Money.Sum(parts, Currency.EUR));
    }

    [Fact]
    public void left_over_cents_go_to_the_first_parts()
    {
        AssertParts(Eur(0.05m).Allocate(3), Eur(0.02m), Eur(0.02m), Eur(0.01m));
        AssertParts(Eur(1.00m).Allocate(6), Eur(0.17m), Eur(0.17m), Eur(0.17m), Eur(0.17m), Eur(0.16m), Eur(0.16m));
    }

    [Fact]
    public void jpy_allocates_whole_yen()
    {
        var yen = Currency.JPY;
        AssertParts(new Money(1000m, yen).Allocate(3), new Money(334m, yen), new Money(333m, yen), new Money(333m, yen));
    }

    [Fact]
    public void kwd_allocates_whole_fils()
    {
        var kwd = Currency.KWD;
        AssertParts(new Money(1.000m, kwd).Allocate(3), new Money(0.334m, kwd), new Money(0.333m, kwd), new Money(0.333m, kwd));
    }

    [Fact]
    public void parts_carry_the_currencys_minor_units()
    {
        Assert.All(Eur(10m).Allocate(4), p => Assert.Equal(2, p.Amount.Scale));
        Assert.All(new Money(10m, Currency.CLF).Allocate(4), p => Assert.Equal(4, p.Amount.Scale));
    }

    [Fact]
    public void negative_amounts_allocate_like_positive_ones_with_the_sign_flipped()
    {
        AssertParts(Eur(-0.05m).Allocate(3), Eur(-0.02m), Eur(-0.02m), Eur(-0.01m));
    }

    [Fact]
    public void fewer_cents_than_parts_leaves_the_last_parts_at_zero()
    {
        AssertParts(Eur(0.02m).Allocate(4), Eur(0.01m), Eur(0.01m), Eur(0m), Eur(0m));
    }

    [Fact]
    public void a_single_part_is_the_whole_amount()
    {
        AssertParts(Eur(12.34m).Allocate(1), Eur(12.34m));
    }

    [Fact]
    public void ratios_split_proportionally()
    {
        AssertParts(Eur(100m).Allocate(70m, 20m, 10m), Eur(70m), Eur(20m), Eur(10m));
    }

    [Fact]
    public void the_left_over_cent_goes_to_the_largest_remainder_not_simply_the_first_part()
    {
        // Exact shares are 3.3, 3.3 and 4.4 cents: the third part has the largest remainder.
        AssertParts(Eur(0.11m).Allocate(3m, 3m, 4m), Eur(0.03m), Eur(0.03m), Eur(0.05m));
    }

    [Fact]
    public void equal_remainders_favour_the_first_part()
    {
        // Exact shares are 2.5, 2.5 and 5 cents.
        AssertParts(Eur(0.10m).Allocate(1m, 1m, 2m), Eur(0.03m), Eur(0.02m), Eur(0.05m));
    }

    [Fact]
    public void invoice_vat_is_apportioned_over_lines_by_their_net_amounts()
    {
        var vat = Eur(19.99m);

        var perLine = vat.Allocate(10.00m, 5.00m, 2.50m);

        // Exact shares are 1142.857, 571.428 and 285.714 cents.
        AssertParts(perLine, Eur(11.42m), Eur(5.71m), Eur(2.86m));
        Assert.Equal(vat, Money.Sum(perLine, Currency.EUR));
    }

    [Fact]
    public void a_zero_ratio_gets_nothing()
    {
        AssertParts(Eur(0.03m).Allocate(0m, 1m, 1m), Eur(0m), Eur(0.02m), Eur(0.01m));
    }

    [Fact]
    public void ratios_with_different_scales_are_compared_exactly()
    {
        AssertParts(Eur(1.00m).Allocate(0.5m, 0.25m, 0.250m), Eur(0.50m), Eur(0.25m), Eur(0.25m));
    }

    [Fact]
    public void amounts_finer_than_the_minor_unit_must_be_rounded_first()
    {
        var refused = Assert.Throws<InvalidOperationException>(() => Eur(10.005m).Allocate(2));

        Assert.Contains("round it first", refused.Message);
        Assert.Throws<InvalidOperationException>(() => new Money(0.5m, Currency.JPY).Allocate(1m, 1m));
    }

    [Fact]
    public void trailing_zeros_beyond_the_minor_unit_are_not_extra_precision()
    {
        AssertParts(Eur(10.0100m).Allocate(2), Eur(5.01m), Eur(5.00m));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void the_number_of_parts_must_be_positive(int parts)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Eur(1m).Allocate(parts));
    }

    [Fact]
    public void ratios_must_be_given_non_negative_and_not_all_zero()
    {
        Assert.Throws<ArgumentException>(() => Eur(1m).Allocate(Array.Empty<decimal>()));
        Assert.Throws<ArgumentException>(() => Eur(1m).Allocate(1m, -1m));
        Assert.Throws<ArgumentException>(() => Eur(1m).Allocate(0m, 0m));
        Assert.Throws<ArgumentNullException>(() => Eur(1m).Allocate((decimal[])null!));
    }

    [Fact]
    public void amounts_at_the_edge_of_decimal_allocate_without_overflow()
    {
        // Counted in cents this total exceeds decimal's range, yet every share fits.
        var huge = Eur(decimal.MaxValue);

        var parts = huge.Allocate(1000);

        // Summing the parts with decimal would itself round at this magnitude, so count them instead:
        // 500 x ...950.34 + 500 x ...950.33 = 1000 x ...950.335 = decimal.MaxValue.
        Assert.Equal(1000, parts.Count);
        Assert.All(parts.Take(500), p => Assert.Equal(79228162514264337593543950.34m, p.Amount));
        Assert.All(parts.Skip(500), p => Assert.Equal(79228162514264337593543950.33m, p.Amount));
    }

    [Fact]
    public void shares_that_decimal_cannot_hold_exactly_are_refused_rather_than_rounded()
    {
        Assert.Throws<OverflowException>(() => Eur(decimal.MaxValue).Allocate(2));
    }

    [Fact]
    public void allocation_parts_always_sum_to_the_rounded_original_and_differ_by_at_most_one_minor_unit()
    {
        Gen.Select(MoneyGen.AnyCurrency, MoneyGen.InvoiceAmount, MoneyGen.AnyRounding, Gen.Int[1, 50])
            .Sample((currency, amount, mode, count) =>
            {
                var rounded = new Money(amount, currency).Round(mode);
                var unit = MoneyGen.MinorUnit(currency);

                var parts = rounded.Allocate(count);

                Assert.Equal(count, parts.Count);
                Assert.Equal(rounded, Money.Sum(parts, currency));
                Assert.InRange(parts.Max(p => p.Amount) - parts.Min(p => p.Amount), 0m, unit);
                Assert.All(parts, p => Assert.Equal(p.Amount, decimal.Round(p.Amount, currency.MinorUnits)));
                // Larger parts come first: the left-over units went to the first parts.
                Assert.Equal(parts.OrderByDescending(p => Math.Abs(p.Amount)).Select(p => p.Amount), parts.Select(p => p.Amount));
            });
    }

    [Fact]
    public void ratio_parts_sum_exactly_and_stay_within_one_minor_unit_of_the_exact_share()
    {
        var ratios = Gen.Int[0, 1000].Array[1, 12].Where(r => r.Any(x => x > 0));
        Gen.Select(MoneyGen.AnyCurrency, MoneyGen.InvoiceAmount, ratios)
            .Sample((currency, amount, weights) =>
            {
                var rounded = new Money(amount, currency).Round(MidpointRounding.ToEven);
                var unit = MoneyGen.MinorUnit(currency);
                decimal weightSum = weights.Sum();

                var parts = rounded.Allocate(weights.Select(w => (decimal)w).ToArray());

                Assert.Equal(rounded, Money.Sum(parts, currency));
                for (var i = 0; i < weights.Length; i++)
                {
                    // Compared scaled by weightSum to stay exact: |part - total * w / sum| < one minor unit.
                    var error = Math.Abs(parts[i].Amount * weightSum - rounded.Amount * weights[i]);
                    Assert.True(error < unit * weightSum, $"part {i} = {parts[i]} is a minor unit or more away from its exact share");
                }
            });
    }

    [Fact]
    public void ratios_are_scale_free()
    {
        Gen.Select(MoneyGen.InvoiceAmount, Gen.Int[1, 1000].Array[1, 8])
            .Sample((amount, weights) =>
            {
                var rounded = new Money(amount, Currency.EUR).Round(MidpointRounding.ToEven);

                Assert.Equal(
                    rounded.Allocate(weights.Select(w => (decimal)w).ToArray()),
                    rounded.Allocate(weights.Select(w => w / 1000m).ToArray()));
            });
    }
}
