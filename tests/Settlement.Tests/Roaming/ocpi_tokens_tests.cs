using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Settlement.Domain.Chargers;
using Settlement.Domain.Drivers;
using Settlement.Domain.Events;
using Settlement.Domain.Roaming;
using Settlement.Domain.Sessions;
using Settlement.Host.Roaming;
using Settlement.Projections.Drivers;
using Settlement.Projections.Sessions;
using Settlement.Tests.Ocpp.Client;
using Settlement.Workbench.Roaming;

namespace Settlement.Tests.Roaming;

/// <summary>
/// OCPI Tokens as receiver: a partner's tokens enter the token registry sealed, and our chargers' Authorize and starts
/// are answered as the token's whitelist says (registry, or the partner asked in real time through the EMSP double).
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class ocpi_tokens_tests(LedgerDatabase db) : IAsyncLifetime
{
    private TestHost _host = null!;
    private EmspDouble _emsp = null!;

    public async Task InitializeAsync()
    {
        _host = await new TestHost(db, unknownTokens: UnknownTokenPolicy.Reject).StartAsync();
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

    internal static string NewUid() => "R" + Guid.NewGuid().ToString("N")[..13].ToUpperInvariant();

    private string TokenUrl(string uid, string? party = null) => $"{_emsp.CpoEndpoints["tokens"]}/{EmspDouble.CountryCode}/{party ?? _emsp.PartyId}/{uid}";

    private async Task<TokenEntry?> RegistryEntryAsync(string uid)
    {
        if (await _host.Ledger.Drivers.FindDriverRefAsync(uid) is not { } driverRef) return null;
        await using var query = _host.Ledger.QueryReadModels();
        return await query.LoadAsync<TokenEntry>(StreamIds.Token(driverRef));
    }

    private static string Status(ScenarioResult result, int step) =>
        result.Step(step).Response!.Value.GetProperty("idTagInfo").GetProperty("status").GetString()!;

    private Task<ScenarioResult> ChargerAsync(string charger, params ScenarioStep[] steps) => OcppRpcClient.RunAsync(new Scenario
    {
        Endpoint = _host.Endpoint.ToString().TrimEnd('/'), Identity = charger, Protocols = ["ocpp1.6"], Password = TestHost.Password, Steps = steps,
    });

    [Fact]
    public async Task a_pushed_token_enters_the_registry_as_the_partners_with_uid_and_contract_id_sealed_and_reads_back_over_ocpi()
    {
        var uid = NewUid();
        var contractId = $"NL-{_emsp.PartyId}-C{uid[1..9]}";

        var pushed = await _emsp.PushTokenAsync(uid, contractId, whitelist: "ALWAYS");
        var read = await _emsp.CallCpoAsync(HttpMethod.Get, TokenUrl(uid) + "?type=RFID");

        Assert.Equal(1000, (int)pushed["status_code"]!);
        Assert.Equal((1000, uid, contractId, "ALWAYS"), ((int)read["status_code"]!, (string)read["data"]!["uid"]!, (string)read["data"]!["contract_id"]!,
            (string)read["data"]!["whitelist"]!));
        var entry = await RegistryEntryAsync(uid);
        Assert.Equal((TokenType.Roaming, _emsp.PartnerId, OcpiWhitelist.Always, OcpiTokenType.Rfid),
            (entry!.Type, entry.Partner!.PartnerId, entry.Partner.Whitelist, entry.Partner.Type));
        Assert.Equal(uid, await _host.Ledger.Drivers.UnsealAsync(entry.Uid));
        var stored = (await _host.Ledger.ReadStreamAsync(StreamIds.Token(entry.TokenId))).Select(e => JsonSerializer.Serialize(e.Data, e.Data.GetType())).ToList();
        Assert.Single(stored);
        Assert.All(stored, json => Assert.DoesNotContain(uid, json));
        Assert.All(stored, json => Assert.DoesNotContain(contractId, json));
    }

    [Fact]
    public async Task a_token_of_another_party_is_refused_and_nothing_is_written()
    {
        var uid = NewUid();
        var body = _emsp.Token(uid, "NL-XYZ-C12345678");
        body["party_id"] = "XYZ";

        var refused = await _emsp.CallCpoAsync(HttpMethod.Put, TokenUrl(uid, party: "XYZ"), body);

        Assert.Equal((400, 2001), ((int)refused["http_status"]!, (int)refused["status_code"]!));
        Assert.Contains("party_id", (string)refused["status_message"]!);
        Assert.Null(await _host.Ledger.Drivers.FindDriverRefAsync(uid));
    }

    [Theory]
    [InlineData("{\"uid\": ", "not JSON")]
    [InlineData("""{"country_code":"NL","party_id":"@P","uid":"@U","type":"RFID","issuer":"x","valid":true,"whitelist":"ALWAYS","last_updated":"2026-11-02T10:00:00Z"}""", "contract_id")]
    [InlineData("""{"country_code":"NL","party_id":"@P","uid":"@U","type":"RFID","contract_id":"C1","issuer":"x","valid":true,"whitelist":"SOMETIMES","last_updated":"2026-11-02T10:00:00Z"}""", "whitelist")]
    [InlineData("""{"country_code":"NL","party_id":"@P","uid":"@U","type":"RFID","contract_id":"C1","issuer":"x","valid":true,"whitelist":"ALWAYS","last_updated":"2026-11-02T10:00:00.1234567+02:00"}""", "last_updated")]
    [InlineData("""{"country_code":"NL","party_id":"@P","uid":"@U","type":"RFID","contract_id":"0123456789012345678901234567890123456789","issuer":"x","valid":true,"whitelist":"ALWAYS","last_updated":"2026-11-02T10:00:00Z"}""", "contract_id")]
    [InlineData("""{"country_code":"NL","party_id":"@P","uid":"OTHER-UID","type":"RFID","contract_id":"C1","issuer":"x","valid":true,"whitelist":"ALWAYS","last_updated":"2026-11-02T10:00:00Z"}""", "uid")]
    public async Task a_bad_token_body_is_a_2001_naming_the_field_and_writes_nothing(string body, string named)
    {
        var uid = NewUid();
        using var client = OcpiTestPartner.Client(_host, _emsp.TokenC);

        using var response = await client.PutAsync(TokenUrl(uid),
            new StringContent(body.Replace("@P", _emsp.PartyId).Replace("@U", uid), Encoding.UTF8, "application/json"));
        var envelope = await OcpiTestPartner.EnvelopeAsync(response);

        Assert.Equal((HttpStatusCode.BadRequest, 2001), (response.StatusCode, (int)envelope["status_code"]!));
        Assert.Contains(named, (string)envelope["status_message"]!);
        Assert.Null(await _host.Ledger.Drivers.FindDriverRefAsync(uid));
    }

    [Fact]
    public async Task a_token_patched_invalid_is_blocked_at_our_chargers_and_an_always_whitelisted_one_is_answered_from_the_registry()
    {
        var (valid, invalidated) = (NewUid(), NewUid());
        await _emsp.PushTokenAsync(valid, "NL-EMS-C00000001", whitelist: "ALWAYS");
        await _emsp.PushTokenAsync(invalidated, "NL-EMS-C00000002", whitelist: "ALWAYS");
        var patched = await _emsp.CallCpoAsync(HttpMethod.Patch, TokenUrl(invalidated),
            new JsonObject { ["valid"] = false, ["last_updated"] = (string)_emsp.Token(invalidated, "x")["last_updated"]! });
        var charger = await _host.RegisterChargerAsync(OcppVersion.Ocpp16);

        var result = await ChargerAsync(charger, Step.Call("Authorize", new { idTag = valid }), Step.Call("Authorize", new { idTag = invalidated }));

        Assert.Equal(1000, (int)patched["status_code"]!);
        result.AssertAllStepsOk();
        Assert.Equal(["Accepted", "Blocked"], [Status(result, 0), Status(result, 1)]);
        Assert.DoesNotContain(_emsp.Received, call => call.Path.Contains("/authorize"));
        Assert.False((await RegistryEntryAsync(invalidated))!.Partner!.Valid);
    }

    [Fact]
    public async Task a_token_the_partner_wants_asked_about_is_authorised_in_real_time_allowed_or_blocked_as_the_partner_answers()
    {
        var (allowed, blocked) = (NewUid(), NewUid());
        await _emsp.PushTokenAsync(allowed, "NL-EMS-C00000003", whitelist: "ALLOWED");
        await _emsp.PushTokenAsync(blocked, "NL-EMS-C00000004", whitelist: "NEVER");
        _emsp.AnswerAuthorization(allowed, "ALLOWED");
        _emsp.AnswerAuthorization(blocked, "BLOCKED");
        var charger = await _host.RegisterChargerAsync(OcppVersion.Ocpp16);

        var result = await ChargerAsync(charger, Step.Call("Authorize", new { idTag = allowed }), Step.Call("Authorize", new { idTag = blocked }));

        result.AssertAllStepsOk();
        Assert.Equal(["Accepted", "Blocked"], [Status(result, 0), Status(result, 1)]);
        var asked = _emsp.Received.Where(call => call.Path.Contains("/authorize")).ToList();
        Assert.Equal(2, asked.Count);
        Assert.Equal("TEST-SITE", (string)asked[0].Body!["location_id"]!);
        var answer = Assert.Single((await _host.Ledger.ReadStreamAsync(PartnerTokenAuthoriser.AuthorisationStream(charger, (await RegistryEntryAsync(allowed))!.TokenId)))
            .Select(e => e.Data).OfType<PartnerTokenAuthorised>());
        Assert.Equal((OcpiAllowed.Allowed, (string)_emsp.Objects[$"authorizations/{allowed}"]["authorization_reference"]!), (answer.Allowed, answer.AuthorizationReference));
    }

    [Fact]
    public async Task while_the_partner_is_down_an_allowed_token_is_answered_from_the_registry_and_a_never_whitelisted_one_is_refused()
    {
        var (allowed, never) = (NewUid(), NewUid());
        await _emsp.PushTokenAsync(allowed, "NL-EMS-C00000005", whitelist: "ALLOWED_OFFLINE");
        await _emsp.PushTokenAsync(never, "NL-EMS-C00000006", whitelist: "NEVER");
        var charger = await _host.RegisterChargerAsync(OcppVersion.Ocpp16);
        _emsp.Down = true;

        var result = await ChargerAsync(charger, Step.Call("Authorize", new { idTag = allowed }), Step.Call("Authorize", new { idTag = never }));

        result.AssertAllStepsOk();
        Assert.Equal(["Accepted", "Invalid"], [Status(result, 0), Status(result, 1)]);
    }

    [Fact]
    public async Task a_partner_slower_than_the_real_time_timeout_keeps_the_chargers_answer_within_it_from_the_registry()
    {
        await using var host = await new TestHost(db, unknownTokens: UnknownTokenPolicy.Reject,
            settings: new Dictionary<string, string?> { ["Ocpi:RealTimeAuthorisationSeconds"] = "1" }).StartAsync();
        await using var emsp = await OcpiTestPartner.StartEmspAsync();
        await OcpiTestPartner.RegisterDirectlyAsync(host, emsp);
        var uid = NewUid();
        await emsp.PushTokenAsync(uid, "NL-EMS-C00000008", whitelist: "ALLOWED");
        emsp.AnswerAuthorization(uid, "BLOCKED");
        emsp.Delay = TimeSpan.FromSeconds(10);
        var charger = await host.RegisterChargerAsync(OcppVersion.Ocpp16);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = await OcppRpcClient.RunAsync(new Scenario
        {
            Endpoint = host.Endpoint.ToString().TrimEnd('/'), Identity = charger, Protocols = ["ocpp1.6"], Password = TestHost.Password,
            Steps = [Step.Call("Authorize", new { idTag = uid })],
        });
        clock.Stop();

        result.AssertAllStepsOk();
        Assert.Equal("Accepted", Status(result, 0));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"the charger waited {clock.Elapsed} for a partner that was given 1 s");
    }

    [Fact]
    public async Task a_session_started_with_a_partner_token_authorised_in_real_time_is_recorded_as_the_partners_by_auth_request_with_its_reference()
    {
        var uid = NewUid();
        await _emsp.PushTokenAsync(uid, "NL-EMS-C00000007", whitelist: "ALLOWED");
        _emsp.AnswerAuthorization(uid, "ALLOWED");
        var charger = await _host.RegisterChargerAsync(OcppVersion.Ocpp16);

        var result = await ChargerAsync(charger,
            Step.Call("Authorize", new { idTag = uid }),
            Step.Call("StartTransaction", new { connectorId = 1, idTag = uid, meterStart = 0, timestamp = "2026-11-02T10:00:00Z" }));

        result.AssertAllStepsOk();
        var sessionId = await SessionIdAsync(_host, charger, result.Step(1));
        var recorded = await RoamingSessionAsync(_host, sessionId);
        Assert.Equal((_emsp.PartnerId, "AUTH_REQUEST", "RFID"), (recorded.PartnerId, recorded.AuthMethod, recorded.TokenType));
        Assert.Equal((string)_emsp.Objects[$"authorizations/{uid}"]["authorization_reference"]!, recorded.AuthorizationReference);
        Assert.Equal((await RegistryEntryAsync(uid))!.TokenId, recorded.TokenUid.DriverRef);
    }

    internal static async Task<string> SessionIdAsync(TestHost host, string charger, StepResult start)
    {
        var transactionId = start.Response!.Value.GetProperty("transactionId").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var query = host.Ledger.QueryReadModels();
        return (await query.LoadAsync<TransactionEntry>(TransactionEntry.Key(charger, transactionId)))!.SessionId;
    }

    /// <summary>The relay records roaming sessions as it follows the ledger: within a few seconds.</summary>
    internal static async Task<RoamingSessionRecordedV3> RoamingSessionAsync(TestHost host, string sessionId)
    {
        for (var i = 0; i < 300; i++)
        {
            if ((await host.Ledger.ReadStreamAsync(RoamingSessionRecorder.Stream(sessionId))).Select(e => e.Data).OfType<RoamingSessionRecordedV3>().SingleOrDefault() is { } recorded)
                return recorded;
            await Task.Delay(100);
        }
        throw new TimeoutException($"Session {sessionId} was not recorded as a roaming session within 30 s.");
    }
}
