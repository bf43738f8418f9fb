using CsCheck;
using NodaTime;
using Settlement.Domain.LoadBalancing;
using Xunit;

namespace Settlement.Tests.LoadBalancing;

/// <summary>
/// The allocator's guarantees over random sites: trees of 1 to 20 circuits limited per phase and/or in kW, EVSEs on
/// one phase or three with any bounds, sessions in any state (unresponsive, reclaiming, taking turns, weighted),
/// throttles, caps and outages in force or not, a battery at any charge, and idle EVSEs whose chargers do or do not
/// acknowledge their defaults. The limits the tests hold the allocator to are worked out here from the inputs, not
/// read back from the allocation.
/// </summary>
public sealed class allocation_property_tests
{
    private static readonly Instant Now = Instant.FromUtc(2026, 12, 6, 14, 0);
    private static readonly string?[] Groups = [null, "fleet", "premium", "staff"];
    private static readonly GridPhase[] AllPhases = [GridPhase.L1, GridPhase.L2, GridPhase.L3];
    private const int Iterations = 400;

    public sealed record Case(SitePowerModel Model, IReadOnlyList<GridSignal> Signals, decimal? Soc, IReadOnlyList<SessionDemand> Sessions, IReadOnlyList<IdleEvseState> Idle)
    {
        public AllocationInput Input => new(Model, Signals, Soc, Sessions, Now) { IdleEvses = Idle };

        public override string ToString() =>
            $"{Model.Circuits.Count} circuits [{string.Join(", ", Model.Circuits.Select(c => $"{c.CircuitId}<{c.ParentId} {c.MaxAmpsPerPhase}A {c.MaxKw}kW"))}], "
            + $"{Model.Evses.Count} EVSEs [{string.Join(", ", Model.Evses.Select(e => $"{e.ChargerId}@{e.CircuitId} {string.Join("", e.Phases)} {e.MinAmps}-{e.MaxAmps}A"))}], "
            + $"{Model.Policy.Sharing} reclaim={Model.Policy.Reclaim}, battery={Model.Battery} soc={Soc}, signals [{string.Join(", ", Signals)}], "
            + $"sessions [{string.Join(", ", Sessions)}], idle [{string.Join(", ", Idle)}]";
    }

    private static Gen<decimal> Tenths(int from, int to) => Gen.Int[from, to].Select(t => t / 10m);

    private static Gen<decimal> Kw(int fromWatts, int toWatts) => Gen.Int[fromWatts, toWatts].Select(w => w / 1000m);

    /// <summary>Small limits as often as large ones, so that minimums often do not fit.</summary>
    private static readonly Gen<(decimal? Amps, decimal? Kw)> CircuitLimits = Gen.Select(Gen.Int[0, 2],
        Gen.OneOf(Tenths(1, 600), Tenths(600, 4_000)), Gen.OneOf(Kw(100, 20_000), Kw(20_000, 300_000)))
        .Select(t => t.Item1 switch { 0 => ((decimal?)t.Item2, (decimal?)null), 1 => (null, t.Item3), _ => (t.Item2, t.Item3) });

    private static readonly Gen<PowerCircuit[]> Trees = Gen.Int[1, 20].SelectMany(count =>
        Gen.Select(Gen.Int[0, 1_000], Gen.Bool, CircuitLimits).Array[count].Select(parts => parts.Select((p, i) => new PowerCircuit(
            $"c{i}", i == 0 ? null : $"c{(p.Item2 ? i - 1 : p.Item1 % i)}", p.Item3.Amps, p.Item3.Kw)).ToArray()));

    private static Gen<BalancedEvse[]> Evses(int circuits) => Gen.Int[1, 30].SelectMany(count =>
        Gen.Select(Gen.Int[0, 1_000], Gen.Int[0, 3], Tenths(0, 160), Tenths(1, 630), Gen.Int[0, 9]).Array[count].Select(parts => parts.Select((p, i) =>
            new BalancedEvse($"CP{i}", 1 + i % 2, $"c{p.Item1 % circuits}", p.Item2 == 3 ? AllPhases : [AllPhases[p.Item2]],
                p.Item3, p.Item3 + p.Item4, p.Item5 == 0 ? ChargingRateUnit.W : ChargingRateUnit.A)).ToArray()));

