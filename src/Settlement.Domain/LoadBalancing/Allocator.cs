using NodaTime;

namespace Settlement.Domain.LoadBalancing;

/// <summary>The site's power model as the balancer uses it.</summary>
public sealed record SitePowerModel(
    int NominalVoltage, IReadOnlyList<PowerCircuit> Circuits, IReadOnlyList<BalancedEvse> Evses, SiteBattery? Battery, BalancingPolicy Policy)
{
    public static SitePowerModel From(SitePowerModelDefined defined) =>
        new(defined.NominalVoltage, defined.Circuits, defined.Evses, defined.Battery, defined.Policy);

    public PowerCircuit Root => Circuits.Single(c => c.ParentId is null);
}

/// <summary>A grid signal as recorded (withdrawn ones end at their withdrawal).</summary>
public sealed record GridSignal(string SignalId, GridSignalKind Kind, string? CircuitId, decimal? CapPercent, decimal? CapKw, Instant From, Instant Until)
{
    public bool InForceAt(Instant at) => From <= at && at < Until;
}

/// <summary>
/// A live session as the balancer sees it: its measurement (per-phase current), its car's state of charge, the
/// limit last applied, whether its charger acknowledges limits, and its turn (since when it charges or waits).
/// </summary>
public sealed record SessionDemand(
    string SessionId, string ChargerId, int EvseId, string? CustomerGroup, Instant StartedAt,
    decimal? MeasuredAmps, int? StateOfChargePercent, decimal? PreviousLimitAmps, bool Responsive,
    Instant? ChargingSince, Instant? SuspendedSince);

public sealed record AllocationInput(
    SitePowerModel Model, IReadOnlyList<GridSignal> Signals, decimal? BatteryStateOfChargePercent, IReadOnlyList<SessionDemand> Sessions, Instant At);

public sealed record SessionAllocation(SessionDemand Session, int Weight, decimal LimitAmps, AllocationStatus Status);

/// <summary>A circuit's limits in force (null: unbounded) and the load allocated under it, per phase L1..L3 and in kW.</summary>
public sealed record CircuitLoad(string CircuitId, decimal? LimitAmpsPerPhase, decimal? LimitKw, IReadOnlyList<decimal> AllocatedAmps, decimal AllocatedKw);

/// <summary><see cref="BatteryKw"/>: positive while the battery charges, negative while it supports the site.</summary>
public sealed record Allocation(IReadOnlyList<SessionAllocation> Sessions, IReadOnlyList<CircuitLoad> Circuits, decimal BatteryKw, IReadOnlyList<string> SignalsInForce);

/// <summary>
/// Shares a site's power among its live sessions: a pure function of the power model, the signals, the battery and
/// the sessions, so the same inputs always give the same limits and an auditor can replay any decision.
/// <para>
/// Every circuit's limit holds on every phase and in kW. A session whose minimum current does not fit is
/// suspended (0 A) rather than set lower; suspended sessions take turns with charging ones every
/// <see cref="TurnLength"/>. The rest is shared by weighted max-min fairness (water filling): every session's
/// limit rises with one common level, times its weight, until its EVSE's maximum or a circuit stops it.
/// </para>
/// Currents are computed in whole milliamperes and rounded down to 0.1 A, so rounding never adds load.
/// </summary>
public static class Allocator
{
    /// <summary>How long a charging session keeps its turn before a suspended one may take it.</summary>
    public static readonly Duration TurnLength = Duration.FromMinutes(15);

    /// <summary>Reclaim: a car drawing less than this share of its last limit releases the rest.</summary>
    public const decimal ReclaimBelowShare = 0.8m;

    /// <summary>Reclaim keeps the car's draw times this, plus <see cref="ReclaimMarginAmps"/>, so it can ask for more by drawing it.</summary>
    public const decimal ReclaimHeadroom = 1.25m;

    public const decimal ReclaimMarginAmps = 1m;

    private const long Unbounded = long.MaxValue / 4;
    private const long LimitStepMilliamps = 100;

