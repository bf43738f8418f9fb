using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using Json.Schema;
using NodaTime;
using Settlement.Domain.Events;

namespace Settlement.Ledger.Schemas;

/// <summary>
/// JSON Schemas of the stored event contracts. The committed files under <c>schemas/</c> are the
/// contract; <see cref="Generate"/> derives what the current record would need, so a test can catch a
/// record drifting from its stored meaning.
/// </summary>
public static class EventSchemas
{
    private const string SchemaBaseUri = "https://settlement.dev/schemas/";

    public static string Generate(EventType type)
    {
        var exporterOptions = new JsonSchemaExporterOptions
        {
            TreatNullObliviousAsNonNullable = true,
            TransformSchemaNode = Refine,
        };
        var body = LedgerJson.Options.GetJsonSchemaAsNode(type.ClrType, exporterOptions).AsObject();

        var document = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = SchemaBaseUri + type.SchemaPath,
            ["title"] = type.ClrType.Name,
            ["x-event-type"] = type.StoredName,
            ["x-version"] = type.Version,
        };
        foreach (var (key, value) in body.ToList())
        {
            body.Remove(key);
            document[key] = value;
        }
        return document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>The committed schema of an event type, as embedded in this assembly at build time.</summary>
    public static string? Committed(EventType type)
    {
        using var stream = typeof(EventSchemas).Assembly.GetManifestResourceStream("schemas/" + type.SchemaPath);
        if (stream is null) return null;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Compares every catalogued type with its schema file under <paramref name="schemasDirectory"/>.</summary>
    public static IReadOnlyList<SchemaAudit> Audit(EventCatalogue catalogue, string schemasDirectory) =>
        catalogue.All.Select(type =>
        {
            var path = Path.Combine(schemasDirectory, type.SchemaPath);
            var generated = Generate(type);
            var status = !File.Exists(path) ? SchemaStatus.Missing
                : File.ReadAllText(path).ReplaceLineEndings("\n") == generated ? SchemaStatus.Matches
                : SchemaStatus.Drifted;
            return new SchemaAudit(type, path, status, generated);
        }).ToList();

    private static JsonNode Refine(JsonSchemaExporterContext context, JsonNode schema)
    {
        var clrType = Nullable.GetUnderlyingType(context.TypeInfo.Type) ?? context.TypeInfo.Type;
        var nullable = clrType != context.TypeInfo.Type;
        var format = clrType == typeof(Instant) ? "date-time"
            : clrType == typeof(LocalDate) ? "date"
            : null;
        if (format is not null)
        {
            schema = new JsonObject
            {
                ["type"] = nullable ? new JsonArray("string", "null") : "string",
                ["format"] = format,
            };
        }

        if (schema is JsonObject obj && context.PropertyInfo?.AttributeProvider is ICustomAttributeProvider attributes)
            ApplyDataAnnotations(obj, attributes);
        return schema;
    }

    // The records state their invariants with DataAnnotations so one attribute serves the schema,
    // the append-time validation and a reader of the record.
    private static void ApplyDataAnnotations(JsonObject schema, ICustomAttributeProvider attributes)
    {
        foreach (var attribute in attributes.GetCustomAttributes(inherit: true))
        {
            switch (attribute)
            {
                case MinLengthAttribute min when IsType(schema, "array"):
                    schema["minItems"] = min.Length;
                    break;
                case MinLengthAttribute min:
                    schema["minLength"] = min.Length;
                    break;
                case MaxLengthAttribute max when IsType(schema, "array"):
                    schema["maxItems"] = max.Length;
                    break;
                case MaxLengthAttribute max:
                    schema["maxLength"] = max.Length;
                    break;
                case RangeAttribute range:
                    schema["minimum"] = JsonValue.Create(Convert.ToDecimal(range.Minimum, System.Globalization.CultureInfo.InvariantCulture));
                    schema["maximum"] = JsonValue.Create(Convert.ToDecimal(range.Maximum, System.Globalization.CultureInfo.InvariantCulture));
                    break;
                case AtLeastAttribute atLeast:
                    schema["minimum"] = atLeast.Minimum;
                    break;
                case RegularExpressionAttribute regex:
                    schema["pattern"] = regex.Pattern;
                    break;
            }
        }
    }

    private static bool IsType(JsonObject schema, string type) => schema["type"] switch
    {
        JsonValue value => value.GetValue<string>() == type,
        JsonArray array => array.Any(t => t?.GetValue<string>() == type),
        _ => false,
    };
}

public enum SchemaStatus { Matches, Missing, Drifted }

public sealed record SchemaAudit(EventType Type, string Path, SchemaStatus Status, string GeneratedSchema);
