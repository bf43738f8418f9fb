using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.Kpis;
using Settlement.Host.Access;

namespace Settlement.Host.Kpis;

/// <summary>
/// KPI queries per port, charger, site and period, and what operators and drivers record for them.
/// Periods are local dates at each site, both ends inclusive.
/// </summary>
public static class KpiEndpoints
{
    public sealed record TagOutageCauseBody(int EvseId, Instant From, Instant Until, OutageCause Cause, string? Notes = null);
    public sealed record RateSessionBody(int Stars, string? Comment = null);
    public sealed record MaintenanceCostBody(
        LocalDate From, LocalDate Through, decimal TotalCost, decimal FederalCost, bool? ChargingAsAService = null, string? ProjectId = null, string? Notes = null);

    public sealed record UptimeRow(string SiteId, string Port, Instant From, Instant Until, decimal Minutes, decimal OutageMinutes,
        decimal ExcludedMinutes, decimal? UptimePercent, bool AboveNeviMinimum, bool OperationalThroughout);
    public sealed record TallyRow(string Key, int Attempts, int Succeeded, int Failed, int Undecided, decimal? RatePercent);
    public sealed record ChargeSuccessAnswer(LocalDate From, LocalDate Through, TallyRow Total, IReadOnlyList<TallyRow> ByPort,
        IReadOnlyList<TallyRow> ByCharger, IReadOnlyList<TallyRow> BySite, IReadOnlyList<TallyRow> ByModel, IReadOnlyList<TallyRow> ByFirmware);
    public sealed record RatingRow(string SiteId, int Count, decimal? AverageStars);

    public static IEndpointRouteBuilder MapKpis(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/chargers/{chargerId}/outage-causes", async (string chargerId, TagOutageCauseBody body, OperatorScope scope, IMediator mediator, CancellationToken ct) =>
            !await scope.SeesChargerAsync(chargerId, ct) ? NotFound($"Charger {chargerId} is not registered.") : Recorded($"/api/streams/charger:{chargerId}",
                await mediator.Send(new TagOutageCause(chargerId, body.EvseId, body.From, body.Until, body.Cause, body.Notes), ct)));

        app.MapPost("/api/sessions/{sessionId}/rating", async (string sessionId, RateSessionBody body, OperatorScope scope, IMediator mediator, CancellationToken ct) =>
            !await scope.SeesSessionAsync(sessionId, ct) ? NotFound($"No session {sessionId}.") : Recorded($"/api/streams/session:{sessionId}", await mediator.Send(new RateSession(sessionId, body.Stars, body.Comment), ct)));

        app.MapPost("/api/sites/{siteId}/maintenance-costs", async (string siteId, MaintenanceCostBody body, OperatorScope scope, IMediator mediator, CancellationToken ct) =>
        {
            if (!await scope.SeesSiteAsync(siteId, ct)) return NotFound($"Site {siteId} is not registered.");
            // NEVI module 5 reports these periods later: refused now rather than breaking that report.
            if (!Periods.TryWithin("from", body.From, out var bad) || !Periods.TryWithin("through", body.Through, out bad)) return bad!;
            return Recorded($"/api/streams/site:{siteId}", await mediator.Send(new ReportMaintenanceCost(
                siteId, body.From, body.Through, body.TotalCost, body.FederalCost, body.ChargingAsAService, body.ProjectId, body.Notes), ct));
        });

        // NEVI: a calendar period, or with trailingYear=yyyy-MM the twelve months through it (680.116(b)(2)).
        app.MapGet("/api/kpis/uptime", (string? site, string? from, string? through, string? trailingYear, KpiHistories kpis, CancellationToken ct) =>
            Refusals.Answer(async () =>
            {
                if (trailingYear is not null)
                {
                    if (!Periods.TryMonth("trailingYear", trailingYear, out var month, out var invalid)) return invalid!;
                    var end = month.OnDayOfMonth(1).PlusMonths(1).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant() + Duration.FromDays(1);
                    var histories = await kpis.HistoriesAsync(site, end, ct);
                    return Results.Ok(histories.SelectMany(h => h.Timelines(end).Select(t => Row(h, Uptime.TrailingYear(t, month, h.Zone)))).ToList());
                }
                if (!Periods.TryRequired(from, through, out var period, out var bad)) return bad!;
                return Results.Ok(await PerSiteAsync(kpis, site, period, (h, timelines, start, until) =>
                    timelines.Select(t => Row(h, Uptime.For(t, start, until))), ct));
            }));

