using NodaTime;
using Settlement.Domain.Kpis;

namespace Settlement.Domain.SelfHealing;

/// <summary>How KPI rows are grouped: the whole fleet, per site, per vendor, per vendor and model, or per firmware of a model.</summary>
public enum HealingKpiGrouping { Fleet, Site, Vendor, Model, Firmware }

/// <summary>
/// Self-healing figures of one group over a period. The key fields not grouped by are null. Incidents are those opened in
/// the period, each counted as it stood at the period's end: resolved (remotely, by itself, on site), escalated (a ticket
/// went out, resolved on site since or not), open (not resolved). <see cref="ShareResolvedRemotelyPercent"/> is of the
/// resolved ones, null when none are; a truck roll avoided is an incident resolved remotely whose problem did not come
/// back (no incident of the same charger, EVSE and kind opened within <see cref="HealingKpis.RecurrenceWindow"/> of the
/// resolution, by the period's end: those are <see cref="RecurredWithinADay"/>), worth
/// <see cref="HealingThresholds.TruckRollCost"/>; time to recovery is from opening to resolution, over resolved incidents.
/// Percent and minutes are rounded to one decimal.
/// </summary>
public sealed record HealingKpiRow(
    string? SiteId,
    string? Vendor,
    string? Model,
    string? FirmwareVersion,
    int Incidents,
    int ResolvedRemotely,
    int ResolvedItself,
    int ResolvedOnSite,
    int Escalated,
    int Open,
    decimal? ShareResolvedRemotelyPercent,
    int RecurredWithinADay,
    int TruckRollsAvoided,
    decimal TruckRollSavings,
    string Currency,
    decimal? MeanTimeToRecoveryMinutes);

public static class HealingKpis
{
    /// <summary>The rows of <paramref name="by"/> for incidents opened in <paramref name="period"/>, ordered by their key.</summary>
    public static IReadOnlyList<HealingKpiRow> Compute(IEnumerable<IncidentState> incidents, Interval period, HealingKpiGrouping by, HealingThresholds costs) =>
        [.. incidents
            .Where(incident => period.Contains(incident.OpenedAt))
            .GroupBy(incident => Key(incident, by))
            .OrderBy(group => group.Key.Site, StringComparer.Ordinal)
            .ThenBy(group => group.Key.Vendor, StringComparer.Ordinal)
            .ThenBy(group => group.Key.Model, StringComparer.Ordinal)
            .ThenBy(group => group.Key.Firmware, StringComparer.Ordinal)
            .Select(group => Row(group.Key, [.. group], period.End, costs, Recurrences(incidents, period.End)))];

    /// <summary>
    /// A fault that is back within a day of a remote fix was not fixed: the truck still rolls, so that fix is not counted
    /// as a truck roll avoided (a flapping connector would otherwise be "saved" every few minutes).
    /// </summary>
    public static readonly Duration RecurrenceWindow = Duration.FromDays(1);

    private static ILookup<(string Charger, int Evse, IncidentKind Kind), Instant> Recurrences(IEnumerable<IncidentState> incidents, Instant end) =>
        incidents.Where(i => i.OpenedAt < end).ToLookup(i => (i.ChargerId, i.EvseId, i.Kind), i => i.OpenedAt);

    private static bool Recurred(IncidentState incident, ILookup<(string Charger, int Evse, IncidentKind Kind), Instant> openings) =>
        incident.ResolvedAt is { } resolvedAt
        && openings[(incident.ChargerId, incident.EvseId, incident.Kind)].Any(opened => opened >= resolvedAt && opened < resolvedAt + RecurrenceWindow);

    /// <summary>
    /// NEVI module 4: the outage cause an incident shows, when it shows one. Only a resolved ConnectorFaulted incident
    /// whose fault is the vehicle's (OCPP 1.6 EVCommunicationError: the charger could not talk to the car) maps, to
    /// VehicleFault over [opened, resolved). Every other incident is the charger's own problem, which NEVI counts as
    /// downtime, and maps to nothing.
    /// </summary>
    public static OutageCauseTagged? OutageCause(IncidentState incident) =>
        incident is { Kind: IncidentKind.ConnectorFaulted, Status: IncidentStatus.Resolved, ResolvedAt: { } resolvedAt }
            && string.Equals(incident.ErrorCode, VehicleFaultCode, StringComparison.OrdinalIgnoreCase)
            && resolvedAt > incident.OpenedAt
            ? new OutageCauseTagged(incident.ChargerId, incident.EvseId, incident.OpenedAt, resolvedAt, Kpis.OutageCause.VehicleFault,
                $"self-healing incident {incident.IncidentId}: {incident.ErrorCode}", resolvedAt)
            : null;

    private const string VehicleFaultCode = "EVCommunicationError";

    private sealed record GroupKey(string? Site, string? Vendor, string? Model, string? Firmware);

    private static GroupKey Key(IncidentState incident, HealingKpiGrouping by) => by switch
    {
        HealingKpiGrouping.Site => new(incident.SiteId, null, null, null),
        HealingKpiGrouping.Vendor => new(null, incident.Vendor, null, null),
        HealingKpiGrouping.Model => new(null, incident.Vendor, incident.Model, null),
        HealingKpiGrouping.Firmware => new(null, incident.Vendor, incident.Model, incident.FirmwareVersion),
        _ => new(null, null, null, null),
    };

    private static HealingKpiRow Row(GroupKey key, IReadOnlyList<IncidentState> incidents, Instant end, HealingThresholds costs,
        ILookup<(string Charger, int Evse, IncidentKind Kind), Instant> openings)
    {
        var resolved = incidents.Where(i => i.ResolvedAt < end).ToList();
        int By(IncidentResolution resolution) => resolved.Count(i => i.ResolvedBy == resolution);
        var remotely = By(IncidentResolution.RemoteAction);
        var recurred = resolved.Count(i => i.ResolvedBy == IncidentResolution.RemoteAction && Recurred(i, openings));
        return new HealingKpiRow(
            key.Site, key.Vendor, key.Model, key.Firmware,
            Incidents: incidents.Count,
            ResolvedRemotely: remotely,
            ResolvedItself: By(IncidentResolution.Itself),
            ResolvedOnSite: By(IncidentResolution.OnSite),
            Escalated: incidents.Count(i => i.EscalatedAt < end),
            Open: incidents.Count - resolved.Count,
            ShareResolvedRemotelyPercent: resolved.Count == 0 ? null : Round(remotely * 100m / resolved.Count),
            RecurredWithinADay: recurred,
            TruckRollsAvoided: remotely - recurred,
            TruckRollSavings: (remotely - recurred) * costs.TruckRollCost,
            Currency: costs.Currency,
            MeanTimeToRecoveryMinutes: resolved.Count == 0
                ? null
                : Round(resolved.Average(i => (decimal)(i.ResolvedAt!.Value - i.OpenedAt).TotalSeconds) / 60m));
    }

    private static decimal Round(decimal value) => Math.Round(value, 1, MidpointRounding.AwayFromZero);
}
