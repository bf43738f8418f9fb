using System.Text.RegularExpressions;
using Settlement.Domain.Monetary;

namespace Settlement.Tests.Monetary;

public sealed class currency_tests
{
    [Theory]
    [InlineData("EUR", 2)]
    [InlineData("USD", 2)]
    [InlineData("GBP", 2)]
    [InlineData("CHF", 2)]
    [InlineData("NOK", 2)]
    [InlineData("SEK", 2)]
    [InlineData("DKK", 2)]
    [InlineData("PLN", 2)]
    [InlineData("CZK", 2)]
    [InlineData("HUF", 2)]
    [InlineData("RON", 2)]
    [InlineData("BGN", 2)]
    [InlineData("ISK", 0)]
    [InlineData("JPY", 0)]
    [InlineData("KRW", 0)]
    [InlineData("CAD", 2)]
    [InlineData("AUD", 2)]
    [InlineData("NZD", 2)]
    [InlineData("KWD", 3)]
    [InlineData("BHD", 3)]
    [InlineData("JOD", 3)]
    [InlineData("TND", 3)]
    [InlineData("CLF", 4)]
    public void settlement_currencies_carry_their_iso_4217_minor_units(string code, int minorUnits)
    {
        var currency = Currency.FromCode(code);

        Assert.Equal(code, currency.Code);
        Assert.Equal(minorUnits, currency.MinorUnits);
    }

    [Fact]
    public void named_currencies_are_the_table_entries()
    {
        Assert.Same(Currency.FromCode("EUR"), Currency.EUR);
        Assert.Same(Currency.FromCode("JPY"), Currency.JPY);
        Assert.Same(Currency.FromCode("KWD"), Currency.KWD);
        Assert.Same(Currency.FromCode("CLF"), Currency.CLF);
    }

    [Fact]
    public void every_table_code_is_three_upper_case_letters_and_appears_once()
    {
        Assert.All(Currency.All, c => Assert.Matches(new Regex("^[A-Z]{3}$"), c.Code));
        Assert.All(Currency.All, c => Assert.InRange(c.MinorUnits, 0, 4));
        Assert.Equal(Currency.All.Count, Currency.All.Select(c => c.Code).Distinct().Count());
    }

    [Theory]
    [InlineData("eur")]
    [InlineData("Eur")]
    [InlineData("eUR")]
    public void lookup_ignores_case(string code)
    {
        Assert.Same(Currency.EUR, Currency.FromCode(code));
    }

    [Fact]
    public void unknown_code_is_refused_naming_the_code()
    {
        var refused = Assert.Throws<UnknownCurrencyException>(() => Currency.FromCode("XYZ"));

        Assert.IsAssignableFrom<ArgumentException>(refused);
        Assert.StartsWith("Unknown ISO 4217 currency code 'XYZ'", refused.Message);
        Assert.Equal("XYZ", refused.Code);
    }

    [Theory]
    [InlineData("")]
    [InlineData("EU")]
    [InlineData("EURO")]
    [InlineData(" EUR")]
    [InlineData("EUR ")]
    [InlineData("€")]
    [InlineData("XAU")]
    public void near_misses_are_not_currencies(string code)
    {
        Assert.Throws<UnknownCurrencyException>(() => Currency.FromCode(code));
        Assert.False(Currency.TryFromCode(code, out var currency));
        Assert.Null(currency);
    }

    [Fact]
    public void null_code_is_a_programming_error_not_an_unknown_currency()
    {
        Assert.Throws<ArgumentNullException>(() => Currency.FromCode(null!));
        Assert.False(Currency.TryFromCode(null, out _));
    }

    [Fact]
    public void try_from_code_finds_known_codes_ignoring_case()
    {
        Assert.True(Currency.TryFromCode("kwd", out var currency));
        Assert.Same(Currency.KWD, currency);
    }

    [Fact]
    public void currencies_are_equal_by_code()
    {
        var lookedUp = Currency.FromCode("usd");

        Assert.Equal(Currency.USD, lookedUp);
        Assert.True(Currency.USD == lookedUp);
        Assert.False(Currency.USD != lookedUp);
        Assert.Equal(Currency.USD.GetHashCode(), lookedUp.GetHashCode());
        Assert.NotEqual(Currency.USD, Currency.EUR);
        Assert.True(Currency.USD != Currency.EUR);
        Assert.False(Currency.USD.Equals(null));
        Assert.False(Currency.USD == null);
    }

    [Fact]
    public void to_string_is_the_code()
    {
        Assert.Equal("EUR", Currency.FromCode("eur").ToString());
        Assert.Equal("KWD", $"{Currency.KWD}");
    }
}
