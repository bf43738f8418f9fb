using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Json.Schema;
using NodaTime;
using Settlement.Cli.Demo;
using Settlement.Domain.Events;
using Settlement.Ledger;
using Settlement.Ledger.Schemas;

namespace Settlement.Tests.Ledger;

/// <summary>
/// The compiled checks may only ever wave through what JsonSchema.Net accepts: the validator trusts their
/// "surely valid" and asks JsonSchema.Net about everything else.
/// </summary>
public sealed class compiled_schema_tests
{
    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.Flag, RequireFormatValidation = true };

    // One stored example of every event type the demo network produces, as the ledger writes it.
    private static readonly IReadOnlyList<(EventType Type, string Json)> Examples = DemoNetwork
        .Generate(new DemoOptions(Seed: 11, new LocalDate(2026, 10, 1), Days: 3))
        .GroupBy(e => e.Data.GetType())
        .Select(g => (EventCatalogue.Current.For(g.Key), JsonSerializer.Serialize(g.First().Data, g.Key, LedgerJson.Options)))
        .ToList();

    private static readonly JsonNode?[] Replacements =
    [
        null, true, false, 0, -1, 1, 99, 100, 101, 1.5m, 0.01m, -0.01m, 2147483648L, JsonNode.Parse("1e3"), JsonNode.Parse("1.0"),
        "", " ", "x", "DE", "de", "EUR", "DE\n", "ÄÖ", "Lyon Presqu'île", "Available", "available", "12:30", "24:00",
        "2026-10-01", "2026-02-30", "2026-10-01T10:00:00Z", "2026-10-01T10:00:00.1234567Z", "2026-10-01T10:00:00.123456789Z",
        "2026-10-01T25:00:00Z", "2026-10-01 10:00:00Z", "2026-10-01T10:00:00+02:00", "2026-10-01T10:00:00.Z",
        "2024-02-29", "0000-01-01", "2026-13-01", "2026-00-10", "2026-10-01T10:60:00Z", "+2026-10-01T10:00:00Z", "2026-1-01T10:00:00Z",
        new JsonArray(), new JsonArray(1), new JsonObject(), new JsonObject { ["unexpected"] = 1 },
    ];

    [Fact]
    public void every_committed_event_schema_compiles()
    {
        var uncompiled = EventCatalogue.Current.All
            .Where(t => CompiledSchema.TryCompile(JsonNode.Parse(EventSchemas.Committed(t)!)!) is null)
            .Select(t => t.SchemaPath);

        Assert.Empty(uncompiled);
    }

    [Fact]
    public void the_demo_events_in_printable_ascii_are_surely_valid()
    {
        foreach (var (type, json) in Examples.Where(e => e.Json.All(c => c is >= ' ' and <= '~')))
            Assert.True(Compiled(type).SurelyValid(JsonDocument.Parse(json).RootElement), $"{type.StoredName}: {json}");
    }

    [Fact]
    public void a_mutated_event_is_surely_valid_only_when_its_schema_accepts_it()
    {
        var mutations = Gen.Select(Gen.Int[0, Examples.Count - 1], Gen.Int[0, 1_000], Gen.Int[0, Replacements.Length - 1], Gen.Int[0, 2]);

        mutations.Sample((example, position, replacement, kind) =>
        {
            var (type, json) = Examples[example];
            var document = JsonNode.Parse(json)!;
            Mutate(document, position, Replacements[replacement]?.DeepClone(), kind);

            var surelyValid = Compiled(type).SurelyValid(JsonSerializer.SerializeToElement(document));
            var valid = JsonSchema.FromText(EventSchemas.Committed(type)!).Evaluate(document, Evaluation).IsValid;

            Assert.False(surelyValid && !valid, $"{type.StoredName} passed the compiled checks but breaks its schema: {document.ToJsonString()}");
        }, iter: 20_000);
    }

    private static CompiledSchema Compiled(EventType type) => CompiledSchema.TryCompile(JsonNode.Parse(EventSchemas.Committed(type)!)!)!;

    /// <summary>Replaces a value anywhere in the document (kind 0), drops a property (1) or adds an unknown one (2).</summary>
    private static void Mutate(JsonNode document, int position, JsonNode? replacement, int kind)
    {
        var nodes = Descendants(document).ToList();
        var target = nodes[position % nodes.Count];
        switch (kind)
        {
            case 1 when target.Parent is JsonObject parent:
                parent.Remove(target.GetPropertyName());
                break;
            case 2 when target is JsonObject obj:
                obj["unexpectedField"] = replacement;
                break;
            default:
                switch (target.Parent)
                {
                    case JsonObject parent: parent[target.GetPropertyName()] = replacement; break;
                    case JsonArray array: array[target.GetElementIndex()] = replacement; break;
                }
                break;
        }
    }

    private static IEnumerable<JsonNode> Descendants(JsonNode node)
    {
        yield return node;
        var children = node switch
        {
            JsonObject obj => obj.Select(p => p.Value),
            JsonArray array => array.AsEnumerable(),
            _ => [],
        };
        foreach (var child in children.OfType<JsonNode>())
            foreach (var descendant in Descendants(child))
                yield return descendant;
    }
}
