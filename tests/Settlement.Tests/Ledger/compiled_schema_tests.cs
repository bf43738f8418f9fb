using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Json.Schema;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Drivers;
using Settlement.Domain.Events;
using Settlement.Domain.Sessions;
using Settlement.Ledger;
using Settlement.Ledger.Schemas;
using Settlement.Workbench.Demo;

namespace Settlement.Tests.Ledger;

/// <summary>
/// The compiled checks may only ever wave through what JsonSchema.Net accepts: the validator trusts their
/// "surely valid" and asks JsonSchema.Net about everything else.
/// </summary>
public sealed class compiled_schema_tests
{
    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.Flag, RequireFormatValidation = true };

    // One stored example of every event type the demo network produces, as the ledger writes it, and of the
    // sealed-driver events it does not (they come from live OCPP and from erasures).
    private static readonly IReadOnlyList<(EventType Type, string Json)> Examples = DemoNetwork
        .Generate(new DemoOptions(Seed: 11, new LocalDate(2026, 10, 1), Days: 3))
        .Select(e => e.Data)
        .Concat(
        [
            new IdTokenAuthorisedV2("DE-MUC-01", TestDrivers.Seal("RFID-0001"), AuthorisationOutcome.Accepted, Instant.FromUtc(2026, 10, 1, 10, 0)),
            new DriverDataErased(TestDrivers.Seal("RFID-0002").DriverRef, "GDPR art. 17 request", Instant.FromUtc(2026, 10, 1, 10, 0)),
        ])
        .GroupBy(data => data.GetType())
        .Select(g => (EventCatalogue.Current.For(g.Key), JsonSerializer.Serialize(g.First(), g.Key, LedgerJson.Options)))
        .ToList();

    private const string DriverRef = "drv_0123456789abcdef0123456789abcdef";

    private static readonly JsonNode?[] Replacements =
    [
        null, true, false, 0, -1, 1, 99, 100, 101, 1.5m, 0.01m, -0.01m, 2147483648L, JsonNode.Parse("1e3"), JsonNode.Parse("1.0"),
        "", " ", "x", "DE", "de", "EUR", "DE\n", "ÄÖ", "Lyon Presqu'île", "Available", "available", "12:30", "24:00",
        "2026-10-01", "2026-02-30", "2026-10-01T10:00:00Z", "2026-10-01T10:00:00.1234567Z", "2026-10-01T10:00:00.123456789Z",
        "2026-10-01T25:00:00Z", "2026-10-01 10:00:00Z", "2026-10-01T10:00:00+02:00", "2026-10-01T10:00:00.Z",
        "2024-02-29", "0000-01-01", "2026-13-01", "2026-00-10", "2026-10-01T10:60:00Z", "+2026-10-01T10:00:00Z", "2026-1-01T10:00:00Z",
        new JsonArray(), new JsonArray(1), new JsonObject(), new JsonObject { ["unexpected"] = 1 },
        DriverRef, DriverRef.ToUpperInvariant(), DriverRef[..^1], DriverRef + "0", DriverRef + "\n", "plain:RFID-0001",
        new JsonObject { ["driverRef"] = DriverRef, ["ciphertext"] = "c2VhbGVk" },
        new JsonObject { ["driverRef"] = DriverRef, ["ciphertext"] = "" },
        new JsonObject { ["driverRef"] = DriverRef },
        new JsonObject { ["driverRef"] = "plain:RFID-0001", ["ciphertext"] = "c2VhbGVk" },
        new JsonObject { ["driverRef"] = DriverRef, ["ciphertext"] = "c2VhbGVk", ["idToken"] = "RFID-0001" },
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
    public void the_example_events_in_printable_ascii_are_surely_valid()
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
            JsonMutations.Mutate(document, position, Replacements[replacement]?.DeepClone(), kind);

            var surelyValid = Compiled(type).SurelyValid(JsonSerializer.SerializeToElement(document));
            var valid = JsonSchema.FromText(EventSchemas.Committed(type)!).Evaluate(document, Evaluation).IsValid;

            Assert.False(surelyValid && !valid, $"{type.StoredName} passed the compiled checks but breaks its schema: {document.ToJsonString()}");
        }, iter: 20_000);
    }

    [Fact]
    public void a_sealed_driver_field_is_surely_valid_exactly_when_its_schema_accepts_it()
    {
        // Printable ASCII throughout, so the compiled checks must decide every one of them themselves.
        JsonNode?[] driverRefs = [DriverRef, DriverRef.ToUpperInvariant(), DriverRef[..^1], DriverRef + "0", "drv_", "plain:RFID-0001", "", 7, null];
        JsonNode?[] sealedValues =
        [
            new JsonObject { ["driverRef"] = DriverRef, ["ciphertext"] = "c2VhbGVk" },
            new JsonObject { ["driverRef"] = DriverRef, ["ciphertext"] = "" },
            new JsonObject { ["driverRef"] = DriverRef },
            new JsonObject { ["ciphertext"] = "c2VhbGVk" },
            new JsonObject { ["driverRef"] = "plain:RFID-0001", ["ciphertext"] = "c2VhbGVk" },
            new JsonObject { ["driverRef"] = DriverRef, ["ciphertext"] = "c2VhbGVk", ["idToken"] = "RFID-0001" },
            "RFID-0001", null,
        ];
        var checkedFields = 0;

        foreach (var (type, json) in Examples)
        {
            var fields = JsonMutations.Descendants(JsonNode.Parse(json)!).Where(n => n.Parent is JsonObject && n.GetPropertyName() == "driverRef").ToList();
            foreach (var field in fields)
            {
                var sealedValue = field.Parent!;
                foreach (var replacement in driverRefs)
                    AssertSameVerdict(type, field, replacement);
                if (sealedValue.Parent is not null)
                    foreach (var replacement in sealedValues)
                        AssertSameVerdict(type, sealedValue, replacement);
                checkedFields++;
            }
        }

        Assert.True(checkedFields >= 6, $"only {checkedFields} sealed driver fields among the examples");
    }

    /// <summary>Given the node at <paramref name="target"/>'s place replaced, the compiled checks and JsonSchema.Net agree.</summary>
    private static void AssertSameVerdict(EventType type, JsonNode target, JsonNode? replacement)
    {
        var copy = target.Root.DeepClone();
        var path = target.GetPath();
        var place = JsonMutations.Descendants(copy).Single(n => n.GetPath() == path);
        ((JsonObject)place.Parent!)[place.GetPropertyName()] = replacement?.DeepClone();

        var surelyValid = Compiled(type).SurelyValid(JsonSerializer.SerializeToElement(copy));
        var valid = JsonSchema.FromText(EventSchemas.Committed(type)!).Evaluate(copy, Evaluation).IsValid;

        Assert.True(surelyValid == valid, $"{type.StoredName}: compiled says {surelyValid}, JsonSchema.Net {valid}: {copy.ToJsonString()}");
    }

    private static CompiledSchema Compiled(EventType type) => CompiledSchema.TryCompile(JsonNode.Parse(EventSchemas.Committed(type)!)!)!;
}
