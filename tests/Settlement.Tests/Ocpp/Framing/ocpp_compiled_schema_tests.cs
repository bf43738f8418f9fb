using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Json.Schema;
using Settlement.Ledger.Schemas;
using Settlement.Ocpp.Framing;

namespace Settlement.Tests.Ocpp.Framing;

/// <summary>
/// The validator waves a payload through on the compiled checks alone, so they may only ever pass what the
/// official schema, evaluated by JsonSchema.Net, accepts. Checked on mutations of the payloads chargers send most
/// and of the commands with the trickier keywords (multipleOf, maxItems, nested $refs).
/// </summary>
public sealed class ocpp_compiled_schema_tests
{
    private sealed record Bundle(OcppProtocol Protocol, IReadOnlyDictionary<string, (JsonSchema Schema, CompiledSchema? Compiled)> Requests, EvaluationOptions Options);

    private static readonly Bundle Ocpp16 = Load(OcppProtocol.Ocpp16, "ocpp-schemas/ocpp1_6.json");
    private static readonly Bundle Ocpp201 = Load(OcppProtocol.Ocpp201, "ocpp-schemas/ocpp2_0_1.json");

    private static readonly (Bundle Bundle, string Action, string Payload)[] Examples =
    [
        (Ocpp16, "BootNotification", """{"chargePointVendor":"Alfen","chargePointModel":"Eve Single","chargePointSerialNumber":"ACE0012345","firmwareVersion":"5.8.1"}"""),
        (Ocpp16, "StatusNotification", """{"connectorId":1,"errorCode":"NoError","status":"Charging","timestamp":"2026-11-25T14:00:00.000Z"}"""),
        (Ocpp16, "StartTransaction", """{"connectorId":1,"idTag":"RFID-0001","meterStart":1200,"timestamp":"2026-11-25T14:00:00Z"}"""),
        (Ocpp16, "MeterValues", """
            {"connectorId":1,"transactionId":42,"meterValue":[
              {"timestamp":"2026-11-25T14:05:00.000Z","sampledValue":[
                {"value":"1530","context":"Sample.Periodic","format":"Raw","measurand":"Energy.Active.Import.Register","location":"Outlet","unit":"Wh"},
                {"value":"7.4","measurand":"Power.Active.Import","unit":"kW"},
                {"value":"32.0","measurand":"Current.Import","phase":"L1","unit":"A"},
                {"value":"41","measurand":"SoC","unit":"Percent"}]},
              {"timestamp":"2026-11-25T14:06:00Z","sampledValue":[{"value":"1653"}]}]}
            """),
        (Ocpp16, "StopTransaction", """{"transactionId":42,"meterStop":9800,"timestamp":"2026-11-25T15:00:00Z","reason":"EVDisconnected","idTag":"RFID-0001","transactionData":[{"timestamp":"2026-11-25T15:00:00Z","sampledValue":[{"value":"9800","unit":"Wh"}]}]}"""),
        (Ocpp16, "SetChargingProfile", """
            {"connectorId":1,"csChargingProfiles":{"chargingProfileId":7,"stackLevel":0,"chargingProfilePurpose":"TxDefaultProfile","chargingProfileKind":"Absolute",
              "chargingSchedule":{"duration":3600,"startSchedule":"2026-11-25T14:00:00Z","chargingRateUnit":"A","minChargingRate":6.1,
                "chargingSchedulePeriod":[{"startPeriod":0,"limit":16.1,"numberPhases":3},{"startPeriod":900,"limit":10}]}}}
            """),
        (Ocpp201, "BootNotification", """{"reason":"PowerUp","chargingStation":{"model":"Terra 184","vendorName":"ABB","serialNumber":"T184-0001","firmwareVersion":"1.7.2","modem":{"iccid":"8931","imsi":"2040"}}}"""),
        (Ocpp201, "StatusNotification", """{"timestamp":"2026-11-25T14:00:00.000Z","connectorStatus":"Occupied","evseId":1,"connectorId":1}"""),
        (Ocpp201, "TransactionEvent", """
            {"eventType":"Updated","timestamp":"2026-11-25T14:05:00.000Z","triggerReason":"MeterValuePeriodic","seqNo":3,
             "transactionInfo":{"transactionId":"tx-0042","chargingState":"Charging"},
             "idToken":{"idToken":"RFID-0001","type":"ISO14443","additionalInfo":[{"additionalIdToken":"X","type":"Y"}]},
             "evse":{"id":1,"connectorId":1},
             "meterValue":[{"timestamp":"2026-11-25T14:05:00.000Z","sampledValue":[
               {"value":1530.5,"context":"Sample.Periodic","measurand":"Energy.Active.Import.Register","unitOfMeasure":{"unit":"Wh","multiplier":0}},
               {"value":7.4,"measurand":"Power.Active.Import","phase":"L1-N"}]}]}
            """),
        (Ocpp201, "NotifyEvent", """
            {"generatedAt":"2026-11-25T14:00:00Z","seqNo":0,"tbc":false,"eventData":[{"eventId":1,"timestamp":"2026-11-25T14:00:00Z","trigger":"Delta",
              "actualValue":"Faulted","eventNotificationType":"HardWiredNotification","component":{"name":"Connector","evse":{"id":1,"connectorId":1}},"variable":{"name":"AvailabilityState"}}]}
            """),
        (Ocpp201, "SetChargingProfile", """
            {"evseId":1,"chargingProfile":{"id":7,"stackLevel":0,"chargingProfilePurpose":"TxDefaultProfile","chargingProfileKind":"Absolute",
              "chargingSchedule":[{"id":1,"chargingRateUnit":"W","chargingSchedulePeriod":[{"startPeriod":0,"limit":11000.5,"numberPhases":3}]}]}}
            """),
    ];

