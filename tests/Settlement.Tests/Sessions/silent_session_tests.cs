using System.Text.Json.Nodes;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Settlement.Domain.Events;
using Settlement.Domain.Kpis;
using Settlement.Domain.Sessions;
using Settlement.Ledger;
using Settlement.Ledger.Store;
using Settlement.Ocpp;
using Settlement.Projections.Tariffs;
using Settlement.Projections.Sessions;
using Settlement.Tests.Ocpp;
using Settlement.Tests.Tariffs;

namespace Settlement.Tests.Sessions;

/// <summary>
/// A session whose charger falls silent is closed after the allowed silence, and the charger's real stop
/// reopens it. On a scratch database of its own, so that the short silence allowed here closes only these sessions.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class silent_session_tests(LedgerDatabase db) : IAsyncLifetime
{
    private static readonly TimeSpan AllowedSilence = TimeSpan.FromSeconds(2);
    private Settlement.Ledger.Ledger _ledger = null!;
    private TestHost _host = null!;
    private PricedNetwork _network = null!;

    public async Task InitializeAsync()
    {
        _ledger = await db.ScratchLedgerAsync("silence");
        _host = await new TestHost(db, new OcppOptions { AllowChargersWithoutPassword = true, CloseSilentSessionsAfter = AllowedSilence },
            ledger: _ledger).StartAsync();
        await _host.DisposeOnFailureAsync(async () =>
        {
            _network = await (await (await new PricedNetwork(_ledger).RegisterSiteAsync()).RegisterChargerAsync()).PriceSiteAsync(perKwh: 0.50m);
        });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _ledger.DisposeAsync();
    }

    private static JsonObject Meter(string at, long wh) => new()
    {
        ["timestamp"] = at,
        ["sampledValue"] = new JsonArray(new JsonObject { ["value"] = wh.ToString(), ["measurand"] = "Energy.Active.Import.Register", ["unit"] = "Wh" }),
    };

    [Fact]
    public async Task a_silent_ocpp16_session_is_closed_at_its_last_reading_and_its_real_stop_reopens_it_counting_the_real_energy_once()
    {
        await using var client = await RawOcppClient.ConnectAsync(_host.Endpoint, _network.ChargerId, "ocpp1.6", password: null);
        await client.CallAsync("BootNotification", new JsonObject { ["chargePointVendor"] = "Alpitronic", ["chargePointModel"] = "HYC300" });
        var start = await client.CallAsync("StartTransaction", new JsonObject
            { ["connectorId"] = 1, ["idTag"] = "RFID-1", ["meterStart"] = 1_000, ["timestamp"] = "2026-10-12T10:00:00Z" });
        var transactionId = start[2]!["transactionId"]!.GetValue<int>().ToString();
        await client.CallAsync("MeterValues", new JsonObject
            { ["connectorId"] = 1, ["transactionId"] = int.Parse(transactionId), ["meterValue"] = new JsonArray(Meter("2026-10-12T10:20:00Z", 5_000)) });
        var sessionId = await SessionOfAsync(transactionId);

        var closed = await ClosedForSilenceAsync(sessionId);

        Assert.Equal((5_000L, NodaTime.Instant.FromUtc(2026, 10, 12, 10, 20)), (closed.MeterStopWh, closed.StoppedAt));
        Assert.True(closed.ClosedAt - closed.SilentSince >= NodaTime.Duration.FromTimeSpan(AllowedSilence));

        await client.CallAsync("StopTransaction", new JsonObject
            { ["transactionId"] = int.Parse(transactionId), ["meterStop"] = 7_345, ["timestamp"] = "2026-10-12T11:00:00Z", ["reason"] = "EVDisconnected" });

        await AssertStoppedByTheChargerAsync(sessionId, energyWh: 6_345);
    }

    [Fact]
    public async Task a_silent_ocpp201_session_is_reopened_by_the_chargers_queued_messages_and_ended_by_its_real_end()
    {
        await using var client = await RawOcppClient.ConnectAsync(_host.Endpoint, _network.ChargerId, "ocpp2.0.1", password: null);
        await client.CallAsync("BootNotification", new JsonObject
            { ["reason"] = "PowerUp", ["chargingStation"] = new JsonObject { ["model"] = "HYC300", ["vendorName"] = "Alpitronic" } });
        var transactionId = "TX-" + Guid.NewGuid().ToString("N")[..8];
        await client.CallAsync("TransactionEvent", TransactionEvent("Started", 0, transactionId, "2026-10-12T10:00:00Z", 1_000));
        var sessionId = await SessionOfAsync(transactionId);

        var closed = await ClosedForSilenceAsync(sessionId);
        Assert.Equal(1_000L, closed.MeterStopWh);

        // The charger's offline queue, delivered once it is back: an update, then the end.
        await client.CallAsync("TransactionEvent", TransactionEvent("Updated", 1, transactionId, "2026-10-12T10:30:00Z", 4_000));
        await client.CallAsync("TransactionEvent", TransactionEvent("Ended", 2, transactionId, "2026-10-12T11:00:00Z", 9_500));

        await AssertStoppedByTheChargerAsync(sessionId, energyWh: 8_500);
    }

    private static JsonObject TransactionEvent(string eventType, int seqNo, string transactionId, string at, long registerWh)
    {
        var payload = new JsonObject
        {
            ["eventType"] = eventType, ["timestamp"] = at, ["seqNo"] = seqNo,
            ["triggerReason"] = eventType == "Ended" ? "EVCommunicationLost" : eventType == "Started" ? "CablePluggedIn" : "MeterValuePeriodic",
            ["transactionInfo"] = new JsonObject { ["transactionId"] = transactionId },
            ["evse"] = new JsonObject { ["id"] = 1, ["connectorId"] = 1 },
            ["meterValue"] = new JsonArray(new JsonObject
            {
                ["timestamp"] = at,
                ["sampledValue"] = new JsonArray(new JsonObject { ["value"] = registerWh, ["measurand"] = "Energy.Active.Import.Register" }),
            }),
        };
        if (eventType == "Ended") payload["transactionInfo"]!["stoppedReason"] = "EVDisconnected";
        return payload;
    }

    private async Task<string> SessionOfAsync(string transactionId)
    {
        await using var query = _ledger.Store.QuerySession();
        return (await query.LoadAsync<TransactionEntry>(TransactionEntry.Key(_network.ChargerId, transactionId)))!.SessionId;
    }

    private async Task<SessionClosedForSilence> ClosedForSilenceAsync(string sessionId) =>
        await ocpp_connection_tests.Eventually(async () =>
            (await _ledger.ReadStreamAsync(StreamIds.Session(sessionId))).Select(e => e.Data).OfType<SessionClosedForSilence>().SingleOrDefault());

    /// <summary>
    /// The close for silence stands withdrawn: the session's own fold, its KPI facts and its price follow the
    /// charger's stop, and its energy is counted once.
    /// </summary>
    private async Task AssertStoppedByTheChargerAsync(string sessionId, long energyWh)
    {
        var session = (await _ledger.ReadStreamAsync(StreamIds.Session(sessionId))).Select(e => e.Data).ToList();
        Assert.Equal([typeof(SessionClosedForSilence), typeof(SessionReopened)],
            session.SkipWhile(e => e is not SessionClosedForSilence).Take(2).Select(e => e.GetType()));
        Assert.IsType<SessionStopped>(session[^1]);
        var state = Session.Fold(session);
        Assert.Equal((SessionStatus.Stopped, energyWh), (state.Status, state.EnergyWh));

        await _host.Services.GetRequiredService<AsyncProjections>().WaitForNonStaleDataAsync(TimeSpan.FromSeconds(60));
        await using var query = _ledger.Store.QuerySession();
        var facts = Assert.Single(await query.Query<SessionFacts>().Where(f => f.ChargerId == _network.ChargerId).ToListAsync());
        Assert.Equal((sessionId, energyWh, (StopReason?)StopReason.EVDisconnected), (facts.Id, facts.EnergyWh, facts.StopReason));
        var priced = (await query.LoadAsync<PricedSessionView>(sessionId))!;
        Assert.Equal((PricedSessionStatus.Stopped, (decimal)energyWh), (priced.Status, priced.Price!.EnergyWh));
        Assert.False((await query.LoadAsync<SessionLifecycle>(StreamIds.Session(sessionId)))!.Open);
    }
}
