using System.Globalization;
using System.Text;
using JasperFx.Events;
using Marten;
using Marten.Events;
using NodaTime;
using NodaTime.Text;
using Settlement.Domain.Events;
using Settlement.Domain.LoadBalancing;
using Settlement.Domain.Sessions;
using Settlement.Projections;
using Settlement.Projections.Chargers;
using Settlement.Projections.Sessions;

namespace Settlement.Host.LoadBalancing;

/// <summary>
/// Reads what a site's monthly power report needs on demand, in a handful of queries whatever the number of sessions:
/// the sessions of the site's chargers that ran in the month (the inline session directory), all their start, meter
/// and stop events in one query, and the month's allocation decisions a page at a time, folded as they come. A report
/// is asked for once a month, so a projection kept up to date on every meter value would cost far more than it saves.
/// </summary>
public static class PowerReports
{
    /// <summary>A session started longer before the month than this is closed for silence long before it, so it is not looked for.</summary>
    public static readonly Duration LongestSession = Duration.FromDays(31);

    private const int DecisionPage = 500;

    private static readonly Type[] SessionEvents =
        [typeof(SessionStartedV2), typeof(MeterValuesRecorded), typeof(SessionStopped), typeof(SessionClosedForSilence), typeof(SessionReopened)];

    /// <summary>Null when the site is not registered.</summary>
    public static async Task<PowerReportFigures?> ComputeAsync(Ledger.Ledger ledger, string siteId, YearMonth month, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        if (await query.LoadAsync<SiteEntry>(StreamIds.Site(siteId), ct) is not { SiteId.Length: > 0 } site) return null;
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(site.TimeZone) ?? DateTimeZone.Utc;
        var from = month.OnDayOfMonth(1).AtStartOfDayInZone(zone).ToInstant();
        var until = month.PlusMonths(1).OnDayOfMonth(1).AtStartOfDayInZone(zone).ToInstant();
        var power = SitePowerReads.Fold(await ledger.ReadStreamAsync(StreamIds.SitePower(siteId), ct));

        var chargers = await query.Query<ChargerEntry>().Where(c => c.SiteId == siteId).ToListAsync(ct);
        var chargerIds = chargers.Select(c => c.ChargerId).ToArray();
        var earliest = SortKeys.Of(from - LongestSession);
        var latest = SortKeys.Of(until);
        var entries = chargerIds.Length == 0 ? [] : (await query.Query<SessionEntry>()
                .Where(s => s.ChargerId.IsOneOf(chargerIds) && s.SortKey.CompareTo(earliest) >= 0 && s.SortKey.CompareTo(latest) < 0)
                .ToListAsync(ct))
            .Where(s => s.StoppedAt is not { } stopped || stopped >= from)
            .ToList();

        var streams = entries.Select(s => s.Id).ToArray();
        var events = streams.Length == 0 ? [] : await query.Events.QueryAllRawEvents()
            .Where(e => e.StreamKey!.IsOneOf(streams) && e.EventTypesAre(SessionEvents))
            .OrderBy(e => e.Sequence).ToListAsync(ct);
        var maxima = MaxKw(power.Model, chargers);
        var sessions = events.GroupBy(e => e.StreamKey!)
            .Select(g => PowerReport.SessionOf(g.Select(e => e.Data), MaxOf(g.Select(e => e.Data).OfType<SessionStartedV2>().FirstOrDefault(), maxima)))
            .OfType<ReportedSession>().ToList();

        var lowest = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var since = from.ToDateTimeOffset();
        var before = until.ToDateTimeOffset();
        for (long after = 0; ;)
        {
            var page = await query.Events.QueryAllRawEvents()
                .Where(e => e.StreamKey == StreamIds.SiteAllocations(siteId) && e.EventTypesAre(typeof(LoadAllocationDecided))
                            && e.Version > after && e.Timestamp >= since && e.Timestamp < before)
                .OrderBy(e => e.Version).Take(DecisionPage).ToListAsync(ct);
            PowerReport.FoldLowestShares(page.Select(e => (LoadAllocationDecided)e.Data), power.Model, lowest);
            if (page.Count < DecisionPage) break;
            after = page[^1].Version;
        }

        var gridLimitKw = power.Model?.Root.MaxKw ?? site.GridCapacityKw;
        return PowerReport.Compute(month, zone, gridLimitKw, sessions, lowest, [.. power.Signals.Values]);
    }

    /// <summary>
    /// Each EVSE's maximum power: from the power model (maximum current × nominal voltage × phases), else the charger
    /// registry's most powerful connector for an EVSE the model leaves out.
    /// </summary>
    private static Dictionary<(string, int), decimal> MaxKw(SitePowerModel? model, IReadOnlyList<ChargerEntry> chargers)
    {
        var maxima = chargers.SelectMany(c => c.Evses.Where(e => e.Connectors.Count > 0).Select(e => ((c.ChargerId, e.EvseId), e.Connectors.Max(x => x.MaxPowerKw))))
            .ToDictionary(p => p.Item1, p => p.Item2);
        foreach (var evse in model?.Evses ?? [])
            maxima[(evse.ChargerId, evse.EvseId)] = evse.MaxAmps * evse.WattsPerAmp(model!.NominalVoltage) / 1000m;
        return maxima;
    }

    private static decimal? MaxOf(SessionStartedV2? started, Dictionary<(string, int), decimal> maxima) =>
        started is not null && maxima.TryGetValue((started.ChargerId, started.EvseId), out var kw) ? kw : null;

    /// <summary>The report's figures as <c>figure,value</c> rows, then its signals, for a spreadsheet.</summary>
    public static byte[] Csv(string siteId, PowerReportFigures report)
    {
        var local = LocalDateTimePattern.GeneralIso;
        var text = new StringBuilder();
        void Row(params object?[] cells) => text.Append(string.Join(",", cells.Select(Cell))).Append("\r\n");
        Row("figure", "value");
        Row("site", siteId);
        Row("month", YearMonthPattern.Iso.Format(report.Month));
        Row("timeZone", report.TimeZone);
        Row("gridLimitKw", report.GridLimitKw);
        Row("peakKw", report.PeakKw);
        Row("peakIntervalStart", report.PeakIntervalStart is { } peak ? local.Format(peak) : null);
        Row("unmanagedPeakKw", report.UnmanagedPeakKw);
        Row("unmanagedPeakIntervalStart", report.UnmanagedPeakIntervalStart is { } unmanaged ? local.Format(unmanaged) : null);
        Row("energyKwh", report.EnergyKwh);
        Row("sessions", report.Sessions);
        Row("sessionsSlowed", report.SessionsSlowed);
        Row("extraMinutesTotal", report.ExtraMinutesTotal);
        Row("extraMinutesAverage", report.ExtraMinutesAverage);
        Row("lowestShareOfMax", report.LowestShareOfMax);
        Row("signals", report.Signals.Count);
        foreach (var s in report.Signals)
            Row($"signal {s.SignalId}", $"{s.Kind} {(s.CapPercent is { } percent ? $"{Cell(percent)}% " : "")}{(s.CapKw is { } kw ? $"{Cell(kw)} kW " : "")}{local.Format(s.From)} to {local.Format(s.Until)}");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static string Cell(object? value)
    {
        var text = value switch
        {
            null => "",
            decimal d => d.ToString(CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        return text.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{text.Replace("\"", "\"\"")}\"" : text;
    }
}