    private static Gen<Instant?> Minutes(int from, int to) => Gen.Int[from, to].Select(m => (Instant?)(Now + Duration.FromMinutes(m)));

    /// <summary>A session on the EVSE, or none: measured, charged, limited before, in its turn or waiting, as its state allows.</summary>
    private static Gen<SessionDemand?[]> SessionsOn(BalancedEvse[] evses) =>
        Gen.Select(Gen.Int[0, 4], Gen.Int[0, 6], Gen.Int[-1, 100], Gen.Int[-1, 100], Gen.Int[-1, 110], Gen.Int[0, 2], Gen.Int[-40, 0], Gen.Int[0, 3])
            .Array[evses.Length].Select(parts => parts.Select((t, index) => (evse: evses[index], t, index)).Select(p => SessionOn(p.evse, p.t, p.index)).ToArray());

    private static SessionDemand? SessionOn(BalancedEvse evse, (int, int, int, int, int, int, int, int) t, int index) =>
                t.Item1 == 0 ? null : new SessionDemand(
                $"S{index:D2}", evse.ChargerId, evse.EvseId, Groups[t.Item8], Now - Duration.FromMinutes(60 + index),
                t.Item3 < 0 ? null : decimal.Round(evse.MaxAmps * t.Item3 / 100m, 1),
                t.Item4 < 0 ? null : t.Item4,
                t.Item5 < 0 ? null : decimal.Round(evse.MaxAmps * Math.Min(t.Item5, 100) / 100m, 1),
                Responsive: t.Item2 != 0,
                t.Item6 == 1 ? Now + Duration.FromMinutes(t.Item7) : null,
                t.Item6 == 2 ? Now + Duration.FromMinutes(t.Item7) : null);

    /// <summary>What is known of each EVSE's default: a quarter of the chargers do not acknowledge; a default known or not, up to the EVSE's maximum.</summary>
    private static Gen<IdleEvseState[]> IdleStates(BalancedEvse[] evses) =>
        Gen.Select(Gen.Int[0, 3], Gen.Int[-1, 110]).Array[evses.Length].Select(parts => parts.Select((t, i) => new IdleEvseState(evses[i].ChargerId, evses[i].EvseId,
            Responsive: t.Item1 != 0, t.Item2 is < 0 or > 100 ? null : decimal.Round(evses[i].MaxAmps * t.Item2 / 100m, 1))).ToArray());

    private static Gen<GridSignal[]> Signals(int circuits) =>
        Gen.Select(Gen.Int[0, 2], Gen.Int[-1, circuits - 1], Gen.Int[0, 2], Gen.Int[0, 100], Kw(0, 200_000), Gen.Int[-60, 30], Gen.Int[1, 240])
            .Array[0, 3].Select(parts => parts.Select((t, index) =>
            {
                var kind = (GridSignalKind)t.Item1;
                var from = Now + Duration.FromMinutes(t.Item6);
                return new GridSignal($"sig-{index}", kind, t.Item2 < 0 ? null : $"c{t.Item2}",
                    kind == GridSignalKind.Outage || t.Item3 == 1 ? null : t.Item4,
                    kind == GridSignalKind.Outage || t.Item3 == 0 ? null : t.Item5,
                    from, from + Duration.FromMinutes(t.Item7));
            }).ToArray());

    private static Gen<SiteBattery?> Battery(int circuits) =>
        Gen.Select(Gen.Int[0, 2], Gen.Int[0, circuits - 1], Kw(0, 100_000), Kw(0, 100_000), Gen.Int[0, 50])
            .Select(t => t.Item1 == 0 ? null : new SiteBattery($"c{t.Item2}", 200m, t.Item3, t.Item4, t.Item5));

