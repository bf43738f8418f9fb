using System.Text.Json.Nodes;
using Settlement.Ocpp.Framing;

namespace Settlement.Tests.Ocpp.Framing;

public sealed class ocpp_schema_validator_tests
{
    private const OcppProtocol V16 = OcppProtocol.Ocpp16;
    private const OcppProtocol V201 = OcppProtocol.Ocpp201;

    private static readonly OcppSchemaValidator Validator = OcppSchemaValidator.Default;

    private const string MeterValues16 = """
        {"connectorId":1,"transactionId":42,"meterValue":[
          {"timestamp":"2024-05-01T10:15:00Z","sampledValue":[
            {"value":"12345.6","context":"Sample.Periodic","format":"Raw","measurand":"Energy.Active.Import.Register","location":"Outlet","unit":"Wh"},
            {"value":"7.2","measurand":"Power.Active.Import","unit":"kW"},
            {"value":"31.9","measurand":"Current.Import","phase":"L1","unit":"A"},
            {"value":"230.1","measurand":"Voltage","phase":"L1-N","unit":"V"}]},
          {"timestamp":"2024-05-01T10:16:00.123+02:00","sampledValue":[
            {"value":"12465.6","context":"Sample.Periodic","measurand":"Energy.Active.Import.Register","unit":"Wh"},
            {"value":"SOC 80","context":"Other","format":"SignedData","measurand":"SoC","location":"EV","unit":"Percent"}]}]}
        """;

    private const string TransactionEvent201 = """
        {"eventType":"Started","timestamp":"2024-05-01T10:00:00.000Z","triggerReason":"Authorized","seqNo":0,
         "transactionInfo":{"transactionId":"f3a1c2d4-0001","chargingState":"Charging"},
         "idToken":{"idToken":"04A1B2C3D4E5F6","type":"ISO14443"},
         "evse":{"id":1,"connectorId":1},
         "meterValue":[{"timestamp":"2024-05-01T10:00:00.000Z","sampledValue":[
           {"value":12345.6,"context":"Transaction.Begin","measurand":"Energy.Active.Import.Register","unitOfMeasure":{"unit":"Wh","multiplier":0}}]}]}
        """;

    public static TheoryData<OcppProtocol, string, string> RealWorldRequests => new()
    {
        {
            V16, "BootNotification",
            """{"chargePointVendor":"VendorX","chargePointModel":"SingleSocketCharger","chargePointSerialNumber":"SN-000123","chargeBoxSerialNumber":"CB-9","firmwareVersion":"1.2.3","iccid":"8944501234567890123","imsi":"240080000000000","meterType":"ACME kWh","meterSerialNumber":"M-42"}"""
        },
        { V16, "StatusNotification", """{"connectorId":1,"errorCode":"NoError","status":"Charging","timestamp":"2024-05-01T10:15:00Z","info":"ok","vendorId":"ACME","vendorErrorCode":"0"}""" },
        { V16, "StatusNotification", """{"connectorId":0,"errorCode":"GroundFailure","status":"Faulted"}""" },
        { V16, "StartTransaction", """{"connectorId":1,"idTag":"04A1B2C3D4","meterStart":12345,"timestamp":"2024-05-01T10:00:00.000Z","reservationId":7}""" },
        { V16, "MeterValues", MeterValues16 },
        {
            V16, "StopTransaction",
            """{"transactionId":42,"idTag":"04A1B2C3D4","meterStop":19876,"timestamp":"2024-05-01T11:00:00Z","reason":"Local","transactionData":[{"timestamp":"2024-05-01T11:00:00Z","sampledValue":[{"value":"19876","context":"Transaction.End","measurand":"Energy.Active.Import.Register","unit":"Wh"}]}]}"""
        },
        { V16, "Heartbeat", "{}" },
        {
            V201, "BootNotification",
            """{"reason":"PowerUp","chargingStation":{"model":"SingleSocketCharger","vendorName":"VendorX","serialNumber":"SN-000123","firmwareVersion":"1.2.3","modem":{"iccid":"8944501234567890123","imsi":"240080000000000"}}}"""
        },
        { V201, "TransactionEvent", TransactionEvent201 },
        {
            V201, "TransactionEvent",
            """{"eventType":"Ended","timestamp":"2024-05-01T11:00:00Z","triggerReason":"EVCommunicationLost","seqNo":7,"offline":false,"transactionInfo":{"transactionId":"f3a1c2d4-0001","stoppedReason":"EVDisconnected"},"meterValue":[{"timestamp":"2024-05-01T11:00:00Z","sampledValue":[{"value":19876,"context":"Transaction.End","measurand":"Energy.Active.Import.Register"}]}],"customData":{"vendorId":"ACME","sessionCost":"4.20"}}"""
        },
        {
            V201, "NotifyEvent",
            """{"generatedAt":"2024-05-01T10:15:00Z","seqNo":0,"tbc":false,"eventData":[{"eventId":1,"timestamp":"2024-05-01T10:14:59Z","trigger":"Delta","actualValue":"Faulted","eventNotificationType":"HardWiredNotification","component":{"name":"Connector","evse":{"id":1,"connectorId":1}},"variable":{"name":"AvailabilityState"}}]}"""
        },
    };

