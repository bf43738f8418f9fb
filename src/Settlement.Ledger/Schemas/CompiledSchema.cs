using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Settlement.Ledger.Schemas;

/// <summary>
/// A schema turned into direct checks of the few keywords our event schemas and the official OCPP schemas use,
/// so that a valid event or OCPP payload is accepted in a microsecond or two instead of JsonSchema.Net's general
/// evaluation (most of an append's CPU, and a fifth of the host's under OCPP load). It only ever answers "surely
/// valid": whatever it cannot decide cheaply and exactly (a number in exponent form, a string outside printable
/// ASCII, a time in an unusual but legal shape) counts as not sure, and the caller then lets JsonSchema.Net give
/// the verdict and the errors. So input is refused exactly when, and with exactly the problems, JsonSchema.Net
/// finds.
/// </summary>
public sealed class CompiledSchema
{
    private delegate bool Check(JsonElement instance);

    private static readonly HashSet<string> Annotations = ["$schema", "$id", "$comment", "title", "description", "default", "examples"];

    // Compiled together after the other keywords (the properties), or only referred to (the definitions).
    private static readonly HashSet<string> CompiledApart = ["properties", "additionalProperties", "definitions", "$defs"];

    // Both drafts give the keywords below the same meaning ("items" as one schema for every item, say), as long as
    // a "$ref" has no siblings, which draft 7 would ignore and 2020-12 would apply: such a schema is not compiled.
    private static readonly HashSet<string> Drafts =
    [
        "https://json-schema.org/draft/2020-12/schema",
        "http://json-schema.org/draft-07/schema",
        "http://json-schema.org/draft-07/schema#",
    ];

    private readonly Check _check;

    private CompiledSchema(Check check) => _check = check;

    public bool SurelyValid(JsonElement instance) => _check(instance);

    /// <summary>Null when the schema uses a keyword these checks do not implement: it is then left to JsonSchema.Net alone.</summary>
    public static CompiledSchema? TryCompile(JsonNode schema) =>
        Drafts.Contains(schema["$schema"]?.ToString() ?? "") && new Compiler(schema).Compile(schema) is { } check ? new CompiledSchema(check) : null;

    /// <summary>Compiles one root schema, resolving its local "$ref"s ("#/definitions/...") once each.</summary>
    private sealed class Compiler(JsonNode root)
    {
        private readonly Dictionary<string, Check?> _references = new(StringComparer.Ordinal);

        public Check? Compile(JsonNode? schema)
        {
            if (schema is JsonValue boolean && boolean.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
            {
                var allowed = boolean.GetValue<bool>();
                return _ => allowed;
            }
            if (schema is not JsonObject keywords) return null;
            if (keywords.ContainsKey("$ref"))
                return keywords.All(k => k.Key == "$ref" || Annotations.Contains(k.Key)) ? Reference(keywords["$ref"]) : null;

            var checks = new List<Check>();
            foreach (var (keyword, value) in keywords)
            {
                if (Annotations.Contains(keyword) || CompiledApart.Contains(keyword) || keyword.StartsWith("x-", StringComparison.Ordinal)) continue;
                var check = keyword switch
                {
                    "type" => TypeCheck(value),
                    // Only an array of item schemas gives it a meaning; beside one schema for every item it is ignored.
                    "additionalItems" => keywords["items"] is JsonObject ? _ => true : null,
                    "required" => RequiredCheck(value),
                    "minLength" => LengthCheck(value, (length, limit) => length >= limit),
                    "maxLength" => LengthCheck(value, (length, limit) => length <= limit),
                    "minimum" => BoundCheck(value, (number, limit) => number >= limit),
                    "maximum" => BoundCheck(value, (number, limit) => number <= limit),
                    "multipleOf" => BoundCheck(value, (number, limit) => limit > 0 && number % limit == 0),
                    "pattern" => PatternCheck(value),
                    "format" => FormatCheck(value),
                    "enum" => value is JsonArray options ? AnyOf([.. options]) : null,
                    "const" => AnyOf([value?.DeepClone()]),
                    "items" => ItemsCheck(value),
                    "minItems" => ItemCountCheck(value, (count, limit) => count >= limit),
                    "maxItems" => ItemCountCheck(value, (count, limit) => count <= limit),
                    _ => null,
                };
                if (check is null) return null;
                checks.Add(check);
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

        /// <summary>A pointer into this root; a recursive schema is not compiled (none of ours is).</summary>
        private Check? Reference(JsonNode? reference)
        {
            if (reference?.GetValueKind() != JsonValueKind.String || reference.GetValue<string>() is not ['#', '/', ..] pointer) return null;
            if (_references.TryGetValue(pointer, out var known)) return known;
            _references[pointer] = null;
            JsonNode? target = root;
            foreach (var step in pointer[2..].Split('/'))
                target = target is JsonObject obj ? obj[step.Replace("~1", "/").Replace("~0", "~")] : null;
            return _references[pointer] = target is null ? null : Compile(target);
        }

        private Check? PropertiesCheck(JsonNode? properties, JsonNode? additional)
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

        private Check? ItemsCheck(JsonNode? value)
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

    private static Check AnyOf(IReadOnlyList<JsonNode?> options)
    {
        // OCPP's enums run to dozens of strings: one lookup instead of a comparison with each.
        if (options.All(o => o?.GetValueKind() == JsonValueKind.String))
        {
            var names = options.Select(o => o!.GetValue<string>()).ToFrozenSet(StringComparer.Ordinal);
            return instance => instance.ValueKind == JsonValueKind.String && names.Contains(instance.GetString()!);
        }
        var allowed = options.Select(o => JsonSerializer.SerializeToElement(o)).ToArray();
        return instance =>
        {
            foreach (var option in allowed)
                if (JsonElement.DeepEquals(option, instance)) return true;
            return false;
        };
    }

    private static Check? ItemCountCheck(JsonNode? value, Func<int, int, bool> holds) =>
        WholeNumber(value) is { } limit ? instance => instance.ValueKind != JsonValueKind.Array || holds(instance.GetArrayLength(), limit) : null;

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