    public static Allocation Allocate(AllocationInput input)
    {
        var site = new SiteCapacity(input.Model, input.Signals, input.BatteryStateOfChargePercent, input.At);
        var evses = input.Model.Evses.ToDictionary(e => (e.ChargerId, e.EvseId));
        var demands = input.Sessions
            .Where(s => evses.ContainsKey((s.ChargerId, s.EvseId)))
            .OrderBy(s => s.SessionId, StringComparer.Ordinal)
            .Select(s => new Demand(s, evses[(s.ChargerId, s.EvseId)], WeightOf(input.Model.Policy, s.CustomerGroup), site))
            .ToList();

        // A charger that does not acknowledge limits draws what its EVSE can: that load is taken first.
        foreach (var d in demands.Where(d => !d.Session.Responsive))
        {
            d.Allocated = d.Max;
            d.Status = AllocationStatus.Uncontrolled;
            site.Add(d, d.Max);
        }

        var controlled = demands.Where(d => d.Session.Responsive).ToList();
        foreach (var d in controlled) d.Ceiling = ReclaimedCeiling(input.Model.Policy, d);

        var admitted = new List<Demand>();
        foreach (var d in AdmissionOrder(input.Model.Policy, controlled, input.At))
        {
            if (site.Fits(d, d.Min))
            {
                site.Add(d, d.Min);
                d.Allocated = d.Min;
                admitted.Add(d);
            }
            else
            {
                d.Allocated = 0;
                d.Status = AllocationStatus.Suspended;
            }
        }

        WaterFill(site, admitted);

        foreach (var d in admitted)
        {
            var rounded = d.Allocated / LimitStepMilliamps * LimitStepMilliamps;
            site.Add(d, rounded - d.Allocated);
            d.Allocated = rounded;
            d.Status = d.Allocated >= d.Max ? AllocationStatus.AtMaximum
                : d.Ceiling < d.Max && d.Allocated >= d.Ceiling - LimitStepMilliamps ? AllocationStatus.Reclaimed
                : AllocationStatus.Shared;
        }

        var sessions = demands
            .Select(d => new SessionAllocation(d.Session, d.Weight, Amps(d.Allocated), d.Status))
            .OrderBy(a => a.Session.SessionId, StringComparer.Ordinal).ToList();
        return new Allocation(sessions, site.Loads(), site.BatteryKw(), site.SignalsInForce);
    }

    /// <summary>
    /// The limit each EVSE falls back to when its charger loses the central system (TxDefaultProfile): equal shares
    /// as if every EVSE charged at once, without battery or signals, so that all of them together stay within limits.
    /// An EVSE whose minimum would not fit falls back to 0 A.
    /// </summary>
    public static IReadOnlyDictionary<(string ChargerId, int EvseId), decimal> Fallback(SitePowerModel model)
    {
        var everyone = model.Evses.Select(e => new SessionDemand($"{e.ChargerId}/{e.EvseId}", e.ChargerId, e.EvseId, null, Instant.MinValue,
            null, null, null, Responsive: true, null, null)).ToList();
        var equal = model with { Battery = null, Policy = model.Policy with { Sharing = SharingPolicy.EqualShare, Reclaim = false } };
        return Allocate(new AllocationInput(equal, [], null, everyone, Instant.MinValue)).Sessions
            .ToDictionary(a => (a.Session.ChargerId, a.Session.EvseId), a => a.LimitAmps);
    }

    public static int WeightOf(BalancingPolicy policy, string? customerGroup) =>
        policy.Sharing == SharingPolicy.Priority && customerGroup is not null && policy.PriorityWeights.TryGetValue(customerGroup, out var weight)
            ? Math.Clamp(weight, 1, 10)
            : 1;

    private static long ReclaimedCeiling(BalancingPolicy policy, Demand d)
    {
        if (!policy.Reclaim || d.Session is not { MeasuredAmps: { } measured, PreviousLimitAmps: { } previous } || previous <= 0m
            || measured >= previous * ReclaimBelowShare)
            return d.Max;
        var kept = Milliamps(measured * ReclaimHeadroom + ReclaimMarginAmps);
        return Math.Clamp(kept, d.Min, d.Max);
    }

    /// <summary>
    /// Who gets their minimum first: higher weights first (priority policy); then sessions still in their turn, then
    /// waiting ones, longest waiting first, then those whose turn is over, so suspended sessions rotate fairly.
    /// </summary>
    private static IEnumerable<Demand> AdmissionOrder(BalancingPolicy policy, IEnumerable<Demand> demands, Instant at) =>
        demands
            .OrderByDescending(d => policy.Sharing == SharingPolicy.Priority ? d.Weight : 1)
            .ThenBy(d => TurnGroup(d.Session, at))
            .ThenBy(d => TurnOrder(d.Session, at))
            .ThenBy(d => d.Session.StateOfChargePercent ?? 0)
            .ThenBy(d => d.Session.SessionId, StringComparer.Ordinal);

