using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Settlement.Domain.Events;

namespace Settlement.Ledger.Schemas;

/// <summary>Checks an event against its committed schema before anything of its batch is written.</summary>
public sealed class EventValidator
{
    private static readonly EvaluationOptions Evaluation = new()
    {
        OutputFormat = OutputFormat.List,
        RequireFormatValidation = true,
    };

    private readonly EventCatalogue _catalogue;
    private readonly Dictionary<Type, JsonSchema> _schemas = new();
    private readonly Dictionary<Type, CompiledSchema> _compiled = new();

    public EventValidator(EventCatalogue catalogue)
    {
        _catalogue = catalogue;
        foreach (var type in catalogue.All)
        {
            var text = EventSchemas.Committed(type) ?? throw new InvalidOperationException(
                $"No committed schema for {type.ClrType.Name} at schemas/{type.SchemaPath}; run `./settle schemas --write-missing`.");
            _schemas[type.ClrType] = JsonSchema.FromText(text);
            if (CompiledSchema.TryCompile(JsonNode.Parse(text)!) is { } compiled)
                _compiled[type.ClrType] = compiled;
        }
    }

    /// <exception cref="UnknownEventException">The event's type is not catalogued.</exception>
    /// <exception cref="RetiredEventException">The event's type is superseded by a newer version.</exception>
    /// <exception cref="MalformedEventException">The event breaks its schema.</exception>
    public EventType Validate(object data) => Validate(data, JsonSerializer.Serialize(data, data.GetType(), LedgerJson.Options));

    /// <summary>Checks <paramref name="storedJson"/>, the JSON <paramref name="data"/> is stored as, against its schema.</summary>
    /// <inheritdoc cref="Validate(object)"/>
    public EventType Validate(object data, string storedJson)
    {
        var type = _catalogue.For(data.GetType());
        if (type.Retired) throw new RetiredEventException(type);
        if (_compiled.TryGetValue(type.ClrType, out var compiled))
        {
            using var document = JsonDocument.Parse(storedJson);
            if (compiled.SurelyValid(document.RootElement)) return type;
        }

        var result = _schemas[type.ClrType].Evaluate(JsonNode.Parse(storedJson), Evaluation);
        if (result.IsValid) return type;

        var problems = (result.Details ?? [])
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{Pointer(d.InstanceLocation.ToString())}: {e.Value}"))
            .Distinct()
            .ToList();
        throw new MalformedEventException(type, problems);
    }

    private static string Pointer(string location) => location.Length == 0 ? "/" : location;
}

public sealed class MalformedEventException(EventType type, IReadOnlyList<string> problems)
    : Exception($"{type.ClrType.Name} breaks its schema (schemas/{type.SchemaPath}): {string.Join("; ", problems)}")
{
    public EventType EventType { get; } = type;
    public IReadOnlyList<string> Problems { get; } = problems;
}
