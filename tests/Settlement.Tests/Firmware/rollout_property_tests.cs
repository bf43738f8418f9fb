using System.Text.Json;
using CsCheck;
using NodaTime;
using Settlement.Domain.Firmware;
using Settlement.Ledger;
using Settlement.Projections.Firmware;
using Xunit;
using static Settlement.Domain.Firmware.RolloutTrigger;

namespace Settlement.Tests.Firmware;

/// <summary>
/// The rollout over random fleets in a fake world: chargers that install, fail their download, reject the update, go
/// offline during the install for good or never boot, are charging or offline for a while, and some that come out of
/// their soak unhealthy; random canaries, soaks, waves, concurrency, abort criteria and deadlines. Run to its end, the
/// process keeps its guarantees; cut at every point and rebuilt from the events, it decides exactly what it decided.
/// </summary>
public sealed class rollout_property_tests
{
    private static readonly Duration Tick = Duration.FromMinutes(1);
    private const int MaxTicks = 2_000;

    public enum Behaviour { Installs, FailsDownload, Rejects, OfflineDuringInstall, NeverBoots }

    /// <summary>In a session during ticks [SessionFrom, SessionUntil), offline during [OfflineFrom, OfflineUntil).</summary>
    public sealed record WorldCharger(Behaviour Behaviour, int SessionFrom, int SessionUntil, int OfflineFrom, int OfflineUntil, bool Unhealthy);

    public sealed record Case(IReadOnlyList<WorldCharger> Chargers, int CanaryCount, int CanarySoakSeconds, WavePlan Waves, AbortCriteria Abort, bool Rollback, int TimeoutSeconds)
    {
        public override string ToString() =>
            $"canaries {CanaryCount}, soak {CanarySoakSeconds}, {Waves}, {Abort}, rollback {Rollback}, timeout {TimeoutSeconds}, chargers [{string.Join(", ", Chargers)}]";
    }

    private static readonly Gen<WorldCharger> Chargers = Gen.Select(
            Gen.Frequency((6, Gen.Const(Behaviour.Installs)), (1, Gen.Const(Behaviour.FailsDownload)), (1, Gen.Const(Behaviour.Rejects)),
                (1, Gen.Const(Behaviour.OfflineDuringInstall)), (1, Gen.Const(Behaviour.NeverBoots))),
            Gen.Int[0, 20], Gen.Int[0, 15], Gen.Int[0, 20], Gen.Int[0, 15], Gen.Int[0, 9])
        .Select((behaviour, sessionFrom, sessionLength, offlineFrom, offlineLength, health) =>
            new WorldCharger(behaviour, sessionFrom, sessionFrom + sessionLength, offlineFrom, offlineFrom + offlineLength, health == 0));

    private static readonly Gen<Case> Cases = Gen.Select(
        Chargers.Array[1, 14], Gen.Int[1, 3], Gen.Int[0, 4], Gen.Select(Gen.Int[1, 4], Gen.Int[10, 30], Gen.Int[1, 4], Gen.Int[0, 3]),
        Gen.Select(Gen.Int[0, 100], Gen.Int[1, 6]), Gen.Bool, Gen.Int[2, 8])
        .Select((chargers, canaries, canarySoak, waves, abort, rollback, timeout) => new Case(
            chargers, canaries, canarySoak * 300, new WavePlan(waves.Item1, waves.Item2 / 10m, waves.Item3, waves.Item4 * 300),
            new AbortCriteria(abort.Item1, abort.Item2), rollback, timeout * 60));

    private sealed record Step(RolloutTrigger Trigger, Instant Now, IReadOnlyList<object> Events);

    private sealed record Run(RolloutPlanned Plan, IReadOnlyList<Step> Steps, RolloutState Final);

    private static string Id(int index) => $"C{index:D2}";

