using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Settlement.Ledger.Schemas;

/// <summary>
/// A committed event schema turned into direct checks of the few keywords event schemas use, so that a valid
/// event is accepted in about a microsecond instead of JsonSchema.Net's general evaluation (most of an append's
/// CPU). It only ever answers "surely valid": whatever it cannot decide cheaply and exactly (a number in
/// exponent form, a string outside printable ASCII, a time in an unusual but legal shape) counts as not sure,
/// and the caller then lets JsonSchema.Net give the verdict and the errors. So an event is refused exactly
/// when, and with exactly the problems, JsonSchema.Net finds.
/// </summary>
public sealed class CompiledSchema
{
    private delegate bool Check(JsonElement instance);

    private static readonly HashSet<string> Annotations = ["$schema", "$id", "title", "description"];

    private readonly Check _check;

    private CompiledSchema(Check check) => _check = check;

    public bool SurelyValid(JsonElement instance) => _check(instance);

    /// <summary>Null when the schema uses a keyword these checks do not implement: it is then left to JsonSchema.Net alone.</summary>
    public static CompiledSchema? TryCompile(JsonNode schema) =>
        schema["$schema"]?.ToString() == Draft202012 && Compile(schema) is { } check ? new CompiledSchema(check) : null;

    // The keywords below mean what they mean in this draft (items, for one, meant something else before it).
    private const string Draft202012 = "https://json-schema.org/draft/2020-12/schema";

    private static Check? Compile(JsonNode? schema)
    {
        if (schema is JsonValue boolean && boolean.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            var allowed = boolean.GetValue<bool>();
            return _ => allowed;
        }
        if (schema is not JsonObject keywords) return null;

        var checks = new List<Check>();
        foreach (var (keyword, value) in keywords)
        {
            if (Annotations.Contains(keyword) || keyword.StartsWith("x-", StringComparison.Ordinal)) continue;
            var check = keyword switch
            {
                "type" => TypeCheck(value),
                "properties" or "additionalProperties" => null, // compiled together below
                "required" => RequiredCheck(value),
                "minLength" => LengthCheck(value, (length, limit) => length >= limit),
                "maxLength" => LengthCheck(value, (length, limit) => length <= limit),
                "minimum" => BoundCheck(value, (number, limit) => number >= limit),
                "maximum" => BoundCheck(value, (number, limit) => number <= limit),
                "pattern" => PatternCheck(value),
                "format" => FormatCheck(value),
                "enum" => value is JsonArray options ? AnyOf(options) : null,
                "const" => AnyOf([value?.DeepClone()]),
                "items" => ItemsCheck(value),
                "minItems" => ItemCountCheck(value),
                _ => null,
            };
            if (check is null && keyword is not ("properties" or "additionalProperties")) return null;
            if (check is not null) checks.Add(check);
        }
        if (keywords.ContainsKey("properties") || keywords.ContainsKey("additionalProperties"))
        {
            if (PropertiesCheck(keywords["properties"], keywords["additionalProperties"]) is not { } properties) return null;
            checks.Add(properties);
        }

        var all = checks.ToArray();
        return instance =>
        {
            foreach (var check in all)
                if (!check(instance)) return false;
            return true;
        };
    }

    private static Check? TypeCheck(JsonNode? value)
    {
        var names = value switch
        {
            JsonArray array => array.Select(n => n?.GetValueKind() == JsonValueKind.String ? n.GetValue<string>() : null).ToList(),
            JsonValue single when single.GetValueKind() == JsonValueKind.String => [single.GetValue<string>()],
            _ => null,
        };
        if (names is null || names.Any(n => n is null)) return null;
        var kinds = new List<Func<JsonElement, bool>>();
        foreach (var name in names)
        {
            Func<JsonElement, bool>? kind = name switch
            {
                "object" => e => e.ValueKind == JsonValueKind.Object,
                "array" => e => e.ValueKind == JsonValueKind.Array,
                "string" => e => e.ValueKind == JsonValueKind.String,
                "boolean" => e => e.ValueKind is JsonValueKind.True or JsonValueKind.False,
                "null" => e => e.ValueKind == JsonValueKind.Null,
                "number" => e => e.ValueKind == JsonValueKind.Number,
                // 1.0 is an integer to JSON Schema too, but only plain digits are sure without parsing.
                "integer" => e => e.ValueKind == JsonValueKind.Number && IsPlainInteger(e),
                _ => null,
            };
            if (kind is null) return null;
            kinds.Add(kind);
        }
        var any = kinds.ToArray();
        return instance =>
        {
            foreach (var kind in any)
                if (kind(instance)) return true;
            return false;
        };
    }

    private static bool IsPlainInteger(JsonElement number)
    {
        foreach (var c in number.GetRawText())
            if (c is not (>= '0' and <= '9' or '-')) return false;
        return true;
    }

    private static Check? RequiredCheck(JsonNode? value)
    {
        if (value is not JsonArray array || array.Any(n => n?.GetValueKind() != JsonValueKind.String)) return null;
        var names = array.Select(n => n!.GetValue<string>()).ToArray();
        return instance =>
        {
            if (instance.ValueKind != JsonValueKind.Object) return true;
            foreach (var name in names)
                if (!instance.TryGetProperty(name, out _)) return false;
            return true;
        };
    }

