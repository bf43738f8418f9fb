using System.Text.Json;
using System.Text.Json.Serialization;

namespace Settlement.Domain.Monetary;

/// <summary>
/// Money as <c>{"amount": 12.34, "currency": "EUR"}</c>. The amount is a JSON number written from the
/// decimal's own digits and read back with the decimal parser, never through double, so every digit
/// and trailing zero survives. The shape is a ledger contract: property names are fixed (no naming
/// policy) and anything unexpected is refused rather than silently dropped.
/// </summary>
public sealed class MoneyJsonConverter : JsonConverter<Money>
{
    private const string AmountProperty = "amount";
    private const string CurrencyProperty = "currency";

    public override Money Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new JsonException($"Money must be a JSON object like {{\"amount\": 12.34, \"currency\": \"EUR\"}}, not {reader.TokenType}");

        decimal? amount = null;
        Currency? currency = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var property = reader.GetString();
            reader.Read();
            switch (property)
            {
                case AmountProperty when amount is null:
                    if (reader.TokenType != JsonTokenType.Number)
                        throw new JsonException($"Money \"amount\" must be a JSON number, not {reader.TokenType}");
                    if (!reader.TryGetDecimal(out var parsed))
                        throw new JsonException("Money \"amount\" is outside the range of decimal");
                    amount = parsed;
                    break;
                case CurrencyProperty when currency is null:
                    currency = CurrencyJsonConverter.ReadCurrency(ref reader);
                    break;
                case AmountProperty or CurrencyProperty:
                    throw new JsonException($"Money has \"{property}\" more than once");
                default:
                    throw new JsonException($"Money has unexpected property \"{property}\"; only \"amount\" and \"currency\" are allowed");
            }
        }

        if (amount is null)
            throw new JsonException("Money is missing \"amount\"");
        if (currency is null)
            throw new JsonException("Money is missing \"currency\"");
        return new Money(amount.Value, currency);
    }

    public override void Write(Utf8JsonWriter writer, Money value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteNumber(AmountProperty, value.Amount);
        writer.WriteString(CurrencyProperty, value.Currency.Code);
        writer.WriteEndObject();
    }
}

/// <summary>A currency as its ISO 4217 code string, also usable as a dictionary key (totals per currency).</summary>
public sealed class CurrencyJsonConverter : JsonConverter<Currency>
{
    public override Currency Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        ReadCurrency(ref reader);

    public override void Write(Utf8JsonWriter writer, Currency value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Code);

    public override Currency ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        ReadCurrency(ref reader);

    public override void WriteAsPropertyName(Utf8JsonWriter writer, Currency value, JsonSerializerOptions options) =>
        writer.WritePropertyName(value.Code);

    internal static Currency ReadCurrency(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName))
            throw new JsonException($"Currency must be an ISO 4217 code string, not {reader.TokenType}");
        var code = reader.GetString()!;
        return Currency.TryFromCode(code, out var currency)
            ? currency
            : throw new JsonException($"Unknown ISO 4217 currency code '{code}'");
    }
}