    private static readonly Gen<Case> Cases =
        from circuits in Trees
        from evses in Evses(circuits.Length)
        from sessions in SessionsOn(evses)
        from idle in IdleStates(evses)
        from signals in Signals(circuits.Length)
        from battery in Battery(circuits.Length)
        from soc in Gen.Int[-1, 100]
        from sharing in Gen.Bool
        from reclaim in Gen.Bool
        from weights in Gen.Int[1, 10].Array[3]
        from voltage in Gen.OneOf(Gen.Const(230), Gen.Const(120))
        select new Case(
            new SitePowerModel(voltage, circuits, evses, battery, new BalancingPolicy(sharing ? SharingPolicy.Priority : SharingPolicy.EqualShare, reclaim,
                new Dictionary<string, int> { ["fleet"] = weights[0], ["premium"] = weights[1], ["staff"] = weights[2] }, 30)),
            signals, soc < 0 ? null : soc, [.. sessions.OfType<SessionDemand>()],
            [.. idle.Where((_, i) => sessions[i] is null)]);

    [Fact]
    public void the_limits_in_force_are_the_circuits_limits_with_the_strictest_signal_and_the_battery_applied() =>
        Cases.Sample(c =>
        {
            var site = new Site(c);
            var allocation = Allocator.Allocate(c.Input);

            foreach (var circuit in allocation.Circuits)
            {
                var (amps, kw) = site.LimitInForce(circuit.CircuitId);
                Assert.True(amps == decimal.MaxValue ? circuit.LimitAmpsPerPhase is null : circuit.LimitAmpsPerPhase is { } a && a <= amps && amps - a < 0.001m,
                    $"{circuit.CircuitId}: {circuit.LimitAmpsPerPhase} A in force, expected {amps} A");
                Assert.True(kw == decimal.MaxValue ? circuit.LimitKw is null : circuit.LimitKw is { } k && k <= kw && kw - k < 0.000001m,
                    $"{circuit.CircuitId}: {circuit.LimitKw} kW in force, expected {kw} kW");
            }
        }, iter: Iterations);

    /// <summary>
    /// On every circuit, every phase and in kW: the load of all sessions (unresponsive ones at their EVSE's maximum) and
    /// of every idle EVSE's reservation (an unresponsive one at its acknowledged default) stays within the limit in force.
    /// The one exception is a limit the unresponsive chargers under it exceed on their own: there, every controlled
    /// session and every responsive idle EVSE that loads that limit is at 0 A.
    /// </summary>
    [Fact]
    public void no_limit_is_exceeded_by_sessions_and_reservations_unless_unresponsive_chargers_alone_exceed_it_and_then_everything_controlled_under_it_is_at_zero() =>
        Cases.Sample(c =>
        {
            var site = new Site(c);
            var allocation = Allocator.Allocate(c.Input);
            var all = Draws(allocation, _ => true);
            var unresponsive = Draws(allocation, uncontrolled => uncontrolled);

            foreach (var limit in site.Limits())
            {
                var total = site.LoadOfEvses(limit, all);
                var uncontrolled = site.LoadOfEvses(limit, unresponsive);
                if (uncontrolled <= limit.Value)
                    Assert.True(total <= limit.Value, $"{limit}: {total} allocated and reserved");
                else
                    Assert.All(all.Where(d => !unresponsive.ContainsKey(d.Key) && site.Loads(d.Key, limit)), d => Assert.Equal(0m, d.Value));
            }
            foreach (var circuit in allocation.Circuits)
                Assert.Equal(AllPhases.Select(p => site.LoadOfEvses(new Limit(circuit.CircuitId, p, 0m), all)), circuit.AllocatedAmps);
        }, iter: Iterations);

