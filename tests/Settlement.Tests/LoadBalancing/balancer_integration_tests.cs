using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Domain.LoadBalancing;
using Settlement.Host.LoadBalancing;
using Settlement.Ledger;
using Settlement.Ledger.Store;
using Settlement.Projections;
using Settlement.Ocpp;
using Settlement.Ocpp.Framing;
using Settlement.Workbench.Simulation;

namespace Settlement.Tests.LoadBalancing;

/// <summary>
/// The balancer against simulated chargers of both versions over WebSockets: six EVSEs of 32 A on three phases (192 A)
/// under a 100 A connection, through cars arriving together while the site is full, departures, a throttle to 60 %
/// and a charger that stops answering. Every idle EVSE holds a 6 A reservation the allocation counts, so a car plugging
/// in draws only what was already counted.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class balancer_integration_tests(LedgerDatabase db) : IAsyncLifetime
{
    private const decimal GridAmps = 100m;
    private const decimal MaxAmps = 32m;
    private const int Voltage = 230;
    private static readonly IReadOnlyList<GridPhase> ThreePhases = [GridPhase.L1, GridPhase.L2, GridPhase.L3];
    private static readonly SimulatorOptions Strict = new() { ValidatePayloads = true, CallTimeout = TimeSpan.FromSeconds(10), NominalVoltage = Voltage };
    private static readonly IClock Clock = SystemClock.Instance;

    private readonly string _site = "DLB-" + Guid.NewGuid().ToString("N")[..8];
    private readonly List<SimulatedCharger> _chargers = [];
    private readonly Dictionary<(SimulatedCharger Charger, int EvseId), SimulatedSession> _running = [];
    private readonly List<(Instant At, string What, string ChargerId, int EvseId, decimal SiteAmps)> _happened = [];
    private TestHost _host = null!;

    // A charger that does not answer is given up on after 2 s, so the test stays short.
    public async Task InitializeAsync() => _host = await new TestHost(db, new OcppOptions { CallTimeoutSeconds = 2 }, settings: TestHost.WithBalancer).StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var charger in _chargers) await charger.DisposeAsync();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task the_chargers_stay_under_the_site_limit_through_arrivals_departures_a_throttle_and_a_charger_that_stops_answering()
    {
        // Given three chargers (1.6, 2.0.1, 1.6) of two 32 A EVSEs each under a 100 A connection, shared equally
        var ids = new[] { await _host.RegisterChargerAsync(OcppVersion.Ocpp16), await _host.RegisterChargerAsync(OcppVersion.Ocpp201), await _host.RegisterChargerAsync(OcppVersion.Ocpp16) };
        await DefinePowerModelAsync(ids);
        var (a, b, c) = (await BootAsync(ids[0], OcppProtocol.Ocpp16), await BootAsync(ids[1], OcppProtocol.Ocpp201), await BootAsync(ids[2], OcppProtocol.Ocpp16));

        // Then at boot every EVSE is sent a TxDefaultProfile of 0 A, and holds its reservation: its 6 A minimum, which fits six times
        // in 100 A (a decision may reach a charger before its boot is read: then the reservation comes first, and again after the 0 A)
        await UntilAsync(() => _chargers.All(ch => Enumerable.Range(1, 2).All(evse => ch.ProfileInForce(evse) is { Purpose: "TxDefaultProfile" } p && p.Periods.Single().Limit == 6m)),
            "every EVSE holds its 6 A reservation as its TxDefaultProfile");
        Assert.All(_chargers.SelectMany(ch => new[] { 1, 2 }.Select(evse => ch.ReceivedProfiles.Where(p => p.EvseId == evse).ToList())),
            received => Assert.Contains(received, p => (p.Profile.Purpose, p.Profile.Periods.Single().Limit) == ("TxDefaultProfile", 0m)));

        // When three cars arrive at once, and then two more together while the first three share the whole site, none waiting for the balancer
        await ArriveTogetherAsync((a, 1), (b, 1), (c, 1));
        await SettledAsync(GridAmps);
        await ArriveTogetherAsync((a, 2), (b, 2));
        var shared = await SettledAsync(GridAmps);

        // Then they share what c's idle EVSE 2 leaves of the 100 A: (100 - 6) / 5
        Assert.All(shared.Sessions, s => Assert.Equal(18.8m, s.LimitAmps));
        var idle = Assert.Single(shared.IdleEvses);
        Assert.Equal((c.Id, 2, 6m), (idle.ChargerId, idle.EvseId, idle.ReservedAmps));
        // And the EVSEs with a car hold a 0 A default under their TxProfile, so a car plugging in once one leaves draws nothing uncounted
        Assert.All(_running.Keys, r => Assert.Equal(0m, r.Charger.ReceivedProfiles.Last(p => p.EvseId == r.EvseId && p.Accepted && p.Profile.Purpose == "TxDefaultProfile").Profile.Periods[0].Limit));

        // When the utility caps the site at 60 %
        await ThrottleAsync(60m);
        var throttled = await SettledAsync(0.6m * GridAmps, throttled: true);
        Assert.All(throttled.Sessions, s => Assert.Equal(10.8m, s.LimitAmps));

        // When charger c stops answering and a car leaves, so that c's raise goes unanswered
        c.IgnoresServerCalls = true;
        await DepartAsync(a, 1);
        var withoutC = await SettledAsync(0.6m * GridAmps, uncontrolled: c.Id, throttled: true);

        // Then c's session is recorded as uncontrolled, counted at its maximum, c's idle EVSE at the 6 A default it acknowledged;
        // the three other sessions' minimums come first, so a's idle EVSE 1 has no room left for a reservation, and they share the rest
        var counted = Assert.Single(withoutC.Sessions, s => s.ChargerId == c.Id);
        Assert.Equal((AllocationStatus.Uncontrolled, false, MaxAmps), (counted.Status, counted.Responsive, counted.LimitAmps));
        Assert.Equal([(a.Id, 1, true, 0m), (c.Id, 2, false, 6m)], withoutC.IdleEvses.Select(i => (i.ChargerId, i.EvseId, i.Responsive, i.ReservedAmps)).OrderBy(i => i.EvseId));
        Assert.All(withoutC.Sessions.Where(s => s.ChargerId != c.Id), s => Assert.InRange(s.LimitAmps, 7.3m, 7.4m));
        Assert.True(withoutC.Sessions.Sum(s => s.LimitAmps) + withoutC.IdleEvses.Sum(i => i.ReservedAmps) <= 60m);

        // When another car arrives at a's EVSE 1 while c still does not answer
        await ArriveTogetherAsync((a, 1));
        var arrived = await SettledAsync(0.6m * GridAmps, uncontrolled: c.Id, throttled: true);

        // Then it drew nothing (its EVSE held 0 A) and waits its turn, suspended, while the others keep their share
        var waiting = Assert.Single(arrived.Sessions, s => (s.ChargerId, s.EvseId) == (a.Id, 1));
        Assert.Equal((AllocationStatus.Suspended, 0m), (waiting.Status, waiting.LimitAmps));
        Assert.All(arrived.Sessions.Where(s => s.ChargerId != c.Id && (s.ChargerId, s.EvseId) != (a.Id, 1)), s => Assert.InRange(s.LimitAmps, 7.3m, 7.4m));

        // When c answers again and the cars leave
        c.IgnoresServerCalls = false;
        foreach (var (charger, evse) in _running.Keys.ToList()) await DepartAsync(charger, evse);

        // Then the balancer records that no session is left, and sends nothing more
        await UntilAsync(async () => (await DecisionsAsync())[^1].Sessions.Count == 0, "a decision without sessions");

        // And at no moment, arrivals included, did the limits in force add up to more than the site's limit
        AssertTheLimitsInForceNeverExceededTheSiteLimit();
        var decisions = await DecisionsAsync();
        Assert.Contains(decisions, d => d.SignalsInForce.SequenceEqual(["dso-throttle-1"]));
        Assert.Contains(decisions, d => d.Trigger == RebalanceTrigger.ChargerAnswered);

        // And every decision kept its sessions and reservations within the limit, but for one that counted chargers not yet
        // connected at their EVSEs' maximum (the model was defined before they booted): then it gave the others nothing
        Assert.All(decisions, d =>
        {
            var limit = d.SignalsInForce.Count > 0 ? 60m : GridAmps;
            var uncontrolled = d.Sessions.Where(s => s.Status == AllocationStatus.Uncontrolled).Sum(s => s.LimitAmps) + d.IdleEvses.Where(i => !i.Responsive).Sum(i => i.ReservedAmps);
            var controlled = d.Sessions.Where(s => s.Status != AllocationStatus.Uncontrolled).Sum(s => s.LimitAmps) + d.IdleEvses.Where(i => i.Responsive).Sum(i => i.ReservedAmps);
            Assert.True(uncontrolled + controlled <= limit || (uncontrolled > limit && controlled == 0m),
                $"decision at {d.DecidedAt} allocates and reserves over the limit: {string.Join(", ", d.Sessions.Select(s => $"{s.ChargerId}/{s.EvseId} {s.LimitAmps} A {s.Status}"))}; "
                + $"idle {string.Join(", ", d.IdleEvses.Select(i => $"{i.ChargerId}/{i.EvseId} {i.ReservedAmps} A responsive={i.Responsive}"))}");
        });
    }

    [Fact]
    public async Task a_host_taking_over_the_lead_rebuilds_what_the_last_one_knew_and_leaves_the_chargers_as_they_are()
    {
        // Given a 2.0.1 charger on a second host of the cluster, its two sessions balanced by the first host under 40 A
        await using var otherLedger = await LedgerStore.OpenAsync(db.ConnectionString, SettlementReadModels.All);
        await using var second = await new TestHost(db, new OcppOptions { CallTimeoutSeconds = 2 }, ledger: otherLedger, settings: TestHost.WithBalancer).StartAsync();
        var id = await _host.RegisterChargerAsync(OcppVersion.Ocpp201);
        await DefinePowerModelAsync([id], gridAmps: 40m);
        var charger = await BootAsync(id, OcppProtocol.Ocpp201, at: second);
        await ArriveAsync(charger, 1);
        await SettledAsync(40m);
        await ArriveAsync(charger, 2);
        var before = await SettledAsync(40m);
        var profilesBefore = charger.ReceivedProfiles.Count;

        // When the first host stops, and the second takes the lead
        await _host.StopAsync();
        await UntilAsync(async () => (await DecisionsAsync())[^1].DecidedAt > before.DecidedAt, "a decision by the host that took over");

        // Then it decided from the same sessions, their turns and limits; it cannot know whether the last decision's lowers
        // landed (a session's limit, and the 0 A default under the session that had just started), so it sends those again, and nothing else
        var after = (await DecisionsAsync())[^1];
        Assert.Equal(RebalanceTrigger.Periodic, after.Trigger);
        Assert.Equal(before.Sessions.Select(s => (s.SessionId, s.LimitAmps, AllocationDecisions.TurnAfter(s, before.DecidedAt).ChargingSince)),
            after.Sessions.Select(s => (s.SessionId, s.LimitAmps, s.ChargingSince)));
        Assert.All(after.Sessions, s => Assert.Equal(20m, s.LimitAmps));
        var lowered = before.Sessions.Where(s => s.PreviousLimitAmps > s.LimitAmps).Select(s => s.SessionId).ToList();
        var zeroed = before.Sessions.Where(s => s.DefaultCommandId is not null).Select(s => s.SessionId).ToList();
        Assert.Equal(lowered, after.Sessions.Where(s => s.CommandId is not null).Select(s => s.SessionId));
        Assert.Equal(zeroed, after.Sessions.Where(s => s.DefaultCommandId is not null).Select(s => s.SessionId));
        await UntilAsync(() => charger.ReceivedProfiles.Count == profilesBefore + lowered.Count + zeroed.Count, "the lowers sent again");
        Assert.All(charger.ReceivedProfiles.Skip(profilesBefore), p => Assert.Equal((p.Profile.Purpose == "TxProfile" ? 20m : 0m, true), (p.Profile.Periods[0].Limit, p.Accepted)));

        // And it goes on balancing: a car leaving gives the other the whole connection
        await DepartAsync(charger, 1);
        var alone = await SettledAsync(40m);
        Assert.Equal(32m, Assert.Single(alone.Sessions).LimitAmps);
        await DepartAsync(charger, 2);
    }

    private async Task<List<LoadAllocationDecided>> DecisionsAsync() =>
        [.. (await _host.Ledger.ReadStreamAsync(StreamIds.SiteAllocations(_site))).Select(e => e.Data).OfType<LoadAllocationDecided>()];

    private async Task DefinePowerModelAsync(IReadOnlyList<string> chargerIds, decimal gridAmps = GridAmps)
    {
        var evses = chargerIds.SelectMany(id => new[] { 1, 2 }.Select(evse => new BalancedEvse(id, evse, "grid", ThreePhases, 6m, MaxAmps, ChargingRateUnit.A))).ToList();
        var facts = new SiteFacts(true, 800m, null, evses.Select(e => (e.ChargerId, e.EvseId)).ToHashSet());
        var command = new DefineSitePowerModel(_site, Voltage, [new PowerCircuit("grid", null, gridAmps, null)], evses, null,
            new BalancingPolicy(SharingPolicy.EqualShare, false, new Dictionary<string, int>(), 60));
        var decision = await DecideAsync(state => SitePower.Decide(state, facts, command, Clock.GetCurrentInstant()));
        Assert.False(decision.Refused, decision.Refusal?.Message);
        _happened.Add((Clock.GetCurrentInstant(), "limit", "", 0, gridAmps));
    }

    private async Task ThrottleAsync(decimal percent)
    {
        var now = Clock.GetCurrentInstant();
        _happened.Add((now, "limit", "", 0, GridAmps * percent / 100m));
        var decision = await DecideAsync(state => SitePower.Decide(state,
            new IssueGridSignal(_site, "dso-throttle-1", GridSignalKind.Throttle, null, percent, null, now, now + Duration.FromHours(1), "test DSO"), now));
        Assert.False(decision.Refused, decision.Refusal?.Message);
    }

    private Task<Domain.Deciding.Decision> DecideAsync(Func<SitePowerState, Domain.Deciding.Decision> decide) =>
        _host.Ledger.DecideAsync(StreamIds.SitePower(_site), SitePowerState.Empty, (state, e) => SitePower.Evolve(state, e.Data, e.Version), decide,
            new EventMetadata("balancer-test", null, new Actor(ActorKind.Operator, "tests"), Clock.GetCurrentInstant()));

    private async Task<SimulatedCharger> BootAsync(string id, OcppProtocol protocol, TestHost? at = null)
    {
        // 32 A on three phases at 230 V.
        var charger = new SimulatedCharger(new ChargerDefinition(id, TestHost.Password, protocol, EvseCount: 2, MaxPowerKw: 22.08m), (at ?? _host).Endpoint, Strict);
        _chargers.Add(charger);
        await charger.ConnectAsync(CancellationToken.None);
        await charger.BootAsync(CancellationToken.None);
        return charger;
    }

    private Task ArriveAsync(SimulatedCharger charger, int evse) => ArriveTogetherAsync((charger, evse));

    /// <summary>Cars plugging in at these EVSEs at the same moment: their chargers start the sessions in parallel.</summary>
    private async Task ArriveTogetherAsync(params (SimulatedCharger Charger, int EvseId)[] evses)
    {
        // Each car draws from the moment it plugs in, before the ledger or the balancer hear of it.
        foreach (var (charger, evse) in evses) _happened.Add((Clock.GetCurrentInstant(), "start", charger.Id, evse, 0m));
        var started = await Task.WhenAll(evses.Select(e => e.Charger.StartSessionAsync(e.EvseId, $"DLB-{e.EvseId}-{Guid.NewGuid():N}"[..20], CancellationToken.None)));
        foreach (var (at, session) in evses.Zip(started)) _running[at] = session;
    }

    private async Task DepartAsync(SimulatedCharger charger, int evse)
    {
        await charger.StopSessionAsync(_running[(charger, evse)], "EVDisconnected", CancellationToken.None);
        _running.Remove((charger, evse));
        // It stopped drawing at the latest when its stop was sent, and nothing is raised before the ledger has the stop.
        _happened.Add((Clock.GetCurrentInstant(), "stop", charger.Id, evse, 0m));
    }

    /// <summary>
    /// Waits until a decision taken after the last thing that happened covers exactly the running sessions and every
    /// charger that answers holds its limit; then checks the limits in force, and the power each car reports, against the site's limit.
    /// </summary>
    private async Task<LoadAllocationDecided> SettledAsync(decimal siteAmps, string? uncontrolled = null, bool throttled = false)
    {
        LoadAllocationDecided? settled = null;
        var since = _happened[^1].At;
        await UntilAsync(async () =>
        {
            var latest = (await DecisionsAsync()).LastOrDefault();
            if (latest is null || latest.DecidedAt <= since || latest.SignalsInForce.Count > 0 != throttled) return false;
            var running = _running.ToDictionary(r => (r.Key.Charger.Id, r.Key.EvseId), r => r.Key);
            var holds = latest.Sessions.Count == running.Count && latest.Sessions.All(s =>
                running.TryGetValue((s.ChargerId, s.EvseId), out var at)
                && (s.ChargerId == uncontrolled
                    ? s.Status == AllocationStatus.Uncontrolled
                    : at.Charger.ProfileInForce(at.EvseId) is { Purpose: "TxProfile" } tx && tx.PeriodAt(Clock.GetCurrentInstant()).Limit == s.LimitAmps));
            settled = holds ? latest : null;
            return holds;
        }, $"the chargers hold the latest decision under {siteAmps} A");

        var now = Clock.GetCurrentInstant();
        var inForce = _running.Keys.Select(r => r.Charger.ProfileInForce(r.EvseId)?.PeriodAt(now).Limit ?? MaxAmps).ToList();
        Assert.True(inForce.Sum() <= siteAmps, $"the limits in force add up to {inForce.Sum()} A, over {siteAmps} A");
        var reportedW = 0L;
        foreach (var ((charger, evse), session) in _running)
        {
            var sample = await charger.SendMeterValuesAsync(session, CancellationToken.None);
            var limitW = (charger.ProfileInForce(evse)?.PeriodAt(now).Limit ?? MaxAmps) * Voltage * 3;
            Assert.True(sample.PowerW <= limitW, $"{charger.Id} EVSE {evse} reports {sample.PowerW} W over its limit of {limitW} W");
            reportedW += sample.PowerW;
        }
        Assert.True(reportedW <= siteAmps * Voltage * 3, $"the chargers report {reportedW} W, over the site's {siteAmps * Voltage * 3} W");
        return settled!;
    }

    /// <summary>
    /// Replays what happened in time order: cars arriving (drawing what their EVSE's default allows) and leaving, the
    /// site's limit changing, and every profile each charger took. At every moment the limits in force of the EVSEs with
    /// a car add up to at most the site's limit; the one exception is a throttle lowering the limit below what is in force,
    /// until the balancer has caught up with it: meanwhile nothing, arrival or profile, may add to the sum.
    /// </summary>
    private void AssertTheLimitsInForceNeverExceededTheSiteLimit()
    {
        var taken = _chargers.SelectMany(ch => ch.ReceivedProfiles.Where(p => p.Accepted).Select(p => (p.ReceivedAt, Charger: ch.Id, Profile: p)));
        var timeline = _happened.Select(h => (h.At, Order: 0, h.What, h.ChargerId, h.EvseId, h.SiteAmps, Profile: (ReceivedProfile?)null))
            .Concat(taken.Select(t => (At: t.ReceivedAt, Order: 1, What: "profile", ChargerId: t.Charger, t.Profile.EvseId, SiteAmps: 0m, Profile: (ReceivedProfile?)t.Profile)))
            .OrderBy(e => e.At).ThenBy(e => e.Order).ToList();

        var siteAmps = GridAmps;
        var catchingUp = false;
        var running = new HashSet<(string, int)>();
        var tx = new Dictionary<(string, int), decimal>();
        var txDefault = new Dictionary<(string, int), decimal>();
        decimal InForce((string, int) evse) => tx.TryGetValue(evse, out var limit) ? limit : txDefault.TryGetValue(evse, out var other) ? other : MaxAmps;
        decimal Sum() => running.Sum(InForce);

        foreach (var e in timeline)
        {
            var evse = (e.ChargerId, e.EvseId);
            var before = Sum();
            switch (e.What)
            {
                case "limit":
                    siteAmps = e.SiteAmps;
                    catchingUp = before > siteAmps;
                    continue;
                case "start":
                    running.Add(evse);
                    tx.Remove(evse);
                    break;
                case "stop":
                    running.Remove(evse);
                    tx.Remove(evse);
                    break;
                case "profile":
                    var limit = e.Profile!.Profile.PeriodAt(e.At).Limit;
                    if (e.Profile.Profile.Purpose == "TxProfile") tx[evse] = limit;
                    else txDefault[evse] = limit;
                    break;
            }
            var what = e.What == "profile" ? $"{e.Profile!.Profile.Purpose} of {e.Profile.Profile.PeriodAt(e.At).Limit} A" : e.What;
            if (catchingUp)
            {
                Assert.True(Sum() <= before, $"{e.ChargerId} EVSE {e.EvseId}: {what} at {e.At} added to {before} A while catching up with a throttle to {siteAmps} A");
                catchingUp = Sum() > siteAmps;
            }
            else
                Assert.True(Sum() <= siteAmps, $"{e.ChargerId} EVSE {e.EvseId}: {what} at {e.At} left the limits in force at {Sum()} A, over {siteAmps} A");
        }
        Assert.Contains(timeline, e => e.What == "profile" && e.Profile!.Profile.Purpose == "TxProfile");
    }

    private static Task UntilAsync(Func<bool> condition, string what) => UntilAsync(() => Task.FromResult(condition()), what);

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"waited 20 s for: {what}");
            await Task.Delay(100);
        }
    }
}