    public static TheoryData<OcppProtocol, string, string> ResponsesWeSend => new()
    {
        { V16, "BootNotification", """{"status":"Accepted","currentTime":"2024-05-01T10:00:00Z","interval":300}""" },
        { V16, "Heartbeat", """{"currentTime":"2024-05-01T10:00:00.000Z"}""" },
        { V16, "Authorize", """{"idTagInfo":{"status":"Accepted","expiryDate":"2024-06-01T00:00:00Z","parentIdTag":"FLEET-1"}}""" },
        { V16, "StartTransaction", """{"idTagInfo":{"status":"Accepted"},"transactionId":42}""" },
        { V16, "StatusNotification", "{}" },
        { V16, "MeterValues", "{}" },
        { V16, "StopTransaction", "{}" },
        { V201, "BootNotification", """{"currentTime":"2024-05-01T10:00:00Z","interval":300,"status":"Accepted"}""" },
        { V201, "Heartbeat", """{"currentTime":"2024-05-01T10:00:00Z"}""" },
        { V201, "Authorize", """{"idTokenInfo":{"status":"Accepted"}}""" },
        { V201, "TransactionEvent", "{}" },
        { V201, "TransactionEvent", """{"idTokenInfo":{"status":"Accepted"},"totalCost":4.2}""" },
        { V201, "NotifyEvent", "{}" },
        { V201, "StatusNotification", "{}" },
    };

    [Theory]
    [MemberData(nameof(RealWorldRequests))]
    public void real_world_requests_are_valid(OcppProtocol protocol, string action, string payload)
    {
        Assert.Null(Validator.ValidateRequest(protocol, action, Json(payload)));
    }

    [Theory]
    [MemberData(nameof(ResponsesWeSend))]
    public void the_responses_we_send_are_valid(OcppProtocol protocol, string action, string payload)
    {
        Assert.Null(Validator.ValidateResponse(protocol, action, Json(payload)));
    }

    [Fact]
    public void the_validator_is_loaded_once()
    {
        Assert.Same(OcppSchemaValidator.Default, OcppSchemaValidator.Default);
    }

    [Theory]
    [InlineData(V16, "TransactionEvent")]
    [InlineData(V16, "NotifyEvent")]
    [InlineData(V201, "StartTransaction")]
    [InlineData(V201, "StopTransaction")]
    [InlineData(V16, "bootnotification")]
    [InlineData(V201, "BootNotificationRequest")]
    [InlineData(V201, "")]
    public void an_action_without_a_schema_in_the_version_is_not_implemented(OcppProtocol protocol, string action)
    {
        var request = Validator.ValidateRequest(protocol, action, new JsonObject());
        var response = Validator.ValidateResponse(protocol, action, new JsonObject());

        Assert.Equal(OcppErrorCodes.NotImplemented, request?.ErrorCode);
        Assert.Equal(OcppErrorCodes.NotImplemented, response?.ErrorCode);
        Assert.Contains(protocol.SubProtocol(), request!.Description);
    }

