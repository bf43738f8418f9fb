using System.Text.Json;
using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;
using Settlement.Domain.Events;
using Settlement.Domain.Monetary;
using Settlement.Domain.Sessions;
using Settlement.Ledger;
using Settlement.Ledger.Store;
using Settlement.Projections.Tariffs;

namespace Settlement.Tests.Tariffs;

[Collection(LedgerCollection.Name)]
public sealed class priced_session_projection_tests(LedgerDatabase db) : IAsyncLifetime
{
    private static readonly TimeSpan CatchUp = TimeSpan.FromSeconds(60);
    private static readonly Instant Monday = Instant.FromUtc(2026, 10, 12, 12, 0);

    private Settlement.Ledger.Ledger _ledger = null!;
    private AsyncProjections _projections = null!;

    // A ledger of its own: only the node that leads the projections may rebuild one, and on the shared ledger another
    // test's host may lead. The daemon is started after each test's events are appended, so it meets all of a
    // session's events in one batch.
    public async Task InitializeAsync()
    {
        _ledger = await db.ScratchLedgerAsync("priced_sessions");
        _projections = new AsyncProjections(_ledger, NullLogger.Instance);
    }

    public async Task DisposeAsync()
    {
        await _projections.DisposeAsync();
        await _ledger.DisposeAsync();
    }

    [Fact]
    public async Task a_stopped_session_is_priced_once_the_daemon_caught_up()
    {
        var network = await new PricedNetwork(_ledger).RegisterSiteAsync();
        await network.RegisterChargerAsync();
        await network.PriceSiteAsync(perKwh: 0.40m);
        var sessionId = await network.ChargeAsync(Monday, readings: 6, whPerReading: 2_500);

        var view = await PricedAsync(sessionId);

        Assert.Equal(PricedSessionStatus.Stopped, view.Status);
        Assert.Null(view.Problem);
        Assert.Equal(network.SiteId, view.SiteId);
        Assert.Equal(15_000m, view.Price!.EnergyWh);
        Assert.Equal(new Money(6.00m, Currency.FromCode("EUR")), view.Price.TotalExclVat);
        Assert.Equal("Europe/Berlin", view.Price.TimeZone);
        // Started, six readings, stopped: the price is derived from all eight events.
        Assert.Equal(8, view.Sources.SessionVersion);
        Assert.Equal(network.TariffId, Assert.Single(view.Sources.Tariffs).TariffId);
        Assert.True(Assert.Single(view.Sources.Tariffs).StreamVersion > 0);
    }

    [Fact]
    public async Task a_running_session_is_priced_up_to_its_last_reading()
    {
        var network = await new PricedNetwork(_ledger).RegisterSiteAsync();
        await network.RegisterChargerAsync();
        await network.PriceSiteAsync(perKwh: 0.50m);
        var sessionId = await network.ChargeAsync(Monday, readings: 2, whPerReading: 3_000, stop: false);

        var view = await PricedAsync(sessionId);

        Assert.Equal(PricedSessionStatus.Running, view.Status);
        Assert.Null(view.StoppedAt);
        Assert.Equal(3.00m, view.Price!.TotalExclVat.Amount);
    }

    [Fact]
    public async Task a_session_at_a_site_without_a_tariff_is_unpriced_and_says_why()
    {
        var network = await new PricedNetwork(_ledger).RegisterSiteAsync();
        await network.RegisterChargerAsync();
        var sessionId = await network.ChargeAsync(Monday, readings: 3, whPerReading: 1_000);

        var view = await PricedAsync(sessionId);

        Assert.Equal(PricedSessionStatus.Unpriced, view.Status);
        Assert.Null(view.Price);
        Assert.Contains("No tariff is in force", view.Problem);
        Assert.Contains($"{network.ChargerId}/1", view.Problem);
    }

    [Fact]
    public async Task a_session_at_a_site_never_registered_is_unpriced_and_says_why()
    {
        var network = new PricedNetwork(_ledger);
        await network.RegisterChargerAsync();
        var sessionId = await network.ChargeAsync(Monday, readings: 1, whPerReading: 1_000);

        var view = await PricedAsync(sessionId);

        Assert.Equal(PricedSessionStatus.Unpriced, view.Status);
        Assert.Equal($"Site {network.SiteId} of charger {network.ChargerId} is not registered, so its time zone is unknown.", view.Problem);
    }

    [Fact]
    public async Task a_rebuild_from_zero_yields_the_same_documents_and_keeps_following_the_ledger()
    {
        var network = await new PricedNetwork(_ledger).RegisterSiteAsync();
        await network.RegisterChargerAsync();
        await network.PriceSiteAsync(perKwh: 0.35m);
        var priced = await network.ChargeAsync(Monday, readings: 4, whPerReading: 4_000);
        var siteless = await new PricedNetwork(_ledger).RegisterChargerAsync();
        var unpriced = await siteless.ChargeAsync(Monday, readings: 2, whPerReading: 500);
        await _projections.StartAsync(CancellationToken.None);
        await _projections.WaitForNonStaleDataAsync(CatchUp);
        var before = await AllViewsAsync();
        var stray = await StoreViewNoEventSupportsAsync(before[priced]);

        await _projections.RebuildAsync(PricedSessions.ProjectionName, CatchUp);

        var after = await AllViewsAsync();
        Assert.DoesNotContain(stray, after.Keys);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        Assert.All(before, view => Assert.Equal(view.Value, after[view.Key]));
        Assert.Contains(priced, after.Keys);
        Assert.Contains(unpriced, after.Keys);

        var later = await network.ChargeAsync(Monday + Duration.FromDays(1), readings: 1, whPerReading: 1_000);
        Assert.Equal(0.35m, (await PricedAsync(later)).Price!.TotalExclVat.Amount);
    }