    private static int TurnGroup(SessionDemand s, Instant at) => s.ChargingSince switch
    {
        { } since when at < since + TurnLength => 0,
        null => 1,
        _ => 2,
    };

    /// <summary>In its group: in turn, earliest first; waiting, longest first; turn over, the one that charged longest last.</summary>
    private static long TurnOrder(SessionDemand s, Instant at) => TurnGroup(s, at) switch
    {
        0 => s.ChargingSince!.Value.ToUnixTimeTicks(),
        1 => (s.SuspendedSince ?? s.StartedAt).ToUnixTimeTicks(),
        _ => -s.ChargingSince!.Value.ToUnixTimeTicks(),
    };

    /// <summary>
    /// Raises one level shared by all unfrozen sessions (each at weight × level, never below its minimum) until each
    /// is stopped by its ceiling or by a circuit that cannot give more; each pass stops at the next such event.
    /// </summary>
    private static void WaterFill(SiteCapacity site, List<Demand> admitted)
    {
        var active = admitted.Where(d => d.Ceiling > d.Allocated).ToHashSet();
        long level = 0;
        while (active.Count > 0)
        {
            // The next level at which a waiting session starts growing, or a growing one reaches its ceiling.
            var step = Unbounded;
            foreach (var d in active)
            {
                // Growing: its limit rises with the next step of the level; until then it waits at its minimum.
                var next = d.Weight * (level + 1) > d.Min ? CeilDiv(d.Ceiling, d.Weight) : d.Min / d.Weight;
                step = Math.Min(step, next - level);
            }
            var growingNow = active.Where(d => d.Weight * (level + 1) > d.Min).ToList();
            step = Math.Min(step, site.MostLevelRise(growingNow));

            if (step > 0)
            {
                level += step;
                foreach (var d in active)
                {
                    var target = Math.Min(d.Ceiling, Math.Max(d.Min, d.Weight * level));
                    if (target != d.Allocated)
                    {
                        site.Add(d, target - d.Allocated);
                        d.Allocated = target;
                    }
                }
            }

            var frozen = active.Where(d => d.Allocated >= d.Ceiling).ToList();
            var stillGrowing = active.Where(d => d.Weight * (level + 1) > d.Min && d.Allocated < d.Ceiling).ToList();
            frozen.AddRange(site.Blocked(stillGrowing, level));
            if (frozen.Count == 0 && step == 0) frozen.AddRange(stillGrowing); // nothing can move: stop rather than spin
            foreach (var d in frozen) active.Remove(d);
        }
    }

    internal static long CeilDiv(long a, long b) => (a + b - 1) / b;

    internal static long Milliamps(decimal amps) => (long)decimal.Floor(amps * 1000m);

    internal static decimal Amps(long milliamps) => milliamps / 1000m;

    /// <summary>One session in the allocation: its EVSE's bounds in mA, the constraints it loads, and what it got.</summary>
    internal sealed class Demand
    {
        public Demand(SessionDemand session, BalancedEvse evse, int weight, SiteCapacity site)
        {
            Session = session;
            Evse = evse;
            Weight = weight;
            Min = Milliamps(evse.MinAmps);
            Max = Milliamps(evse.MaxAmps);
            Ceiling = Max;
            Constraints = site.ConstraintsOf(evse);
        }

        public SessionDemand Session { get; }
        public BalancedEvse Evse { get; }
        public int Weight { get; }
        public long Min { get; }
        public long Max { get; }
        public long Ceiling { get; set; }
        public long Allocated { get; set; }
        public AllocationStatus Status { get; set; }

        /// <summary>Each constraint this session loads, with the load per mA of its current (1 for a phase, V × phases mW for kW).</summary>
        public IReadOnlyList<(Constraint Constraint, long PerMilliamp)> Constraints { get; }
    }

    /// <summary>A limit: one phase of a circuit in mA, or a circuit's power in mW.</summary>
    internal sealed class Constraint(string circuitId, int? phase, long limit)
    {
        public string CircuitId { get; } = circuitId;
        public int? Phase { get; } = phase;
        public long Limit { get; } = limit;
        public long Used { get; set; }
        public long Remaining => Limit - Used;
    }