    [Fact]
    public void each_version_is_validated_against_its_own_schema()
    {
        const string boot16 = """{"chargePointVendor":"VendorX","chargePointModel":"SingleSocketCharger"}""";
        const string boot201 = """{"reason":"PowerUp","chargingStation":{"model":"SingleSocketCharger","vendorName":"VendorX"}}""";

        Assert.Null(Validator.ValidateRequest(V16, "BootNotification", Json(boot16)));
        Assert.Equal(OcppErrorCodes.OccurrenceConstraintViolation, Validator.ValidateRequest(V201, "BootNotification", Json(boot16))?.ErrorCode);
        Assert.Null(Validator.ValidateRequest(V201, "BootNotification", Json(boot201)));
        Assert.Equal(OcppErrorCodes.OccurenceConstraintViolation, Validator.ValidateRequest(V16, "BootNotification", Json(boot201))?.ErrorCode);
        Assert.Null(Validator.ValidateRequest(V16, "BootNotification", Json(boot16)));
    }

    [Fact]
    public void requests_and_responses_of_an_action_have_different_schemas()
    {
        const string request = """{"chargePointVendor":"VendorX","chargePointModel":"SingleSocketCharger"}""";
        const string response = """{"status":"Accepted","currentTime":"2024-05-01T10:00:00Z","interval":300}""";

        Assert.NotNull(Validator.ValidateResponse(V16, "BootNotification", Json(request)));
        Assert.NotNull(Validator.ValidateRequest(V16, "BootNotification", Json(response)));
    }

    [Theory]
    [InlineData(V16, "MeterValues", MeterValues16, "/meterValue/0/timestamp", "OccurenceConstraintViolation")]
    [InlineData(V16, "MeterValues", MeterValues16, "/meterValue/1/sampledValue/1/value", "OccurenceConstraintViolation")]
    [InlineData(V16, "MeterValues", MeterValues16, "/connectorId", "OccurenceConstraintViolation")]
    [InlineData(V201, "TransactionEvent", TransactionEvent201, "/seqNo", "OccurrenceConstraintViolation")]
    [InlineData(V201, "TransactionEvent", TransactionEvent201, "/transactionInfo/transactionId", "OccurrenceConstraintViolation")]
    [InlineData(V201, "TransactionEvent", TransactionEvent201, "/meterValue/0/sampledValue/0/value", "OccurrenceConstraintViolation")]
    public void a_missing_required_property_violates_an_occurrence_constraint(
        OcppProtocol protocol, string action, string payload, string missing, string code)
    {
        var json = Json(payload);
        Remove(json, missing);

        var error = Validator.ValidateRequest(protocol, action, json);

        Assert.Equal(code, error?.ErrorCode);
        Assert.StartsWith($"{missing}: ", error!.Description);
    }

    [Fact]
    public void a_missing_property_is_found_through_a_schema_definition_reference()
    {
        const string notifyEvent = """
            {"generatedAt":"2024-05-01T10:15:00Z","seqNo":0,"eventData":[{"eventId":1,"timestamp":"2024-05-01T10:14:59Z","trigger":"Delta","actualValue":"Faulted","eventNotificationType":"HardWiredNotification","component":{"evse":{"id":1}},"variable":{"name":"AvailabilityState"}}]}
            """;

        var error = Validator.ValidateRequest(V201, "NotifyEvent", Json(notifyEvent));

        Assert.Equal(new OcppValidationError("OccurrenceConstraintViolation", "/eventData/0/component/name: required property is missing"), error);
    }