    /// <summary>
    /// Cars plugging in at any idle EVSEs at once, before the balancer hears of them, each drawing what its EVSE holds
    /// (its reservation; at an unresponsive charger, the default it acknowledged), with every session at its limit:
    /// every limit holds, with the same exception for unresponsive chargers that exceed a limit on their own.
    /// </summary>
    [Fact]
    public void cars_arriving_at_any_idle_evses_at_once_and_drawing_what_they_hold_keep_every_limit() =>
        Gen.Select(Cases, Gen.Int).Sample((c, seed) =>
        {
            var allocation = Allocator.Allocate(c.Input);
            var random = new Random(seed);

            IReadOnlyList<EvseReservation>[] arrivals = [allocation.Reservations, [.. allocation.Reservations.Where(_ => random.Next(2) == 0)], [.. allocation.Reservations.Take(1)]];
            foreach (var arriving in arrivals)
            {
                var cars = arriving.Select(r => new SessionDemand($"car-{r.ChargerId}/{r.EvseId}", r.ChargerId, r.EvseId, null, Now, null, null, null, r.Responsive, null, null)).ToList();
                var site = new Site(c with { Sessions = [.. c.Sessions, .. cars] });
                var draws = allocation.Sessions.ToDictionary(s => s.Session.SessionId, s => s.LimitAmps);
                foreach (var (car, r) in cars.Zip(arriving)) draws[car.SessionId] = r.ReservedAmps;

                foreach (var limit in site.Limits())
                {
                    if (site.LoadOfEvses(limit, Draws(allocation, uncontrolled => uncontrolled)) > limit.Value) continue;
                    Assert.True(site.Load(limit, draws) <= limit.Value,
                        $"{limit}: {site.Load(limit, draws)} with {cars.Count} cars arriving at [{string.Join(", ", cars.Select(x => x.SessionId))}]");
                }
            }
        }, iter: Iterations);

    /// <summary>
    /// The sessions suspended are the same with the idle EVSEs' reservations as without them (the responsive idle EVSEs
    /// taken out of the model): reservations only take what is left after every session's minimum.
    /// </summary>
    [Fact]
    public void reservations_never_suspend_a_session_nor_hold_one_below_its_minimum() =>
        Cases.Sample(c =>
        {
            var occupied = c.Sessions.Select(s => (s.ChargerId, s.EvseId)).ToHashSet();
            var unresponsiveIdle = c.Idle.Where(i => !i.Responsive).Select(i => (i.ChargerId, i.EvseId)).ToHashSet();
            var withoutReservations = c with
            {
                Model = c.Model with { Evses = [.. c.Model.Evses.Where(e => occupied.Contains((e.ChargerId, e.EvseId)) || unresponsiveIdle.Contains((e.ChargerId, e.EvseId)))] },
            };

            var allocation = Allocator.Allocate(c.Input);
            var alone = Allocator.Allocate(withoutReservations.Input);

            Assert.Equal(alone.Sessions.Select(s => (s.Session.SessionId, s.Status == AllocationStatus.Suspended)),
                allocation.Sessions.Select(s => (s.Session.SessionId, s.Status == AllocationStatus.Suspended)));
            var site = new Site(c);
            Assert.All(allocation.Sessions.Where(s => s.Status is not (AllocationStatus.Suspended or AllocationStatus.Uncontrolled)),
                s => Assert.True(s.LimitAmps >= site.EvseOf(s.Session).MinAmps, $"{s.Session.SessionId}: {s.LimitAmps} A below its minimum"));
        }, iter: Iterations);