    /// <summary>The circuits' limits in force (signals and battery applied) and the load allocated under each.</summary>
    internal sealed class SiteCapacity
    {
        private readonly SitePowerModel _model;
        private readonly Dictionary<string, PowerCircuit> _circuits;
        private readonly Dictionary<string, Constraint[]> _phases = new();
        private readonly Dictionary<string, Constraint> _power = new();
        private readonly Dictionary<string, (long Amps, long Power)> _withoutBattery = new();
        private readonly long _batteryDischargeMilliwatts;
        private readonly long _batteryChargeMilliwatts;

        public SiteCapacity(SitePowerModel model, IReadOnlyList<GridSignal> signals, decimal? batteryStateOfChargePercent, Instant at)
        {
            _model = model;
            _circuits = model.Circuits.ToDictionary(c => c.CircuitId);
            var inForce = signals.Where(s => s.InForceAt(at)).OrderBy(s => s.SignalId, StringComparer.Ordinal).ToList();
            SignalsInForce = [.. inForce.Select(s => s.SignalId)];
            var rootId = model.Root.CircuitId;
            var battery = model.Battery;
            var soc = batteryStateOfChargePercent;
            _batteryDischargeMilliwatts = battery is not null && soc is { } charge && charge > battery.ReservePercent
                ? (long)(battery.MaxDischargeKw * 1_000_000m) : 0;
            _batteryChargeMilliwatts = battery is not null && soc is { } level && level < 100m ? (long)(battery.MaxChargeKw * 1_000_000m) : 0;

            foreach (var circuit in model.Circuits)
            {
                long ownAmps = circuit.MaxAmpsPerPhase is { } a ? Milliamps(a) : Unbounded;
                long ownPower = circuit.MaxKw is { } kw ? (long)(kw * 1_000_000m) : Unbounded;
                var (amps, power) = (ownAmps, ownPower);
                // Each signal caps the circuit's own limits: the strictest one holds (two throttles of 60% and 50% are 50%, not 30%).
                foreach (var signal in inForce.Where(s => (s.CircuitId ?? rootId) == circuit.CircuitId))
                {
                    if (signal.Kind == GridSignalKind.Outage)
                    {
                        amps = 0;
                        power = 0;
                        continue;
                    }
                    if (signal.CapPercent is { } percent)
                    {
                        if (ownAmps != Unbounded) amps = Math.Min(amps, (long)(ownAmps * percent / 100m));
                        if (ownPower != Unbounded) power = Math.Min(power, (long)(ownPower * percent / 100m));
                    }
                    if (signal.CapKw is { } cap) power = Math.Min(power, (long)(cap * 1_000_000m));
                }
                _withoutBattery[circuit.CircuitId] = (amps, power);
                if (battery is not null && battery.CircuitId == circuit.CircuitId && _batteryDischargeMilliwatts > 0)
                {
                    if (amps != Unbounded) amps += _batteryDischargeMilliwatts / (3L * model.NominalVoltage);
                    if (power != Unbounded) power += _batteryDischargeMilliwatts;
                }
                _phases[circuit.CircuitId] = [new(circuit.CircuitId, 0, amps), new(circuit.CircuitId, 1, amps), new(circuit.CircuitId, 2, amps)];
                _power[circuit.CircuitId] = new(circuit.CircuitId, null, power);
            }
        }

        public IReadOnlyList<string> SignalsInForce { get; }

        /// <summary>The circuits from the EVSE's own up to the root.</summary>
        public IEnumerable<PowerCircuit> Chain(string circuitId)
        {
            for (var c = _circuits[circuitId]; ; c = _circuits[c.ParentId])
            {
                yield return c;
                if (c.ParentId is null) yield break;
            }
        }

        public IReadOnlyList<(Constraint, long)> ConstraintsOf(BalancedEvse evse)
        {
            var list = new List<(Constraint, long)>();
            foreach (var circuit in Chain(evse.CircuitId))
            {
                foreach (var phase in evse.Phases.Distinct()) list.Add((_phases[circuit.CircuitId][(int)phase], 1));
                list.Add((_power[circuit.CircuitId], (long)_model.NominalVoltage * evse.Phases.Distinct().Count()));
            }
            return list;
        }