    [Theory]
    [InlineData(V201, "TransactionEvent", """{"eventType":"Updated","timestamp":"2024-05-01T10:00:00Z","triggerReason":"MeterValuePeriodic","seqNo":1,"transactionInfo":{"transactionId":"t"},"meterValue":[]}""", "/meterValue")]
    [InlineData(V201, "TransactionEvent", """{"eventType":"Updated","timestamp":"2024-05-01T10:00:00Z","triggerReason":"MeterValuePeriodic","seqNo":1,"transactionInfo":{"transactionId":"t"},"meterValue":[{"timestamp":"2024-05-01T10:00:00Z","sampledValue":[]}]}""", "/meterValue/0/sampledValue")]
    [InlineData(V201, "GetReport", """{"requestId":1,"componentCriteria":["Active","Available","Enabled","Problem","Active"]}""", "/componentCriteria")]
    public void too_few_or_too_many_array_items_violate_an_occurrence_constraint(OcppProtocol protocol, string action, string payload, string pointer)
    {
        var error = Validator.ValidateRequest(protocol, action, Json(payload));

        Assert.Equal(OcppErrorCodes.OccurrenceConstraintViolation, error?.ErrorCode);
        Assert.StartsWith($"{pointer}: ", error!.Description);
    }

    [Theory]
    [InlineData(V16, "StartTransaction", """{"connectorId":"1","idTag":"04A1B2C3D4","meterStart":0,"timestamp":"2024-05-01T10:00:00Z"}""", "/connectorId")]
    [InlineData(V16, "StartTransaction", """{"connectorId":1.5,"idTag":"04A1B2C3D4","meterStart":0,"timestamp":"2024-05-01T10:00:00Z"}""", "/connectorId")]
    [InlineData(V16, "StartTransaction", """{"connectorId":1,"idTag":12345,"meterStart":0,"timestamp":"2024-05-01T10:00:00Z"}""", "/idTag")]
    [InlineData(V16, "MeterValues", """{"connectorId":1,"meterValue":{"timestamp":"2024-05-01T10:00:00Z","sampledValue":[{"value":"1"}]}}""", "/meterValue")]
    [InlineData(V16, "MeterValues", """{"connectorId":1,"meterValue":[{"timestamp":"2024-05-01T10:00:00Z","sampledValue":[{"value":1.5}]}]}""", "/meterValue/0/sampledValue/0/value")]
    [InlineData(V201, "TransactionEvent", """{"eventType":"Updated","timestamp":"2024-05-01T10:00:00Z","triggerReason":"MeterValuePeriodic","seqNo":"1","transactionInfo":{"transactionId":"t"}}""", "/seqNo")]
    [InlineData(V201, "TransactionEvent", """{"eventType":"Updated","timestamp":"2024-05-01T10:00:00Z","triggerReason":"MeterValuePeriodic","seqNo":1,"transactionInfo":{"transactionId":"t"},"offline":"false"}""", "/offline")]
    [InlineData(V201, "TransactionEvent", """{"eventType":"Updated","timestamp":"2024-05-01T10:00:00Z","triggerReason":"MeterValuePeriodic","seqNo":1,"transactionInfo":{"transactionId":"t"},"meterValue":[{"timestamp":"2024-05-01T10:00:00Z","sampledValue":[{"value":"12.5"}]}]}""", "/meterValue/0/sampledValue/0/value")]
    public void a_value_of_the_wrong_json_type_violates_a_type_constraint(OcppProtocol protocol, string action, string payload, string pointer)
    {
        var error = Validator.ValidateRequest(protocol, action, Json(payload));

        Assert.Equal(OcppErrorCodes.TypeConstraintViolation, error?.ErrorCode);
        Assert.StartsWith($"{pointer}: ", error!.Description);
    }