    [Fact]
    public async Task a_session_priced_batch_by_batch_as_it_runs_is_priced_as_a_rebuild_prices_it()
    {
        var network = await new PricedNetwork(_ledger).RegisterSiteAsync();
        await network.RegisterChargerAsync();
        await network.PriceSiteAsync(perKwh: 0.30m);
        await _projections.StartAsync(CancellationToken.None);

        // The daemon catches up after every event, so it continues the session's fold each time; once, a
        // sequence gap (no pricing event) sits between two readings and the session is folded from the ledger.
        var energyWhileRunning = new List<decimal?>();
        var sessionId = await network.ChargeAsync(Monday, readings: 5, whPerReading: 2_000, appended: async (session, readings) =>
        {
            if (readings == 3)
                await _ledger.AppendAsync(new StreamAppend(StreamIds.Session(session),
                    [new PendingEvent(new TransactionSequenceGapDetected(session, 4, 6, Monday), EventMetadata.NewCorrelation(Actor.Charger(network.ChargerId), Monday))]));
            energyWhileRunning.Add((await PricedAsync(session)).Price?.EnergyWh);
        });
        var live = await PricedAsync(sessionId);
        var before = (await AllViewsAsync())[sessionId];

        await _projections.RebuildAsync(PricedSessions.ProjectionName, CatchUp);

        Assert.Equal(before, (await AllViewsAsync())[sessionId]);
        Assert.Equal([null, 2_000m, 4_000m, 6_000m, 8_000m, 10_000m], energyWhileRunning);
        Assert.Equal(10_000m, live.Price!.EnergyWh);
        Assert.Equal(3.00m, live.Price.TotalExclVat.Amount);
        Assert.Equal(8, live.Sources.SessionVersion);
    }

    [Fact]
    public async Task a_late_reading_and_a_resent_one_fold_in_time_order_into_a_running_sessions_kept_fold()
    {
        var network = await new PricedNetwork(_ledger).RegisterSiteAsync();
        await network.RegisterChargerAsync();
        await network.PriceSiteAsync(perKwh: 0.30m);
        await _projections.StartAsync(CancellationToken.None);
        // Readings at +10, +20 and +30 minutes (registers 3,000, 5,000 and 7,000 Wh from 1,000), each priced as it comes.
        var sessionId = await network.ChargeAsync(Monday, readings: 3, whPerReading: 2_000, stop: false,
            appended: async (session, readings) => await PricedAsync(session));

        // The +30 reading again, corrected, then one from +15 that arrives last.
        await AppendReadingAsync(network, sessionId, Monday + Duration.FromMinutes(30), 7_500);
        await AppendReadingAsync(network, sessionId, Monday + Duration.FromMinutes(15), 4_000);
        var live = await PricedAsync(sessionId);
        var before = (await AllViewsAsync())[sessionId];
        await _projections.RebuildAsync(PricedSessions.ProjectionName, CatchUp);

        Assert.Equal(6_500m, live.Price!.EnergyWh);
        Assert.Equal(1.95m, live.Price.TotalExclVat.Amount);
        Assert.Equal(before, (await AllViewsAsync())[sessionId]);
    }

    private async Task AppendReadingAsync(PricedNetwork network, string sessionId, Instant takenAt, long registerWh) =>
        await _ledger.AppendAsync(new StreamAppend(StreamIds.Session(sessionId),
            [new PendingEvent(new MeterValuesRecorded(sessionId, [new MeterReading(takenAt, registerWh, PowerW: null, StateOfChargePercent: null)]),
                EventMetadata.NewCorrelation(Actor.Charger(network.ChargerId), takenAt))]));

    private async Task<PricedSessionView> PricedAsync(string sessionId)
    {
        await _projections.StartAsync(CancellationToken.None);
        await _projections.WaitForNonStaleDataAsync(CatchUp);
        await using var query = _ledger.Store.QuerySession();
        return await query.LoadAsync<PricedSessionView>(sessionId)
            ?? throw new Xunit.Sdk.XunitException($"No priced view of session {sessionId}.");
    }

    private async Task<string> StoreViewNoEventSupportsAsync(string json)
    {
        var stray = JsonSerializer.Deserialize<PricedSessionView>(json, LedgerJson.Options)! with { Id = "S-stray-" + Guid.NewGuid().ToString("N")[..8] };
        await using var session = _ledger.Store.LightweightSession();
        session.Store(stray);
        await session.SaveChangesAsync();
        return stray.Id;
    }

    /// <summary>Every view as its stored JSON, by session id: records holding lists only compare by reference.</summary>
    private async Task<Dictionary<string, string>> AllViewsAsync()
    {
        await using var query = _ledger.Store.QuerySession();
        var views = await query.Query<PricedSessionView>().ToListAsync();
        return views.ToDictionary(v => v.Id, v => JsonSerializer.Serialize(v, LedgerJson.Options));
    }
}
