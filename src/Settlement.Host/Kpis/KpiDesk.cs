using Settlement.Domain.Deciding;
using Marten;
using NodaTime;
using Settlement.Domain.Events;
using Settlement.Domain.Kpis;
using Settlement.Domain.Sessions;
using Settlement.Host;
using Settlement.Ledger;
using Settlement.Projections.Chargers;

namespace Settlement.Host.Kpis;

/// <summary>A site with its chargers' KPI inputs, as the async projections hold them.</summary>
public sealed record SiteHistory(SiteEntry Site, DateTimeZone Zone, IReadOnlyList<ChargerHistory> Chargers)
{
    /// <summary>The local dates [from, through] at the site, as instants: its first midnight and the one after its last day.</summary>
    public (Instant Start, Instant Until) Bounds(LocalDate from, LocalDate through) => Bounds(from, through, Zone);

    public static (Instant Start, Instant Until) Bounds(LocalDate from, LocalDate through, DateTimeZone zone) =>
        (from.AtStartOfDayInZone(zone).ToInstant(), through.PlusDays(1).AtStartOfDayInZone(zone).ToInstant());

    /// <summary>Each port of the chargers operational before <paramref name="until"/>, followed up to it.</summary>
    public IReadOnlyList<PortTimeline> Timelines(Instant until) =>
        [.. Chargers.Where(c => c.Profile.RegisteredAt < until).SelectMany(c => PortTimelines.Of(c.Profile, c.Facts, until))];
}

/// <summary>
/// Reads KPI inputs (charger and session facts) for sites and periods, and records what operators and
/// drivers tell us: outage causes, ratings, maintenance costs.
/// </summary>
public sealed class KpiDesk(Ledger.Ledger ledger, IClock clock)
{
    private static readonly Actor OperatorApi = new(ActorKind.Operator, "api");

    /// <summary>
    /// The histories a period of local dates through <paramref name="through"/> needs, wherever the sites are:
    /// two days past it in UTC is later than its end in any time zone.
    /// </summary>
    public Task<IReadOnlyList<SiteHistory>> HistoriesAsync(string? siteId, LocalDate through, CancellationToken ct) =>
        HistoriesAsync(siteId, through.PlusDays(2).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant(), ct);