    [Fact]
    public void admitted_sessions_get_at_least_their_minimum_suspended_ones_exactly_zero_and_nobody_more_than_the_evse_maximum() =>
        Cases.Sample(c =>
        {
            var site = new Site(c);
            var allocation = Allocator.Allocate(c.Input);

            Assert.Equal(c.Sessions.Select(s => s.SessionId).Order(StringComparer.Ordinal), allocation.Sessions.Select(s => s.Session.SessionId));
            var occupied = c.Sessions.Select(s => (s.ChargerId, s.EvseId)).ToHashSet();
            Assert.Equal(c.Model.Evses.Where(e => !occupied.Contains((e.ChargerId, e.EvseId))).Select(e => (e.ChargerId, e.EvseId))
                .OrderBy(e => e.ChargerId, StringComparer.Ordinal).ThenBy(e => e.EvseId), allocation.Reservations.Select(r => (r.ChargerId, r.EvseId)));
            foreach (var r in allocation.Reservations)
            {
                var evse = site.EvseAt(r.ChargerId, r.EvseId);
                var known = c.Idle.SingleOrDefault(i => (i.ChargerId, i.EvseId) == (r.ChargerId, r.EvseId));
                Assert.Equal((known?.Responsive ?? true, known?.AppliedDefaultAmps), (r.Responsive, r.AppliedDefaultAmps));
                if (r.Responsive) Assert.True(r.ReservedAmps == 0m || r.ReservedAmps == evse.MinAmps, $"{r.ChargerId}/{r.EvseId} reserves {r.ReservedAmps} A, not 0 or its minimum {evse.MinAmps} A");
                else Assert.Equal(r.AppliedDefaultAmps ?? evse.MaxAmps, r.ReservedAmps);
            }
            foreach (var a in allocation.Sessions)
            {
                var evse = site.EvseOf(a.Session);
                Assert.True(a.LimitAmps <= evse.MaxAmps, $"{a.Session.SessionId}: {a.LimitAmps} A above its maximum {evse.MaxAmps} A");
                Assert.Equal(a.LimitAmps, decimal.Round(a.LimitAmps, 1));
                switch (a.Status)
                {
                    case AllocationStatus.Suspended: Assert.Equal(0m, a.LimitAmps); break;
                    case AllocationStatus.Uncontrolled: Assert.False(a.Session.Responsive); Assert.Equal(evse.MaxAmps, a.LimitAmps); break;
                    case AllocationStatus.AtMaximum: Assert.Equal(evse.MaxAmps, a.LimitAmps); break;
                    default: Assert.True(a.LimitAmps >= evse.MinAmps, $"{a.Session.SessionId}: {a.LimitAmps} A below its minimum {evse.MinAmps} A"); break;
                }
            }
        }, iter: Iterations);

    /// <summary>
    /// Two controlled sessions sharing (neither suspended, reclaimed nor unresponsive) whose limits per weight differ by
    /// more than 1 A: the lower one is at its EVSE's maximum, or it loads a full limit, one with less headroom than 1 A
    /// of its own current would take (1 A on a phase, 1 A × its phases × the voltage in kW), the idle EVSEs' reservations
    /// counted. Under equal share every
    /// weight is 1, so this is "equal within 1 A"; under priority, "in proportion to the weights within 1 A × weight".
    /// </summary>
    [Fact]
    public void sessions_share_in_proportion_to_their_weights_within_one_amp_unless_the_lower_one_is_at_its_maximum_or_bound_by_a_full_circuit() =>
        Cases.Sample(c =>
        {
            var site = new Site(c);
            var allocation = Allocator.Allocate(c.Input);
            var all = Draws(allocation, _ => true);
            var sharing = allocation.Sessions.Where(s => s.Status is AllocationStatus.Shared or AllocationStatus.AtMaximum).ToList();

            foreach (var lower in sharing)
                foreach (var higher in sharing)
                {
                    if (lower.LimitAmps / lower.Weight + 1m >= higher.LimitAmps / higher.Weight) continue;
                    var evse = site.EvseOf(lower.Session);
                    var bound = site.Limits().Where(l => site.Loads(lower.Session, l) && l.Value - site.LoadOfEvses(l, all) < site.Slope(lower.Session, l)).ToList();
                    Assert.True(lower.LimitAmps == evse.MaxAmps || bound.Count > 0,
                        $"{lower.Session.SessionId} at {lower.LimitAmps} A (weight {lower.Weight}) while {higher.Session.SessionId} has {higher.LimitAmps} A (weight {higher.Weight}), "
                        + $"below its maximum {evse.MaxAmps} A and no full limit: {string.Join(", ", site.Limits().Where(l => site.Loads(lower.Session, l)).Select(l => $"{l} used {site.LoadOfEvses(l, all)}"))}");
                }
        }, iter: Iterations);

    [Fact]
    public void the_same_inputs_in_any_order_give_the_same_decision() =>
        Gen.Select(Cases, Gen.Int).Sample((c, seed) =>
        {
            var shuffled = c.Sessions.ToArray();
            var idle = c.Idle.ToArray();
            new Random(seed).Shuffle(shuffled);
            new Random(seed).Shuffle(idle);

            Assert.Equal(Summary(Allocator.Allocate(c.Input)), Summary(Allocator.Allocate(c.Input with { Sessions = shuffled, IdleEvses = idle })));
        }, iter: Iterations);

