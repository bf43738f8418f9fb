using NodaTime;
using Settlement.Domain.Chargers;

namespace Settlement.Domain.Kpis;

/// <summary>A NEVI "charging port" (23 CFR 680) is taken to be an OCPP EVSE: it charges one vehicle at a time, whatever its connectors.</summary>
public readonly record struct Port(string ChargerId, int EvseId)
{
    public override string ToString() => $"{ChargerId}/{EvseId}";
}

/// <summary>Why a port was down. Several can hold at once; a downtime carries every one that held during it.</summary>
[Flags]
public enum DownReasons
{
    None = 0,
    /// <summary>The charger did not communicate: 680.116(b)(1) wants software online too, so a communication drop is an outage.</summary>
    Offline = 1,
    /// <summary>An open fault, or status Faulted, on the EVSE or on EVSE 0 (the whole charger).</summary>
    Faulted = 2,
    /// <summary>Status Unavailable on the EVSE or on EVSE 0.</summary>
    Unavailable = 4,
}

/// <summary>A stretch of time a port was down without a break, whatever changed in why.</summary>
public readonly record struct Downtime(Interval When, DownReasons Why);

/// <summary>Time an operator says is outside its control (680.116(b)(3)): outage in it is excluded from uptime.</summary>
public sealed record ExcludedWindow(Interval When, OutageCause Cause, string? Notes);

/// <summary>
/// A port from <see cref="OperationalFrom"/> to <see cref="Until"/>, derived from its charger's facts. Every list
/// is sorted by start; <see cref="Down"/>, <see cref="Occupied"/> and <see cref="Delivering"/> never overlap
/// themselves, <see cref="Excluded"/> may (two statements can cover the same time).
/// </summary>
public sealed record PortTimeline(
    Port Port,
    Instant OperationalFrom,
    Instant Until,
    IReadOnlyList<Downtime> Down,
    IReadOnlyList<ExcludedWindow> Excluded,
    IReadOnlyList<Interval> Occupied,
    IReadOnlyList<Interval> Delivering);

/// <summary>
/// Derives port timelines from a charger's facts in one sweep: facts are sorted once by instant (ledger order
/// breaks ties) and folded into the charger's condition; each port's state is read after every instant.
/// <list type="bullet">
/// <item>A port is "up and available" from the charger's RegisteredAt until a fact says otherwise, and a port
/// keeps its state through a period without facts. Facts before RegisteredAt shape the state it starts in.</item>
/// <item>Offline runs from WentOffline.At (the last message heard) to CameOnline.At.</item>
/// <item>A fault is open from FaultRaised until a FaultCleared with the same EVSE and code.</item>
/// <item>Occupied: status Preparing, Charging, SuspendedEV, SuspendedEVSE, Finishing or Occupied. Reserved is
/// not: a reservation holds a port for a driver who may never come, and utilisation should show use, not
/// promises. Delivering: status Charging.</item>
/// <item>While the charger is offline its ports are neither occupied nor delivering: what they did is unknown,
/// and counting blind hours as use would flatter utilisation.</item>
/// <item>Excluded windows: MaintenancePlanned over [At, Until), ended instead at the last MaintenanceEnded with
/// its id (early or late; before it began means cancelled); OutageCauseTagged over [At, Until). Without Until a
/// window stays open to the horizon. EVSE 0 means every EVSE of the charger.</item>
/// </list>
/// </summary>
public static class PortTimelines
{
    /// <param name="until">The horizon: states still open then are cut there, and facts from then on are ignored.</param>
    public static IReadOnlyList<PortTimeline> Of(ChargerProfile charger, IReadOnlyList<ChargerFact> facts, Instant until)
    {
        var operationalFrom = charger.RegisteredAt;
        var ordered = facts.Where(fact => fact.At < until).OrderBy(fact => fact.At).ToList();
        var evseIds = Enumerable.Range(1, charger.EvseCount)
            .Union(ordered.Where(fact => fact.EvseId > 0 && fact.Kind is ChargerFactKind.Status or ChargerFactKind.FaultRaised).Select(fact => fact.EvseId))
            .Order()
            .ToList();
        if (operationalFrom >= until)
            return evseIds.Select(id => new PortTimeline(new Port(charger.ChargerId, id), operationalFrom, until, [], [], [], [])).ToList();

        // From every fact, not only those before the horizon: maintenance that ended after it was still running at it.
        var windows = ExcludedWindows(facts, operationalFrom, until);
        var changes = StateChanges(ordered, evseIds, operationalFrom);
        return evseIds.Select(id => new PortTimeline(
                new Port(charger.ChargerId, id),
                operationalFrom,
                until,
                Downtimes(changes[id], until),
                windows.Where(w => w.EvseId == 0 || w.EvseId == id).Select(w => w.Window).ToList(),
                Stretches(changes[id], state => state.Occupied, until),
                Stretches(changes[id], state => state.Delivering, until)))
            .ToList();
    }

    /// <summary>Per EVSE, its state at the operational start and each instant it changed after that.</summary>
    private static Dictionary<int, List<(Instant At, PortState State)>> StateChanges(
        List<ChargerFact> ordered, List<int> evseIds, Instant operationalFrom)
    {
        // A charger is commissioned online, free of faults, every EVSE Available.
        var condition = new ChargerCondition();
        var changes = evseIds.ToDictionary(id => id, id => new List<(Instant At, PortState State)> { (operationalFrom, condition.Of(id)) });
        var next = 0;
        while (next < ordered.Count)
        {
            // Everything said at one instant is applied before ports are read, so no zero-length states appear.
            var instant = ordered[next].At;
            for (; next < ordered.Count && ordered[next].At == instant; next++)
                condition.Apply(ordered[next]);

            var at = Instant.Max(instant, operationalFrom);
            foreach (var id in evseIds)
            {
                var list = changes[id];
                var state = condition.Of(id);
                if (list[^1].At == at) list[^1] = (at, state);
                else if (list[^1].State != state) list.Add((at, state));
            }
        }
        return changes;
    }

