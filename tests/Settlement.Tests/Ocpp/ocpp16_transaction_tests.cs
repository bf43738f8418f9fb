using System.Text.Json.Nodes;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Domain.Sessions;

namespace Settlement.Tests.Ocpp;

[Collection(LedgerCollection.Name)]
public sealed class ocpp16_transaction_tests(LedgerDatabase db) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await new TestHost(db).StartAsync();
    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static JsonObject Meter(string at, long wh) => new()
    {
        ["timestamp"] = at,
        ["sampledValue"] = new JsonArray(new JsonObject { ["value"] = wh.ToString(), ["measurand"] = "Energy.Active.Import.Register", ["unit"] = "Wh" }),
    };

    [Fact]
    public async Task a_transaction_lands_in_its_session_stream_and_is_answered_after_commit()
    {
        var charger = await _host.RegisterChargerAsync(OcppVersion.Ocpp16);
        await using var client = await RawOcppClient.ConnectAsync(_host.Endpoint, charger, "ocpp1.6");

        var boot = await client.CallAsync("BootNotification", new JsonObject { ["chargePointVendor"] = "Acme", ["chargePointModel"] = "Fast 150" });
        Assert.Equal("Accepted", boot[2]!["status"]!.GetValue<string>());
        var start = await client.CallAsync("StartTransaction", new JsonObject
            { ["connectorId"] = 1, ["idTag"] = "RFID-1", ["meterStart"] = 10_000, ["timestamp"] = "2026-10-12T10:00:00Z" });
        var transactionId = start[2]!["transactionId"]!.GetValue<int>();
        await client.CallAsync("MeterValues", new JsonObject
            { ["connectorId"] = 1, ["transactionId"] = transactionId, ["meterValue"] = new JsonArray(Meter("2026-10-12T10:05:00Z", 14_000)) });
        await client.CallAsync("StopTransaction", new JsonObject
            { ["transactionId"] = transactionId, ["meterStop"] = 25_000, ["timestamp"] = "2026-10-12T10:20:00Z", ["reason"] = "EVDisconnected" });

        var sessionId = $"{charger}-1-{NodaTime.Instant.FromUtc(2026, 10, 12, 10, 0).ToUnixTimeSeconds()}";
        var session = await db.Ledger.ReadStreamAsync(StreamIds.Session(sessionId));
        Assert.Equal([typeof(SessionAuthorisedV2), typeof(SessionStartedV2), typeof(MeterValuesRecorded), typeof(SessionStopped)], session.Select(e => e.Data.GetType()));
        Assert.Equal(15_000, Session.Fold(session.Select(e => e.Data)).EnergyWh);
        // The start carries the driver's idTag, so its frame is kept sealed; the others are kept in plain.
        foreach (var e in session)
            Assert.StartsWith("[2,", e.Metadata.SourceMessage ?? await db.Ledger.Drivers.UnsealAsync(e.Metadata.SealedSourceMessage!));
        Assert.NotNull(session[0].Metadata.SealedSourceMessage);
        Assert.Contains(await _host.ChargerEventsAsync(charger), e => e.Data is ChargerBooted);
    }
}
