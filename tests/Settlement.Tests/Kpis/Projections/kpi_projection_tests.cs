using Settlement.Projections.Kpis;
using Settlement.Projections;
using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Domain.Kpis;
using Settlement.Domain.Sessions;
using Settlement.Ledger;
using Settlement.Ledger.Store;
using Settlement.Tests.Tariffs;

namespace Settlement.Tests.Kpis.Projections;

[Collection(LedgerCollection.Name)]
public sealed class kpi_projection_tests(LedgerDatabase db)
{
    private static readonly TimeSpan CatchUp = TimeSpan.FromSeconds(60);
    private static readonly Instant October = Instant.FromUtc(2026, 10, 30, 22, 0);

    [Fact]
    public async Task the_daemon_keeps_a_month_of_facts_per_charger_and_the_facts_of_each_session()
    {
        var network = await new PricedNetwork(db.Ledger).RegisterSiteAsync();
        await network.RegisterChargerAsync();
        await ChargerReportsAsync(network.ChargerId,
            new ConnectorStatusChanged(network.ChargerId, 1, 1, ConnectorStatus.Faulted, October),
            new ChargerWentOffline(network.ChargerId, October + Duration.FromHours(1), October + Duration.FromHours(2)),
            new ChargerCameBackOnline(network.ChargerId, October + Duration.FromDays(2)));
        var session = await network.ChargeAsync(October + Duration.FromDays(3), readings: 3, whPerReading: 2_000);

        await CatchUpAsync();

        await using var query = db.Ledger.Store.QuerySession();
        var october = await query.LoadAsync<ChargerMonthFacts>($"{network.ChargerId}|2026-10");
        var november = await query.LoadAsync<ChargerMonthFacts>($"{network.ChargerId}|2026-11");
        var facts = await query.LoadAsync<SessionFacts>(session);
        Assert.Equal([ChargerFactKind.Status, ChargerFactKind.WentOffline], october!.Facts.Select(f => f.Kind));
        Assert.Equal(ChargerFactKind.CameOnline, Assert.Single(november!.Facts).Kind);
        Assert.Equal((6_000L, StopReason.EVDisconnected), (facts!.EnergyWh, facts.StopReason!.Value));
    }

    [Fact]
    public async Task kpi_rebuild_writes_what_the_daemon_wrote_and_the_daemon_follows_on_from_it()
    {
        var network = await new PricedNetwork(db.Ledger).RegisterSiteAsync();
        await network.RegisterChargerAsync();
        await ChargerReportsAsync(network.ChargerId,
            new FaultReported(network.ChargerId, 2, 1, "GroundFailure", null, "RCD tripped", October),
            new FaultCleared(network.ChargerId, 2, 1, "GroundFailure", October + Duration.FromMinutes(45)));
        await network.ChargeAsync(October, readings: 2, whPerReading: 1_500);
        await CatchUpAsync();
        var byDaemon = await KpiRebuild.DocumentsAsync(db.Ledger, CancellationToken.None);

        var rebuilt = await new KpiRebuild(db.Ledger).RunAsync((_, _) => { }, CancellationToken.None);
        var byRebuild = await KpiRebuild.DocumentsAsync(db.Ledger, CancellationToken.None);
        var later = await network.ChargeAsync(October + Duration.FromDays(1), readings: 1, whPerReading: 700);
        await CatchUpAsync();

        Assert.True(rebuilt.EventsReplayed > 0);
        Assert.Equal(byDaemon, byRebuild);
        await using var query = db.Ledger.Store.QuerySession();
        Assert.Equal(700L, (await query.LoadAsync<SessionFacts>(later))!.EnergyWh);
        // Following on from the rebuild's ceiling, the daemon did not apply the earlier events twice.
        Assert.Equal(2, (await query.LoadAsync<ChargerMonthFacts>($"{network.ChargerId}|2026-10"))!.Facts.Count);
    }

    private async Task ChargerReportsAsync(string chargerId, params object[] events)
    {
        foreach (var e in events)
            await db.Ledger.AppendAsync(new StreamAppend(StreamIds.Charger(chargerId),
                [new PendingEvent(e, EventMetadata.NewCorrelation(Actor.Charger(chargerId), October))]));
    }

    private async Task CatchUpAsync()
    {
        await using var projections = new AsyncProjections(db.Ledger, NullLogger.Instance);
        await projections.StartAsync(CancellationToken.None);
        await projections.WaitForNonStaleDataAsync(CatchUp);
    }
}
