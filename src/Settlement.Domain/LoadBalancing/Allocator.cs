using System.Runtime.CompilerServices;
using NodaTime;

namespace Settlement.Domain.LoadBalancing;

/// <summary>An EVSE's grid-side power per ampere of its per-phase current: the voltage times the phases it is wired to.</summary>
public static class EvsePower
{
    public static int WattsPerAmp(this BalancedEvse evse, int nominalVoltage) => nominalVoltage * evse.Phases.Distinct().Count();
}

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

/// <summary>
/// An EVSE of the model without a live session, as the balancer knows its TxDefaultProfile: whether its charger
/// acknowledges limits, and the limit it last acknowledged (null: not known).
/// </summary>
public sealed record IdleEvseState(string ChargerId, int EvseId, bool Responsive, decimal? AppliedDefaultAmps);

/// <summary><see cref="IdleEvses"/>: what is known of the idle EVSEs' defaults; an idle EVSE not listed is responsive, its default not known.</summary>
public sealed record AllocationInput(
    SitePowerModel Model, IReadOnlyList<GridSignal> Signals, decimal? BatteryStateOfChargePercent, IReadOnlyList<SessionDemand> Sessions, Instant At)
{
    public IReadOnlyList<IdleEvseState> IdleEvses { get; init; } = [];
}

public sealed record SessionAllocation(SessionDemand Session, int Weight, decimal LimitAmps, AllocationStatus Status);

/// <summary>A circuit's limits in force (null: unbounded) and the load allocated under it, per phase L1..L3 and in kW.</summary>
public sealed record CircuitLoad(string CircuitId, decimal? LimitAmpsPerPhase, decimal? LimitKw, IReadOnlyList<decimal> AllocatedAmps, decimal AllocatedKw);

/// <summary>
/// What an idle EVSE holds for a car arriving there, as its TxDefaultProfile: <see cref="ReservedAmps"/> is counted in
/// every limit above it. A responsive charger's EVSE reserves its minimum, or 0 A; an unresponsive one is counted at
/// the default it last acknowledged (<see cref="AppliedDefaultAmps"/>; its maximum when not known).
/// </summary>
public sealed record EvseReservation(string ChargerId, int EvseId, bool Responsive, decimal? AppliedDefaultAmps, decimal ReservedAmps);

/// <summary>
/// <see cref="BatteryKw"/>: positive while the battery charges, negative while it supports the site. The circuits'
/// allocated load includes the idle EVSEs' <see cref="Reservations"/> (in charger id, EVSE id order).
/// </summary>
public sealed record Allocation(IReadOnlyList<SessionAllocation> Sessions, IReadOnlyList<CircuitLoad> Circuits, decimal BatteryKw, IReadOnlyList<string> SignalsInForce,
    IReadOnlyList<EvseReservation> Reservations);

