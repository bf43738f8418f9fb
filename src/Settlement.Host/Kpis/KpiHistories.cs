using Settlement.Domain.Deciding;
using Marten;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Settlement.Host.Access;
using NodaTime;
using Settlement.Domain.Events;
using Settlement.Domain.Kpis;
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
/// Reads KPI inputs (charger and session facts) for sites and periods from the read models; what operators
/// and drivers tell the KPIs is recorded by the handlers of <see cref="KpiRecording"/>'s commands.
/// On a request, only the sites its <see cref="OperatorScope"/> sees: every KPI and regulator report reads through
/// here, so a sub-operator's figures and reports are filtered in this one place, and another's site is not registered.
/// </summary>
public sealed class KpiHistories(Ledger.Ledger ledger, IHttpContextAccessor? http = null)
{
    /// <summary>
    /// The histories a period of local dates through <paramref name="through"/> needs, wherever the sites are:
    /// two days past it in UTC is later than its end in any time zone.
    /// </summary>
    public Task<IReadOnlyList<SiteHistory>> HistoriesAsync(string? siteId, LocalDate through, CancellationToken ct) =>
        HistoriesAsync(siteId, through.PlusDays(2).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant(), ct);

    /// <summary>Every registered charger of the sites (all sites when none is named) with its facts up to <paramref name="until"/>.</summary>
    public async Task<IReadOnlyList<SiteHistory>> HistoriesAsync(string? siteId, Instant until, CancellationToken ct)
    {
        var seen = http?.HttpContext?.RequestServices.GetService<OperatorScope>() is { } scope ? await scope.SitesAsync(ct) : null;
        await using var query = ledger.QueryReadModels();
        var sites = siteId is null
            ? (await query.Query<SiteEntry>().ToListAsync(ct)).Where(s => seen is null || seen.Contains(s.SiteId)).ToList()
            : (seen is null || seen.Contains(siteId)) && await query.LoadAsync<SiteEntry>(StreamIds.Site(siteId), ct) is { } one ? [one]
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

    public static DateTimeZone ZoneOf(SiteEntry site) =>
        DateTimeZoneProviders.Tzdb.GetZoneOrNull(site.TimeZone)
        ?? throw new RequestRefusedException(RefusalKind.Unprocessable, $"Site {site.SiteId} has the time zone '{site.TimeZone}', which the IANA database does not know.");
}
