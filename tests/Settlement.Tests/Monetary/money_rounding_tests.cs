using System.Globalization;
using System.Reflection;
using Settlement.Domain.Monetary;

namespace Settlement.Tests.Monetary;


public sealed class money_rounding_tests
{
    private const MidpointRounding HalfEven = MidpointRounding.ToEven;
    private const MidpointRounding HalfUp = MidpointRounding.AwayFromZero;
    private const MidpointRounding Truncate = MidpointRounding.ToZero;
    private const MidpointRounding Floor = MidpointRounding.ToNegativeInfinity;
    private const MidpointRounding Ceiling = MidpointRounding.ToPositiveInfinity;

    // Decimals as strings because attributes cannot hold decimal constants.
    public static TheoryData<string, string, MidpointRounding, string> MinorUnitCases => new()
    {
        // EUR: cents.
        { "EUR", "2.345", HalfEven, "2.34" },
        { "EUR", "2.345", HalfUp, "2.35" },
        { "EUR", "2.345", Truncate, "2.34" },
        { "EUR", "2.345", Floor, "2.34" },
        { "EUR", "2.345", Ceiling, "2.35" },
        { "EUR", "-2.345", HalfEven, "-2.34" },
        { "EUR", "-2.345", HalfUp, "-2.35" },
        { "EUR", "-2.345", Truncate, "-2.34" },
        { "EUR", "-2.345", Floor, "-2.35" },
        { "EUR", "-2.345", Ceiling, "-2.34" },
        { "EUR", "2.355", HalfEven, "2.36" },
        { "EUR", "2.355", HalfUp, "2.36" },
        { "EUR", "2.3401", HalfEven, "2.34" },
        { "EUR", "2.3401", HalfUp, "2.34" },
        { "EUR", "2.3401", Truncate, "2.34" },
        { "EUR", "2.3401", Floor, "2.34" },
        { "EUR", "2.3401", Ceiling, "2.35" },
        { "EUR", "-2.3499", Truncate, "-2.34" },
        { "EUR", "-2.3499", Floor, "-2.35" },
        { "EUR", "-2.3499", Ceiling, "-2.34" },
        // JPY: whole yen.
        { "JPY", "2.5", HalfEven, "2" },
        { "JPY", "2.5", HalfUp, "3" },
        { "JPY", "2.5", Truncate, "2" },
        { "JPY", "2.5", Floor, "2" },
        { "JPY", "2.5", Ceiling, "3" },
        { "JPY", "3.5", HalfEven, "4" },
        { "JPY", "3.5", HalfUp, "4" },
        { "JPY", "-2.5", HalfEven, "-2" },
        { "JPY", "-2.5", HalfUp, "-3" },
        { "JPY", "-2.5", Truncate, "-2" },
        { "JPY", "-2.5", Floor, "-3" },
        { "JPY", "-2.5", Ceiling, "-2" },
        { "JPY", "1234.4", HalfEven, "1234" },
        { "JPY", "1234.4", HalfUp, "1234" },
        { "JPY", "1234.4", Truncate, "1234" },
        { "JPY", "1234.4", Floor, "1234" },
        { "JPY", "1234.4", Ceiling, "1235" },
        // KWD: fils, three decimals.
        { "KWD", "1.2345", HalfEven, "1.234" },
        { "KWD", "1.2345", HalfUp, "1.235" },
        { "KWD", "1.2345", Truncate, "1.234" },
        { "KWD", "1.2345", Floor, "1.234" },
        { "KWD", "1.2345", Ceiling, "1.235" },
        { "KWD", "-1.2345", HalfEven, "-1.234" },
        { "KWD", "-1.2345", HalfUp, "-1.235" },
        { "KWD", "-1.2345", Truncate, "-1.234" },
        { "KWD", "-1.2345", Floor, "-1.235" },
        { "KWD", "-1.2345", Ceiling, "-1.234" },
        { "KWD", "1.2355", HalfEven, "1.236" },
        { "KWD", "1.2355", HalfUp, "1.236" },
        { "KWD", "0.0004", HalfEven, "0.000" },
        { "KWD", "0.0004", HalfUp, "0.000" },
        { "KWD", "0.0004", Truncate, "0.000" },
        { "KWD", "0.0004", Floor, "0.000" },
        { "KWD", "0.0004", Ceiling, "0.001" },
        // CLF: four decimals.
        { "CLF", "1.23455", HalfEven, "1.2346" },
        { "CLF", "1.23445", HalfEven, "1.2344" },
        { "CLF", "1.23445", HalfUp, "1.2345" },
    };