        public bool Fits(Demand d, long milliamps) => d.Constraints.All(c => c.Constraint.Limit == Unbounded || c.Constraint.Remaining >= c.PerMilliamp * milliamps);

        public void Add(Demand d, long milliamps)
        {
            foreach (var (constraint, perMilliamp) in d.Constraints) constraint.Used += perMilliamp * milliamps;
        }

        /// <summary>How far the common level may rise with these sessions growing by their weight, before a limit is reached.</summary>
        public long MostLevelRise(IReadOnlyList<Demand> growing)
        {
            var slopes = new Dictionary<Constraint, long>(ReferenceEqualityComparer.Instance);
            foreach (var d in growing)
                foreach (var (constraint, perMilliamp) in d.Constraints)
                    if (constraint.Limit != Unbounded)
                        slopes[constraint] = slopes.GetValueOrDefault(constraint) + perMilliamp * d.Weight;
            var rise = Unbounded;
            foreach (var (constraint, slope) in slopes) rise = Math.Min(rise, Math.Max(0, constraint.Remaining) / slope);
            return rise;
        }

        /// <summary>The growing sessions under a limit that cannot take one more step of the level.</summary>
        public IEnumerable<Demand> Blocked(IReadOnlyList<Demand> growing, long level)
        {
            var slopes = new Dictionary<Constraint, long>(ReferenceEqualityComparer.Instance);
            foreach (var d in growing)
                foreach (var (constraint, perMilliamp) in d.Constraints)
                    if (constraint.Limit != Unbounded)
                        slopes[constraint] = slopes.GetValueOrDefault(constraint) + perMilliamp * d.Weight;
            var full = slopes.Where(s => s.Key.Remaining < s.Value).Select(s => s.Key).ToHashSet(ReferenceEqualityComparer.Instance);
            return full.Count == 0 ? [] : growing.Where(d => d.Constraints.Any(c => full.Contains(c.Constraint)));
        }

        public IReadOnlyList<CircuitLoad> Loads() =>
        [
            .. _model.Circuits.OrderBy(c => c.CircuitId, StringComparer.Ordinal).Select(c =>
            {
                var phases = _phases[c.CircuitId];
                var power = _power[c.CircuitId];
                return new CircuitLoad(c.CircuitId,
                    phases[0].Limit == Unbounded ? null : Amps(phases[0].Limit),
                    power.Limit == Unbounded ? null : power.Limit / 1_000_000m,
                    [.. phases.Select(p => Amps(p.Used))],
                    decimal.Round(power.Used / 1_000_000m, 3));
            }),
        ];

        /// <summary>
        /// Negative: the battery covers what the allocated load takes beyond the grid's limits at its circuit. Positive:
        /// it charges with what its circuit and those above it leave over. Zero without a battery.
        /// </summary>
        public decimal BatteryKw()
        {
            if (_model.Battery is not { } battery) return 0m;
            var voltage = 3L * _model.NominalVoltage;
            var (gridAmps, gridPower) = _withoutBattery[battery.CircuitId];
            var phases = _phases[battery.CircuitId];
            var power = _power[battery.CircuitId];
            long beyond = 0;
            if (gridPower != Unbounded) beyond = Math.Max(beyond, power.Used - gridPower);
            if (gridAmps != Unbounded) beyond = Math.Max(beyond, (phases.Max(p => p.Used) - gridAmps) * voltage);
            if (beyond > 0) return -decimal.Round(Math.Min(beyond, _batteryDischargeMilliwatts) / 1_000_000m, 3);

            var headroom = _batteryChargeMilliwatts;
            foreach (var circuit in Chain(battery.CircuitId))
            {
                var (amps, watts) = circuit.CircuitId == battery.CircuitId ? (gridAmps, gridPower) : (_phases[circuit.CircuitId][0].Limit, _power[circuit.CircuitId].Limit);
                if (watts != Unbounded) headroom = Math.Min(headroom, watts - _power[circuit.CircuitId].Used);
                if (amps != Unbounded) headroom = Math.Min(headroom, (amps - _phases[circuit.CircuitId].Max(p => p.Used)) * voltage);
            }
            return decimal.Round(Math.Max(0, headroom) / 1_000_000m, 3);
        }
    }
}
