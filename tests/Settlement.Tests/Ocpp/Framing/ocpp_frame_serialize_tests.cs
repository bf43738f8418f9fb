using System.Text.Json.Nodes;
using Settlement.Ocpp.Framing;

namespace Settlement.Tests.Ocpp.Framing;

public sealed class ocpp_frame_serialize_tests
{
    [Fact]
    public void a_call_serializes_to_compact_json()
    {
        var call = new OcppCall("19223201", "BootNotification",
            new JsonObject { ["reason"] = "PowerUp", ["chargingStation"] = new JsonObject { ["model"] = "SingleSocketCharger", ["vendorName"] = "VendorX" } });

        Assert.Equal("""[2,"19223201","BootNotification",{"reason":"PowerUp","chargingStation":{"model":"SingleSocketCharger","vendorName":"VendorX"}}]""",
            OcppFrames.Serialize(call));
    }

    [Fact]
    public void a_call_result_serializes_to_compact_json()
    {
        var result = new OcppCallResult("19223201",
            new JsonObject { ["currentTime"] = "2013-02-01T20:53:32.486Z", ["interval"] = 300, ["status"] = "Accepted" });

        Assert.Equal("""[3,"19223201",{"currentTime":"2013-02-01T20:53:32.486Z","interval":300,"status":"Accepted"}]""",
            OcppFrames.Serialize(result));
    }

    [Fact]
    public void a_call_error_serializes_to_compact_json()
    {
        var error = new OcppCallError("162376037", "NotSupported", "SetDisplayMessageRequest not implemented", new JsonObject());

        Assert.Equal("""[4,"162376037","NotSupported","SetDisplayMessageRequest not implemented",{}]""", OcppFrames.Serialize(error));
    }

    [Fact]
    public void an_empty_payload_is_written_as_an_empty_object()
    {
        Assert.Equal("""[3,"1",{}]""", OcppFrames.Serialize(new OcppCallResult("1", new JsonObject())));
    }

    [Fact]
    public void a_payload_that_belongs_to_another_tree_is_written_and_left_where_it_is()
    {
        var payload = new JsonObject { ["a"] = 1 };
        var host = new JsonObject { ["payload"] = payload };

        Assert.Equal("""[3,"1",{"a":1}]""", OcppFrames.Serialize(new OcppCallResult("1", payload)));
        Assert.Same(host, payload.Parent);
    }

    [Fact]
    public void a_call_error_description_longer_than_255_characters_is_cut_to_255()
    {
        var error = new OcppCallError("1", "GenericError", new string('d', 300), new JsonObject());

        var written = Assert.IsType<OcppCallError>(OcppFrames.Parse(OcppFrames.Serialize(error), OcppProtocol.Ocpp201));

        Assert.Equal(new string('d', 255), written.Description);
    }

    [Fact]
    public void a_call_error_description_of_255_characters_is_written_whole()
    {
        var description = new string('d', 255);

        var written = Assert.IsType<OcppCallError>(OcppFrames.Parse(
            OcppFrames.Serialize(new OcppCallError("1", "GenericError", description, new JsonObject())), OcppProtocol.Ocpp201));

        Assert.Equal(description, written.Description);
    }

    [Fact]
    public void cutting_a_description_never_splits_a_surrogate_pair()
    {
        var description = new string('d', 254) + "😀" + "tail";

        var written = Assert.IsType<OcppCallError>(OcppFrames.Parse(
            OcppFrames.Serialize(new OcppCallError("1", "GenericError", description, new JsonObject())), OcppProtocol.Ocpp201));

        Assert.Equal(new string('d', 254), written.Description);
    }

    [Theory]
    [InlineData("""[2,"a-1","MeterValues",{"connectorId":1,"meterValue":[{"timestamp":"2024-05-01T10:15:00Z","sampledValue":[{"value":"12.5"}]}]}]""")]
    [InlineData("""[3,"a-1",{"idTagInfo":{"status":"Accepted"},"transactionId":7}]""")]
    [InlineData("""[4,"a-1","TypeConstraintViolation","/connectorId: Value is \"string\" but should be \"integer\"",{"x":[1,2,null,true]}]""")]
    [InlineData("""[2,"ü-😀","DataTransfer",{"vendorId":"Ünïcödé 漢字 😀","data":"<&>'\\"}]""")]
    public void serializing_a_parsed_frame_gives_back_the_same_json(string text)
    {
        var frame = Assert.IsAssignableFrom<OcppFrame>(OcppFrames.Parse(text, OcppProtocol.Ocpp16));

        var written = frame switch
        {
            OcppCall call => OcppFrames.Serialize(call),
            OcppCallResult result => OcppFrames.Serialize(result),
            OcppCallError error => OcppFrames.Serialize(error),
            _ => throw new Xunit.Sdk.XunitException($"Unexpected frame {frame}"),
        };

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(text), JsonNode.Parse(written)), written);
    }
}