    [Theory]
    [InlineData(V16, "StatusNotification", """{"connectorId":1,"errorCode":"NoError","status":"Busy"}""", "/status")]
    [InlineData(V16, "StartTransaction", """{"connectorId":1,"idTag":"123456789012345678901","meterStart":0,"timestamp":"2024-05-01T10:00:00Z"}""", "/idTag")]
    [InlineData(V16, "MeterValues", """{"connectorId":1,"meterValue":[{"timestamp":"yesterday","sampledValue":[{"value":"1"}]}]}""", "/meterValue/0/timestamp")]
    [InlineData(V16, "MeterValues", """{"connectorId":1,"meterValue":[{"timestamp":"2024-05-01T10:00:00","sampledValue":[{"value":"1"}]}]}""", "/meterValue/0/timestamp")]
    [InlineData(V16, "MeterValues", """{"connectorId":1,"meterValue":[{"timestamp":"2024-05-01T10:00:00Z","sampledValue":[{"value":"1","unit":"kWh "}]}]}""", "/meterValue/0/sampledValue/0/unit")]
    [InlineData(V16, "SetChargingProfile", """{"connectorId":1,"csChargingProfiles":{"chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"TxDefaultProfile","chargingProfileKind":"Absolute","chargingSchedule":{"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":10.05}]}}}""", "/csChargingProfiles/chargingSchedule/chargingSchedulePeriod/0/limit")]
    [InlineData(V201, "BootNotification", """{"reason":"Reboot","chargingStation":{"model":"M","vendorName":"V"}}""", "/reason")]
    [InlineData(V201, "BootNotification", """{"reason":"PowerUp","chargingStation":{"model":"123456789012345678901","vendorName":"V"}}""", "/chargingStation/model")]
    [InlineData(V201, "TransactionEvent", """{"eventType":"Updated","timestamp":"2024-05-01 10:00","triggerReason":"MeterValuePeriodic","seqNo":1,"transactionInfo":{"transactionId":"t"}}""", "/timestamp")]
    [InlineData(V201, "NotifyEVChargingNeeds", """{"evseId":1,"chargingNeeds":{"requestedEnergyTransfer":"DC","dcChargingParameters":{"evMaxCurrent":200,"evMaxVoltage":800,"stateOfCharge":101}}}""", "/chargingNeeds/dcChargingParameters/stateOfCharge")]
    [InlineData(V201, "NotifyEVChargingNeeds", """{"evseId":1,"chargingNeeds":{"requestedEnergyTransfer":"DC","dcChargingParameters":{"evMaxCurrent":200,"evMaxVoltage":800,"bulkSoC":-1}}}""", "/chargingNeeds/dcChargingParameters/bulkSoC")]
    public void an_invalid_value_violates_a_property_constraint(OcppProtocol protocol, string action, string payload, string pointer)
    {
        var error = Validator.ValidateRequest(protocol, action, Json(payload));

        Assert.Equal(OcppErrorCodes.PropertyConstraintViolation, error?.ErrorCode);
        Assert.StartsWith($"{pointer}: ", error!.Description);
    }

    [Theory]
    [InlineData(V16, """{"extra":1}""", "/extra", "FormationViolation")]
    [InlineData(V201, """{"extra":1}""", "/extra", "ProtocolError")]
    public void a_property_the_action_does_not_define_breaks_the_pdu_structure(OcppProtocol protocol, string payload, string pointer, string code)
    {
        var error = Validator.ValidateRequest(protocol, "Heartbeat", Json(payload));

        Assert.Equal(new OcppValidationError(code, $"{pointer}: property is not defined for this action"), error);
    }

    [Fact]
    public void an_undefined_nested_property_is_named_by_its_full_pointer()
    {
        const string boot = """{"reason":"PowerUp","chargingStation":{"model":"M","vendorName":"V","colour":"red"}}""";

        var error = Validator.ValidateRequest(V201, "BootNotification", Json(boot));

        Assert.Equal(new OcppValidationError("ProtocolError", "/chargingStation/colour: property is not defined for this action"), error);
    }