        app.MapGet("/api/kpis/outages", (string? site, string? from, string? through, KpiHistories kpis, CancellationToken ct) => Refusals.Answer(async () =>
        {
            if (!Periods.TryRequired(from, through, out var period, out var bad)) return bad!;
            return Results.Ok(await PerSiteAsync(kpis, site, period, (h, timelines, start, until) =>
                timelines.SelectMany(t => Uptime.Outages(t, start, until)).Select(o => new
                {
                    siteId = h.Site.SiteId, port = o.Port.ToString(), outageId = o.OutageId, until = o.Until, why = o.Why.ToString(),
                    o.DurationMinutes, o.ExcludedMinutes, o.Excluded, o.ExcludedReason, o.ExcludedNotes,
                }), ct));
        }));

        app.MapGet("/api/kpis/charge-success", (string? site, string? from, string? through, KpiHistories kpis, CancellationToken ct) => Refusals.Answer(async () =>
        {
            if (!Periods.TryRequired(from, through, out var period, out var bad)) return bad!;
            // Sites may be in different zones: the period is taken in the first site's zone, and the answer says which dates it covers.
            var histories = await kpis.HistoriesAsync(site, Instant.MaxValue, ct);
            var zone = histories.FirstOrDefault()?.Zone ?? DateTimeZone.Utc;
            var (start, until) = SiteHistory.Bounds(period.From, period.Through, zone);
            var report = ChargeSuccess.For(histories.SelectMany(h => h.Chargers), start, until);
            return Results.Ok(new ChargeSuccessAnswer(period.From, period.Through, Tally("all", report.Total),
                Tallies(report.ByPort, p => p.ToString()), Tallies(report.ByCharger, c => c), Tallies(report.BySite, s => s),
                Tallies(report.ByModel, m => $"{m.Vendor} {m.Model}"), Tallies(report.ByFirmware, f => $"{f.Vendor} {f.Model} {f.Firmware ?? "(unknown)"}")));
        }));

        app.MapGet("/api/kpis/utilisation", (string? site, string? from, string? through, KpiHistories kpis, CancellationToken ct) => Refusals.Answer(async () =>
        {
            if (!Periods.TryRequired(from, through, out var period, out var bad)) return bad!;
            return Results.Ok(await PerSiteAsync<SiteUtilisation>(kpis, site, period, (h, timelines, _, _) =>
                [Utilisation.ForSite(h.Site.SiteId, timelines, h.Zone, new DateInterval(period.From, period.Through))], ct));
        }));

        app.MapGet("/api/kpis/ratings", (string? site, string? from, string? through, KpiHistories kpis, CancellationToken ct) => Refusals.Answer(async () =>
        {
            if (!Periods.TryRequired(from, through, out var period, out var bad)) return bad!;
            return Results.Ok(await PerSiteAsync<RatingRow>(kpis, site, period, (h, _, start, until) =>
            {
                var summary = Ratings.For(h.Chargers.SelectMany(c => c.Sessions), start, until);
                return [new RatingRow(h.Site.SiteId, summary.Count, summary.AverageStars)];
            }, ct));
        }));

        return app;
    }

    /// <summary>Each site's figures over the period taken in its own time zone.</summary>
    private static async Task<IReadOnlyList<T>> PerSiteAsync<T>(KpiHistories kpis, string? site, (LocalDate From, LocalDate Through) period,
        Func<SiteHistory, IReadOnlyList<PortTimeline>, Instant, Instant, IEnumerable<T>> figures, CancellationToken ct)
    {
        var histories = await kpis.HistoriesAsync(site, period.Through, ct);
        return histories.SelectMany(h =>
        {
            var (start, until) = h.Bounds(period.From, period.Through);
            return figures(h, h.Timelines(until), start, until);
        }).ToList();
    }

    private static IResult NotFound(string error) => Results.NotFound(new { error });

    /// <summary>The one event recorded, or the refusal.</summary>
    private static IResult Recorded(string stream, Decision decision) =>
        decision.Refusal is { } refusal ? refusal.ToHttp() : Results.Created(stream, decision.Events.Single());

    private static UptimeRow Row(SiteHistory history, PortUptime uptime) => new(
        history.Site.SiteId, uptime.Port.ToString(), uptime.From, uptime.Until, Math.Round(uptime.Minutes, 2), Math.Round(uptime.OutageMinutes, 2),
        Math.Round(uptime.ExcludedMinutes, 2), uptime.Percent is { } percent ? Math.Round(percent, 4) : null, uptime.AboveNeviMinimum, uptime.OperationalThroughout);

    private static IReadOnlyList<TallyRow> Tallies<TKey>(IReadOnlyDictionary<TKey, SuccessTally> tallies, Func<TKey, string> name) =>
        [.. tallies.Select(t => Tally(name(t.Key), t.Value)).OrderBy(t => t.Key, StringComparer.Ordinal)];

    private static TallyRow Tally(string key, SuccessTally tally) =>
        new(key, tally.Attempts, tally.Succeeded, tally.Failed, tally.Undecided, tally.RatePercent is { } rate ? Math.Round(rate, 2) : null);
}