    /// <summary>Plays the case in the fake world until the rollout ends (completed, aborted, or halted with nothing left in flight).</summary>
    private static Run Play(Case c)
    {
        var fleet = c.Chargers.Select((_, i) => Rollouts.Charger(Id(i), site: $"S{i % 3}")).ToList();
        var command = Rollouts.Command() with
        {
            CanaryCount = c.CanaryCount, CanarySoakSeconds = c.CanarySoakSeconds, Waves = c.Waves, Abort = c.Abort,
            RollbackImage = c.Rollback ? Rollouts.Previous : null, UpdateTimeoutSeconds = c.TimeoutSeconds,
        };
        var plan = Rollouts.Planned(command, fleet);
        var world = c.Chargers.Select((w, i) => (Id(i), w)).ToDictionary(p => p.Item1, p => p.w);
        var state = RolloutState.Create(plan);
        var steps = new List<Step>();
        var scheduled = new List<(int Tick, RolloutTrigger Trigger)>();
        var goneAt = new Dictionary<string, int>();
        var commands = 0;

        for (var tick = 0; tick < MaxTicks && !Ended(state); tick++)
        {
            var now = Rollouts.T0 + Tick * tick;
            foreach (var (_, trigger) in scheduled.Where(s => s.Tick == tick).ToList()) Decide(trigger);
            if (state.GateDue(now) is { } due)
                Decide(new GateMeasured(due.Stage, [.. due.Chargers.Select(w => new ChargerMeasurement(w.ChargerId, Rollouts.Healthy,
                    world[w.ChargerId].Unhealthy ? Rollouts.Healthy with { FaultsPerHour = 5m } : Rollouts.Healthy))]));
            Decide(new Advance(world.ToDictionary(p => p.Key, p => new ChargerNow(
                !(p.Value.OfflineFrom <= tick && tick < p.Value.OfflineUntil) && !(goneAt.TryGetValue(p.Key, out var gone) && gone <= tick),
                p.Value.SessionFrom <= tick && tick < p.Value.SessionUntil))));

            void Decide(RolloutTrigger trigger)
            {
                var decision = RolloutProcess.Decide(state, trigger, now, () => $"cmd-{commands++}");
                Assert.Null(decision.Refusal);
                steps.Add(new Step(trigger, now, decision.Events));
                foreach (var e in decision.Events)
                {
                    state = RolloutState.Evolve(state, e)!;
                    if (e is ChargerUpdateRequested requested) React(requested, world[requested.ChargerId], tick);
                }
            }
        }
        Assert.True(Ended(state), $"the rollout did not end within {MaxTicks} ticks: {state.Phase}");
        return new Run(plan, steps, state);

        void React(ChargerUpdateRequested requested, WorldCharger charger, int tick)
        {
            var behaviour = requested.Rollback ? Behaviour.Installs : charger.Behaviour;
            scheduled.Add((tick + 1, new UpdateAnswered(requested.ChargerId, requested.CommandId, behaviour != Behaviour.Rejects, "Rejected")));
            var version = requested.Rollback ? Rollouts.Previous.Version : Rollouts.Image.Version;
            var at = Rollouts.T0 + Tick * (tick + 2);
            switch (behaviour)
            {
                case Behaviour.Installs:
                    scheduled.Add((tick + 2, new Booted(requested.ChargerId, version, at)));
                    break;
                case Behaviour.FailsDownload:
                    scheduled.Add((tick + 2, new FirmwareReported(requested.ChargerId, Settlement.Domain.Chargers.FirmwareStatus.DownloadFailed, at)));
                    break;
                case Behaviour.OfflineDuringInstall:
                    goneAt[requested.ChargerId] = tick + 1;
                    break;
            }
        }
    }

    private static bool Ended(RolloutState state) => state.Phase switch
    {
        RolloutPhase.Completed or RolloutPhase.Aborted => true,
        RolloutPhase.Halted => state.InFlight == 0 && (state.Plan.RollbackImage is null
            || !state.Chargers.Values.Any(c => c.Status == ChargerUpdateStatus.Succeeded && c.Stage == state.HaltedStage)),
        _ => false,
    };

