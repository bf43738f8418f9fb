using System.Text.Json.Nodes;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Domain.Sessions;

namespace Settlement.Tests.Ocpp;

/// <summary>
/// The failures other CSMSs are known for: queued messages resent after a reconnect, meter values late
/// or out of order, a stop for a transaction that started offline. Energy must equal the meter difference.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class ocpp_idempotency_tests(LedgerDatabase db) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await new TestHost(db).StartAsync();
    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static JsonObject Reading16(string at, long wh) => new()
    {
        ["timestamp"] = at,
        ["sampledValue"] = new JsonArray(new JsonObject { ["value"] = (wh / 1000m).ToString(System.Globalization.CultureInfo.InvariantCulture), ["unit"] = "kWh" }),
    };

    private static JsonObject Start16 => new() { ["connectorId"] = 2, ["idTag"] = "RFID-9", ["meterStart"] = 50_000, ["timestamp"] = "2026-10-12T10:00:00Z" };

    private async Task<IReadOnlyList<object>> SessionAsync(string charger) =>
        (await db.Ledger.ReadStreamAsync(StreamIds.Session($"{charger}-2-{Instant.FromUtc(2026, 10, 12, 10, 0).ToUnixTimeSeconds()}")))
        .Select(e => e.Data).ToList();

    [Fact]
    public async Task a_charger_reconnecting_mid_transaction_and_resending_its_queue_counts_energy_once()
    {
        var charger = await _host.RegisterChargerAsync(OcppVersion.Ocpp16);
        int transactionId;
        await using (var before = await RawOcppClient.ConnectAsync(_host.Endpoint, charger, "ocpp1.6"))
        {
            transactionId = (await before.CallAsync("StartTransaction", Start16))[2]!["transactionId"]!.GetValue<int>();
            await before.CallAsync("MeterValues", new JsonObject { ["connectorId"] = 2, ["transactionId"] = transactionId,
                ["meterValue"] = new JsonArray(Reading16("2026-10-12T10:05:00Z", 55_000)) });
        } // power cut: the socket drops; the charger queued everything after this point

        await using var after = await RawOcppClient.ConnectAsync(_host.Endpoint, charger, "ocpp1.6");
        var resentStart = await after.CallAsync("StartTransaction", Start16);
        await after.CallAsync("MeterValues", new JsonObject { ["connectorId"] = 2, ["transactionId"] = transactionId,
            ["meterValue"] = new JsonArray(Reading16("2026-10-12T10:15:00Z", 65_000), Reading16("2026-10-12T10:05:00Z", 55_000), Reading16("2026-10-12T10:10:00Z", 60_000)) });
        var stop = new JsonObject { ["transactionId"] = transactionId, ["meterStop"] = 70_000, ["timestamp"] = "2026-10-12T10:20:00Z", ["reason"] = "PowerLoss" };
        await after.CallAsync("StopTransaction", stop);
        var resentStop = await after.CallAsync("StopTransaction", stop.DeepClone().AsObject());

        Assert.Equal(transactionId, resentStart[2]!["transactionId"]!.GetValue<int>());
        Assert.Equal(3, resentStop[0]!.GetValue<int>());
        var session = await SessionAsync(charger);
        Assert.Single(session.OfType<SessionStartedV2>());
        Assert.Single(session.OfType<SessionStopped>());
        var state = Session.Fold(session);
        Assert.Equal(20_000, state.EnergyWh);
        Assert.Equal(3, state.ReadingTimes.Count);
        Assert.True(state.ReadingTimes.SequenceEqual(state.ReadingTimes.Order()));
        var charger_events = (await _host.ChargerEventsAsync(charger)).Select(e => e.Data).ToList();
        Assert.Contains(charger_events, e => e is ChargerWentOffline);
    }

    [Fact]
    public async Task a_resent_frame_with_the_same_message_id_gets_the_same_answer_and_records_nothing_new()
    {
        var charger = await _host.RegisterChargerAsync(OcppVersion.Ocpp16);
        await using var client = await RawOcppClient.ConnectAsync(_host.Endpoint, charger, "ocpp1.6");
        var frame = new JsonArray(2, "same-id", "Authorize", new JsonObject { ["idTag"] = "RFID-1" }).ToJsonString();

        var first = await client.SendAsync(frame);
        var again = await client.SendAsync(frame);

        Assert.Equal(first, again);
        Assert.Single((await _host.ChargerEventsAsync(charger)).Select(e => e.Data).OfType<IdTokenAuthorisedV2>());
    }

    [Fact]
    public async Task a_stop_for_a_transaction_never_seen_is_answered_and_recorded_not_lost()
    {
        var charger = await _host.RegisterChargerAsync(OcppVersion.Ocpp16);
        await using var client = await RawOcppClient.ConnectAsync(_host.Endpoint, charger, "ocpp1.6");

        var reply = await client.CallAsync("StopTransaction", new JsonObject
            { ["transactionId"] = 987_654, ["idTag"] = "RFID-1", ["meterStop"] = 12_345, ["timestamp"] = "2026-10-12T10:20:00Z" });

        Assert.Equal(3, reply[0]!.GetValue<int>());
        Assert.Equal("Accepted", reply[2]!["idTagInfo"]!["status"]!.GetValue<string>());
        var unknown = Assert.Single((await _host.ChargerEventsAsync(charger)).Select(e => e.Data).OfType<UnknownTransactionStopped>());
        Assert.Equal(("987654", 12_345L), (unknown.TransactionId, unknown.MeterStopWh));
    }

    private static JsonObject TransactionEvent(string type, int seqNo, string at, long? wh, string trigger = "MeterValuePeriodic") => new()
    {
        ["eventType"] = type,
        ["timestamp"] = at,
        ["triggerReason"] = trigger,
        ["seqNo"] = seqNo,
        ["transactionInfo"] = type == "Ended"
            ? new JsonObject { ["transactionId"] = "tx-201", ["stoppedReason"] = "EVDisconnected" }
            : new JsonObject { ["transactionId"] = "tx-201" },
        ["evse"] = new JsonObject { ["id"] = 1, ["connectorId"] = 1 },
        ["meterValue"] = wh is null ? null : new JsonArray(new JsonObject
        {
            ["timestamp"] = at,
            ["sampledValue"] = new JsonArray(new JsonObject { ["value"] = wh.Value, ["measurand"] = "Energy.Active.Import.Register" }),
        }),
    };

    [Fact]
    public async Task ocpp201_duplicates_add_nothing_and_a_seqno_gap_is_recorded()
    {
        var charger = await _host.RegisterChargerAsync(OcppVersion.Ocpp201);
        await using var client = await RawOcppClient.ConnectAsync(_host.Endpoint, charger, "ocpp2.0.1");
        static JsonObject Without(JsonObject o, string key) { o.Remove(key); return o; }

        await client.CallAsync("TransactionEvent", TransactionEvent("Started", 0, "2026-10-12T10:00:00Z", 1_000, "CablePluggedIn"));
        await client.CallAsync("TransactionEvent", TransactionEvent("Updated", 1, "2026-10-12T10:05:00Z", 4_000));
        await client.CallAsync("TransactionEvent", TransactionEvent("Updated", 1, "2026-10-12T10:05:00Z", 4_000)); // resent
        await client.CallAsync("TransactionEvent", TransactionEvent("Updated", 4, "2026-10-12T10:20:00Z", 13_000)); // 2 and 3 lost
        var ended = await client.CallAsync("TransactionEvent", Without(TransactionEvent("Ended", 5, "2026-10-12T10:25:00Z", 16_000, "EVCommunicationLost"), "evse"));

        Assert.Equal(3, ended[0]!.GetValue<int>());
        var session = (await db.Ledger.ReadStreamAsync(StreamIds.Session($"{charger}-tx-201"))).Select(e => e.Data).ToList();
        var gap = Assert.Single(session.OfType<TransactionSequenceGapDetected>());
        Assert.Equal((2, 4), (gap.ExpectedSeqNo, gap.ReceivedSeqNo));
        Assert.Single(session.OfType<SessionStopped>());
        Assert.Equal(15_000, Session.Fold(session).EnergyWh);
    }
}
