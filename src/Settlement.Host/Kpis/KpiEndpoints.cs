using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using System.Text.Json.Serialization;
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
    /// <summary>A site's ports pooled (<see cref="PooledUptime"/>) over the period and on each of its days (?by=site).</summary>
    public sealed record SiteUptimeRow(string SiteId, int Ports, int PortsAboveNeviMinimum, decimal Minutes, decimal OutageMinutes,
        decimal ExcludedMinutes, decimal? UptimePercent, IReadOnlyList<DayUptimeRow> ByDay);
    public sealed record DayUptimeRow(LocalDate Date, decimal Minutes, decimal OutageMinutes, decimal ExcludedMinutes, decimal? UptimePercent);
    public sealed record TallyRow(string Key, int Attempts, int Succeeded, int Failed, int Undecided, decimal? RatePercent);
    /// <param name="ByDay">Only with ?by=day: each local date's tallies, in the zone the period is taken in.</param>
    public sealed record ChargeSuccessAnswer(LocalDate From, LocalDate Through, TallyRow Total, IReadOnlyList<TallyRow> ByPort,
        IReadOnlyList<TallyRow> ByCharger, IReadOnlyList<TallyRow> BySite, IReadOnlyList<TallyRow> ByModel, IReadOnlyList<TallyRow> ByFirmware,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<DayTallies>? ByDay = null);
    public sealed record DayTallies(LocalDate Date, TallyRow Total, IReadOnlyList<TallyRow> BySite);
    /// <param name="ByDay">Only with ?by=day: each local date at the site.</param>
    public sealed record RatingRow(string SiteId, int Count, decimal? AverageStars,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<DayRating>? ByDay = null);
    public sealed record DayRating(LocalDate Date, int Count, decimal? AverageStars);

    /// <summary>A figure for each day is for charts of a month or a quarter: longer periods are asked for without it.</summary>
    public const int MostDays = 92;

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
        app.MapGet("/api/kpis/uptime", (string? site, string? from, string? through, string? trailingYear, string? by, KpiHistories kpis, CancellationToken ct) =>
            Refusals.Answer(async () =>
            {
                if (by is not null && by != "site")
                    return Results.BadRequest(new { error = $"by: 'site' for each site's ports pooled over the period and on each day, or leave it out for each port; not '{by}'." });
                if (trailingYear is not null)
                {
                    if (!Periods.TryMonth("trailingYear", trailingYear, out var month, out var invalid)) return invalid!;
                    var end = month.OnDayOfMonth(1).PlusMonths(1).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant() + Duration.FromDays(1);
                    var histories = await kpis.HistoriesAsync(site, end, ct);
                    return Results.Ok(histories.SelectMany(h => h.Timelines(end).Select(t => Row(h, Uptime.TrailingYear(t, month, h.Zone)))).ToList());
                }
                if (!Periods.TryRequired(from, through, out var period, out var bad)) return bad!;
                if (by == "site")
                {
                    if (!TryDaily(period, out bad)) return bad!;
                    return Results.Ok(await PerSiteAsync<SiteUptimeRow>(kpis, site, period, (h, timelines, _, _) => [SiteRow(h, timelines, period)], ct));
                }
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

        app.MapGet("/api/kpis/charge-success", (string? site, string? from, string? through, string? by, KpiHistories kpis, CancellationToken ct) => Refusals.Answer(async () =>
        {
            if (!Periods.TryRequired(from, through, out var period, out var bad)) return bad!;
            if (!TryByDay(by, period, out var daily, out bad)) return bad!;
            // Sites may be in different zones: the period is taken in the first site's zone, and the answer says which dates it covers.
            var histories = await kpis.HistoriesAsync(site, Instant.MaxValue, ct);
            var zone = histories.FirstOrDefault()?.Zone ?? DateTimeZone.Utc;
            var (start, until) = SiteHistory.Bounds(period.From, period.Through, zone);
            var report = ChargeSuccess.For(histories.SelectMany(h => h.Chargers), start, until);
            var chargers = histories.SelectMany(h => h.Chargers).ToList();
            var byDay = daily ? Days(period).Select(day =>
            {
                var (dayStart, dayUntil) = SiteHistory.Bounds(day, day, zone);
                var tallies = ChargeSuccess.For(chargers, dayStart, dayUntil);
                return new DayTallies(day, Tally("all", tallies.Total), Tallies(tallies.BySite, s => s));
            }).ToList() : null;
            return Results.Ok(new ChargeSuccessAnswer(period.From, period.Through, Tally("all", report.Total),
                Tallies(report.ByPort, p => p.ToString()), Tallies(report.ByCharger, c => c), Tallies(report.BySite, s => s),
                Tallies(report.ByModel, m => $"{m.Vendor} {m.Model}"), Tallies(report.ByFirmware, f => $"{f.Vendor} {f.Model} {f.Firmware ?? "(unknown)"}"), byDay));
        }));

        app.MapGet("/api/kpis/utilisation", (string? site, string? from, string? through, KpiHistories kpis, CancellationToken ct) => Refusals.Answer(async () =>
        {
            if (!Periods.TryRequired(from, through, out var period, out var bad)) return bad!;
            return Results.Ok(await PerSiteAsync<SiteUtilisation>(kpis, site, period, (h, timelines, _, _) =>
                [Utilisation.ForSite(h.Site.SiteId, timelines, h.Zone, new DateInterval(period.From, period.Through))], ct));
        }));

        app.MapGet("/api/kpis/ratings", (string? site, string? from, string? through, string? by, KpiHistories kpis, CancellationToken ct) => Refusals.Answer(async () =>
        {
            if (!Periods.TryRequired(from, through, out var period, out var bad)) return bad!;
            if (!TryByDay(by, period, out var daily, out bad)) return bad!;
            return Results.Ok(await PerSiteAsync<RatingRow>(kpis, site, period, (h, _, start, until) =>
            {
                var sessions = h.Chargers.SelectMany(c => c.Sessions).ToList();
                var summary = Ratings.For(sessions, start, until);
                var byDay = daily ? Days(period).Select(day =>
                {
                    var (dayStart, dayUntil) = h.Bounds(day, day);
                    var rated = Ratings.For(sessions, dayStart, dayUntil);
                    return new DayRating(day, rated.Count, rated.AverageStars);
                }).ToList() : null;
                return [new RatingRow(h.Site.SiteId, summary.Count, summary.AverageStars, byDay)];
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

    /// <summary>?by=day (a figure for each day besides the period's) or nothing; a period of at most <see cref="MostDays"/> days.</summary>
    private static bool TryByDay(string? by, (LocalDate From, LocalDate Through) period, out bool daily, out IResult? bad)
    {
        daily = by == "day";
        if (by is not null && !daily)
        {
            bad = Results.BadRequest(new { error = $"by: 'day' for a figure on each day of the period besides its own, or leave it out; not '{by}'." });
            return false;
        }
        bad = null;
        return !daily || TryDaily(period, out bad);
    }

    private static bool TryDaily((LocalDate From, LocalDate Through) period, out IResult? bad)
    {
        var days = Period.DaysBetween(period.From, period.Through) + 1;
        bad = days > MostDays
            ? Results.BadRequest(new { error = $"from, through: a figure for each day is given for at most {MostDays} days, not {days}; ask for a shorter period." })
            : null;
        return bad is null;
    }

    private static IEnumerable<LocalDate> Days((LocalDate From, LocalDate Through) period)
    {
        for (var day = period.From; day <= period.Through; day = day.PlusDays(1)) yield return day;
    }

    /// <summary>A site's ports pooled over the period, and on each of its local days.</summary>
    private static SiteUptimeRow SiteRow(SiteHistory history, IReadOnlyList<PortTimeline> timelines, (LocalDate From, LocalDate Through) period)
    {
        PooledUptime Pooled(LocalDate from, LocalDate through)
        {
            var (start, until) = history.Bounds(from, through);
            return PooledUptime.Of([.. timelines.Select(t => Uptime.For(t, start, until))]);
        }
        var whole = Pooled(period.From, period.Through);
        return new SiteUptimeRow(history.Site.SiteId, whole.Ports, whole.PortsAboveNeviMinimum, Math.Round(whole.Minutes, 2), Math.Round(whole.OutageMinutes, 2),
            Math.Round(whole.ExcludedMinutes, 2), Percent(whole.Percent), [.. Days(period).Select(day =>
            {
                var pooled = Pooled(day, day);
                return new DayUptimeRow(day, Math.Round(pooled.Minutes, 2), Math.Round(pooled.OutageMinutes, 2), Math.Round(pooled.ExcludedMinutes, 2), Percent(pooled.Percent));
            })]);
    }

    private static decimal? Percent(decimal? percent) => percent is { } value ? Math.Round(value, 4) : null;

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
