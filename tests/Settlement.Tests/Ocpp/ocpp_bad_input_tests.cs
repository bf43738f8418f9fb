using System.Text.Json.Nodes;
using Settlement.Domain.Chargers;
using Settlement.Ocpp;

namespace Settlement.Tests.Ocpp;

[Collection(LedgerCollection.Name)]
public sealed class ocpp_bad_input_tests(LedgerDatabase db) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await new TestHost(db, new OcppOptions { MaxFrameBytes = 2_048 }).StartAsync();
    public async Task DisposeAsync() => await _host.DisposeAsync();

    public static TheoryData<string, string, string, string> BadFrames() => new()
    {
        // protocol, frame, expected message id in the CALLERROR, expected error code
        { "ocpp1.6", "this is not json", "-1", "FormationViolation" },
        { "ocpp2.0.1", "this is not json", "-1", "FormatViolation" },
        { "ocpp1.6", """{"not":"an array"}""", "-1", "FormationViolation" },
        { "ocpp1.6", """[2, "a1", "FlyToTheMoon", {}]""", "a1", "NotImplemented" },
        { "ocpp2.0.1", """[2, "a2", "FlyToTheMoon", {}]""", "a2", "NotImplemented" },
        { "ocpp1.6", """[2, "a3", "BootNotification", {"chargePointVendor": "Acme"}]""", "a3", "OccurenceConstraintViolation" }, // sic: OCPP-J 1.6 §4.2.3 spells it so
        { "ocpp1.6", """[2, "a4", "StatusNotification", {"connectorId": "one", "errorCode": "NoError", "status": "Available"}]""", "a4", "TypeConstraintViolation" },
        { "ocpp1.6", """[2, "a5", "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Dancing"}]""", "a5", "PropertyConstraintViolation" },
        { "ocpp2.0.1", """[5, "a6", "Heartbeat", {}]""", "a6", "MessageTypeNotSupported" },
    };

    [Theory]
    [MemberData(nameof(BadFrames))]
    public async Task a_bad_frame_naming_no_driver_gets_the_spec_error_is_recorded_as_it_came_and_the_connection_stays(string protocol, string frame, string messageId, string errorCode)
    {
        var charger = await _host.RegisterChargerAsync(protocol == "ocpp1.6" ? OcppVersion.Ocpp16 : OcppVersion.Ocpp201);
        await using var client = await RawOcppClient.ConnectAsync(_host.Endpoint, charger, protocol);

        var reply = JsonNode.Parse(await client.SendAsync(frame))!.AsArray();

        Assert.Equal(4, reply[0]!.GetValue<int>());
        Assert.Equal(messageId, reply[1]!.GetValue<string>());
        Assert.Equal(errorCode, reply[2]!.GetValue<string>());
        var heartbeat = await client.CallAsync("Heartbeat", []);
        Assert.Equal(3, heartbeat[0]!.GetValue<int>());
        var violation = Assert.Single((await _host.ChargerEventsAsync(charger)).Select(e => e.Data).OfType<ProtocolViolationRecordedV2>());
        Assert.Equal(errorCode, violation.ErrorCode);
        Assert.Equal(frame, violation.RedactedFrame);
    }

    [Fact]
    public async Task an_oversized_frame_is_refused_without_parsing_and_the_connection_stays()
    {
        var charger = await _host.RegisterChargerAsync(OcppVersion.Ocpp16);
        await using var client = await RawOcppClient.ConnectAsync(_host.Endpoint, charger, "ocpp1.6");
        var huge = new JsonArray(2, "big", "DataTransfer", new JsonObject { ["vendorId"] = "Acme", ["data"] = new string('x', 10_000) }).ToJsonString();

        var reply = JsonNode.Parse(await client.SendAsync(huge))!.AsArray();

        Assert.Equal("FormationViolation", reply[2]!.GetValue<string>());
        Assert.Contains("2048 bytes", reply[3]!.GetValue<string>());
        Assert.Equal(3, (await client.CallAsync("Heartbeat", []))[0]!.GetValue<int>());
        Assert.Single((await _host.ChargerEventsAsync(charger)).Select(e => e.Data).OfType<ProtocolViolationRecordedV2>());
    }

    [Fact]
    public async Task a_value_the_ledger_refuses_is_answered_with_a_callerror_and_nothing_is_recorded_for_it()
    {
        var charger = await _host.RegisterChargerAsync(OcppVersion.Ocpp16);
        await using var client = await RawOcppClient.ConnectAsync(_host.Endpoint, charger, "ocpp1.6");

        var reply = await client.CallAsync("StartTransaction", new JsonObject
            { ["connectorId"] = 1, ["idTag"] = "RFID-1", ["meterStart"] = -5, ["timestamp"] = "2026-10-12T10:00:00Z" });

        Assert.Equal(4, reply[0]!.GetValue<int>());
        Assert.Equal("PropertyConstraintViolation", reply[2]!.GetValue<string>());
        Assert.DoesNotContain((await _host.ChargerEventsAsync(charger)).Select(e => e.Data), e => e is Domain.Sessions.SessionStartedV2);
    }
}
