using Marten;
using NodaTime;
using Settlement.Documents.Reports;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Domain.Kpis;
using Settlement.Domain.Reports;
using Settlement.Domain.Sessions;
using Settlement.Domain.Tariffs;
using Settlement.Host.Kpis;
using Settlement.Projections.Kpis;
using Settlement.Projections.Chargers;

namespace Settlement.Host.Reports;

/// <summary>
/// The NEVI reports (EV-ChART modules 2 to 5, 23 CFR 680.112) and the AFIR feed, built from the KPI
/// projections. Each names the ledger range the projections had reached when it was built.
/// </summary>
/// <remarks>
/// Mapping choices, where EV-ChART leaves them to the network provider: a station is a site and a
/// port an EVSE ("{chargerId}/{evseId}"); session_error is "NONE" unless the session transferred no
/// energy or was stopped by the charger's own failure (then the stop reason); payment_method is the
/// way the driver identified (RFID, APP, CREDIT_CARD, ...); peak power is the highest power reading, or
/// the session's average power when the charger reported none. Module 3 has a row per port and local
/// calendar month of the period (680.112(a)(7): "for each of the previous 3 months"): uptime over the
/// twelve months through that month, empty while the port has not been operational that long, and the
/// month's own outage and excluded minutes.
/// </remarks>
public sealed class RegulatorReports(Ledger.Ledger ledger, KpiHistories kpis, IClock clock)
{
    private static readonly StopReason[] ChargerFailures =
        [StopReason.EmergencyStop, StopReason.PowerLoss, StopReason.HardReset, StopReason.SoftReset, StopReason.Reboot, StopReason.Other];

    /// <summary>One EV-ChART module for the period, as CSV (the upload format) or JSON; null for a module EV-ChART does not have.</summary>
    public async Task<byte[]?> NeviDocumentAsync(int module, string? site, string provider, LocalDate from, LocalDate through, bool csv, CancellationToken ct) => module switch
    {
        2 => await ChargingSessionsAsync(site, provider, from, through, ct) is var sessions ? csv ? NeviCsv.Render(sessions) : NeviJson.Render(sessions) : null,
        3 => await UptimeAsync(site, provider, from, through, ct) is var uptime ? csv ? NeviCsv.Render(uptime) : NeviJson.Render(uptime) : null,
        4 => await OutagesAsync(site, provider, from, through, ct) is var outages ? csv ? NeviCsv.Render(outages) : NeviJson.Render(outages) : null,
        5 => await MaintenanceCostsAsync(site, provider, from, through, ct) is var costs ? csv ? NeviCsv.Render(costs) : NeviJson.Render(costs) : null,
        _ => null,
    };

    public async Task<NeviReport<ChargingSessionRow>> ChargingSessionsAsync(string? site, string provider, LocalDate from, LocalDate through, CancellationToken ct)
    {
        var (source, histories) = await InputsAsync(site, through, ct);
        var rows = histories.SelectMany(h =>
        {
            var (start, until) = h.Bounds(from, through);
            return h.Chargers.SelectMany(c => Ports(c).Select(evse =>
            {
                var sessions = c.Sessions
                    .Where(s => s.EvseId == evse && s is { StartedAt: { } started, StoppedAt: not null } && started >= start && started < until)
                    .OrderBy(s => s.StartedAt).ThenBy(s => s.Id, StringComparer.Ordinal)
                    .Select(s => new ChargingSessionRow(h.Site.SiteId, provider, PortId(c, evse), Session(c, s)))
                    .ToList();
                return sessions.Count > 0 ? sessions : [new ChargingSessionRow(h.Site.SiteId, provider, PortId(c, evse), null)];
            }).SelectMany(r => r));
        }).ToList();
        return new NeviReport<ChargingSessionRow>(NeviModule.ChargingSessions, Start(from, histories), Until(through, histories), source, rows);
    }