    [Fact]
    public void a_recorded_decision_replays_to_the_same_limits_statuses_and_reservations() =>
        Cases.Sample(c =>
        {
            var allocation = Allocator.Allocate(c.Input);
            var decided = AllocationDecisions.Record("SITE-P", 3, RebalanceTrigger.Periodic, c.Input, allocation, new Dictionary<string, string>(),
                new Dictionary<(string, int), string>());

            var replayed = Allocator.Allocate(AllocationDecisions.Inputs(decided, c.Model, c.Signals));

            Assert.Equal(Summary(allocation), Summary(replayed));
            Assert.Equal(decided.Sessions.Select(s => (s.SessionId, s.LimitAmps, s.Status)), replayed.Sessions.Select(s => (s.Session.SessionId, s.LimitAmps, s.Status)));
            Assert.Equal(decided.IdleEvses.Select(i => (i.ChargerId, i.EvseId, i.Responsive, i.AppliedDefaultAmps, i.ReservedAmps)),
                replayed.Reservations.Select(r => (r.ChargerId, r.EvseId, r.Responsive, r.AppliedDefaultAmps, r.ReservedAmps)));
        }, iter: Iterations);

    /// <summary>
    /// Each EVSE draws the most it may: a session the limit it acknowledged last, an idle EVSE (a car plugging in) the
    /// default it acknowledged last (its maximum when either is not known), until it acknowledges the new one. While any
    /// lowered limits and defaults are acknowledged and the others not yet, no limit carries more than before the
    /// decision; once all are, while any raised ones are acknowledged, none carries more than the new allocation.
    /// </summary>
    [Fact]
    public void while_profiles_and_defaults_are_in_flight_no_circuit_carries_more_than_before_the_lowers_or_than_the_new_allocation_after_them() =>
        Gen.Select(Cases, Gen.Int[0, 110].Array[30], Gen.Int).Sample((c, before, seed) =>
        {
            var site = new Site(c);
            var allocation = Allocator.Allocate(c.Input);
            var controlled = allocation.Sessions.Where(s => s.Status != AllocationStatus.Uncontrolled).ToList();
            var applied = controlled.Select((s, i) => (s, i)).ToDictionary(p => (p.s.Session.ChargerId, p.s.Session.EvseId),
                p => before[p.i] > 100 ? (decimal?)null : decimal.Round(site.EvseOf(p.s.Session).MaxAmps * before[p.i] / 100m, 1));
            foreach (var r in allocation.Reservations.Where(r => r.Responsive)) applied[(r.ChargerId, r.EvseId)] = r.AppliedDefaultAmps;
            var dispatch = ProfileDispatch.Plan(controlled.Select(s => new LimitChange(s.Session.SessionId, s.Session.ChargerId, s.Session.EvseId,
                applied[(s.Session.ChargerId, s.Session.EvseId)], s.LimitAmps))
                .Concat(allocation.Reservations.Where(r => r.Responsive).Select(r => new LimitChange(null, r.ChargerId, r.EvseId, r.AppliedDefaultAmps, r.ReservedAmps))));

            var allocated = Draws(allocation, _ => true);
            Assert.Equal(applied.Where(a => a.Value != allocated[a.Key]).Select(a => a.Key).Order(),
                dispatch.Lower.Concat(dispatch.Raise).Select(l => (l.ChargerId, l.EvseId)).Order());
            var draw = allocated.ToDictionary(a => a.Key, a => applied.TryGetValue(a.Key, out var known) ? known ?? site.EvseAt(a.Key.ChargerId, a.Key.EvseId).MaxAmps : a.Value);
            var previous = site.Limits().ToDictionary(l => l, l => site.LoadOfEvses(l, draw));
            var random = new Random(seed);

            foreach (var acknowledged in Subsets(dispatch.Lower, random))
            {
                var during = new Dictionary<(string, int), decimal>(draw);
                foreach (var change in acknowledged) during[(change.ChargerId, change.EvseId)] = change.Target;
                foreach (var limit in site.Limits()) Assert.True(site.LoadOfEvses(limit, during) <= previous[limit], $"{limit}: {site.LoadOfEvses(limit, during)} while lowering, {previous[limit]} before");
            }
            var lowered = new Dictionary<(string, int), decimal>(draw);
            foreach (var change in dispatch.Lower) lowered[(change.ChargerId, change.EvseId)] = change.Target;
            foreach (var acknowledged in Subsets(dispatch.Raise, random))
            {
                var during = new Dictionary<(string, int), decimal>(lowered);
                foreach (var change in acknowledged) during[(change.ChargerId, change.EvseId)] = change.Target;
                foreach (var limit in site.Limits())
                    Assert.True(site.LoadOfEvses(limit, during) <= site.LoadOfEvses(limit, allocated),
                        $"{limit}: {site.LoadOfEvses(limit, during)} while raising, {site.LoadOfEvses(limit, allocated)} allocated");
            }
        }, iter: Iterations);

