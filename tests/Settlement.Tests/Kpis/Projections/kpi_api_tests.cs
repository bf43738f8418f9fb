using Settlement.Projections.Kpis;
using Settlement.Projections;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Domain.Reports;
using Settlement.Ledger;
using Settlement.Ledger.Store;
using Settlement.Tests.Ocpp;
using Settlement.Tests.Tariffs;

namespace Settlement.Tests.Kpis.Projections;

/// <summary>
/// October 2026 at a Berlin site: 44,700 minutes (31 days and the hour clocks go back). EVSE 1 is down
/// 120 min (the charger offline) and 60 min (a fault that runs past the month's end); EVSE 2 the same
/// 120 min and 120 min of planned maintenance.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class kpi_api_tests(LedgerDatabase db) : IAsyncLifetime
{
    private const decimal October = 44_700m;
    private static readonly Instant Offline = Instant.FromUtc(2026, 10, 10, 10, 0);
    private static readonly Instant Maintenance = Instant.FromUtc(2026, 10, 12, 8, 0);
    // 23:00 local on 31 October: an hour before the month ends at a Berlin site.
    private static readonly Instant LateFault = Instant.FromUtc(2026, 10, 31, 22, 0);

    private TestHost _host = null!;
    private HttpClient _http = null!;
    private PricedNetwork _network = null!;

    public async Task InitializeAsync()
    {
        _host = await new TestHost(db).StartAsync();
        await _host.DisposeOnFailureAsync(async () =>
        {
            _http = _host.Http;
            _network = await new PricedNetwork(db.Ledger).RegisterSiteAsync();
            await _network.RegisterChargerAsync();
            var charger = _network.ChargerId;
            await ReportAsync(
                new ChargerWentOffline(charger, Offline, Offline + Duration.FromMinutes(5)),
                new ChargerCameBackOnline(charger, Offline + Duration.FromHours(2)),
                new MaintenancePlanned(charger, "M-1", 2, Maintenance, Maintenance + Duration.FromHours(2), "Cable replacement", Maintenance - Duration.FromDays(7)),
                new ConnectorStatusChanged(charger, 2, 1, ConnectorStatus.Unavailable, Maintenance),
                new ConnectorStatusChanged(charger, 2, 1, ConnectorStatus.Available, Maintenance + Duration.FromHours(2)),
                new FaultReported(charger, 1, 1, "PowerMeterFailure", null, null, LateFault),
                new FaultCleared(charger, 1, 1, "PowerMeterFailure", LateFault + Duration.FromMinutes(90)));
        });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task october_uptime_counts_the_drop_excludes_the_maintenance_and_splits_the_fault_at_the_month_end()
    {
        await CaughtUpAsync();

        var uptime = await UptimeAsync();

        Assert.Equal((October, 180m, 0m), (uptime["1"].GetProperty("minutes").GetDecimal(), uptime["1"].GetProperty("outageMinutes").GetDecimal(), uptime["1"].GetProperty("excludedMinutes").GetDecimal()));
        Assert.Equal((240m, 120m), (uptime["2"].GetProperty("outageMinutes").GetDecimal(), uptime["2"].GetProperty("excludedMinutes").GetDecimal()));
        Assert.Equal(Math.Round((October - 180m) / October * 100m, 4), uptime["1"].GetProperty("uptimePercent").GetDecimal());
        Assert.Equal(Math.Round((October - 120m) / October * 100m, 4), uptime["2"].GetProperty("uptimePercent").GetDecimal());
    }

    [Fact]
    public async Task an_outage_tagged_as_a_utility_interruption_is_excluded_from_then_on()
    {
        var tagged = await _http.PostAsJsonAsync($"/api/chargers/{_network.ChargerId}/outage-causes", new
        {
            evseId = 0, from = "2026-10-10T10:00:00Z", until = "2026-10-10T12:00:00Z", cause = "UtilityInterruption", notes = "Grid operator ticket 4711",
        });
        var backwards = await _http.PostAsJsonAsync($"/api/chargers/{_network.ChargerId}/outage-causes", new
        {
            evseId = 1, from = "2026-10-10T10:00:00Z", until = "2026-10-10T09:00:00Z", cause = "Vandalism",
        });
        await CaughtUpAsync();

        var uptime = await UptimeAsync();
        var outages = await _http.GetFromJsonAsync<JsonElement>($"/api/kpis/outages?site={_network.SiteId}&from=2026-10-01&through=2026-10-31");

        Assert.Equal(HttpStatusCode.Created, tagged.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, backwards.StatusCode);
        Assert.Equal(120m, uptime["1"].GetProperty("excludedMinutes").GetDecimal());
        Assert.Equal(240m, uptime["2"].GetProperty("excludedMinutes").GetDecimal());
        var drop = outages.EnumerateArray().First(o => o.GetProperty("port").GetString()!.EndsWith("/1"));
        Assert.Equal(("UtilityInterruption", true), (drop.GetProperty("excludedReason").GetString(), drop.GetProperty("excluded").GetBoolean()));
    }

    [Fact]
    public async Task a_driver_rates_a_session_once_and_the_site_average_follows()
    {
        var session = await _network.ChargeAsync(Instant.FromUtc(2026, 10, 20, 7, 0), readings: 2, whPerReading: 4_000);
        var rated = await _http.PostAsJsonAsync($"/api/sessions/{session}/rating", new { stars = 4, comment = "Fast" });
        var again = await _http.PostAsJsonAsync($"/api/sessions/{session}/rating", new { stars = 1 });
        var outOfRange = await _http.PostAsJsonAsync($"/api/sessions/{session}/rating", new { stars = 6 });
        await CaughtUpAsync();

        var ratings = await _http.GetFromJsonAsync<JsonElement>($"/api/kpis/ratings?site={_network.SiteId}&from=2026-11-01&through=2026-12-31");
        var success = await _http.GetFromJsonAsync<JsonElement>($"/api/kpis/charge-success?site={_network.SiteId}&from=2026-10-01&through=2026-10-31");

        Assert.Equal(HttpStatusCode.Created, rated.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, outOfRange.StatusCode);
        // Rated now (the clock's today), so it counts in the period holding today.
        Assert.Equal((1, 4m), (ratings[0].GetProperty("count").GetInt32(), ratings[0].GetProperty("averageStars").GetDecimal()));
        Assert.Equal((1, 100m), (success.GetProperty("total").GetProperty("succeeded").GetInt32(), success.GetProperty("total").GetProperty("ratePercent").GetDecimal()));
    }

    [Fact]
    public async Task the_nevi_reports_pass_ev_charts_checks_and_the_afir_feed_its_schema()
    {
        await _network.ChargeAsync(Instant.FromUtc(2026, 10, 21, 7, 0), readings: 3, whPerReading: 5_000);
        await CaughtUpAsync();

        foreach (var module in new[] { NeviModule.ChargingSessions, NeviModule.Uptime, NeviModule.Outages })
        {
            var csv = await _http.GetStringAsync($"/api/reports/nevi/{(int)module}?site={_network.SiteId}&from=2026-10-01&through=2026-10-31");
            var json = await _http.GetByteArrayAsync($"/api/reports/nevi/{(int)module}?site={_network.SiteId}&from=2026-10-01&through=2026-10-31&format=json");
            Assert.Empty(EvChartValidator.Validate(module, csv));
            Assert.Empty(CommittedSchemas.Problems($"reports/nevi-module-{(int)module}.v1.json", json));
            Assert.Contains(_network.SiteId, csv);
        }
        var outages = await _http.GetStringAsync($"/api/reports/nevi/4?site={_network.SiteId}&from=2026-10-01&through=2026-10-31");
        Assert.Contains($"{_network.ChargerId}/1,2026-10-31T22:00:00Z,60.00,FALSE", outages);
        var afir = await _http.GetByteArrayAsync("/api/reports/afir");
        var problems = CommittedSchemas.Problems("reports/afir-feed.v1.json", afir);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task uptime_by_site_pools_both_ports_by_their_minutes_over_the_month_and_on_each_day()
    {
        await CaughtUpAsync();

        var sites = await _http.GetFromJsonAsync<JsonElement>($"/api/kpis/uptime?site={_network.SiteId}&from=2026-10-01&through=2026-10-31&by=site");

        var site = sites.EnumerateArray().Single();
        Assert.Equal((2, 2, 2 * October, 420m, 120m), (site.GetProperty("ports").GetInt32(), site.GetProperty("portsAboveNeviMinimum").GetInt32(),
            site.GetProperty("minutes").GetDecimal(), site.GetProperty("outageMinutes").GetDecimal(), site.GetProperty("excludedMinutes").GetDecimal()));
        Assert.Equal(Math.Round((2 * October - 300m) / (2 * October) * 100m, 4), site.GetProperty("uptimePercent").GetDecimal());
        var days = site.GetProperty("byDay").EnumerateArray().ToDictionary(d => d.GetProperty("date").GetString()!);
        Assert.Equal(31, days.Count);
        // The charger's drop takes both ports down for two hours on the 10th; the 12th's maintenance is excluded.
        Assert.Equal((2880m, 240m, Math.Round((2880m - 240m) / 2880m * 100m, 4)), (days["2026-10-10"].GetProperty("minutes").GetDecimal(),
            days["2026-10-10"].GetProperty("outageMinutes").GetDecimal(), days["2026-10-10"].GetProperty("uptimePercent").GetDecimal()));
        Assert.Equal((120m, 120m, 100m), (days["2026-10-12"].GetProperty("outageMinutes").GetDecimal(),
            days["2026-10-12"].GetProperty("excludedMinutes").GetDecimal(), days["2026-10-12"].GetProperty("uptimePercent").GetDecimal()));
        // The day clocks go back has 25 hours at a Berlin site.
        Assert.Equal(2 * 1500m, days["2026-10-25"].GetProperty("minutes").GetDecimal());
    }

    [Fact]
    public async Task charge_success_and_ratings_by_day_count_a_session_on_its_local_day_and_refuse_what_they_cannot_chart()
    {
        await _network.ChargeAsync(Instant.FromUtc(2026, 10, 20, 7, 0), readings: 2, whPerReading: 4_000);
        await CaughtUpAsync();

        var success = await _http.GetFromJsonAsync<JsonElement>($"/api/kpis/charge-success?site={_network.SiteId}&from=2026-10-19&through=2026-10-21&by=day");
        var plain = await _http.GetFromJsonAsync<JsonElement>($"/api/kpis/charge-success?site={_network.SiteId}&from=2026-10-19&through=2026-10-21");
        var ratings = await _http.GetFromJsonAsync<JsonElement>($"/api/kpis/ratings?site={_network.SiteId}&from=2026-10-19&through=2026-10-21&by=day");
        var tooLong = await _http.GetAsync($"/api/kpis/charge-success?site={_network.SiteId}&from=2026-10-01&through=2027-01-01&by=day");
        var unknownGrouping = await _http.GetAsync($"/api/kpis/uptime?site={_network.SiteId}&from=2026-10-01&through=2026-10-31&by=week");

        var days = success.GetProperty("byDay").EnumerateArray().ToList();
        Assert.Equal(["2026-10-19", "2026-10-20", "2026-10-21"], days.Select(d => d.GetProperty("date").GetString()));
        Assert.Equal([0, 1, 0], days.Select(d => d.GetProperty("total").GetProperty("succeeded").GetInt32()));
        Assert.Equal((_network.SiteId, 100m), (days[1].GetProperty("bySite")[0].GetProperty("key").GetString(), days[1].GetProperty("bySite")[0].GetProperty("ratePercent").GetDecimal()));
        Assert.False(plain.TryGetProperty("byDay", out _));
        Assert.Equal(3, ratings[0].GetProperty("byDay").GetArrayLength());
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Contains("at most 92 days", await tooLong.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, unknownGrouping.StatusCode);
        Assert.Contains("by: 'site'", await unknownGrouping.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task the_figures_are_the_same_after_the_kpi_projections_are_rebuilt_from_zero()
    {
        await CaughtUpAsync();
        var before = await FiguresAsync();

        await new KpiRebuild(db.Ledger).RunAsync((_, _) => { }, CancellationToken.None);

        Assert.Equal(before, await FiguresAsync());
    }

    private async Task<string> FiguresAsync()
    {
        var query = $"site={_network.SiteId}&from=2026-10-01&through=2026-10-31";
        var figures = new StringBuilder();
        foreach (var path in new[] { "uptime", "outages", "charge-success", "utilisation", "ratings" })
            figures.AppendLine(await _http.GetStringAsync($"/api/kpis/{path}?{query}"));
        figures.AppendLine(await _http.GetStringAsync($"/api/reports/nevi/3?{query}"));
        return figures.ToString();
    }

    private async Task<Dictionary<string, JsonElement>> UptimeAsync()
    {
        var rows = await _http.GetFromJsonAsync<JsonElement>($"/api/kpis/uptime?site={_network.SiteId}&from=2026-10-01&through=2026-10-31");
        return rows.EnumerateArray().ToDictionary(r => r.GetProperty("port").GetString()!.Split('/')[1]);
    }

    private Task CaughtUpAsync() =>
        _host.Services.GetRequiredService<AsyncProjections>().WaitForNonStaleDataAsync(TimeSpan.FromSeconds(60));

    private async Task ReportAsync(params object[] events)
    {
        foreach (var e in events)
            await db.Ledger.AppendAsync(new StreamAppend(StreamIds.Charger(_network.ChargerId),
                [new PendingEvent(e, EventMetadata.NewCorrelation(Actor.Charger(_network.ChargerId), Offline))]));
    }
}