    private static List<Downtime> Downtimes(List<(Instant At, PortState State)> changes, Instant until)
    {
        var downtimes = new List<Downtime>();
        (Instant Since, DownReasons Why)? open = null;
        foreach (var (at, state) in changes)
        {
            if (state.Down != DownReasons.None)
                open = open is { } o ? (o.Since, o.Why | state.Down) : (at, state.Down);
            else if (open is { } o)
            {
                downtimes.Add(new Downtime(new Interval(o.Since, at), o.Why));
                open = null;
            }
        }
        if (open is { } last) downtimes.Add(new Downtime(new Interval(last.Since, until), last.Why));
        return downtimes;
    }

    private static List<Interval> Stretches(List<(Instant At, PortState State)> changes, Func<PortState, bool> holds, Instant until)
    {
        var stretches = new List<Interval>();
        Instant? since = null;
        foreach (var (at, state) in changes)
        {
            if (holds(state)) since ??= at;
            else if (since is { } start)
            {
                stretches.Add(new Interval(start, at));
                since = null;
            }
        }
        if (since is { } last) stretches.Add(new Interval(last, until));
        return stretches;
    }

    private static List<(int EvseId, ExcludedWindow Window)> ExcludedWindows(IReadOnlyList<ChargerFact> facts, Instant operationalFrom, Instant until)
    {
        // In ledger order, so a later statement about the same maintenance wins.
        var endedAt = facts
            .Where(fact => fact is { Kind: ChargerFactKind.MaintenanceEnded, Code: not null })
            .GroupBy(fact => fact.Code!)
            .ToDictionary(group => group.Key, group => group.Last().At);
        var maintenance = facts
            .Where(fact => fact.Kind == ChargerFactKind.MaintenancePlanned)
            .GroupBy(fact => fact.Code)
            .Select(plans => plans.Last())
            .Select(plan => (plan.EvseId, plan.At,
                Until: plan.Code is not null && endedAt.TryGetValue(plan.Code, out var ended) ? ended : plan.Until ?? until,
                Cause: OutageCause.ScheduledMaintenance, plan.Notes));
        var tagged = facts
            .Where(fact => fact is { Kind: ChargerFactKind.OutageCauseTagged, Cause: not null })
            .Select(tag => (tag.EvseId, tag.At, Until: tag.Until ?? until, Cause: tag.Cause!.Value, tag.Notes));

        return maintenance.Concat(tagged)
            .Select(w => (w.EvseId, From: Instant.Max(w.At, operationalFrom), Until: Instant.Min(w.Until, until), w.Cause, w.Notes))
            .Where(w => w.From < w.Until)
            .OrderBy(w => w.From)
            .Select(w => (w.EvseId, new ExcludedWindow(new Interval(w.From, w.Until), w.Cause, w.Notes)))
            .ToList();
    }
}

internal readonly record struct PortState(DownReasons Down, bool Occupied, bool Delivering);

/// <summary>
/// What a charger's facts say of it so far, as far as its ports' states depend on it. Mutable because it is
/// folded over every fact of a year: copying collections per fact would make the sweep slow.
/// </summary>
internal sealed class ChargerCondition
{
    private static readonly HashSet<ConnectorStatus> InUse =
    [
        ConnectorStatus.Preparing, ConnectorStatus.Charging, ConnectorStatus.SuspendedEV,
        ConnectorStatus.SuspendedEVSE, ConnectorStatus.Finishing, ConnectorStatus.Occupied,
    ];

    private readonly Dictionary<int, ConnectorStatus> statuses = [];
    private readonly HashSet<(int EvseId, string Code)> openFaults = [];
    private readonly Dictionary<int, int> openFaultsPerEvse = [];
    private bool online = true;

    public void Apply(ChargerFact fact)
    {
        switch (fact.Kind)
        {
            case ChargerFactKind.WentOffline: online = false; break;
            case ChargerFactKind.CameOnline: online = true; break;
            case ChargerFactKind.Status when fact.Status is { } status: statuses[fact.EvseId] = status; break;
            case ChargerFactKind.FaultRaised when openFaults.Add((fact.EvseId, fact.Code ?? "")):
                openFaultsPerEvse[fact.EvseId] = openFaultsPerEvse.GetValueOrDefault(fact.EvseId) + 1;
                break;
            case ChargerFactKind.FaultCleared when openFaults.Remove((fact.EvseId, fact.Code ?? "")):
                openFaultsPerEvse[fact.EvseId] -= 1;
                break;
        }
    }

    public PortState Of(int evseId)
    {
        var status = statuses.GetValueOrDefault(evseId, ConnectorStatus.Available);
        var chargerStatus = statuses.GetValueOrDefault(0, ConnectorStatus.Available);
        var faulted = status == ConnectorStatus.Faulted || chargerStatus == ConnectorStatus.Faulted
            || openFaultsPerEvse.GetValueOrDefault(0) > 0 || openFaultsPerEvse.GetValueOrDefault(evseId) > 0;
        var unavailable = status == ConnectorStatus.Unavailable || chargerStatus == ConnectorStatus.Unavailable;
        var down = (online ? DownReasons.None : DownReasons.Offline)
            | (faulted ? DownReasons.Faulted : DownReasons.None)
            | (unavailable ? DownReasons.Unavailable : DownReasons.None);
        return new PortState(down, online && InUse.Contains(status), online && status == ConnectorStatus.Charging);
    }
}