    public async Task<NeviReport<Settlement.Domain.Reports.UptimeRow>> UptimeAsync(string? site, string provider, LocalDate from, LocalDate through, CancellationToken ct)
    {
        var (source, histories) = await InputsAsync(site, through, ct);
        var months = Months(from, through);
        var rows = histories.SelectMany(h =>
        {
            var (_, until) = h.Bounds(from, through);
            var timelines = h.Timelines(until);
            return months.SelectMany(month =>
            {
                var (start, end) = h.Bounds(month.OnDayOfMonth(1), month.OnDayOfMonth(month.Calendar.GetDaysInMonth(month.Year, month.Month)));
                return timelines.Where(t => t.OperationalFrom < end).Select(t =>
                {
                    var year = Uptime.TrailingYear(t, month, h.Zone);
                    var own = Uptime.For(t, start, end);
                    return new Settlement.Domain.Reports.UptimeRow(h.Site.SiteId, provider, t.Port.ToString(), start, end,
                        year.OperationalThroughout && year.Percent is { } percent ? Math.Round(percent, 2, MidpointRounding.ToZero) : null,
                        Math.Round(own.OutageMinutes, 2, MidpointRounding.AwayFromZero), Math.Round(own.ExcludedMinutes, 2, MidpointRounding.AwayFromZero));
                });
            });
        }).ToList();
        return new NeviReport<Settlement.Domain.Reports.UptimeRow>(NeviModule.Uptime, Start(from, histories), Until(through, histories), source, rows);
    }

    public async Task<NeviReport<OutageRow>> OutagesAsync(string? site, string provider, LocalDate from, LocalDate through, CancellationToken ct)
    {
        var (source, histories) = await InputsAsync(site, through, ct);
        var rows = histories.SelectMany(h =>
        {
            var (start, until) = h.Bounds(from, through);
            return h.Timelines(until).SelectMany(t =>
            {
                var outages = Uptime.Outages(t, start, until)
                    .Select(o => new OutageRow(h.Site.SiteId, provider, t.Port.ToString(),
                        new Outage(o.OutageId, Math.Max(0.01m, Math.Round(o.DurationMinutes, 2, MidpointRounding.AwayFromZero)), o.ExcludedReason, o.ExcludedNotes)))
                    .ToList();
                return outages.Count > 0 ? outages : [new OutageRow(h.Site.SiteId, provider, t.Port.ToString(), null)];
            });
        }).ToList();
        return new NeviReport<OutageRow>(NeviModule.Outages, Start(from, histories), Until(through, histories), source, rows);
    }

    /// <summary>The annual maintenance costs operators reported for periods overlapping [from, through].</summary>
    public async Task<NeviReport<MaintenanceCostRow>> MaintenanceCostsAsync(string? site, string provider, LocalDate from, LocalDate through, CancellationToken ct)
    {
        var (source, histories) = await InputsAsync(site, through, ct);
        var rows = new List<MaintenanceCostRow>();
        foreach (var h in histories)
            foreach (var e in await ledger.ReadStreamAsync(StreamIds.Site(h.Site.SiteId), ct))
                if (e.Data is MaintenanceCostReported cost && cost.From <= through && cost.Through >= from)
                    rows.Add(new MaintenanceCostRow(h.Site.SiteId, provider, cost.ProjectId,
                        cost.From.AtStartOfDayInZone(h.Zone).ToInstant(), cost.Through.PlusDays(1).AtStartOfDayInZone(h.Zone).ToInstant() - Duration.FromSeconds(1),
                        cost.ChargingAsAService, cost.TotalCost, cost.FederalCost, cost.Notes));
        return new NeviReport<MaintenanceCostRow>(NeviModule.MaintenanceCosts, Start(from, histories), Until(through, histories), source, rows);
    }

