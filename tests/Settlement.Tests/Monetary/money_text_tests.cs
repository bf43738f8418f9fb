using System.Globalization;
using CsCheck;
using Settlement.Domain.Monetary;

namespace Settlement.Tests.Monetary;


public sealed class money_text_tests
{
    [Theory]
    [InlineData("12.34", "EUR", "12.34 EUR")]
    [InlineData("12.3", "EUR", "12.30 EUR")]
    [InlineData("12", "EUR", "12.00 EUR")]
    [InlineData("12.3400", "EUR", "12.34 EUR")]
    [InlineData("-0.5", "EUR", "-0.50 EUR")]
    [InlineData("1234567.5", "EUR", "1234567.50 EUR")]
    [InlineData("1500", "JPY", "1500 JPY")]
    [InlineData("1500.000", "JPY", "1500 JPY")]
    [InlineData("1.5", "KWD", "1.500 KWD")]
    [InlineData("7", "CLF", "7.0000 CLF")]
    public void to_string_pads_to_the_minor_units_when_the_amount_fits_them(string amount, string code, string expected)
    {
        Assert.Equal(expected, new Money(D(amount), Currency.FromCode(code)).ToString());
    }

    [Theory]
    [InlineData("0.2345", "EUR", "0.2345 EUR")]
    [InlineData("4.266432", "EUR", "4.266432 EUR")]
    [InlineData("1.5", "JPY", "1.5 JPY")]
    [InlineData("-1.23450", "KWD", "-1.23450 KWD")]
    public void to_string_shows_every_digit_when_the_amount_is_finer_than_the_minor_unit(string amount, string code, string expected)
    {
        Assert.Equal(expected, new Money(D(amount), Currency.FromCode(code)).ToString());
    }

    [Fact]
    public void to_string_and_parse_ignore_the_current_culture()
    {
        var previous = CultureInfo.CurrentCulture;
        // InvariantGlobalization is on, so build a comma-decimal culture rather than asking for de-DE.
        var commaDecimal = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        commaDecimal.NumberFormat.NumberDecimalSeparator = ",";
        commaDecimal.NumberFormat.NumberGroupSeparator = ".";
        try
        {
            CultureInfo.CurrentCulture = commaDecimal;

            Assert.Equal("1234.50 EUR", new Money(1234.5m, Currency.EUR).ToString());
            Assert.Equal("1234.5678 EUR", new Money(1234.5678m, Currency.EUR).ToString());
            Assert.Equal(new Money(1234.5m, Currency.EUR), Money.Parse("1234.50 EUR"));
            Assert.Equal(new Money(1234.5678m, Currency.EUR), Money.Parse("1234.5678 EUR"));
            Assert.Throws<FormatException>(() => Money.Parse("1234,50 EUR"));
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void parse_reads_amount_and_currency()
    {
        var money = Money.Parse("12.34 EUR");

        Assert.Equal(12.34m, money.Amount);
        Assert.Equal(Currency.EUR, money.Currency);
    }

    [Fact]
    public void parse_accepts_currency_codes_in_any_case()
    {
        Assert.Equal(new Money(-3m, Currency.JPY), Money.Parse("-3 jpy"));
    }

    [Fact]
    public void parse_keeps_every_digit()
    {
        var money = Money.Parse("0.1234567890123456789012345678 EUR");

        Assert.Equal(0.1234567890123456789012345678m, money.Amount);
        Assert.Equal(28, money.Amount.Scale);
    }

    [Theory]
    [InlineData("")]
    [InlineData("12.34")]
    [InlineData("EUR")]
    [InlineData("EUR 12.34")]
    [InlineData("12,34 EUR")]
    [InlineData("1,234.00 EUR")]
    [InlineData("1e3 EUR")]
    [InlineData("12.34  EUR")]
    [InlineData(" 12.34 EUR")]
    [InlineData("12.34 EUR ")]
    [InlineData("12.34 EUR EUR")]
    [InlineData("12.34 €")]
    public void parse_refuses_anything_but_amount_space_code(string text)
    {
        var refused = Assert.Throws<FormatException>(() => Money.Parse(text));

        Assert.Contains($"'{text}' is not money", refused.Message);
        Assert.False(Money.TryParse(text, out var money));
        Assert.Null(money);
    }

    [Fact]
    public void parse_names_an_unknown_currency()
    {
        var refused = Assert.Throws<FormatException>(() => Money.Parse("12.34 XYZ"));

        Assert.Contains("Unknown ISO 4217 currency code 'XYZ'", refused.Message);
    }

    [Fact]
    public void try_parse_of_null_is_false_and_parse_of_null_is_a_programming_error()
    {
        Assert.False(Money.TryParse(null, out _));
        Assert.Throws<ArgumentNullException>(() => Money.Parse(null!));
    }

    [Fact]
    public void try_parse_reads_valid_text()
    {
        Assert.True(Money.TryParse("0.005 KWD", out var money));
        Assert.Equal(new Money(0.005m, Currency.KWD), money);
    }

    [Fact]
    public void parse_round_trips_to_string_for_any_amount_and_currency()
    {
        Gen.Select(MoneyGen.AnyCurrency, MoneyGen.AnyDecimal)
            .Sample((currency, amount) =>
            {
                var money = new Money(amount, currency);

                var text = money.ToString();

                Assert.Equal(money, Money.Parse(text));
                Assert.Equal(text, Money.Parse(text).ToString());
            });
    }

    private static decimal D(string text) => decimal.Parse(text, CultureInfo.InvariantCulture);
}