    /// <summary>None, all, and random subsets of the changes: every subset for a few changes, a sample for many.</summary>
    private static IEnumerable<IReadOnlyList<LimitChange>> Subsets(IReadOnlyList<LimitChange> changes, Random random)
    {
        if (changes.Count <= 6)
        {
            for (var mask = 0; mask < 1 << changes.Count; mask++)
                yield return [.. changes.Where((_, i) => (mask & (1 << i)) != 0)];
            yield break;
        }
        yield return [];
        yield return changes;
        for (var n = 0; n < 32; n++) yield return [.. changes.Where(_ => random.Next(2) == 0)];
    }

    /// <summary>What each EVSE may draw under the allocation, sessions and reservations alike: only the uncontrolled ones when <paramref name="uncontrolled"/> says so.</summary>
    private static Dictionary<(string ChargerId, int EvseId), decimal> Draws(Allocation a, Func<bool, bool> uncontrolled) =>
        a.Sessions.Where(s => uncontrolled(s.Status == AllocationStatus.Uncontrolled)).Select(s => ((s.Session.ChargerId, s.Session.EvseId), s.LimitAmps))
            .Concat(a.Reservations.Where(r => uncontrolled(!r.Responsive)).Select(r => ((r.ChargerId, r.EvseId), r.ReservedAmps)))
            .ToDictionary(p => p.Item1, p => p.Item2);

    private static object Summary(Allocation a) => string.Join("; ",
        a.Sessions.Select(s => $"{s.Session.SessionId} {s.Weight} {s.LimitAmps} {s.Status}")
            .Concat(a.Reservations.Select(r => $"{r.ChargerId}/{r.EvseId} {r.Responsive} {r.AppliedDefaultAmps} {r.ReservedAmps}"))
            .Concat(a.Circuits.Select(c => $"{c.CircuitId} {c.LimitAmpsPerPhase} {c.LimitKw} {string.Join("/", c.AllocatedAmps)} {c.AllocatedKw}"))
            .Append($"battery {a.BatteryKw} signals {string.Join(",", a.SignalsInForce)}"));

    /// <summary>One limit: a phase of a circuit in A, or (<see cref="Phase"/> null) its power in kW.</summary>
    public sealed record Limit(string CircuitId, GridPhase? Phase, decimal Value)
    {
        public override string ToString() => Phase is { } p ? $"{CircuitId} {p} ≤ {Value} A" : $"{CircuitId} ≤ {Value} kW";
    }

    /// <summary>The site as the tests read it: each circuit's limits in force, and which sessions load which limit.</summary>
    private sealed class Site(Case c)
    {
        private readonly Dictionary<string, PowerCircuit> _circuits = c.Model.Circuits.ToDictionary(x => x.CircuitId);
        private readonly Dictionary<(string, int), BalancedEvse> _evses = c.Model.Evses.ToDictionary(e => (e.ChargerId, e.EvseId));
        private readonly Dictionary<string, SessionDemand> _sessions = c.Sessions.ToDictionary(s => s.SessionId);

        public BalancedEvse EvseOf(SessionDemand s) => _evses[(s.ChargerId, s.EvseId)];

