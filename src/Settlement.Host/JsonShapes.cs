using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using NodaTime;
using Settlement.Domain.Monetary;

namespace Settlement.Host;

/// <summary>
/// What a JSON value of a request must look like, said the way a client writes it ("a date like 2026-10-01",
/// "one of Ocpp16, Ocpp201"), and every place a request body departs from it. The deserializer stops at the first
/// problem and names .NET types; clients get all the problems at once, each naming its field.
/// </summary>
public static class JsonShapes
{
    /// <summary>The shape a value of <paramref name="type"/> has in JSON, as a phrase.</summary>
    public static string Expected(Type type, JsonSerializerOptions options)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (Scalar(type) is { } scalar) return scalar;
        if (type.IsEnum) return $"one of {string.Join(", ", Enum.GetNames(type))}";
        var info = options.GetTypeInfo(type);
        return info.Kind switch
        {
            JsonTypeInfoKind.Enumerable when info.ElementType is { } item => $"an array, each item {Expected(item, options)}",
            JsonTypeInfoKind.Object => $"an object with fields {string.Join(", ", info.Properties.Select(p => p.Name))}",
            JsonTypeInfoKind.Dictionary => "an object",
            _ => "a JSON value",
        };
    }

    private static string? Scalar(Type type) => type switch
    {
        _ when type == typeof(string) => "a string",
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte)
               || type == typeof(uint) || type == typeof(ulong) || type == typeof(ushort) => "a whole number",
        _ when type == typeof(decimal) || type == typeof(double) || type == typeof(float) => "a number",
        _ when type == typeof(Instant) => "an instant in ISO 8601 UTC, like 2026-10-12T18:30:00Z",
        _ when type == typeof(LocalDate) => "a date like 2026-10-01",
        _ when type == typeof(LocalTime) => "a time of day like 18:30:00",
        _ when type == typeof(Money) => "an amount like {\"amount\": 12.34, \"currency\": \"EUR\"}",
        _ when type == typeof(Currency) => "an ISO 4217 currency code like EUR",
        _ when type == typeof(Uri) => "a URL",
        _ when typeof(JsonObject).IsAssignableFrom(type) => "a JSON object",
        _ => null,
    };

    /// <summary>
    /// Every way <paramref name="node"/> is not a <paramref name="type"/>, each as "path: expected …"; empty when it is.
    /// <paramref name="path"/> is the field's place in the body ("evses[0].connectors"), empty for the body itself.
    /// </summary>
    public static IReadOnlyList<string> Problems(JsonNode? node, Type type, JsonSerializerOptions options, string path = "")
    {
        var problems = new List<string>();
        Check(node, type, allowsNull: false, options, path, problems);
        return problems;
    }

    private static void Check(JsonNode? node, Type type, bool allowsNull, JsonSerializerOptions options, string path, List<string> problems)
    {
        if (node is null)
        {
            if (!allowsNull && Nullable.GetUnderlyingType(type) is null)
                problems.Add($"{Named(path)}: expected {Expected(type, options)}, not null");
            return;
        }
        type = Nullable.GetUnderlyingType(type) ?? type;
        var info = options.GetTypeInfo(type);
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object when node is JsonObject fields:
                CheckFields(fields, info, options, path, problems);
                break;
            case JsonTypeInfoKind.Enumerable when node is JsonArray items && info.ElementType is { } itemType:
                for (var i = 0; i < items.Count; i++)
                    Check(items[i], itemType, allowsNull: !itemType.IsValueType, options, $"{path}[{i}]", problems);
                break;
            case JsonTypeInfoKind.Object or JsonTypeInfoKind.Enumerable:
                problems.Add($"{Named(path)}: expected {Expected(type, options)}, not {Shown(node)}");
                break;
            default:
                if (!Reads(node, type, options)) problems.Add($"{Named(path)}: expected {Expected(type, options)}, not {Shown(node)}");
                break;
        }
    }

    private static void CheckFields(JsonObject fields, JsonTypeInfo info, JsonSerializerOptions options, string path, List<string> problems)
    {
        var comparison = options.PropertyNameCaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var disallowsUnknown = (info.UnmappedMemberHandling ?? options.UnmappedMemberHandling) == JsonUnmappedMemberHandling.Disallow;
        foreach (var (name, value) in fields)
        {
            var property = info.Properties.FirstOrDefault(p => string.Equals(p.Name, name, comparison));
            if (property is null)
            {
                if (disallowsUnknown)
                    problems.Add($"{Join(path, name)}: not a field here; the fields are {string.Join(", ", info.Properties.Select(p => p.Name))}");
                continue;
            }
            var allowsNull = !options.RespectNullableAnnotations
                             || (property.AssociatedParameter?.IsNullable ?? property.IsSetNullable);
            Check(value, property.PropertyType, allowsNull, options, Join(path, property.Name), problems);
        }
        foreach (var property in info.Properties.Where(p => IsRequired(p, options)))
            if (!fields.Any(f => string.Equals(f.Key, property.Name, comparison)))
                problems.Add($"{Join(path, property.Name)}: required, expected {Expected(property.PropertyType, options)}");
    }

    private static bool IsRequired(JsonPropertyInfo property, JsonSerializerOptions options) =>
        property.IsRequired
        || (options.RespectRequiredConstructorParameters && property.AssociatedParameter is { HasDefaultValue: false, IsMemberInitializer: false });

    /// <summary>Whether the deserializer takes the value: the one judge of shapes that have their own converter.</summary>
    private static bool Reads(JsonNode node, Type type, JsonSerializerOptions options)
    {
        try
        {
            node.Deserialize(type, options);
            return true;
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            return false;
        }
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    private static string Named(string path) => path.Length == 0 ? "body" : path;

    /// <summary>Enough of a refused value to recognise it, never all of a large one.</summary>
    private static string Shown(JsonNode node)
    {
        var text = node.ToJsonString();
        return text.Length <= 60 ? text : text[..60] + "...";
    }
}