    [Theory]
    [MemberData(nameof(MinorUnitCases))]
    public void every_rounding_mode_rounds_to_the_currencys_minor_units(string code, string amount, MidpointRounding mode, string expected)
    {
        var currency = Currency.FromCode(code);

        var rounded = new Money(D(amount), currency).Round(mode);

        Assert.Equal(new Money(D(expected), currency), rounded);
        Assert.Equal(currency.MinorUnits, rounded.Amount.Scale);
    }

    [Theory]
    [InlineData("EUR")]
    [InlineData("JPY")]
    [InlineData("KWD")]
    public void the_examples_cover_every_rounding_mode_for_each_currency(string code)
    {
        var covered = MinorUnitCases.Where(c => (string)c[0] == code).Select(c => (MidpointRounding)c[2]).ToHashSet();

        Assert.Equal(Enum.GetValues<MidpointRounding>().ToHashSet(), covered);
    }

    [Fact]
    public void eur_rounds_to_cents()
    {
        Assert.Equal(new Money(4.27m, Currency.EUR), new Money(4.266432m, Currency.EUR).Round(HalfUp));
    }

    [Fact]
    public void jpy_rounds_to_whole_yen()
    {
        var rounded = new Money(1234.5678m, Currency.JPY).Round(HalfUp);

        Assert.Equal(1235m, rounded.Amount);
        Assert.Equal(0, rounded.Amount.Scale);
    }

    [Fact]
    public void kwd_rounds_to_three_decimals()
    {
        var rounded = new Money(1.23456m, Currency.KWD).Round(HalfUp);

        Assert.Equal(1.235m, rounded.Amount);
        Assert.Equal(3, rounded.Amount.Scale);
    }

    [Fact]
    public void half_even_and_away_from_zero_differ_on_midpoints()
    {
        var midpoint = new Money(0.125m, Currency.EUR);

        Assert.Equal(0.12m, midpoint.Round(HalfEven).Amount);
        Assert.Equal(0.13m, midpoint.Round(HalfUp).Amount);
    }

    [Fact]
    public void half_even_and_away_from_zero_agree_off_midpoints()
    {
        var offMidpoint = new Money(0.1251m, Currency.EUR);

        Assert.Equal(0.13m, offMidpoint.Round(HalfEven).Amount);
        Assert.Equal(0.13m, offMidpoint.Round(HalfUp).Amount);
    }

    [Fact]
    public void rounded_amounts_carry_exactly_the_minor_units()
    {
        var rounded = new Money(1.5m, Currency.EUR).Round(HalfEven);

        Assert.Equal(2, rounded.Amount.Scale);
        Assert.Equal("1.50", rounded.Amount.ToString(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void rounding_keeps_the_currency_and_leaves_the_original_alone()
    {
        var original = new Money(2.345m, Currency.KWD);

        var rounded = original.Round(2, HalfUp);

        Assert.Equal(Currency.KWD, rounded.Currency);
        Assert.Equal(2.345m, original.Amount);
    }

    public static TheoryData<string, MidpointRounding, string> TariffPriceCases => new()
    {
        // Per-kWh prices are quoted to 4 decimals whatever the currency's minor unit.
        { "0.12345", HalfEven, "0.1234" },
        { "0.12345", HalfUp, "0.1235" },
        { "0.12345", Truncate, "0.1234" },
        { "0.12345", Floor, "0.1234" },
        { "0.12345", Ceiling, "0.1235" },
        { "-0.12345", HalfEven, "-0.1234" },
        { "-0.12345", HalfUp, "-0.1235" },
        { "-0.12345", Truncate, "-0.1234" },
        { "-0.12345", Floor, "-0.1235" },
        { "-0.12345", Ceiling, "-0.1234" },
    };

    [Theory]
    [MemberData(nameof(TariffPriceCases))]
    public void explicit_decimals_override_the_minor_units(string amount, MidpointRounding mode, string expected)
    {
        foreach (var currency in new[] { Currency.EUR, Currency.JPY, Currency.KWD })
        {
            var rounded = new Money(D(amount), currency).Round(4, mode);

            Assert.Equal(new Money(D(expected), currency), rounded);
            Assert.Equal(4, rounded.Amount.Scale);
        }
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(29)]
    public void decimals_outside_what_decimal_can_hold_are_refused(int decimals)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Money(1m, Currency.EUR).Round(decimals, HalfEven));
    }

    [Fact]
    public void rounding_always_names_its_mode()
    {
        var roundingMethods = typeof(Money).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
            .Where(m => m.Name.Contains("Round", StringComparison.OrdinalIgnoreCase))
            .ToList();

        Assert.Equal(2, roundingMethods.Count);
        Assert.All(roundingMethods, m => Assert.Contains(m.GetParameters(), p => p.ParameterType == typeof(MidpointRounding)));
    }

    private static decimal D(string text) => decimal.Parse(text, CultureInfo.InvariantCulture);
}