    [Fact]
    public void the_rollout_keeps_concurrency_sessions_waves_and_halts_whatever_the_fleet_does() => Cases.Sample(c =>
    {
        var run = Play(c);
        var plan = run.Plan;
        var inFlight = new HashSet<string>();
        var finished = new HashSet<string>();
        var stages = new List<RolloutStageStarted>();
        var gatesPassed = new HashSet<int>();
        bool halted = false, aborted = false;
        foreach (var step in run.Steps)
        {
            foreach (var e in step.Events)
            {
                switch (e)
                {
                    case ChargerUpdateRequested r:
                        Assert.False(aborted, "requested after an abort");
                        Assert.True(!halted || r.Rollback, $"{r.ChargerId} requested after a halt");
                        var situation = Assert.IsType<Advance>(step.Trigger).Chargers[r.ChargerId];
                        Assert.True(situation is { Online: true, InSession: false }, $"{r.ChargerId} updated while {situation}");
                        Assert.True(inFlight.Add(r.ChargerId));
                        Assert.True(inFlight.Count <= plan.Waves.MaxConcurrency, "concurrency exceeded");
                        if (!r.Rollback)
                        {
                            Assert.Equal(stages[^1].Stage, r.Stage);
                            Assert.Contains(r.ChargerId, stages[^1].ChargerIds);
                        }
                        break;
                    case ChargerUpdateSucceeded s:
                        Assert.True(inFlight.Remove(s.ChargerId));
                        if (!s.Rollback) finished.Add(s.ChargerId);
                        break;
                    case ChargerUpdateFailed f:
                        inFlight.Remove(f.ChargerId);
                        if (!f.Rollback) finished.Add(f.ChargerId);
                        break;
                    case RolloutStageStarted started:
                        Assert.False(halted || aborted, "a stage started after the rollout stopped");
                        Assert.Equal(stages.Count, started.Stage);
                        if (stages.Count > 0)
                        {
                            Assert.All(stages[^1].ChargerIds, id => Assert.Contains(id, finished));
                            Assert.True(plan.CanarySoakSeconds == 0 && stages.Count == 1 || plan.Waves.SoakSecondsBetweenWaves == 0 && stages.Count > 1
                                || gatesPassed.Contains(stages[^1].Stage), $"stage {started.Stage} started before stage {stages[^1].Stage} passed its gate");
                            var remaining = plan.Chargers.Count - plan.CanaryChargerIds.Count - stages.Skip(1).Sum(s => s.ChargerIds.Count);
                            Assert.Equal(Math.Min(RolloutProcess.WaveSize(plan.Waves, started.Stage), remaining), started.ChargerIds.Count);
                        }
                        else Assert.Equal(plan.CanaryChargerIds, started.ChargerIds);
                        Assert.DoesNotContain(started.ChargerIds, id => stages.Any(s => s.ChargerIds.Contains(id)));
                        stages.Add(started);
                        break;
                    case RolloutGateEvaluated { Passed: true } gate:
                        gatesPassed.Add(gate.Stage);
                        break;
                    case RolloutHalted:
                        halted = true;
                        break;
                    case RolloutAborted:
                        aborted = true;
                        break;
                }
            }
        }
        if (run.Final.Phase == RolloutPhase.Completed)
        {
            Assert.Equal(plan.Chargers.Select(x => x.ChargerId).Order(), stages.SelectMany(s => s.ChargerIds).Order());
            var completed = run.Steps.SelectMany(s => s.Events).OfType<RolloutCompleted>().Single();
            Assert.Equal(plan.Chargers.Count, completed.Updated + completed.Failed);
        }
    }, iter: 300, threads: 1);

    [Fact]
    public void a_rollout_rebuilt_from_its_events_at_any_point_continues_exactly_as_it_did() => Cases.Sample(c =>
    {
        var run = Play(c);
        var expected = run.Steps.Select(s => Json(s.Events)).ToList();
        var history = new List<object> { run.Plan };
        for (var cut = 0; cut <= run.Steps.Count; cut++)
        {
            // A host restarting here folds the stream and takes the remaining triggers as they come.
            var state = RolloutState.Fold(history)!;
            var commands = history.OfType<ChargerUpdateRequested>().Count();
            for (var next = cut; next < run.Steps.Count; next++)
            {
                var step = run.Steps[next];
                var decision = RolloutProcess.Decide(state, step.Trigger, step.Now, () => $"cmd-{commands++}");
                Assert.True(expected[next] == Json(decision.Events), $"cut at {cut}: step {next} decided differently");
                state = decision.Events.Aggregate(state, (s, e) => RolloutState.Evolve(s, e)!);
            }
            if (cut < run.Steps.Count) history.AddRange(run.Steps[cut].Events);
        }
    }, iter: 100, threads: 1);

    [Fact]
    public void the_rollout_entry_replayed_from_the_events_agrees_with_the_process_at_every_point() => Cases.Sample(c =>
    {
        var run = Play(c);
        var state = RolloutState.Create(run.Plan);
        var entry = RolloutEntries.Evolve(null, run.Plan)!;
        foreach (var e in run.Steps.SelectMany(s => s.Events))
        {
            state = RolloutState.Evolve(state, e)!;
            entry = RolloutEntries.Evolve(entry, e)!;
            Assert.Equal((state.Phase, state.Paused, state.Stage), (entry.Phase, entry.Paused, entry.Stage));
            Assert.Equal(
                state.Plan.Chargers.Select(x => (x.ChargerId, state.Chargers[x.ChargerId].Stage, state.Chargers[x.ChargerId].Status, state.Chargers[x.ChargerId].CommandId)),
                entry.Chargers.Select(x => (x.ChargerId, x.Stage, x.Status, x.Status is ChargerUpdateStatus.Requested or ChargerUpdateStatus.RollbackRequested ? x.CommandId : null)));
        }
        var replayed = run.Steps.SelectMany(s => s.Events).Aggregate(RolloutEntries.Evolve(null, run.Plan), RolloutEntries.Evolve)!;
        Assert.Equal(JsonSerializer.Serialize(entry, LedgerJson.Options), JsonSerializer.Serialize(replayed, LedgerJson.Options));
    }, iter: 100, threads: 1);

    private static string Json(IReadOnlyList<object> events) =>
        string.Join("\n", events.Select(e => $"{e.GetType().Name} {JsonSerializer.Serialize(e, e.GetType(), LedgerJson.Options)}"));
}