    /// <summary>
    /// Static and dynamic data of every recharging point for a National Access Point (AFIR Art. 20):
    /// where it is, who runs it, its connectors, its status now and the ad hoc price a driver pays now. A point
    /// without a tariff in force has no ad hoc price to publish and is left out; a site without any such point,
    /// or without its public details (operator, helpdesk, opening hours, payment methods), is withheld and
    /// listed with why. Only sites where AFIR applies (EU/EEA) are in the feed at all.
    /// </summary>
    public async Task<AfirFeed> AfirAsync(CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        var (source, histories) = await InputsAsync(null, now.InUtc().Date, ct);
        await using var query = ledger.QueryReadModels();
        var catalogue = TariffCatalogue.Of(await query.Query<TariffHistory>().ToListAsync(ct));
        var pools = new List<AfirPool>();
        var withheld = new List<AfirWithheldPool>();
        foreach (var h in histories.Where(h => AfirFeed.Countries.Contains(h.Site.CountryCode)).OrderBy(h => h.Site.SiteId, StringComparer.Ordinal))
        {
            var details = (await ledger.ReadStreamAsync(StreamIds.Site(h.Site.SiteId), ct)).Select(e => e.Data).OfType<SitePublicDetailsDescribed>().LastOrDefault();
            var points = new List<AfirRechargingPoint>();
            foreach (var charger in h.Chargers.OrderBy(c => c.Profile.ChargerId, StringComparer.Ordinal))
            {
                var registration = (await ledger.ReadStreamAsync(StreamIds.Charger(charger.Profile.ChargerId), ct))
                    .Select(e => e.Data).OfType<ChargerRegistered>().Last();
                var timelines = PortTimelines.Of(charger.Profile, charger.Facts, now + Duration.FromMilliseconds(1));
                foreach (var evse in registration.Evses)
                {
                    var location = new EvseLocation(h.Site.SiteId, charger.Profile.ChargerId, evse.EvseId);
                    if (catalogue.InForce(location, customerGroup: null, now, Instant.MaxValue) is not [var span, ..] || span.From != now) continue;
                    var quote = AdHocPrice.At(span, now, h.Zone);
                    var timeline = timelines.FirstOrDefault(t => t.Port.EvseId == evse.EvseId);
                    points.Add(new AfirRechargingPoint(
                        EvseIdAfterOperator(charger.Profile.ChargerId, evse.EvseId),
                        [.. evse.Connectors.Select(c => new AfirConnector(c.Standard, c.Standard is ConnectorStandard.Type2 or ConnectorStandard.Type1 ? PowerType.AC : PowerType.DC, c.MaxPowerKw))],
                        Status(timeline, charger, now),
                        new AfirAdHocPrice(quote.Currency, quote.PerKwh?.InclVat, null, quote.PerChargingHour?.InclVat, quote.SessionFee?.InclVat,
                            quote.PerParkingHour?.InclVat, new[] { quote.PerKwh, quote.PerChargingHour, quote.PerParkingHour, quote.SessionFee }.Select(p => p?.VatPercent).FirstOrDefault(v => v is not null),
                            span.Tariff.PublishedAt)));
                }
            }
            if (details is null || points.Count == 0)
            {
                withheld.Add(new AfirWithheldPool(h.Site.SiteId, h.Site.CountryCode,
                    [.. new[] { details is null ? WithheldReason.NoPublicDetails : (WithheldReason?)null, points.Count == 0 ? WithheldReason.NoAdHocPriceInForce : null }.OfType<WithheldReason>()]));
                continue;
            }
            pools.Add(new AfirPool(h.Site.SiteId, h.Site.Name, new AfirOperator(details.OperatorId, details.OperatorName, details.HelpdeskPhone),
                new AfirCoordinates(h.Site.Latitude, h.Site.Longitude), h.Site.CountryCode,
                h.Site.Address is { } a ? new AfirAddress(a.Street, a.PostalCode, a.City) : null, h.Site.TimeZone,
                details.OpeningHours, details.AdHocPaymentMethods, details.BarrierFree, [.. points.Select(p => p with { EvseId = details.OperatorId + p.EvseId })]));
        }
        return new AfirFeed(now, source, pools, withheld);
    }

    /// <summary>
    /// The eMI3 EVSE id after the operator's id, e.g. "*EDEMUC01*1" of DE*SET*EDEMUC01*1: the charger id upper-cased,
    /// without what eMI3 does not allow. The operator's id comes from the site's public details.
    /// </summary>
    private static string EvseIdAfterOperator(string chargerId, int evse) =>
        $"*E{new string([.. chargerId.ToUpperInvariant().Where(char.IsAsciiLetterOrDigit)])}*{evse}";