    private static Check? PropertiesCheck(JsonNode? properties, JsonNode? additional)
    {
        var known = new Dictionary<string, Check>(StringComparer.Ordinal);
        if (properties is not null)
        {
            if (properties is not JsonObject declared) return null;
            foreach (var (name, schema) in declared)
            {
                if (Compile(schema) is not { } check) return null;
                known[name] = check;
            }
        }
        Check? others = null;
        if (additional is not null && (others = Compile(additional)) is null) return null;

        return instance =>
        {
            if (instance.ValueKind != JsonValueKind.Object) return true;
            foreach (var property in instance.EnumerateObject())
            {
                var check = known.GetValueOrDefault(property.Name) ?? others;
                if (check is not null && !check(property.Value)) return false;
            }
            return true;
        };
    }

    // What counts as a string's length (code points, text elements) only agrees everywhere for printable ASCII.
    private static Check? LengthCheck(JsonNode? value, Func<int, int, bool> holds) =>
        WholeNumber(value) is { } limit
            ? instance => instance.ValueKind != JsonValueKind.String
                          || (instance.GetString() is { } text && IsPrintableAscii(text) && holds(text.Length, limit))
            : null;

    private static Check? BoundCheck(JsonNode? value, Func<decimal, decimal, bool> holds)
    {
        if (value?.GetValueKind() != JsonValueKind.Number
            || !decimal.TryParse(value.ToJsonString(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var limit))
            return null;
        return instance => instance.ValueKind != JsonValueKind.Number
                           || (decimal.TryParse(instance.GetRawText(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint,
                                   CultureInfo.InvariantCulture, out var number) && holds(number, limit));
    }

    // For printable ASCII, .NET's and ECMAScript's regular expressions agree on the patterns we write; both must match.
    private static Check? PatternCheck(JsonNode? value)
    {
        if (value?.GetValueKind() != JsonValueKind.String) return null;
        var pattern = value.GetValue<string>();
        var dotnet = new Regex(pattern, RegexOptions.CultureInvariant);
        var ecmaScript = new Regex(pattern, RegexOptions.ECMAScript);
        return instance => instance.ValueKind != JsonValueKind.String
                           || (instance.GetString() is { } text && IsPrintableAscii(text) && dotnet.IsMatch(text) && ecmaScript.IsMatch(text));
    }

    private static Check? FormatCheck(JsonNode? value) => (value?.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null) switch
    {
        "date-time" => instance => instance.ValueKind != JsonValueKind.String || IsUtcDateTime(instance.GetString()!),
        "date" => instance => instance.ValueKind != JsonValueKind.String || IsDate(instance.GetString()),
        _ => null,
    };

    /// <summary>Only the shape NodaTime writes an Instant in: yyyy-MM-ddTHH:mm:ss, up to 7 fraction digits, Z.</summary>
    private static bool IsUtcDateTime(string text) =>
        text.Length is >= 20 and <= 28 && IsDate(text.AsSpan(0, 10)) && text[10] == 'T'
        && Number(text.AsSpan(11, 2)) is >= 0 and <= 23 && text[13] == ':'
        && Number(text.AsSpan(14, 2)) is >= 0 and <= 59 && text[16] == ':'
        && Number(text.AsSpan(17, 2)) is >= 0 and <= 59 && text[^1] == 'Z'
        && (text.Length == 20 || (text.Length >= 22 && text[19] == '.' && AllDigits(text.AsSpan(20, text.Length - 21))));

    private static bool IsDate(ReadOnlySpan<char> text) =>
        text.Length == 10 && text[4] == '-' && text[7] == '-'
        && Number(text[..4]) is >= 1 and var year
        && Number(text.Slice(5, 2)) is >= 1 and <= 12 and var month
        && Number(text.Slice(8, 2)) is >= 1 and var day && day <= DateTime.DaysInMonth(year, month);

    /// <summary>The digits as a number; -1 when any is not a digit.</summary>
    private static int Number(ReadOnlySpan<char> digits)
    {
        var value = 0;
        foreach (var c in digits)
        {
            if (c is < '0' or > '9') return -1;
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private static Check AnyOf(IEnumerable<JsonNode?> options)
    {
        var allowed = options.Select(o => JsonSerializer.SerializeToElement(o)).ToArray();
        return instance =>
        {
            foreach (var option in allowed)
                if (JsonElement.DeepEquals(option, instance)) return true;
            return false;
        };
    }

    private static Check? ItemsCheck(JsonNode? value)
    {
        if (Compile(value) is not { } item) return null;
        return instance =>
        {
            if (instance.ValueKind != JsonValueKind.Array) return true;
            foreach (var element in instance.EnumerateArray())
                if (!item(element)) return false;
            return true;
        };
    }

    private static Check? ItemCountCheck(JsonNode? value) =>
        WholeNumber(value) is { } limit ? instance => instance.ValueKind != JsonValueKind.Array || instance.GetArrayLength() >= limit : null;

    private static int? WholeNumber(JsonNode? value) =>
        value?.GetValueKind() == JsonValueKind.Number && int.TryParse(value.ToJsonString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    private static bool IsPrintableAscii(string text)
    {
        foreach (var c in text)
            if (c is < ' ' or > '~') return false;
        return true;
    }

    private static bool AllDigits(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
            if (c is < '0' or > '9') return false;
        return true;
    }
}
