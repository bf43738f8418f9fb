using System.Text.Json.Nodes;
using Settlement.Domain.Chargers;
using Settlement.Domain.Sessions;
using Settlement.Projections.Sessions;

namespace Settlement.Tests.Ocpp;

/// <summary>
/// OCPP 1.6 sessions are named from the charger's connector and start second. Chargers whose clock is
/// stuck, or that re-plug within a second, must still get a session (and a transaction id) per start, and
/// the ledger must hold exactly the energy their meters delivered.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class ocpp16_session_identity_tests(LedgerDatabase db) : IAsyncLifetime
{
    private const string StuckClock = "2026-10-12T10:00:00Z";
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await new TestHost(db).StartAsync();
    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static async Task<int> StartAsync(RawOcppClient client, long meterStartWh, string at = StuckClock) =>
        (await client.CallAsync("StartTransaction", new JsonObject
            { ["connectorId"] = 1, ["idTag"] = "RFID-1", ["meterStart"] = meterStartWh, ["timestamp"] = at }))[2]!["transactionId"]!.GetValue<int>();

    private static Task StopAsync(RawOcppClient client, int transactionId, long meterStopWh, string at = StuckClock) =>
        client.CallAsync("StopTransaction", new JsonObject
            { ["transactionId"] = transactionId, ["meterStop"] = meterStopWh, ["timestamp"] = at, ["reason"] = "EVDisconnected" });

    private async Task<Session> SessionOfAsync(string charger, int transactionId)
    {
        await using var query = _host.Ledger.Store.QuerySession();
        var entry = await query.LoadAsync<TransactionEntry>(TransactionEntry.Key(charger, transactionId.ToString()));
        Assert.NotNull(entry);
        return Session.Fold((await _host.Ledger.ReadStreamAsync(Settlement.Domain.Events.StreamIds.Session(entry.SessionId))).Select(e => e.Data));
    }

    [Fact]
    public async Task a_charger_with_a_stuck_clock_gets_a_session_per_start_and_its_energy_to_the_wh()
    {
        var charger = await _host.RegisterChargerAsync(OcppVersion.Ocpp16);
        await using var client = await RawOcppClient.ConnectAsync(_host.Endpoint, charger, "ocpp1.6");
        var delivered = new[] { 7_250L, 12_003L, 1L, 30_500L, 4_444L };

        var register = 100_000L;
        var transactions = new List<int>();
        foreach (var energy in delivered)
        {
            var transactionId = await StartAsync(client, register);
            register += energy;
            await StopAsync(client, transactionId, register);
            transactions.Add(transactionId);
        }

        Assert.Equal(delivered.Length, transactions.Distinct().Count());
        var recorded = new List<long>();
        foreach (var transactionId in transactions)
        {
            var session = await SessionOfAsync(charger, transactionId);
            Assert.Equal(SessionStatus.Stopped, session.Status);
            recorded.Add(session.EnergyWh);
        }
        Assert.Equal(delivered, recorded);
    }

    [Fact]
    public async Task two_starts_in_the_same_second_with_nothing_delivered_between_them_are_two_sessions()
    {
        var charger = await _host.RegisterChargerAsync(OcppVersion.Ocpp16);
        await using var client = await RawOcppClient.ConnectAsync(_host.Endpoint, charger, "ocpp1.6");

        var aborted = await StartAsync(client, 5_000);
        await StopAsync(client, aborted, 5_000);
        var replugged = await StartAsync(client, 5_000);
        await StopAsync(client, replugged, 9_876);

        Assert.NotEqual(aborted, replugged);
        Assert.Equal(0, (await SessionOfAsync(charger, aborted)).EnergyWh);
        Assert.Equal(4_876, (await SessionOfAsync(charger, replugged)).EnergyWh);
    }

    [Fact]
    public async Task a_start_resent_after_a_reconnect_gets_its_original_transaction_id_even_with_a_stuck_clock()
    {
        var charger = await _host.RegisterChargerAsync(OcppVersion.Ocpp16);
        int first, second;
        await using (var before = await RawOcppClient.ConnectAsync(_host.Endpoint, charger, "ocpp1.6"))
        {
            first = await StartAsync(before, 1_000);
            await StopAsync(before, first, 2_000);
            second = await StartAsync(before, 2_000);
        } // the answer to the second start is lost with the connection, so the charger sends it again

        await using var after = await RawOcppClient.ConnectAsync(_host.Endpoint, charger, "ocpp1.6");
        var resent = await StartAsync(after, 2_000);
        await StopAsync(after, resent, 3_500);

        Assert.Equal(second, resent);
        Assert.NotEqual(first, second);
        Assert.Equal(1_000, (await SessionOfAsync(charger, first)).EnergyWh);
        Assert.Equal(1_500, (await SessionOfAsync(charger, second)).EnergyWh);
    }
}
