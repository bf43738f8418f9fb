using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Domain.Roaming;
using Settlement.Host.Roaming;
using Settlement.Ocpp;
using Settlement.Tests.Ocpp.Client;
using Settlement.Workbench.Roaming;

namespace Settlement.Tests.Roaming;

/// <summary>
/// OCPI Commands as receiver: a partner's command is answered at once, driven through OCPP to a charger played by the
/// strict ocpp-rpc client, and its result reaches the EMSP double's response_url through the outbox.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class ocpi_commands_tests(LedgerDatabase db) : IAsyncLifetime
{
    private TestHost _host = null!;
    private EmspDouble _emsp = null!;

    public async Task InitializeAsync()
    {
        _host = await new TestHost(db, new OcppOptions { CallTimeoutSeconds = 10 }).StartAsync();
        await _host.DisposeOnFailureAsync(async () =>
        {
            _emsp = await OcpiTestPartner.StartEmspAsync();
            await OcpiTestPartner.RegisterDirectlyAsync(_host, _emsp);
        });
    }

    public async Task DisposeAsync()
    {
        await _emsp.DisposeAsync();
        await _host.DisposeAsync();
    }

    private JsonObject StartSession(string id, string charger, string uid, string reference) => new()
    {
        ["response_url"] = _emsp.CommandResponseUrl("START_SESSION", id),
        ["token"] = _emsp.Token(uid, "NL-EMS-C" + uid[1..9], whitelist: "NEVER"),
        ["location_id"] = "TEST-SITE",
        ["evse_uid"] = OcpiNetworkIds.EvseUid(charger, 1),
        ["connector_id"] = "1",
        ["authorization_reference"] = reference,
    };

    /// <summary>The CommandResult the double received at its response_url, once the outbox delivered it.</summary>
    private async Task<JsonNode> ResultAsync(string command, string id)
    {
        for (var i = 0; i < 400; i++)
        {
            if (_emsp.Objects.TryGetValue($"commands/{command}/{id}", out var result)) return result;
            await Task.Delay(100);
        }
        throw new TimeoutException($"No CommandResult for {command} {id} within 40 s.");
    }

    [Fact]
    public async Task start_session_starts_the_charger_records_the_session_by_command_with_its_reference_and_reports_accepted()
    {
        var uid = ocpi_tokens_tests.NewUid();
        var (charger, id) = await _host.ConnectStrictChargerAsync(OcppVersion.Ocpp16,
            Step.Expect("RemoteStartTransaction", new { status = "Accepted" }, 20_000),
            Step.Call("StartTransaction", new { connectorId = 1, idTag = uid, meterStart = 0, timestamp = "2026-11-02T10:00:00Z" }));

        var response = await _emsp.SendCommandAsync("START_SESSION", StartSession("s1", id, uid, "REF-START-1"));

        Assert.Equal((1000, "ACCEPTED"), ((int)response["status_code"]!, (string)response["data"]!["result"]!));
        Assert.True((int)response["data"]!["timeout"]! > 0);
        Assert.Equal("ACCEPTED", (string)(await ResultAsync("START_SESSION", "s1"))["result"]!);
        var run = await charger;
        run.AssertAllStepsOk();
        Assert.Equal(uid, run.Step(0).Received!.Value.GetProperty("idTag").GetString());
        var sessionId = await ocpi_tokens_tests.SessionIdAsync(_host, id, run.Step(1));
        var recorded = await ocpi_tokens_tests.RoamingSessionAsync(_host, sessionId);
        Assert.Equal((_emsp.PartnerId, "COMMAND", "REF-START-1"), (recorded.PartnerId, recorded.AuthMethod, recorded.AuthorizationReference));
        Assert.Equal("Accepted", run.Step(1).Response!.Value.GetProperty("idTagInfo").GetProperty("status").GetString());
    }

    [Fact]
    public async Task stop_session_stops_the_partners_session_and_a_session_not_its_own_is_unknown()
    {
        var uid = ocpi_tokens_tests.NewUid();
        var (charger, id) = await _host.ConnectStrictChargerAsync(OcppVersion.Ocpp16,
            Step.Expect("RemoteStartTransaction", new { status = "Accepted" }, 20_000),
            Step.Call("StartTransaction", new { connectorId = 1, idTag = uid, meterStart = 0, timestamp = "2026-11-02T10:00:00Z" }),
            Step.Expect("RemoteStopTransaction", new { status = "Accepted" }, 40_000));
        await _emsp.SendCommandAsync("START_SESSION", StartSession("s2", id, uid, "REF-START-2"));
        await ResultAsync("START_SESSION", "s2");
        var sessionId = await SessionOnAsync(id);
        await ocpi_tokens_tests.RoamingSessionAsync(_host, sessionId);

        var unknown = await _emsp.SendCommandAsync("STOP_SESSION", new JsonObject
        {
            ["response_url"] = _emsp.CommandResponseUrl("STOP_SESSION", "unknown"), ["session_id"] = "no-such-session",
        });
        var stop = await _emsp.SendCommandAsync("STOP_SESSION", new JsonObject
        {
            ["response_url"] = _emsp.CommandResponseUrl("STOP_SESSION", "s2"), ["session_id"] = sessionId,
        });

        Assert.Equal("UNKNOWN_SESSION", (string)unknown["data"]!["result"]!);
        Assert.Equal("ACCEPTED", (string)stop["data"]!["result"]!);
        Assert.Equal("ACCEPTED", (string)(await ResultAsync("STOP_SESSION", "s2"))["result"]!);
        (await charger).AssertAllStepsOk();
        Assert.False(_emsp.Objects.ContainsKey("commands/STOP_SESSION/unknown"));
    }

    /// <summary>The session the charger started: its only one.</summary>
    private async Task<string> SessionOnAsync(string charger)
    {
        for (var i = 0; i < 200; i++)
        {
            await using var query = _host.Ledger.QueryReadModels();
            if (await Marten.QueryableExtensions.FirstOrDefaultAsync(query.Query<Settlement.Projections.Sessions.SessionEntry>().Where(s => s.ChargerId == charger)) is { } session)
                return session.SessionId;
            await Task.Delay(100);
        }
        throw new TimeoutException($"{charger} started no session.");
    }

    [Fact]
    public async Task a_charger_refusing_the_command_is_reported_rejected_or_failed()
    {
        var uid = ocpi_tokens_tests.NewUid();
        var (charger, id) = await _host.ConnectStrictChargerAsync(OcppVersion.Ocpp16,
            Step.Expect("RemoteStartTransaction", new { status = "Rejected" }, 20_000),
            Step.Expect("UnlockConnector", new { status = "UnlockFailed" }, 20_000));

        var start = await _emsp.SendCommandAsync("START_SESSION", StartSession("s3", id, uid, "REF-START-3"));
        Assert.Equal("ACCEPTED", (string)start["data"]!["result"]!);
        var rejected = await ResultAsync("START_SESSION", "s3");
        var unlock = await _emsp.SendCommandAsync("UNLOCK_CONNECTOR", new JsonObject
        {
            ["response_url"] = _emsp.CommandResponseUrl("UNLOCK_CONNECTOR", "u3"), ["location_id"] = "TEST-SITE",
            ["evse_uid"] = OcpiNetworkIds.EvseUid(id, 1), ["connector_id"] = "1",
        });
        var failed = await ResultAsync("UNLOCK_CONNECTOR", "u3");

        Assert.Equal("REJECTED", (string)rejected["result"]!);
        Assert.Equal("ACCEPTED", (string)unlock["data"]!["result"]!);
        Assert.Equal("FAILED", (string)failed["result"]!);
        (await charger).AssertAllStepsOk();
        var concluded = (await _host.Ledger.ReadStreamAsync(StreamIds.Charger(id))).Select(e => e.Data).OfType<CommandCompleted>().Select(c => c.Status);
        Assert.Equal(["Rejected", "UnlockFailed"], concluded);
    }

    [Fact]
    public async Task reservations_are_not_supported_and_an_unknown_evse_is_2003()
    {
        var charger = await _host.RegisterChargerAsync(OcppVersion.Ocpp16);

        var reserve = await _emsp.SendCommandAsync("RESERVE_NOW", new JsonObject
        {
            ["response_url"] = _emsp.CommandResponseUrl("RESERVE_NOW", "r1"), ["token"] = _emsp.Token(ocpi_tokens_tests.NewUid(), "C1"),
            ["expiry_date"] = "2026-11-02T11:00:00Z", ["reservation_id"] = "R1", ["location_id"] = "TEST-SITE",
        });
        var unknown = await _emsp.SendCommandAsync("UNLOCK_CONNECTOR", new JsonObject
        {
            ["response_url"] = _emsp.CommandResponseUrl("UNLOCK_CONNECTOR", "u4"), ["location_id"] = "TEST-SITE",
            ["evse_uid"] = OcpiNetworkIds.EvseUid(charger, 7), ["connector_id"] = "1",
        });

        Assert.Equal("NOT_SUPPORTED", (string)reserve["data"]!["result"]!);
        Assert.Equal((404, 2003), ((int)unknown["http_status"]!, (int)unknown["status_code"]!));
    }

    [Theory]
    [InlineData("START_SESSION", "{\"response_url\": ", "not JSON")]
    [InlineData("START_SESSION", """{"response_url":"http://127.0.0.1/r","location_id":"TEST-SITE"}""", "token")]
    [InlineData("START_SESSION", """{"response_url":"not a url","location_id":"TEST-SITE","token":@T}""", "response_url")]
    [InlineData("START_SESSION", """{"response_url":"http://127.0.0.1/r","location_id":"0123456789012345678901234567890123456789","token":@T}""", "location_id")]
    [InlineData("STOP_SESSION", """{"response_url":"http://127.0.0.1/r"}""", "session_id")]
    [InlineData("UNLOCK_CONNECTOR", """{"response_url":"http://127.0.0.1/r","location_id":"TEST-SITE","evse_uid":"x"}""", "connector_id")]
    public async Task a_bad_command_body_is_a_2001_naming_the_field_and_records_no_command(string command, string body, string named)
    {
        using var client = OcpiTestPartner.Client(_host, _emsp.TokenC);
        var token = _emsp.Token(ocpi_tokens_tests.NewUid(), "C1").ToJsonString();

        using var response = await client.PostAsync($"{_emsp.CpoEndpoints["commands"]}/{command}",
            new StringContent(body.Replace("@T", token), Encoding.UTF8, "application/json"));
        var envelope = await OcpiTestPartner.EnvelopeAsync(response);

        Assert.Equal((HttpStatusCode.BadRequest, 2001), (response.StatusCode, (int)envelope["status_code"]!));
        Assert.Contains(named, (string)envelope["status_message"]!);
    }
}
