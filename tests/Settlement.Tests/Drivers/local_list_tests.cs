using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Settlement.Domain.Chargers;
using Settlement.Domain.Drivers;
using Settlement.Domain.Sessions;
using Settlement.Ledger.Store;
using Settlement.Ocpp;
using Settlement.Projections;
using Settlement.Ocpp.Framing;
using Settlement.Tests.Ocpp.Client;
using Settlement.Workbench.Simulation;

namespace Settlement.Tests.Drivers;

/// <summary>Chargers' local authorisation lists follow the token registry, with versions, and every list sent is recorded without a uid.</summary>
[Collection(LedgerCollection.Name)]
public sealed class local_list_tests(LedgerDatabase db) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await new TestHost(db, unknownTokens: UnknownTokenPolicy.Reject, sendLocalLists: true).StartAsync();
    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<string> RegisterAsync(string uid)
    {
        var response = await _host.Http.PostAsJsonAsync("/api/tokens", new { uid });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("tokenId").GetString()!;
    }

    [Theory]
    [InlineData(OcppVersion.Ocpp16)]
    [InlineData(OcppVersion.Ocpp201)]
    public async Task a_charger_gets_the_full_list_on_connect_then_a_differential_update_when_a_card_is_blocked(OcppVersion version)
    {
        var uid = "L" + Guid.NewGuid().ToString("N")[..15].ToUpperInvariant();
        var tokenId = await RegisterAsync(uid);
        object boot = version == OcppVersion.Ocpp16
            ? new { chargePointVendor = "Acme", chargePointModel = "Fast 150" }
            : new { reason = "PowerUp", chargingStation = new { model = "Fast 150", vendorName = "Acme" } };
        object held = version == OcppVersion.Ocpp16 ? new { listVersion = 0 } : new { versionNumber = 0 };
        var (charger, chargerId) = await _host.ConnectStrictChargerAsync(version,
            Step.Call("BootNotification", boot),
            Step.Expect("GetLocalListVersion", held, timeoutMs: 20_000),
            Step.Expect("SendLocalList", new { status = "Accepted" }, timeoutMs: 20_000),
            Step.Expect("SendLocalList", new { status = "Accepted" }, timeoutMs: 30_000));

        var full = await SentAsync(chargerId, 1);
        Assert.Equal(LocalListUpdate.Full, full[0].UpdateType);
        Assert.Contains(full[0].Entries, e => e.TokenId == tokenId && e.Status == AuthorisationOutcome.Accepted);

        Assert.Equal(HttpStatusCode.OK, (await _host.Http.PostAsync($"/api/tokens/{tokenId}/block", null)).StatusCode);
        var result = await charger;
        result.AssertAllStepsOk();

        var sent = await SentAsync(chargerId, 2);
        Assert.Equal(LocalListUpdate.Differential, sent[1].UpdateType);
        Assert.Equal([new LocalListEntry(tokenId, AuthorisationOutcome.Blocked, null, null)], sent[1].Entries);
        Assert.True(sent[1].ListVersion > sent[0].ListVersion);
        var blockedOnTheWire = result.Step(3).Received!.Value.GetProperty("localAuthorizationList")[0];
        Assert.Equal("Blocked", blockedOnTheWire.GetProperty(version == OcppVersion.Ocpp16 ? "idTagInfo" : "idTokenInfo").GetProperty("status").GetString());

        // The answer is recorded once the charger gave it, which may be just after its scenario ended.
        List<CommandCompleted> answers = [];
        for (var i = 0; i < 100 && answers.Count < 2; i++, await Task.Delay(100))
            answers = (await _host.ChargerEventsAsync(chargerId)).Select(e => e.Data).OfType<CommandCompleted>()
                .Where(c => sent.Any(s => s.CommandId == c.CommandId)).ToList();
        Assert.Equal(2, answers.Count);
        Assert.All(answers, a => Assert.Equal("Accepted", a.Status));
        Assert.Equal(0, await TestDrivers.StoredRowsMentioningAsync(_host.Ledger, uid));
    }

    [Theory]
    [InlineData(OcppVersion.Ocpp16)]
    [InlineData(OcppVersion.Ocpp201)]
    public async Task the_simulated_charger_keeps_the_list_and_refuses_a_blocked_card_while_offline(OcppVersion version)
    {
        var (valid, blocked) = ("V" + Guid.NewGuid().ToString("N")[..15].ToUpperInvariant(), "B" + Guid.NewGuid().ToString("N")[..15].ToUpperInvariant());
        await RegisterAsync(valid);
        var id = await _host.RegisterChargerAsync(version);
        var protocol = version == OcppVersion.Ocpp16 ? OcppProtocol.Ocpp16 : OcppProtocol.Ocpp201;
        await using var charger = new SimulatedCharger(new ChargerDefinition(id, TestHost.Password, protocol), _host.Endpoint,
            new SimulatorOptions { ValidatePayloads = true, CallTimeout = TimeSpan.FromSeconds(10) });
        await charger.ConnectAsync(CancellationToken.None);
        await charger.BootAsync(CancellationToken.None);
        await SentAsync(id, 1);

        // Registered and blocked while the charger is online: the differential update reaches it.
        var blockedId = await RegisterAsync(blocked);
        Assert.Equal(HttpStatusCode.OK, (await _host.Http.PostAsync($"/api/tokens/{blockedId}/block", null)).StatusCode);
        for (var i = 0; i < 200 && charger.LocalList.StatusOf(blocked) != "Blocked"; i++) await Task.Delay(100);
        Assert.Equal("Blocked", charger.LocalList.StatusOf(blocked));

        await charger.CloseAsync();
        Assert.True(charger.AuthorisesOffline(valid));
        Assert.False(charger.AuthorisesOffline(blocked));
        Assert.False(charger.AuthorisesOffline("NEVER-SEEN"));
        var snapshot = charger.Counters.Snapshot();
        Assert.True(snapshot.Errors == 0, snapshot.LastError);
    }

    [Fact]
    public async Task a_card_blocked_through_another_host_reaches_a_charger_connected_here_at_the_next_check()
    {
        await using var otherLedger = await LedgerStore.OpenAsync(db.ConnectionString, SettlementReadModels.All);
        await using var other = await new TestHost(db, new OcppOptions { LocalListSyncSeconds = 1 }, ledger: otherLedger,
            unknownTokens: UnknownTokenPolicy.Reject, sendLocalLists: true).StartAsync();
        var card = "X" + Guid.NewGuid().ToString("N")[..15].ToUpperInvariant();
        var tokenId = await RegisterAsync(card);
        var id = await other.RegisterChargerAsync(OcppVersion.Ocpp201);
        await using var charger = new SimulatedCharger(new ChargerDefinition(id, TestHost.Password, OcppProtocol.Ocpp201), other.Endpoint,
            new SimulatorOptions { ValidatePayloads = true, CallTimeout = TimeSpan.FromSeconds(10) });
        await charger.ConnectAsync(CancellationToken.None);
        await charger.BootAsync(CancellationToken.None);
        for (var i = 0; i < 200 && charger.LocalList.StatusOf(card) != "Accepted"; i++) await Task.Delay(100);
        Assert.Equal("Accepted", charger.LocalList.StatusOf(card));

        // Blocked through this host, which has no connection to the charger: the other host's check finds its list behind.
        Assert.Equal(HttpStatusCode.OK, (await _host.Http.PostAsync($"/api/tokens/{tokenId}/block", null)).StatusCode);
        for (var i = 0; i < 200 && charger.LocalList.StatusOf(card) != "Blocked"; i++) await Task.Delay(100);
        Assert.Equal("Blocked", charger.LocalList.StatusOf(card));
        await charger.CloseAsync();
        Assert.False(charger.AuthorisesOffline(card));
    }

    private async Task<List<LocalListSent>> SentAsync(string chargerId, int atLeast)
    {
        for (var i = 0; ; i++)
        {
            var sent = (await _host.ChargerEventsAsync(chargerId)).Select(e => e.Data).OfType<LocalListSent>().ToList();
            if (sent.Count >= atLeast || i == 200) return sent.Count >= atLeast ? sent : throw new Xunit.Sdk.XunitException($"{sent.Count} lists sent, not {atLeast}");
            await Task.Delay(100);
        }
    }
}
