using System.Globalization;
using System.Text.Json;
using CsCheck;
using Settlement.Domain.Monetary;

namespace Settlement.Tests.Monetary;


public sealed class money_json_tests
{
    private sealed record InvoiceLine(string Description, Money Net, Money? Discount);

    [Fact]
    public void money_serialises_as_an_amount_and_currency_object()
    {
        Assert.Equal("""{"amount":12.34,"currency":"EUR"}""", JsonSerializer.Serialize(new Money(12.34m, Currency.EUR)));
    }

    [Theory]
    [InlineData("12.30", "EUR", """{"amount":12.30,"currency":"EUR"}""")]
    [InlineData("-0.001", "KWD", """{"amount":-0.001,"currency":"KWD"}""")]
    [InlineData("1500", "JPY", """{"amount":1500,"currency":"JPY"}""")]
    [InlineData("79228162514264337593543950335", "EUR", """{"amount":79228162514264337593543950335,"currency":"EUR"}""")]
    [InlineData("0.0000000000000000000000000001", "EUR", """{"amount":0.0000000000000000000000000001,"currency":"EUR"}""")]
    [InlineData("1234567890123456789.123456789", "USD", """{"amount":1234567890123456789.123456789,"currency":"USD"}""")]
    public void the_amount_is_written_digit_for_digit_from_the_decimal(string amount, string code, string expected)
    {
        var money = new Money(decimal.Parse(amount, CultureInfo.InvariantCulture), Currency.FromCode(code));

        Assert.Equal(expected, JsonSerializer.Serialize(money));
    }

    [Fact]
    public void the_amount_is_read_digit_for_digit_not_through_double()
    {
        var money = JsonSerializer.Deserialize<Money>("""{"amount": 1234567890123456789.123456780, "currency": "USD"}""")!;

        Assert.Equal(1234567890123456789.123456780m, money.Amount);
        Assert.Equal(9, money.Amount.Scale);
        Assert.Equal(Currency.USD, money.Currency);
    }

    [Fact]
    public void property_order_does_not_matter()
    {
        Assert.Equal(new Money(1.5m, Currency.GBP), JsonSerializer.Deserialize<Money>("""{"currency":"GBP","amount":1.5}"""));
    }

    [Fact]
    public void currency_codes_are_read_in_any_case()
    {
        Assert.Equal(new Money(1m, Currency.SEK), JsonSerializer.Deserialize<Money>("""{"amount":1,"currency":"sek"}"""));
    }

    [Fact]
    public void exponent_notation_from_other_producers_is_read_exactly()
    {
        Assert.Equal(1500m, JsonSerializer.Deserialize<Money>("""{"amount":1.5e3,"currency":"EUR"}""")!.Amount);
    }

    [Theory]
    [InlineData("""{"amount": 1}""", "Money is missing \"currency\"")]
    [InlineData("""{"currency": "EUR"}""", "Money is missing \"amount\"")]
    [InlineData("""{}""", "Money is missing \"amount\"")]
    [InlineData("""{"amount": 1, "currency": "XYZ"}""", "Unknown ISO 4217 currency code 'XYZ'")]
    [InlineData("""{"amount": 1, "currency": null}""", "Currency must be an ISO 4217 code string")]
    [InlineData("""{"amount": 1, "currency": 978}""", "Currency must be an ISO 4217 code string")]
    [InlineData("""{"amount": "1.00", "currency": "EUR"}""", "Money \"amount\" must be a JSON number")]
    [InlineData("""{"amount": null, "currency": "EUR"}""", "Money \"amount\" must be a JSON number")]
    [InlineData("""{"amount": 1e400, "currency": "EUR"}""", "outside the range of decimal")]
    [InlineData("""{"amount": 1, "amount": 2, "currency": "EUR"}""", "Money has \"amount\" more than once")]
    [InlineData("""{"amount": 1, "currency": "EUR", "currency": "USD"}""", "Money has \"currency\" more than once")]
    [InlineData("""{"Amount": 1, "currency": "EUR"}""", "unexpected property \"Amount\"")]
    [InlineData("""{"amount": 1, "currency": "EUR", "note": "x"}""", "unexpected property \"note\"")]
    [InlineData("""[1, "EUR"]""", "Money must be a JSON object")]
    [InlineData("""12.34""", "Money must be a JSON object")]
    [InlineData("\"12.34 EUR\"", "Money must be a JSON object")]
    public void malformed_money_is_refused_with_a_clear_reason(string json, string reason)
    {
        var refused = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Money>(json));

        Assert.Contains(reason, refused.Message);
    }

    [Fact]
    public void money_inside_a_record_keeps_its_contract_names_whatever_the_naming_policy()
    {
        var options = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseUpper };
        var line = new InvoiceLine("Energy", new Money(4.27m, Currency.EUR), null);

        var json = JsonSerializer.Serialize(line, options);

        Assert.Equal("""{"DESCRIPTION":"Energy","NET":{"amount":4.27,"currency":"EUR"},"DISCOUNT":null}""", json);
        Assert.Equal(line, JsonSerializer.Deserialize<InvoiceLine>(json, options));
    }

    [Fact]
    public void currency_serialises_as_its_code()
    {
        Assert.Equal("\"KWD\"", JsonSerializer.Serialize(Currency.KWD));
        Assert.Equal(Currency.KWD, JsonSerializer.Deserialize<Currency>("\"kwd\""));
    }

    [Fact]
    public void unknown_or_non_string_currencies_are_refused()
    {
        var unknown = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Currency>("\"XYZ\""));
        Assert.Contains("Unknown ISO 4217 currency code 'XYZ'", unknown.Message);
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Currency>("978"));
    }

    [Fact]
    public void currencies_work_as_dictionary_keys()
    {
        var totals = new Dictionary<Currency, Money>
        {
            [Currency.EUR] = new(10.5m, Currency.EUR),
            [Currency.JPY] = new(1200m, Currency.JPY),
        };

        var json = JsonSerializer.Serialize(totals);
        var back = JsonSerializer.Deserialize<Dictionary<Currency, Money>>(json)!;

        Assert.Equal("""{"EUR":{"amount":10.5,"currency":"EUR"},"JPY":{"amount":1200,"currency":"JPY"}}""", json);
        Assert.Equal(totals, back);
    }

    [Fact]
    public void json_round_trip_is_exact_for_any_amount()
    {
        Gen.Select(MoneyGen.AnyCurrency, MoneyGen.AnyDecimal)
            .Sample((currency, amount) =>
            {
                var money = new Money(amount, currency);

                var json = JsonSerializer.Serialize(money);
                var back = JsonSerializer.Deserialize<Money>(json)!;

                Assert.Equal(money, back);
                Assert.Equal(amount.Scale, back.Amount.Scale);
                Assert.Contains($"\"amount\":{amount.ToString(CultureInfo.InvariantCulture)},", json);
            });
    }
}