/// <summary>
/// Shares a site's power among its live sessions: a pure function of the power model, the signals, the battery and
/// the sessions, so the same inputs always give the same limits and an auditor can replay any decision.
/// <para>
/// Every idle EVSE holds a reservation, counted like a session's limit: a car plugging in there draws at most what
/// was already counted, before the balancer hears of it. Reservations come after every live session's minimum (they
/// never suspend one) and do not grow with the sharing.
/// </para>
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
        var layout = SiteLayout.Of(input.Model);
        var limits = new SiteLimits(layout, input.Signals, input.BatteryStateOfChargePercent, input.At);
        var policy = input.Model.Policy;
        var demands = DemandsBySessionId(layout, input);
        var used = new long[layout.ConstraintCount];
        var idle = IdleEvses(layout, input, demands);

        // A charger that does not acknowledge limits draws what its EVSE can (an idle EVSE, its default): that load is taken first.
        foreach (var r in idle)
            if (!r.Responsive) layout.Add(used, r.EvseIndex, r.Reserved);
        var controlled = new List<Demand>(demands.Length);
        foreach (var d in demands)
        {
            if (d.Session.Responsive)
            {
                d.Ceiling = ReclaimedCeiling(policy, d);
                controlled.Add(d);
                continue;
            }
            d.Allocated = d.Max;
            d.Status = AllocationStatus.Uncontrolled;
            layout.Add(used, d.EvseIndex, d.Max);
        }

        controlled.Sort(AdmissionOrder);
        var admitted = new List<Demand>(controlled.Count);
        foreach (var d in controlled)
        {
            if (layout.Fits(limits.Limit, used, d.EvseIndex, d.Min))
            {
                layout.Add(used, d.EvseIndex, d.Min);
                d.Allocated = d.Min;
                admitted.Add(d);
            }
            else
            {
                d.Allocated = 0;
                d.Status = AllocationStatus.Suspended;
            }
        }

        // A car arriving at an idle EVSE may draw its minimum at once: held back from the sharing, if it fits after every session's minimum.
        foreach (var r in idle)
        {
            if (!r.Responsive || !layout.Fits(limits.Limit, used, r.EvseIndex, layout.MinMilliamps[r.EvseIndex])) continue;
            r.Reserved = layout.MinMilliamps[r.EvseIndex];
            layout.Add(used, r.EvseIndex, r.Reserved);
        }

        WaterFill(layout, limits.Limit, used, admitted);

        Array.Clear(used);
        foreach (var r in idle) layout.Add(used, r.EvseIndex, r.Reserved);
        foreach (var d in demands)
        {
            if (d.Status == AllocationStatus.Suspended) continue;
            if (d.Status != AllocationStatus.Uncontrolled) d.Allocated = d.Allocated / LimitStepMilliamps * LimitStepMilliamps;
            layout.Add(used, d.EvseIndex, d.Allocated);
        }
        ShareWhatRoundingLeft(layout, limits.Limit, used, admitted);
        foreach (var d in admitted)
            d.Status = d.Allocated >= d.Max ? AllocationStatus.AtMaximum
                : d.Ceiling < d.Max && d.Allocated >= d.Ceiling - LimitStepMilliamps ? AllocationStatus.Reclaimed
                : AllocationStatus.Shared;

        var sessions = new SessionAllocation[demands.Length];
        for (var i = 0; i < demands.Length; i++) sessions[i] = new SessionAllocation(demands[i].Session, demands[i].Weight, Amps(demands[i].Allocated), demands[i].Status);
        var reservations = new EvseReservation[idle.Length];
        for (var i = 0; i < idle.Length; i++)
        {
            var r = idle[i];
            var evse = layout.Evses[r.EvseIndex];
            reservations[i] = new EvseReservation(evse.ChargerId, evse.EvseId, r.Responsive, r.AppliedDefault, Amps(r.Reserved));
        }
        return new Allocation(sessions, limits.Loads(used), limits.BatteryKw(used), limits.SignalsInForce, reservations);
    }

    /// <summary>The model's EVSEs without a live session, in charger id, EVSE id order; an unresponsive one already counted at its default.</summary>
    private static Reservation[] IdleEvses(SiteLayout layout, AllocationInput input, Demand[] demands)
    {
        var occupied = new bool[layout.Evses.Length];
        foreach (var d in demands) occupied[d.EvseIndex] = true;
        var count = 0;
        foreach (var taken in occupied)
            if (!taken) count++;
        if (count == 0) return [];

        var known = new Dictionary<int, IdleEvseState>(input.IdleEvses.Count);
        foreach (var state in input.IdleEvses)
            if (layout.EvseIndex.TryGetValue((state.ChargerId, state.EvseId), out var index)) known[index] = state;
        var idle = new Reservation[count];
        var next = 0;
        foreach (var e in layout.ByChargerAndEvse)
        {
            if (occupied[e]) continue;
            var state = known.GetValueOrDefault(e);
            var responsive = state?.Responsive ?? true;
            var applied = state?.AppliedDefaultAmps;
            idle[next++] = new Reservation(e, responsive, applied, responsive ? 0 : applied is { } a ? Milliamps(a) : layout.MaxMilliamps[e]);
        }
        return idle;
    }

    public static int WeightOf(BalancingPolicy policy, string? customerGroup) =>
        policy.Sharing == SharingPolicy.Priority && customerGroup is not null && policy.PriorityWeights.TryGetValue(customerGroup, out var weight)
            ? Math.Clamp(weight, 1, 10)
            : 1;

    /// <summary>The sessions on EVSEs of the model (others are not the balancer's), in session id order: the order of the decision whatever the input's.</summary>
    private static Demand[] DemandsBySessionId(SiteLayout layout, AllocationInput input)
    {
        var policy = input.Model.Policy;
        var demands = new List<Demand>(input.Sessions.Count);
        foreach (var s in input.Sessions)
            if (layout.EvseIndex.TryGetValue((s.ChargerId, s.EvseId), out var evse))
                demands.Add(new Demand(s, evse, layout.MinMilliamps[evse], layout.MaxMilliamps[evse], WeightOf(policy, s.CustomerGroup),
                    policy.Sharing == SharingPolicy.Priority, input.At));
        var sorted = demands.ToArray();
        Array.Sort(sorted, static (a, b) => string.CompareOrdinal(a.Session.SessionId, b.Session.SessionId));
        return sorted;
    }

    private static long ReclaimedCeiling(BalancingPolicy policy, Demand d)
    {
        if (!policy.Reclaim || d.Session is not { MeasuredAmps: { } measured, PreviousLimitAmps: { } previous } || previous <= 0m)
            return d.Max;
        // In whole mA when both are (as meters and limits report them), the same rule without decimal arithmetic.
        long kept;
        if (ExactMilliamps(measured) is { } m && ExactMilliamps(previous) is { } p && m >= 0)
        {
            if (m * 10 >= p * 8) return d.Max;
            kept = m + m / 4 + 1_000;
        }
        else
        {
            if (measured >= previous * ReclaimBelowShare) return d.Max;
            kept = Milliamps(measured * ReclaimHeadroom + ReclaimMarginAmps);
        }
        return Math.Clamp(kept, d.Min, d.Max);
    }

    /// <summary>
    /// Who gets their minimum first: higher weights first (priority policy); then sessions still in their turn, then
    /// waiting ones, longest waiting first, then those whose turn is over, so suspended sessions rotate fairly.
    /// </summary>
    private static int AdmissionOrder(Demand a, Demand b)
    {
        var order = b.AdmissionWeight.CompareTo(a.AdmissionWeight);
        if (order == 0) order = a.TurnGroup.CompareTo(b.TurnGroup);
        if (order == 0) order = a.TurnOrder.CompareTo(b.TurnOrder);
        if (order == 0) order = (a.Session.StateOfChargePercent ?? 0).CompareTo(b.Session.StateOfChargePercent ?? 0);
        return order != 0 ? order : string.CompareOrdinal(a.Session.SessionId, b.Session.SessionId);
    }

    private static int TurnGroup(SessionDemand s, Instant at) => s.ChargingSince switch
    {
        { } since when at < since + TurnLength => 0,
        null => 1,
        _ => 2,
    };

    /// <summary>In its group: in turn, earliest first; waiting, longest first; turn over, the one that charged longest last.</summary>
    private static long TurnOrder(SessionDemand s, int group) => group switch
    {
        0 => s.ChargingSince!.Value.ToUnixTimeTicks(),
        1 => (s.SuspendedSince ?? s.StartedAt).ToUnixTimeTicks(),
        _ => -s.ChargingSince!.Value.ToUnixTimeTicks(),
    };

    /// <summary>
    /// Raises one level shared by all admitted sessions (each at weight × level, never below its minimum) until each is
    /// stopped by its ceiling or by a limit that cannot give one more step of the level to every session growing under
    /// it. The level jumps from event to event: a session starting to grow (the level passes its minimum), one reaching
    /// its ceiling, or a limit filling up, which each limit foresees from its load as a straight line in the level:
    /// <c>fixed + slope × level</c>, with <c>slope</c> the sum of weight × load per mA of the sessions growing under it.
    /// </summary>
    private static void WaterFill(SiteLayout layout, long[] limit, long[] used, List<Demand> admitted)
    {
        var active = admitted.Where(d => d.Ceiling > d.Allocated).ToArray();
        if (active.Length == 0) return;
        var fixedLoad = (long[])used.Clone();
        var slope = new long[layout.ConstraintCount];
        var bounded = layout.Bounded(limit);
        var members = new ConstraintMembers(layout, limit, active);
        var startLevel = new long[active.Length];
        var ceilingLevel = new long[active.Length];
        var state = new byte[active.Length]; // 0 waiting at its minimum, 1 growing, 2 stopped
        for (var i = 0; i < active.Length; i++)
        {
            // Growing from the level where weight × (level + 1) passes the minimum; at its ceiling from weight × level ≥ ceiling.
            startLevel[i] = active[i].Min / active[i].Weight;
            ceilingLevel[i] = CeilDiv(active[i].Ceiling, active[i].Weight);
        }
        var byStart = Enumerable.Range(0, active.Length).ToArray();
        var byCeiling = (int[])byStart.Clone();
        Array.Sort((long[])startLevel.Clone(), byStart);
        Array.Sort((long[])ceilingLevel.Clone(), byCeiling);

        void Stop(int i, long allocated)
        {
            var d = active[i];
            if (state[i] == 1) layout.Shift(slope, fixedLoad, d.EvseIndex, -d.Weight, allocated);
            state[i] = 2;
            d.Allocated = allocated;
        }

        var starting = 0;
        var ceiling = 0;
        var stopped = 0;
        long level = 0;
        while (stopped < active.Length)
        {
            var next = starting < active.Length ? startLevel[byStart[starting]] : long.MaxValue;
            while (ceiling < active.Length && state[byCeiling[ceiling]] == 2) ceiling++;
            if (ceiling < active.Length) next = Math.Min(next, ceilingLevel[byCeiling[ceiling]]);
            // A limit is only divided out when it fills before the next event found so far.
            foreach (var c in bounded)
                if (slope[c] > 0 && (next == long.MaxValue || fixedLoad[c] + slope[c] * next > limit[c]))
                    next = Math.Min(next, Math.Max(0, limit[c] - fixedLoad[c]) / slope[c]);
            level = Math.Max(level, next);

            for (; starting < active.Length && startLevel[byStart[starting]] <= level; starting++)
            {
                var i = byStart[starting];
                if (state[i] != 0) continue;
                state[i] = 1;
                layout.Shift(slope, fixedLoad, active[i].EvseIndex, active[i].Weight, -active[i].Min);
            }
            for (; ceiling < active.Length && (state[byCeiling[ceiling]] == 2 || ceilingLevel[byCeiling[ceiling]] <= level); ceiling++)
            {
                var i = byCeiling[ceiling];
                if (state[i] == 2) continue;
                Stop(i, active[i].Ceiling);
                stopped++;
            }
            foreach (var c in bounded)
            {
                if (slope[c] == 0 || fixedLoad[c] + slope[c] * (level + 1) <= limit[c]) continue;
                foreach (var i in members.Of(c))
                {
                    if (state[i] != 1) continue;
                    var d = active[i];
                    Stop(i, Math.Min(d.Ceiling, Math.Max(d.Min, d.Weight * level)));
                    stopped++;
                }
            }
        }
    }

    /// <summary>
    /// Rounding down to 0.1 A leaves up to 0.1 A per session unused under every limit, which across many sessions adds up
    /// to amperes. It goes back in steps of 0.1 A, to the session lowest per weight first, until each session is at its
    /// ceiling or loads a limit without room for one more step: so a session below its share is one a full limit holds.
    /// </summary>
    private static void ShareWhatRoundingLeft(SiteLayout layout, long[] limit, long[] used, List<Demand> admitted)
    {
        var lowestFirst = new PriorityQueue<Demand, Demand>(admitted.Count, LowestPerWeight.Instance);
        foreach (var d in admitted)
            if (d.Allocated + LimitStepMilliamps <= d.Ceiling) lowestFirst.Enqueue(d, d);
        while (lowestFirst.TryDequeue(out var d, out _))
        {
            if (!layout.Fits(limit, used, d.EvseIndex, LimitStepMilliamps)) continue;
            layout.Add(used, d.EvseIndex, LimitStepMilliamps);
            d.Allocated += LimitStepMilliamps;
            if (d.Allocated + LimitStepMilliamps <= d.Ceiling) lowestFirst.Enqueue(d, d);
        }
    }

    /// <summary>Allocated per weight, lowest first (cross-multiplied: exact), then by session id.</summary>
    private sealed class LowestPerWeight : IComparer<Demand>
    {
        public static readonly LowestPerWeight Instance = new();

        public int Compare(Demand? a, Demand? b)
        {
            var order = (a!.Allocated * b!.Weight).CompareTo(b.Allocated * a.Weight);
            return order != 0 ? order : string.CompareOrdinal(a.Session.SessionId, b.Session.SessionId);
        }
    }

    internal static long CeilDiv(long a, long b) => (a + b - 1) / b;

    internal static long Milliamps(decimal amps) => ExactMilliamps(amps) ?? (long)decimal.Floor(amps * 1000m);

    private static readonly long[] PowersOfTen = [1, 10, 100, 1_000];

    /// <summary>The current in mA when it is a whole number of them, read from the decimal's digits (no decimal arithmetic); null otherwise.</summary>
    private static long? ExactMilliamps(decimal amps)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(amps, bits);
        var scale = (bits[3] >> 16) & 0xFF;
        if (bits[2] != 0 || bits[1] < 0 || scale > 3) return null;
        var digits = ((long)bits[1] << 32 | (uint)bits[0]) * PowersOfTen[3 - scale];
        return bits[3] < 0 ? -digits : digits;
    }

    /// <summary>mA as amperes with no trailing zeros, as dividing by 1000m gives, built from its digits.</summary>
    internal static decimal Amps(long milliamps)
    {
        byte scale = 3;
        while (scale > 0 && milliamps % 10 == 0)
        {
            milliamps /= 10;
            scale--;
        }
        var digits = (ulong)Math.Abs(milliamps);
        return new decimal((int)(uint)digits, (int)(uint)(digits >> 32), 0, milliamps < 0, scale);
    }

    /// <summary>An idle EVSE in the allocation: what its charger acknowledges and what is counted for it.</summary>
    private sealed class Reservation(int evseIndex, bool responsive, decimal? appliedDefault, long reserved)
    {
        public int EvseIndex { get; } = evseIndex;
        public bool Responsive { get; } = responsive;
        public decimal? AppliedDefault { get; } = appliedDefault;
        public long Reserved { get; set; } = reserved;
    }

    /// <summary>One session in the allocation: its EVSE's bounds in mA, its place in the admission order, and what it got.</summary>
    private sealed class Demand
    {
        public Demand(SessionDemand session, int evseIndex, long min, long max, int weight, bool priority, Instant at)
        {
            Session = session;
            EvseIndex = evseIndex;
            Weight = weight;
            AdmissionWeight = priority ? weight : 1;
            Min = min;
            Max = max;
            Ceiling = Max;
            TurnGroup = Allocator.TurnGroup(session, at);
            TurnOrder = Allocator.TurnOrder(session, TurnGroup);
        }

        public SessionDemand Session { get; }
        public int EvseIndex { get; }
        public int Weight { get; }
        public int AdmissionWeight { get; }
        public int TurnGroup { get; }
        public long TurnOrder { get; }
        public long Min { get; }
        public long Max { get; }
        public long Ceiling { get; set; }
        public long Allocated { get; set; }
        public AllocationStatus Status { get; set; }
    }

    /// <summary>
    /// What a model's shape gives every decision on it, worked out once per model: the circuits by index, and for each
    /// EVSE the limits it loads with its load per mA. Limits are numbered 4 per circuit: its phases L1..L3 in mA, then
    /// its power in mW.
    /// </summary>
    private sealed class SiteLayout
    {
        private static readonly ConditionalWeakTable<SitePowerModel, SiteLayout> Layouts = new();

        private readonly int[] _constraintStart;
        private readonly int[] _constraint;
        private readonly long[] _perMilliamp;

        public static SiteLayout Of(SitePowerModel model) => Layouts.GetValue(model, static m => new SiteLayout(m));

        private SiteLayout(SitePowerModel model)
        {
            Model = model;
            Circuits = [.. model.Circuits];
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var c = 0; c < Circuits.Length; c++) index[Circuits[c].CircuitId] = c;
            CircuitIndex = index;
            Parent = [.. Circuits.Select(c => c.ParentId is null ? -1 : index[c.ParentId])];
            Root = Array.IndexOf(Parent, -1);
            ById = [.. Enumerable.Range(0, Circuits.Length).OrderBy(c => Circuits[c].CircuitId, StringComparer.Ordinal)];
            BalancedEvse[] evses = [.. model.Evses];
            Evses = evses;
            ByChargerAndEvse = [.. Enumerable.Range(0, evses.Length).OrderBy(e => evses[e].ChargerId, StringComparer.Ordinal).ThenBy(e => evses[e].EvseId)];
            MinMilliamps = [.. evses.Select(e => Milliamps(e.MinAmps))];
            MaxMilliamps = [.. evses.Select(e => Milliamps(e.MaxAmps))];
            EvseIndex = new Dictionary<(string, int), int>();
            for (var e = 0; e < evses.Length; e++) EvseIndex[(evses[e].ChargerId, evses[e].EvseId)] = e;

            var starts = new List<int> { 0 };
            var constraints = new List<int>();
            var perMilliamp = new List<long>();
            foreach (var evse in evses)
            {
                var phases = evse.Phases.Distinct().ToArray();
                for (var c = index[evse.CircuitId]; c >= 0; c = Parent[c])
                {
                    foreach (var phase in phases) { constraints.Add(4 * c + (int)phase); perMilliamp.Add(1); }
                    constraints.Add(4 * c + 3);
                    perMilliamp.Add((long)model.NominalVoltage * phases.Length);
                }
                starts.Add(constraints.Count);
            }
            _constraintStart = [.. starts];
            _constraint = [.. constraints];
            _perMilliamp = [.. perMilliamp];
        }

        public SitePowerModel Model { get; }
        public PowerCircuit[] Circuits { get; }
        public IReadOnlyDictionary<string, int> CircuitIndex { get; }
        public int[] Parent { get; }
        public int Root { get; }

        /// <summary>The circuits in circuit id order, as decisions list them.</summary>
        public int[] ById { get; }

        public BalancedEvse[] Evses { get; }

        /// <summary>The EVSEs in charger id, EVSE id order, as decisions list the idle ones.</summary>
        public int[] ByChargerAndEvse { get; }

        public long[] MinMilliamps { get; }
        public long[] MaxMilliamps { get; }
        public Dictionary<(string, int), int> EvseIndex { get; }
        public int ConstraintCount => 4 * Circuits.Length;

        public ReadOnlySpan<int> ConstraintsOf(int evse) => _constraint.AsSpan(_constraintStart[evse], _constraintStart[evse + 1] - _constraintStart[evse]);

        public int[] Bounded(long[] limit) => [.. Enumerable.Range(0, ConstraintCount).Where(c => limit[c] != Unbounded)];

        public bool Fits(long[] limit, long[] used, int evse, long milliamps)
        {
            for (var k = _constraintStart[evse]; k < _constraintStart[evse + 1]; k++)
            {
                var c = _constraint[k];
                if (limit[c] != Unbounded && limit[c] - used[c] < _perMilliamp[k] * milliamps) return false;
            }
            return true;
        }

        public void Add(long[] used, int evse, long milliamps)
        {
            for (var k = _constraintStart[evse]; k < _constraintStart[evse + 1]; k++) used[_constraint[k]] += _perMilliamp[k] * milliamps;
        }

        /// <summary>Moves an EVSE's load between the growing part (slope, by weight) and the fixed part (mA) of every limit it loads.</summary>
        public void Shift(long[] slope, long[] fixedLoad, int evse, long weight, long milliamps)
        {
            for (var k = _constraintStart[evse]; k < _constraintStart[evse + 1]; k++)
            {
                slope[_constraint[k]] += _perMilliamp[k] * weight;
                fixedLoad[_constraint[k]] += _perMilliamp[k] * milliamps;
            }
        }
    }

    /// <summary>For each bounded limit, the water filling's sessions (by position) that load it.</summary>
    private sealed class ConstraintMembers
    {
        private readonly int[] _start;
        private readonly int[] _members;

        public ConstraintMembers(SiteLayout layout, long[] limit, Demand[] active)
        {
            _start = new int[layout.ConstraintCount + 1];
            foreach (var d in active)
                foreach (var c in layout.ConstraintsOf(d.EvseIndex))
                    if (limit[c] != Unbounded) _start[c + 1]++;
            for (var c = 0; c < layout.ConstraintCount; c++) _start[c + 1] += _start[c];
            _members = new int[_start[layout.ConstraintCount]];
            var filled = (int[])_start.Clone();
            for (var i = 0; i < active.Length; i++)
                foreach (var c in layout.ConstraintsOf(active[i].EvseIndex))
                    if (limit[c] != Unbounded) _members[filled[c]++] = i;
        }

        public ReadOnlySpan<int> Of(int constraint) => _members.AsSpan(_start[constraint], _start[constraint + 1] - _start[constraint]);
    }

    /// <summary>The circuits' limits in force for one decision (signals and battery applied), in mA per phase and mW.</summary>
    private sealed class SiteLimits
    {
        private readonly SiteLayout _layout;
        private readonly (long Amps, long Power) _batteryCircuitWithoutBattery;
        private readonly long _batteryDischargeMilliwatts;
        private readonly long _batteryChargeMilliwatts;

        public SiteLimits(SiteLayout layout, IReadOnlyList<GridSignal> signals, decimal? batteryStateOfChargePercent, Instant at)
        {
            _layout = layout;
            var model = layout.Model;
            var inForce = signals.Where(s => s.InForceAt(at)).OrderBy(s => s.SignalId, StringComparer.Ordinal).ToList();
            SignalsInForce = [.. inForce.Select(s => s.SignalId)];
            var battery = model.Battery;
            var soc = batteryStateOfChargePercent;
            _batteryDischargeMilliwatts = battery is not null && soc is { } charge && charge > battery.ReservePercent
                ? (long)(battery.MaxDischargeKw * 1_000_000m) : 0;
            _batteryChargeMilliwatts = battery is not null && soc is { } level && level < 100m ? (long)(battery.MaxChargeKw * 1_000_000m) : 0;

            Limit = new long[layout.ConstraintCount];
            for (var c = 0; c < layout.Circuits.Length; c++)
            {
                var circuit = layout.Circuits[c];
                long ownAmps = circuit.MaxAmpsPerPhase is { } a ? Milliamps(a) : Unbounded;
                long ownPower = circuit.MaxKw is { } kw ? (long)(kw * 1_000_000m) : Unbounded;
                var (amps, power) = (ownAmps, ownPower);
                // Each signal caps the circuit's own limits: the strictest one holds (two throttles of 60% and 50% are 50%, not 30%).
                foreach (var signal in inForce)
                {
                    if ((signal.CircuitId is null ? layout.Root : layout.CircuitIndex.GetValueOrDefault(signal.CircuitId, -1)) != c) continue;
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
                if (battery is not null && battery.CircuitId == circuit.CircuitId)
                {
                    _batteryCircuitWithoutBattery = (amps, power);
                    if (_batteryDischargeMilliwatts > 0)
                    {
                        if (amps != Unbounded) amps += _batteryDischargeMilliwatts / (3L * model.NominalVoltage);
                        if (power != Unbounded) power += _batteryDischargeMilliwatts;
                    }
                }
                Limit[4 * c] = Limit[4 * c + 1] = Limit[4 * c + 2] = amps;
                Limit[4 * c + 3] = power;
            }
        }

        /// <summary>Per limit (4 per circuit: L1..L3 in mA, power in mW); <see cref="Unbounded"/> where none binds.</summary>
        public long[] Limit { get; }

        public IReadOnlyList<string> SignalsInForce { get; }

        public IReadOnlyList<CircuitLoad> Loads(long[] used)
        {
            var loads = new CircuitLoad[_layout.Circuits.Length];
            for (var i = 0; i < loads.Length; i++)
            {
                var c = _layout.ById[i];
                loads[i] = new CircuitLoad(_layout.Circuits[c].CircuitId,
                    Limit[4 * c] == Unbounded ? null : Amps(Limit[4 * c]),
                    Limit[4 * c + 3] == Unbounded ? null : Limit[4 * c + 3] / 1_000_000m,
                    [Amps(used[4 * c]), Amps(used[4 * c + 1]), Amps(used[4 * c + 2])],
                    decimal.Round(used[4 * c + 3] / 1_000_000m, 3));
            }
            return loads;
        }

        /// <summary>
        /// Negative: the battery covers what the allocated load takes beyond the grid's limits at its circuit. Positive:
        /// it charges with what its circuit and those above it leave over. Zero without a battery.
        /// </summary>
        public decimal BatteryKw(long[] used)
        {
            if (_layout.Model.Battery is not { } battery) return 0m;
            var voltage = 3L * _layout.Model.NominalVoltage;
            var at = _layout.CircuitIndex[battery.CircuitId];
            var (gridAmps, gridPower) = _batteryCircuitWithoutBattery;
            long beyond = 0;
            if (gridPower != Unbounded) beyond = Math.Max(beyond, used[4 * at + 3] - gridPower);
            if (gridAmps != Unbounded) beyond = Math.Max(beyond, (MostLoadedPhase(used, at) - gridAmps) * voltage);
            if (beyond > 0) return -decimal.Round(Math.Min(beyond, _batteryDischargeMilliwatts) / 1_000_000m, 3);

            var headroom = _batteryChargeMilliwatts;
            for (var c = at; c >= 0; c = _layout.Parent[c])
            {
                var (amps, watts) = c == at ? (gridAmps, gridPower) : (Limit[4 * c], Limit[4 * c + 3]);
                if (watts != Unbounded) headroom = Math.Min(headroom, watts - used[4 * c + 3]);
                if (amps != Unbounded) headroom = Math.Min(headroom, (amps - MostLoadedPhase(used, c)) * voltage);
            }
            return decimal.Round(Math.Max(0, headroom) / 1_000_000m, 3);
        }

        private static long MostLoadedPhase(long[] used, int circuit) => Math.Max(used[4 * circuit], Math.Max(used[4 * circuit + 1], used[4 * circuit + 2]));
    }
}
