using Settlement.Projections;
using JasperFx;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Marten;
using Settlement.Domain.Chargers;
using Settlement.Domain.Drivers;
using Settlement.Domain.Events;
using Settlement.Ledger.Store;
using Settlement.Tests.Ocpp;
using Settlement.Tests.Ocpp.Client;

namespace Settlement.Tests.Drivers;

/// <summary>The two ways a driver token used to reach the ledger in plain: a remote start's payload, and a refused frame.</summary>
[Collection(LedgerCollection.Name)]
public sealed class sealed_commands_and_violations_tests(LedgerDatabase db) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await new TestHost(db).StartAsync();
    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static string NewToken() => "PRIV-" + Guid.NewGuid().ToString("N")[..10].ToUpperInvariant();

    private Task<long> RowsMentioningAsync(string text) => TestDrivers.StoredRowsMentioningAsync(db.Ledger, text);

    private async Task<(ProtocolViolationRecordedV2 Violation, EventMetadata Metadata)> ViolationOfAsync(string charger)
    {
        var recorded = Assert.Single(await _host.ChargerEventsAsync(charger), e => e.Data is ProtocolViolationRecordedV2);
        return ((ProtocolViolationRecordedV2)recorded.Data, recorded.Metadata);
    }

    [Theory]
    [InlineData(OcppVersion.Ocpp16, "RemoteStartTransaction")]
    [InlineData(OcppVersion.Ocpp201, "RequestStartTransaction")]
    public async Task a_remote_start_gives_the_charger_the_token_and_the_ledger_only_its_sealed_form(OcppVersion version, string action)
    {
        var token = NewToken();
        var (charger, id) = await _host.ConnectStrictChargerAsync(version, Step.Expect(action, new { status = "Accepted" }, 10_000));

        var response = await _host.Http.PostAsJsonAsync($"/api/chargers/{id}/commands/remote-start", new { evseId = 1, idToken = token });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var played = await charger;
        played.AssertAllStepsOk();
        var received = played.Step(0).Received!.Value;
        Assert.Equal(token, version == OcppVersion.Ocpp16
            ? received.GetProperty("idTag").GetString()
            : received.GetProperty("idToken").GetProperty("idToken").GetString());
        Assert.Equal(0, await RowsMentioningAsync(token));
        var issued = Assert.Single((await _host.ChargerEventsAsync(id)).Select(e => e.Data).OfType<CommandIssuedV2>());
        Assert.Equal(action, issued.Action);
        var payload = JsonNode.Parse(issued.PayloadJson)!.AsObject();
        Assert.Null(OcppDriverToken.In(payload));
        Assert.Equal(1, payload[version == OcppVersion.Ocpp16 ? "connectorId" : "evseId"]!.GetValue<int>());
        Assert.Equal(await db.Ledger.Drivers.FindDriverRefAsync(token), issued.DriverToken!.DriverRef);
        Assert.Equal(token, await db.Ledger.Drivers.UnsealAsync(issued.DriverToken));
    }

    [Fact]
    public async Task a_command_naming_no_driver_keeps_its_payload_as_sent()
    {
        var (charger, id) = await _host.ConnectStrictChargerAsync(OcppVersion.Ocpp201, Step.Expect("Reset", new { status = "Accepted" }, 10_000));

        await _host.Http.PostAsJsonAsync($"/api/chargers/{id}/commands/reset", new { kind = "Hard" });

        (await charger).AssertAllStepsOk();
        var issued = Assert.Single((await _host.ChargerEventsAsync(id)).Select(e => e.Data).OfType<CommandIssuedV2>());
        Assert.Equal("""{"type":"Immediate"}""", issued.PayloadJson);
        Assert.Null(issued.DriverToken);
    }

    public static TheoryData<OcppVersion, string, string> MalformedFramesNamingADriver() => new()
    {
        // protocol, frame with TOKEN where the driver's token goes, the CALLERROR it gets
        { OcppVersion.Ocpp16, """[2,"v1","StartTransaction",{"connectorId":"one","idTag":"TOKEN","meterStart":0,"timestamp":"2026-10-12T10:00:00Z"}]""", "TypeConstraintViolation" },
        { OcppVersion.Ocpp16, """[2,"v2","Authorize",{"idTag":"TOKEN","colour":"blue"}]""", "FormationViolation" },
        { OcppVersion.Ocpp16, """[2,"v3","Authorize",{"idTag":"TOKEN"}""", "FormationViolation" },
        { OcppVersion.Ocpp201, """[2,"v4","TransactionEvent",{"eventType":"Started","idToken":{"idToken":"TOKEN","type":"ISO14443"}}]""", "OccurrenceConstraintViolation" },
    };

    [Theory]
    [MemberData(nameof(MalformedFramesNamingADriver))]
    public async Task a_malformed_frame_carrying_a_token_is_recorded_redacted_with_the_frame_sealed_under_that_driver(
        OcppVersion version, string template, string errorCode)
    {
        var token = NewToken();
        var frame = template.Replace("TOKEN", token);
        var charger = await _host.RegisterChargerAsync(version);
        await using var client = await RawOcppClient.ConnectAsync(_host.Endpoint, charger, version == OcppVersion.Ocpp16 ? "ocpp1.6" : "ocpp2.0.1");

        var reply = JsonNode.Parse(await client.SendAsync(frame))!.AsArray();

        Assert.Equal(errorCode, reply[2]!.GetValue<string>());
        Assert.Equal(0, await RowsMentioningAsync(token));
        var (violation, metadata) = await ViolationOfAsync(charger);
        Assert.Equal(errorCode, violation.ErrorCode);
        Assert.Equal(template.Replace("\"TOKEN\"", FrameRedaction.Marker), violation.RedactedFrame);
        Assert.Null(metadata.SourceMessage);
        Assert.Equal(await db.Ledger.Drivers.FindDriverRefAsync(token), metadata.SealedSourceMessage!.DriverRef);
        Assert.Equal(frame, await db.Ledger.Drivers.UnsealAsync(metadata.SealedSourceMessage));
    }

    [Fact]
    public async Task a_malformed_frame_naming_two_drivers_is_kept_only_redacted()
    {
        var (first, second) = (NewToken(), NewToken());
        var charger = await _host.RegisterChargerAsync(OcppVersion.Ocpp201);
        await using var client = await RawOcppClient.ConnectAsync(_host.Endpoint, charger, "ocpp2.0.1");

        await client.SendAsync($$$"""[2,"w1","Authorize",{"idToken":{"idToken":"{{{first}}}","type":"ISO14443"},"groupIdToken":{"idToken":"{{{second}}}","type":"Central"}}]""");

        Assert.Equal(0, await RowsMentioningAsync(first));
        Assert.Equal(0, await RowsMentioningAsync(second));
        var (violation, metadata) = await ViolationOfAsync(charger);
        Assert.Contains("\"groupIdToken\":{\"idToken\":\"[redacted]\",\"type\":\"Central\"}", violation.RedactedFrame);
        Assert.Null(metadata.SourceMessage);
        Assert.Null(metadata.SealedSourceMessage);
    }

    [Fact]
    public async Task a_refused_frame_cut_inside_a_token_keeps_no_part_of_it()
    {
        var token = NewToken();
        var charger = await _host.RegisterChargerAsync(OcppVersion.Ocpp16);
        await using var client = await RawOcppClient.ConnectAsync(_host.Endpoint, charger, "ocpp1.6");
        // Refused frames are kept up to 4 KiB: pad the frame so that this cut falls in the middle of the token.
        const string beforePadding = "[2,\"big\",\"DataTransfer\",{\"vendorId\":\"Acme\",\"data\":\"";
        const string beforeToken = "\",\"idTag\":\"";
        var padding = new string('x', 4 * 1024 - beforePadding.Length - beforeToken.Length - token.Length / 2);

        var reply = JsonNode.Parse(await client.SendAsync(beforePadding + padding + beforeToken + token + "\"}]"))!.AsArray();

        Assert.Equal(4, reply[0]!.GetValue<int>());
        Assert.Equal(0, await RowsMentioningAsync(token[..(token.Length / 2)]));
        var (violation, metadata) = await ViolationOfAsync(charger);
        Assert.Equal(beforePadding + padding + "\",\"idTag\":" + FrameRedaction.Marker, violation.RedactedFrame);
        Assert.Null(metadata.SourceMessage);
        Assert.Null(metadata.SealedSourceMessage);
    }

    [Fact]
    public async Task a_refused_frame_naming_no_driver_is_kept_as_it_came()
    {
        var charger = await _host.RegisterChargerAsync(OcppVersion.Ocpp16);
        await using var client = await RawOcppClient.ConnectAsync(_host.Endpoint, charger, "ocpp1.6");
        const string frame = """[2,"n1","FlyToTheMoon",{"destination":"Tycho"}]""";

        await client.SendAsync(frame);

        var (violation, metadata) = await ViolationOfAsync(charger);
        Assert.Equal(frame, violation.RedactedFrame);
        Assert.Equal(frame, metadata.SourceMessage);
        Assert.Null(metadata.SealedSourceMessage);
    }

    [Fact]
    public async Task commands_and_violations_written_before_sealing_read_as_v2_and_v1_can_no_longer_be_appended()
    {
        var chargerId = "V1-" + Guid.NewGuid().ToString("N")[..8];
        var command = new CommandIssued(chargerId, "c1", "RemoteStartTransaction", """{"connectorId":1,"idTag":"RFID-LEGACY"}""", Ledger.Events.Noon);
        var violation = new ProtocolViolationRecorded(chargerId, "FormationViolation", "not json",
            """[2,"m1","Authorize",{"idTag":"RFID-LEGACY"}""", Ledger.Events.Noon);
        using (var before = new DocumentStore(LedgerStore.Configure(new StoreOptions(), db.ConnectionString, AutoCreate.None, SettlementReadModels.All,
                   new EventCatalogue([new EventType(typeof(CommandIssued), EventFamily.Chargers), new EventType(typeof(ProtocolViolationRecorded), EventFamily.Chargers)]))))
        await using (var session = before.LightweightSession())
        {
            var stored = new[] { session.Events.BuildEvent(command), session.Events.BuildEvent(violation) };
            foreach (var e in stored)
            {
                e.SetHeader("actor", $"charger:{chargerId}");
                e.SetHeader("occurredAt", "2026-10-12T12:00:00Z");
            }
            session.Events.StartStream(StreamIds.Charger(chargerId), stored);
            await session.SaveChangesAsync();
        }

        var read = await db.Ledger.ReadStreamAsync(StreamIds.Charger(chargerId));
        var refused = await Assert.ThrowsAsync<RetiredEventException>(() =>
            db.Ledger.AppendAsync(new Settlement.Ledger.StreamAppend(StreamIds.Charger(chargerId), [Ledger.Events.Pending(command)])));

        Assert.Equal(["command_issued_v1", "protocol_violation_recorded_v1"], read.Select(e => e.StoredType));
        var upcastCommand = Assert.IsType<CommandIssuedV2>(read[0].Data);
        Assert.Equal("""{"connectorId":1}""", upcastCommand.PayloadJson);
        Assert.Equal(DriverSealed.WrittenInPlain("RFID-LEGACY"), upcastCommand.DriverToken);
        var upcastViolation = Assert.IsType<ProtocolViolationRecordedV2>(read[1].Data);
        Assert.Equal("""[2,"m1","Authorize",{"idTag":"[redacted]"}""", upcastViolation.RedactedFrame);
        Assert.Contains("command_issued_v1", refused.Message);
    }
}