        public BalancedEvse EvseAt(string chargerId, int evseId) => _evses[(chargerId, evseId)];

        /// <summary>
        /// A circuit's own limits, each signal in force on it capping them to its share of them and/or its kW (the
        /// strictest wins; an outage gives 0), plus the battery's discharge where it stands while above its reserve.
        /// </summary>
        public (decimal Amps, decimal Kw) LimitInForce(string circuitId)
        {
            var circuit = _circuits[circuitId];
            var rootId = c.Model.Circuits.Single(x => x.ParentId is null).CircuitId;
            var amps = circuit.MaxAmpsPerPhase ?? decimal.MaxValue;
            var kw = circuit.MaxKw ?? decimal.MaxValue;
            foreach (var signal in c.Signals.Where(s => s.InForceAt(Now) && (s.CircuitId ?? rootId) == circuitId))
            {
                if (signal.Kind == GridSignalKind.Outage) return Battery(circuitId, 0m, 0m);
                if (signal.CapPercent is { } percent)
                {
                    if (circuit.MaxAmpsPerPhase is { } a) amps = Math.Min(amps, a * percent / 100m);
                    if (circuit.MaxKw is { } k) kw = Math.Min(kw, k * percent / 100m);
                }
                if (signal.CapKw is { } cap) kw = Math.Min(kw, cap);
            }
            return Battery(circuitId, amps, kw);
        }

        private (decimal Amps, decimal Kw) Battery(string circuitId, decimal amps, decimal kw) =>
            c.Model.Battery is { } b && b.CircuitId == circuitId && c.Soc is { } soc && soc > b.ReservePercent && b.MaxDischargeKw > 0m
                ? (amps == decimal.MaxValue ? amps : amps + b.MaxDischargeKw * 1000m / (3 * c.Model.NominalVoltage),
                    kw == decimal.MaxValue ? kw : kw + b.MaxDischargeKw)
                : (amps, kw);

        public IEnumerable<Limit> Limits()
        {
            foreach (var circuit in c.Model.Circuits)
            {
                var (amps, kw) = LimitInForce(circuit.CircuitId);
                if (amps != decimal.MaxValue) foreach (var phase in AllPhases) yield return new Limit(circuit.CircuitId, phase, amps);
                if (kw != decimal.MaxValue) yield return new Limit(circuit.CircuitId, null, kw);
            }
        }

        private bool Below(BalancedEvse evse, string circuitId)
        {
            for (string? at = evse.CircuitId; at is not null; at = _circuits[at].ParentId)
                if (at == circuitId) return true;
            return false;
        }

        private bool Loads(BalancedEvse evse, Limit limit) => Below(evse, limit.CircuitId) && (limit.Phase is not { } p || evse.Phases.Contains(p));

        public bool Loads(SessionDemand s, Limit limit) => Loads(EvseOf(s), limit);

        public bool Loads((string ChargerId, int EvseId) evse, Limit limit) => Loads(_evses[evse], limit);

        /// <summary>What 1 A more of the EVSE's current adds to the limit: 1 A on a phase, or its phases × the voltage in kW.</summary>
        private decimal Slope(BalancedEvse evse, Limit limit) => limit.Phase is null ? evse.Phases.Distinct().Count() * c.Model.NominalVoltage / 1000m : 1m;

        public decimal Slope(SessionDemand s, Limit limit) => Slope(EvseOf(s), limit);

        /// <summary>The load on the limit with these sessions drawing these currents.</summary>
        public decimal Load(Limit limit, IReadOnlyDictionary<string, decimal> amps) =>
            amps.Sum(p => Loads(_sessions[p.Key], limit) ? p.Value * Slope(_sessions[p.Key], limit) : 0m);

        /// <summary>The load on the limit with these EVSEs drawing these currents (the others nothing).</summary>
        public decimal LoadOfEvses(Limit limit, IReadOnlyDictionary<(string ChargerId, int EvseId), decimal> amps) =>
            amps.Sum(p => Loads(_evses[p.Key], limit) ? p.Value * Slope(_evses[p.Key], limit) : 0m);
    }
}