    private static readonly JsonNode?[] Replacements =
    [
        null, true, false, 0, -1, 1, 3, 4, 99, 1.5m, 0.1m, 0.05m, 16.1m, 16.15m, 2147483648L, JsonNode.Parse("1e1"), JsonNode.Parse("1.0"), JsonNode.Parse("-0"),
        "", "x", "Charging", "charging", "Energy.Active.Import.Register", "Wh", "Percent", "Sample.Periodic", "L1-N", "ISO14443",
        new string('x', 20), new string('x', 21), new string('x', 25), new string('x', 26), new string('x', 36), new string('x', 37),
        new string('x', 50), new string('x', 51), "RFID-\u00e9", "2026-11-25T14:00:00Z", "2026-11-25T14:00:00.000Z", "2026-11-25T14:00:00+01:00",
        "2026-11-25T24:00:00Z", "2026-02-30T10:00:00Z", "2026-11-25 14:00:00Z", "2026-11-25",
        new JsonArray(), new JsonArray(1), new JsonArray(1, 2, 3, 4, 5), new JsonObject(), new JsonObject { ["unexpected"] = 1 },
        new JsonObject { ["vendorId"] = "Acme" },
    ];

    [Fact]
    public void every_request_schema_compiles_but_the_two_whose_uri_format_is_left_to_json_schema_net()
    {
        var uncompiled = new[] { Ocpp16, Ocpp201 }
            .SelectMany(b => b.Requests.Where(r => r.Value.Compiled is null).Select(r => $"{b.Protocol} {r.Key}"))
            .Order();

        Assert.Equal(["Ocpp16 GetDiagnostics", "Ocpp16 UpdateFirmware"], uncompiled);
    }

    [Fact]
    public void the_example_payloads_are_surely_valid()
    {
        foreach (var (bundle, action, payload) in Examples)
        {
            var document = JsonNode.Parse(payload)!;
            Assert.True(bundle.Requests[action].Schema.Evaluate(document, bundle.Options).IsValid, $"{bundle.Protocol} {action} example breaks its schema");
            Assert.True(bundle.Requests[action].Compiled!.SurelyValid(JsonSerializer.SerializeToElement(document)), $"{bundle.Protocol} {action}");
        }
    }

    [Fact]
    public void a_mutated_payload_is_surely_valid_only_when_its_schema_accepts_it()
    {
        var mutations = Gen.Select(Gen.Int[0, Examples.Length - 1], Gen.Int[0, 1_000], Gen.Int[0, Replacements.Length - 1], Gen.Int[0, 2]);

        mutations.Sample((example, position, replacement, kind) =>
        {
            var (bundle, action, payload) = Examples[example];
            var document = JsonNode.Parse(payload)!;
            JsonMutations.Mutate(document, position, Replacements[replacement]?.DeepClone(), kind);
            var (schema, compiled) = bundle.Requests[action];

            var surelyValid = compiled!.SurelyValid(JsonSerializer.SerializeToElement(document));

            Assert.False(surelyValid && !schema.Evaluate(document, bundle.Options).IsValid,
                $"{bundle.Protocol} {action} passed the compiled checks but breaks its schema: {document.ToJsonString()}");
        }, iter: 20_000, threads: 1);
    }

    [Fact]
    public void the_validator_still_names_what_is_wrong_with_a_payload_the_compiled_checks_refuse()
    {
        var payload = JsonNode.Parse("""{"connectorId":1,"transactionId":42,"meterValue":[{"timestamp":"2026-11-25T14:05:00Z","sampledValue":[{"value":"1","unit":"Gallons"}]}]}""")!.AsObject();

        var error = OcppSchemaValidator.Default.ValidateRequest(OcppProtocol.Ocpp16, "MeterValues", payload);

        Assert.Equal(OcppErrorCodes.PropertyConstraintViolation, error?.ErrorCode);
        Assert.StartsWith("/meterValue/0/sampledValue/0/unit", error!.Description);
    }

    /// <summary>Each version's schemas with evaluation options of their own, as the validator keeps them: both use the same $ids.</summary>
    private static Bundle Load(OcppProtocol protocol, string resource)
    {
        using var stream = typeof(OcppSchemaValidator).Assembly.GetManifestResourceStream(resource)!;
        var options = new EvaluationOptions { OutputFormat = OutputFormat.Flag, RequireFormatValidation = true };
        var requests = JsonNode.Parse(stream)!.AsArray()
            .Select(node => node!.AsObject())
            .Where(source => source["$id"]!.GetValue<string>().EndsWith(".req", StringComparison.Ordinal))
            .ToDictionary(
                source => source["$id"]!.GetValue<string>()["urn:".Length..^".req".Length],
                source => (JsonSchema.FromText(source.ToJsonString()), CompiledSchema.TryCompile(source)));
        return new Bundle(protocol, requests, options);
    }
}
