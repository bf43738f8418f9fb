using System.Text.Json.Nodes;
using Settlement.Ocpp.Framing;

namespace Settlement.Tests.Ocpp.Framing;

public sealed class ocpp_frame_parse_tests
{
    [Theory]
    [InlineData(OcppProtocol.Ocpp16)]
    [InlineData(OcppProtocol.Ocpp201)]
    public void a_call_parses_into_its_message_id_action_and_payload(OcppProtocol protocol)
    {
        var frame = OcppFrames.Parse("""[2, "19223201", "BootNotification", {"chargePointVendor": "VendorX", "chargePointModel": "M1"}]""", protocol);

        var call = Assert.IsType<OcppCall>(frame);
        Assert.Equal("19223201", call.MessageId);
        Assert.Equal("BootNotification", call.Action);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"chargePointVendor":"VendorX","chargePointModel":"M1"}"""), call.Payload));
    }

    [Theory]
    [InlineData("""[2,"1","Heartbeat",{}]""", true)]
    [InlineData(""" [ 2 , "1", "MeterValues", {"connectorId": 1, "meterValue": []}]""", true)]
    [InlineData("""[2,"1","Heartbeat",{""", true)] // cut short after the type: still queued as a CALL, then refused by Parse
    [InlineData("""[3,"1",{"currentTime":"2026-11-25T14:00:00Z"}]""", false)]
    [InlineData("""[4,"1","NotImplemented","",{}]""", false)]
    [InlineData("""[2.5,"1","Heartbeat",{}]""", false)]
    [InlineData("""["2","1","Heartbeat",{}]""", false)]
    [InlineData("""{"messageType":2}""", false)]
    [InlineData("""[]""", false)]
    [InlineData("""not json""", false)]
    [InlineData("", false)]
    public void a_call_is_told_from_its_first_two_tokens_alone(string frame, bool isCall) =>
        Assert.Equal(isCall, OcppFrames.StartsAsCall(System.Text.Encoding.UTF8.GetBytes(frame)));

    [Theory]
    [InlineData(OcppProtocol.Ocpp16)]
    [InlineData(OcppProtocol.Ocpp201)]
    public void a_call_result_parses_into_its_message_id_and_payload(OcppProtocol protocol)
    {
        var frame = OcppFrames.Parse("""[3,"19223201",{"currentTime":"2013-02-01T20:53:32.486Z","interval":300,"status":"Accepted"}]""", protocol);

        var result = Assert.IsType<OcppCallResult>(frame);
        Assert.Equal("19223201", result.MessageId);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"currentTime":"2013-02-01T20:53:32.486Z","interval":300,"status":"Accepted"}"""), result.Payload));
    }

    [Theory]
    [InlineData(OcppProtocol.Ocpp16)]
    [InlineData(OcppProtocol.Ocpp201)]
    public void a_call_error_parses_into_its_message_id_code_description_and_details(OcppProtocol protocol)
    {
        var frame = OcppFrames.Parse("""[4,"162376037","NotSupported","SetDisplayMessageRequest not implemented",{"hint":1}]""", protocol);

        var error = Assert.IsType<OcppCallError>(frame);
        Assert.Equal("162376037", error.MessageId);
        Assert.Equal("NotSupported", error.ErrorCode);
        Assert.Equal("SetDisplayMessageRequest not implemented", error.Description);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"hint":1}"""), error.Details));
    }

    [Fact]
    public void a_call_error_may_have_an_empty_description()
    {
        var error = Assert.IsType<OcppCallError>(OcppFrames.Parse("""[4,"1","GenericError","",{}]""", OcppProtocol.Ocpp201));

        Assert.Equal("", error.Description);
    }

    [Theory]
    [InlineData("""[2,"1","Heartbeat",null]""")]
    [InlineData("""[3,"1",null]""")]
    [InlineData("""[4,"1","GenericError","",null]""")]
    public void a_null_payload_is_read_as_an_empty_object(string text)
    {
        var frame = OcppFrames.Parse(text, OcppProtocol.Ocpp16);

        var payload = frame switch
        {
            OcppCall call => call.Payload,
            OcppCallResult result => result.Payload,
            OcppCallError error => error.Details,
            _ => throw new Xunit.Sdk.XunitException($"Expected a frame, got {frame}"),
        };
        Assert.Empty(payload);
    }

    [Fact]
    public void the_parsed_payload_can_be_moved_into_another_json_tree()
    {
        var call = Assert.IsType<OcppCall>(OcppFrames.Parse("""[2,"1","Heartbeat",{"a":1}]""", OcppProtocol.Ocpp16));

        Assert.Null(call.Payload.Parent);
        var host = new JsonObject { ["payload"] = call.Payload };
        Assert.Equal("""{"payload":{"a":1}}""", host.ToJsonString());
    }

    [Fact]
    public void a_message_id_of_exactly_36_characters_is_accepted()
    {
        var id = new string('x', 36);

        var call = Assert.IsType<OcppCall>(OcppFrames.Parse($$"""[2,"{{id}}","Heartbeat",{}]""", OcppProtocol.Ocpp201));

        Assert.Equal(id, call.MessageId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("not json")]
    [InlineData("[2,\"1\",\"Heartbeat\",{}")]
    [InlineData("[2,\"1\",\"Heartbeat\",{}] trailing")]
    [InlineData("[2,'1','Heartbeat',{}]")]
    [InlineData("[2,\"1\",\"Heartbeat\",{},]")]
    [InlineData("[2,\"1\",\"Heartbeat\",{\"a\":1,\"a\":2}]")]
    [InlineData("[2,\"1\",\"Heartbeat\",{\"a\":{\"b\":1,\"b\":1}}]")]
    [InlineData("[2,\"1\",\"Heartbeat\",{\"\\ud800\":1}]")]
    [InlineData("[2,\"1\",\"Heartbeat\",{\"a\":[\"\\udc00\"]}]")]
    [InlineData("[2,\"\\ud800\",\"Heartbeat\",{}]")]
    public void text_that_is_not_json_is_a_format_violation_with_an_unreadable_id(string text)
    {
        AssertFormatViolation(text, expectedMessageId: null);
    }

    [Fact]
    public void text_with_a_lone_surrogate_is_a_format_violation_with_an_unreadable_id()
    {
        AssertFormatViolation("[2,\"1\",\"Heartbeat\",{\"a\":\"\ud800\"}]", expectedMessageId: null);
    }

    [Fact]
    public void json_nested_deeper_than_the_reader_allows_is_a_format_violation()
    {
        var text = "[2,\"1\",\"Heartbeat\"," + string.Concat(Enumerable.Repeat("{\"a\":", 100)) + "1" + new string('}', 100) + "]";

        AssertFormatViolation(text, expectedMessageId: null);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"messageTypeId\":2}")]
    [InlineData("\"[2,\\\"1\\\",\\\"Heartbeat\\\",{}]\"")]
    [InlineData("42")]
    [InlineData("true")]
    [InlineData("null")]
    public void json_that_is_not_an_array_is_a_format_violation_with_an_unreadable_id(string text)
    {
        AssertFormatViolation(text, expectedMessageId: null);
    }

    [Theory]
    [InlineData("[]", null)]
    [InlineData("[2]", null)]
    [InlineData("[3]", null)]
    [InlineData("[4]", null)]
    [InlineData("[2,\"m1\"]", "m1")]
    [InlineData("[2,\"m1\",\"Heartbeat\"]", "m1")]
    [InlineData("[3,\"m1\"]", "m1")]
    [InlineData("[4,\"m1\",\"GenericError\",\"\"]", "m1")]
    [InlineData("[2,\"m1\",\"Heartbeat\",{},{}]", "m1")]
    [InlineData("[3,\"m1\",{},{}]", "m1")]
    [InlineData("[3,\"m1\",\"Heartbeat\",{}]", "m1")]
    [InlineData("[4,\"m1\",\"GenericError\",\"\",{},{}]", "m1")]
    public void a_frame_with_the_wrong_number_of_elements_is_a_format_violation(string text, string? expectedMessageId)
    {
        AssertFormatViolation(text, expectedMessageId);
    }

    [Theory]
    [InlineData("[\"2\",\"m1\",\"Heartbeat\",{}]", "m1")]
    [InlineData("[2.5,\"m1\",\"Heartbeat\",{}]", "m1")]
    [InlineData("[null,\"m1\",\"Heartbeat\",{}]", "m1")]
    [InlineData("[[2],\"m1\",\"Heartbeat\",{}]", "m1")]
    [InlineData("[2,\"m1\",7,{}]", "m1")]
    [InlineData("[2,\"m1\",null,{}]", "m1")]
    [InlineData("[2,\"m1\",\"\",{}]", "m1")]
    [InlineData("[2,\"m1\",\"Heartbeat\",[]]", "m1")]
    [InlineData("[2,\"m1\",\"Heartbeat\",\"{}\"]", "m1")]
    [InlineData("[2,\"m1\",\"Heartbeat\",1]", "m1")]
    [InlineData("[3,\"m1\",[]]", "m1")]
    [InlineData("[3,\"m1\",\"ok\"]", "m1")]
    [InlineData("[4,\"m1\",5,\"\",{}]", "m1")]
    [InlineData("[4,\"m1\",\"\",\"\",{}]", "m1")]
    [InlineData("[4,\"m1\",\"GenericError\",5,{}]", "m1")]
    [InlineData("[4,\"m1\",\"GenericError\",null,{}]", "m1")]
    [InlineData("[4,\"m1\",\"GenericError\",\"\",[]]", "m1")]
    [InlineData("[2,17,\"Heartbeat\",{}]", null)]
    [InlineData("[2,null,\"Heartbeat\",{}]", null)]
    [InlineData("[3,{\"id\":\"m1\"},{}]", null)]
    public void an_element_of_the_wrong_type_is_a_format_violation(string text, string? expectedMessageId)
    {
        AssertFormatViolation(text, expectedMessageId);
    }

    [Theory]
    [InlineData("[2,\"\",\"Heartbeat\",{}]")]
    [InlineData("[3,\"\",{}]")]
    [InlineData("[4,\"\",\"GenericError\",\"\",{}]")]
    public void an_empty_message_id_is_a_format_violation_with_an_unreadable_id(string text)
    {
        AssertFormatViolation(text, expectedMessageId: null);
    }

    [Theory]
    [InlineData(OcppProtocol.Ocpp16, "FormationViolation")]
    [InlineData(OcppProtocol.Ocpp201, "FormatViolation")]
    public void a_message_id_longer_than_36_characters_is_a_format_violation_with_an_unreadable_id(OcppProtocol protocol, string code)
    {
        var error = ParseError($$"""[2,"{{new string('x', 37)}}","Heartbeat",{}]""", protocol);

        Assert.Equal(new OcppFrameError(null, code, error.Description), error);
        Assert.Contains("37", error.Description);
    }

    [Theory]
    [InlineData("[5,\"m1\",{}]", "5")]
    [InlineData("[6,\"m1\",\"NotifyPeriodicEventStream\",{}]", "6")]
    [InlineData("[0,\"m1\"]", "0")]
    [InlineData("[1,\"m1\",\"Heartbeat\",{}]", "1")]
    [InlineData("[-2,\"m1\",\"Heartbeat\",{}]", "-2")]
    [InlineData("[99999999999,\"m1\"]", "99999999999")]
    public void an_unknown_message_type_is_a_protocol_error_in_1_6_and_message_type_not_supported_in_2_0_1(string text, string type)
    {
        var ocpp16 = ParseError(text, OcppProtocol.Ocpp16);
        var ocpp201 = ParseError(text, OcppProtocol.Ocpp201);

        Assert.Equal(new OcppFrameError("m1", "ProtocolError", ocpp16.Description), ocpp16);
        Assert.Equal(new OcppFrameError("m1", "MessageTypeNotSupported", ocpp201.Description), ocpp201);
        Assert.Contains(type, ocpp201.Description);
    }

    [Fact]
    public void an_unknown_message_type_with_an_unreadable_id_is_answered_with_id_minus_one()
    {
        var error = ParseError("[5]", OcppProtocol.Ocpp201);

        Assert.Equal(OcppErrorCodes.MessageTypeNotSupported, error.ErrorCode);
        Assert.Equal("-1", error.ToCallError().MessageId);
    }

    [Theory]
    [InlineData(OcppProtocol.Ocpp16, "FormationViolation")]
    [InlineData(OcppProtocol.Ocpp201, "FormatViolation")]
    public void the_call_error_for_an_unreadable_message_id_uses_minus_one(OcppProtocol protocol, string code)
    {
        var answer = ParseError("not json", protocol).ToCallError();

        Assert.Equal("-1", answer.MessageId);
        Assert.Equal(code, answer.ErrorCode);
        Assert.Empty(answer.Details);
    }

    [Fact]
    public void the_call_error_for_a_readable_message_id_echoes_it()
    {
        var answer = ParseError("[2,\"abc-123\",\"Heartbeat\",[]]", OcppProtocol.Ocpp201).ToCallError();

        Assert.Equal(new OcppCallError("abc-123", "FormatViolation", answer.Description, answer.Details), answer);
        Assert.NotEmpty(answer.Description);
    }

    private static void AssertFormatViolation(string text, string? expectedMessageId)
    {
        var ocpp16 = ParseError(text, OcppProtocol.Ocpp16);
        var ocpp201 = ParseError(text, OcppProtocol.Ocpp201);

        Assert.Equal(new OcppFrameError(expectedMessageId, "FormationViolation", ocpp16.Description), ocpp16);
        Assert.Equal(new OcppFrameError(expectedMessageId, "FormatViolation", ocpp201.Description), ocpp201);
        Assert.False(string.IsNullOrWhiteSpace(ocpp201.Description));
    }

    private static OcppFrameError ParseError(string text, OcppProtocol protocol) =>
        Assert.IsType<OcppFrameError>(OcppFrames.Parse(text, protocol));
}