    private static AfirStatus Status(PortTimeline? timeline, ChargerHistory charger, Instant now)
    {
        var lastHeard = charger.Facts.Where(f => f.At <= now).Select(f => f.At).DefaultIfEmpty(charger.Profile.RegisteredAt).Max();
        if (timeline is null) return new AfirStatus(OperationalStatus.Unknown, lastHeard);
        var at = now - Duration.FromMilliseconds(1);
        var status = timeline.Down.Any(d => d.When.Contains(at)) ? OperationalStatus.OutOfOrder
            : timeline.Occupied.Any(o => o.Contains(at)) ? OperationalStatus.Occupied
            : OperationalStatus.Available;
        return new AfirStatus(status, lastHeard);
    }

    private async Task<(EventRange Source, IReadOnlyList<SiteHistory> Histories)> InputsAsync(string? site, LocalDate through, CancellationToken ct)
    {
        var source = await SourceAsync(ct);
        var histories = await kpis.HistoriesAsync(site, through, ct);
        return (source, histories);
    }

    /// <summary>The ledger range the KPI projections had both processed: what every report is derived from.</summary>
    private async Task<EventRange> SourceAsync(CancellationToken ct)
    {
        var processed = await ledger.ProcessedByAsync([ChargerKpiFacts.ProjectionName, SessionKpiFacts.ProjectionName], ct);
        return new EventRange(processed.First, processed.Last, processed.Count);
    }

    private static ChargingSession Session(ChargerHistory charger, SessionFacts s)
    {
        var hours = (decimal)(s.StoppedAt!.Value - s.StartedAt!.Value).TotalHours;
        var peakKw = s.PeakPowerW is { } watts ? watts / 1000m : hours > 0 ? s.EnergyWh / 1000m / hours : 0m;
        var failed = s.EnergyWh == 0 || s.StopReason is { } reason && ChargerFailures.Contains(reason);
        return new ChargingSession(s.Id, charger.Profile.ChargerId, s.ConnectorId?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            s.StartedAt.Value, s.StoppedAt.Value, failed ? (s.StopReason?.ToString() ?? "NoEnergy") : "NONE", null,
            Math.Round(s.EnergyWh / 1000m, 2, MidpointRounding.AwayFromZero), Math.Round(peakKw, 2, MidpointRounding.AwayFromZero),
            PaymentMethod(s.TokenType), null);
    }

    private static string PaymentMethod(TokenType? token) => token switch
    {
        TokenType.Rfid => "RFID",
        TokenType.App => "APP",
        TokenType.CreditCard => "CREDIT_CARD",
        TokenType.Emaid or TokenType.Roaming => "ROAMING_CONTRACT",
        TokenType.Local => "LOCAL",
        _ => "UNKNOWN",
    };

    private static IEnumerable<int> Ports(ChargerHistory charger) => Enumerable.Range(1, charger.Profile.EvseCount);

    private static string PortId(ChargerHistory charger, int evse) => new Port(charger.Profile.ChargerId, evse).ToString();

    private static IReadOnlyList<YearMonth> Months(LocalDate from, LocalDate through)
    {
        var months = new List<YearMonth>();
        for (var month = from.ToYearMonth(); month <= through.ToYearMonth(); month = month.PlusMonths(1)) months.Add(month);
        return months;
    }

    // A report over sites in several zones spans from the earliest local start to the latest local end.
    private static Instant Start(LocalDate from, IReadOnlyList<SiteHistory> histories) =>
        histories.Count == 0 ? SiteHistory.Bounds(from, from, DateTimeZone.Utc).Start : histories.Min(h => h.Bounds(from, from).Start);

    private static Instant Until(LocalDate through, IReadOnlyList<SiteHistory> histories) =>
        histories.Count == 0 ? SiteHistory.Bounds(through, through, DateTimeZone.Utc).Until : histories.Max(h => h.Bounds(through, through).Until);
}