    /// <summary>Every registered charger of the sites (all sites when none is named) with its facts up to <paramref name="until"/>.</summary>
    public async Task<IReadOnlyList<SiteHistory>> HistoriesAsync(string? siteId, Instant until, CancellationToken ct)
    {
        await using var query = ledger.Store.QuerySession();
        var sites = siteId is null
            ? await query.Query<SiteEntry>().ToListAsync(ct)
            : await query.LoadAsync<SiteEntry>(StreamIds.Site(siteId), ct) is { } one ? [one]
            : throw new RequestRefusedException(RefusalKind.NotFound, $"Site {siteId} is not registered.");
        var siteIds = sites.Select(s => s.SiteId).ToArray();
        var chargers = (await query.Query<ChargerEntry>().Where(c => c.Registered && c.SiteId!.IsOneOf(siteIds)).ToListAsync(ct))
            .Where(c => c.RegisteredAt < until).ToList();
        var chargerIds = chargers.Select(c => c.ChargerId).ToArray();
        var lastMonth = ChargerMonthFacts.MonthOf(until);
        var months = (await query.Query<ChargerMonthFacts>().Where(m => m.ChargerId.IsOneOf(chargerIds)).ToListAsync(ct))
            .Where(m => string.CompareOrdinal(m.Month, lastMonth) <= 0)
            .GroupBy(m => m.ChargerId)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<ChargerFact>)[.. g.OrderBy(m => m.Month, StringComparer.Ordinal).SelectMany(m => m.Facts)]);
        var sessions = (await query.Query<SessionFacts>().Where(s => s.ChargerId.IsOneOf(chargerIds)).ToListAsync(ct))
            .ToLookup(s => s.ChargerId);

        return sites.OrderBy(s => s.SiteId, StringComparer.Ordinal).Select(site => new SiteHistory(site, ZoneOf(site),
                chargers.Where(c => c.SiteId == site.SiteId).OrderBy(c => c.ChargerId, StringComparer.Ordinal)
                    .Select(c => new ChargerHistory(
                        new ChargerProfile(c.ChargerId, site.SiteId, c.Vendor ?? "", c.Model ?? "", c.EvseCount, c.RegisteredAt!.Value),
                        months.GetValueOrDefault(c.ChargerId, []), [.. sessions[c.ChargerId]]))
                    .ToList()))
            .ToList();
    }

    public async Task<OutageCauseTagged> TagOutageCauseAsync(string chargerId, int evseId, Instant from, Instant until, OutageCause cause, string? notes, CancellationToken ct)
    {
        if (until <= from)
            throw new RequestRefusedException(RefusalKind.Unprocessable, $"until ({until}) must be after from ({from}).");
        await using (var query = ledger.Store.QuerySession())
            if (await query.LoadAsync<ChargerEntry>(StreamIds.Charger(chargerId), ct) is not { Registered: true } charger)
                throw new RequestRefusedException(RefusalKind.NotFound, $"Charger {chargerId} is not registered.");
            else if (evseId < 0 || evseId > charger.EvseCount)
                throw new RequestRefusedException(RefusalKind.Unprocessable, $"Charger {chargerId} has EVSEs 1 to {charger.EvseCount} (0 for all of them), not {evseId}.");
        var tagged = new OutageCauseTagged(chargerId, evseId, from, until, cause, notes, clock.GetCurrentInstant());
        await AppendAsync(StreamIds.Charger(chargerId), tagged, ct);
        return tagged;
    }

    /// <summary>One rating per session, by its driver, once it has started.</summary>
    public async Task<SessionRated> RateSessionAsync(string sessionId, int stars, string? comment, CancellationToken ct)
    {
        if (stars is < 1 or > 5)
            throw new RequestRefusedException(RefusalKind.Unprocessable, $"stars must be 1 to 5, not {stars}.");
        var (events, version) = await ledger.FetchAsync(StreamIds.Session(sessionId), ct);
        if (!events.Any(e => e.Data is SessionStartedV2))
            throw new RequestRefusedException(RefusalKind.NotFound, $"No session '{sessionId}' has started.");
        if (events.Any(e => e.Data is SessionRated))
            throw new RequestRefusedException(RefusalKind.Conflict, $"Session {sessionId} is rated already.");
        var rated = new SessionRated(sessionId, stars, comment, clock.GetCurrentInstant());
        try
        {
            await ledger.AppendAsync(new StreamAppend(StreamIds.Session(sessionId), [new PendingEvent(rated, Metadata())], version), ct);
        }
        catch (StreamConcurrencyException)
        {
            throw new RequestRefusedException(RefusalKind.Conflict, $"Session {sessionId} changed meanwhile; try again.");
        }
        return rated;
    }

    public async Task<MaintenanceCostReported> ReportMaintenanceCostAsync(
        string siteId, LocalDate from, LocalDate through, decimal total, decimal federal, bool? caas, string? projectId, string? notes, CancellationToken ct)
    {
        if (through < from)
            throw new RequestRefusedException(RefusalKind.Unprocessable, $"through ({through}) is before from ({from}).");
        await using (var query = ledger.Store.QuerySession())
            if (await query.LoadAsync<SiteEntry>(StreamIds.Site(siteId), ct) is null)
                throw new RequestRefusedException(RefusalKind.NotFound, $"Site {siteId} is not registered.");
        var reported = new MaintenanceCostReported(siteId, from, through, total, federal, caas, projectId, notes, clock.GetCurrentInstant());
        await AppendAsync(StreamIds.Site(siteId), reported, ct);
        return reported;
    }

    public static DateTimeZone ZoneOf(SiteEntry site) =>
        DateTimeZoneProviders.Tzdb.GetZoneOrNull(site.TimeZone)
        ?? throw new RequestRefusedException(RefusalKind.Unprocessable, $"Site {site.SiteId} has the time zone '{site.TimeZone}', which the IANA database does not know.");

    private Task AppendAsync(string stream, object data, CancellationToken ct) =>
        ledger.AppendOrRefuseAsync(new StreamAppend(stream, [new PendingEvent(data, Metadata())]), ct);

    private EventMetadata Metadata() => EventMetadata.NewCorrelation(OperatorApi, clock.GetCurrentInstant());
}