    [Fact]
    public void vendor_fields_inside_custom_data_are_accepted_in_2_0_1()
    {
        const string heartbeat = """{"customData":{"vendorId":"ACME","firmwareBuild":1234,"flags":["a","b"]}}""";

        Assert.Null(Validator.ValidateRequest(V201, "Heartbeat", Json(heartbeat)));
    }

    [Fact]
    public void an_invalid_response_gets_the_same_codes_as_an_invalid_request()
    {
        var badStatus = Validator.ValidateResponse(V16, "BootNotification", Json("""{"status":"Maybe","currentTime":"2024-05-01T10:00:00Z","interval":300}"""));
        var noInterval = Validator.ValidateResponse(V201, "BootNotification", Json("""{"status":"Accepted","currentTime":"2024-05-01T10:00:00Z"}"""));

        Assert.Equal(OcppErrorCodes.PropertyConstraintViolation, badStatus?.ErrorCode);
        Assert.StartsWith("/status: ", badStatus!.Description);
        Assert.Equal(new OcppValidationError("OccurrenceConstraintViolation", "/interval: required property is missing"), noInterval);
    }

    [Fact]
    public void a_validation_error_becomes_a_call_error_for_the_call_it_answers()
    {
        var error = Validator.ValidateRequest(V16, "StartTransaction", Json("""{"connectorId":"1","idTag":"A","meterStart":0,"timestamp":"2024-05-01T10:00:00Z"}"""))!;

        var answer = error.ToCallError("call-17");

        Assert.Equal(("call-17", "TypeConstraintViolation", error.Description), (answer.MessageId, answer.ErrorCode, answer.Description));
        Assert.Empty(answer.Details);
    }

    [Fact]
    public void validating_does_not_change_the_payload()
    {
        var payload = Json(MeterValues16);
        var before = payload.ToJsonString();

        Validator.ValidateRequest(V16, "MeterValues", payload);

        Assert.Equal(before, payload.ToJsonString());
    }

    [Fact]
    public void concurrent_validations_give_the_same_answers_as_sequential_ones()
    {
        (OcppProtocol Protocol, string Action, string Payload)[] cases =
        [
            (V16, "MeterValues", MeterValues16),
            (V16, "MeterValues", """{"connectorId":1,"meterValue":[{"timestamp":"2024-05-01T10:00:00Z","sampledValue":[{"unit":"Wh"}]}]}"""),
            (V16, "BootNotification", """{"chargePointVendor":"V","chargePointModel":"M"}"""),
            (V201, "BootNotification", """{"chargePointVendor":"V","chargePointModel":"M"}"""),
            (V201, "TransactionEvent", TransactionEvent201),
            (V201, "TransactionEvent", TransactionEvent201.Replace("\"seqNo\":0", "\"seqNo\":\"0\"")),
            (V16, "Authorize", """{"idTag":"04A1B2C3D4"}"""),
            (V201, "Authorize", """{"idTag":"04A1B2C3D4"}"""),
        ];
        var expected = cases.Select(c => Validator.ValidateRequest(c.Protocol, c.Action, Json(c.Payload))).ToArray();
        Assert.Equal(4, expected.Count(e => e is null));

        var answers = new OcppValidationError?[cases.Length * 500];
        Parallel.For(0, answers.Length, i =>
        {
            var (protocol, action, payload) = cases[i % cases.Length];
            answers[i] = Validator.ValidateRequest(protocol, action, Json(payload));
        });

        Assert.All(Enumerable.Range(0, answers.Length), i => Assert.Equal(expected[i % cases.Length], answers[i]));
    }

    private static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();

    private static void Remove(JsonObject root, string pointer)
    {
        var segments = pointer.Split('/')[1..];
        JsonNode node = root;
        foreach (var segment in segments[..^1])
            node = int.TryParse(segment, out var index) ? node[index]! : node[segment]!;
        Assert.True(node.AsObject().Remove(segments[^1]), $"{pointer} is not in the payload");
    }
}
