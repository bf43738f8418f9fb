using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Deciding;
using Settlement.Domain.Firmware;
using Xunit;
using static Settlement.Domain.Firmware.RolloutTrigger;

namespace Settlement.Tests.Firmware;

/// <summary>Plans and stories shared by the rollout's domain tests: a history of events, and a trigger decided on it at a given time.</summary>
internal static class Rollouts
{
    public static readonly Instant T0 = Instant.FromUtc(2026, 12, 1, 8, 0);
    public static readonly FirmwareImage Image = new("2.0.0", "https://firmware.example/acme-2.0.0.bin", null, null);
    public static readonly FirmwareImage Previous = new("1.0.0", "https://firmware.example/acme-1.0.0.bin", null, null);

    public static FleetCharger Charger(string id, string site = "S1", string firmware = "1.0.0", string vendor = "Acme",
        string model = "X1", string country = "DE", OcppVersion protocol = OcppVersion.Ocpp201) =>
        new(id, site, country, vendor, model, protocol, firmware);

    public static IReadOnlyList<FleetCharger> Fleet(int count) =>
        [.. Enumerable.Range(1, count).Select(i => Charger($"C{i:D2}", site: $"S{(i - 1) / 4 + 1}"))];

    public static PlanRollout Command(string id = "R1") => new(
        id, "Acme 2.0.0", Image, new RolloutTarget([], [], [], [], []), CanaryChargerIds: null, CanaryCount: 1,
        CanarySoakSeconds: 3_600, RolloutPlanning.DefaultGates, new WavePlan(2, 2m, 2, 600), new AbortCriteria(20m, 5),
        Previous, UpdateTimeoutSeconds: 900);

    public static RolloutPlanned Planned(PlanRollout command, IReadOnlyList<FleetCharger> fleet) =>
        Assert.IsType<RolloutPlanned>(Assert.Single(RolloutPlanning.Plan(command, false, fleet, T0).Events));

    public static Dictionary<string, ChargerNow> Idle(RolloutPlanned plan) =>
        plan.Chargers.ToDictionary(c => c.ChargerId, _ => new ChargerNow(true, false));

    public static HealthFigures Healthy => new(1m, true, 0m, 0m, 100m, 100m);
}

/// <summary>A rollout's history; each step decides a trigger on the state folded from it and appends what was decided.</summary>
internal sealed class Story(RolloutPlanned plan)
{
    private readonly List<object> history = [plan];
    private int commands;

    public RolloutPlanned Plan => plan;
    public RolloutState State => RolloutState.Fold(history)!;
    public IReadOnlyList<object> History => history;

    public Decision Decide(RolloutTrigger trigger, Instant now) =>
        RolloutProcess.Decide(State, trigger, now, () => $"cmd-{++commands}");

    /// <summary>Decide and append; the decision must be accepted.</summary>
    public IReadOnlyList<object> Do(RolloutTrigger trigger, Instant now)
    {
        var decision = Decide(trigger, now);
        Assert.Null(decision.Refusal);
        history.AddRange(decision.Events);
        return decision.Events;
    }

    public IReadOnlyList<object> Tick(Instant now, IReadOnlyDictionary<string, ChargerNow>? chargers = null) =>
        Do(new Advance(chargers ?? Rollouts.Idle(plan)), now);

    public IReadOnlyList<string> Requested(IEnumerable<object> events, bool rollback = false) =>
        [.. events.OfType<ChargerUpdateRequested>().Where(r => r.Rollback == rollback).Select(r => r.ChargerId)];

    /// <summary>Every charger in flight boots on the image it was sent.</summary>
    public IReadOnlyList<object> BootAll(Instant at) =>
        [.. State.Chargers.Values.Where(c => c.Status is ChargerUpdateStatus.Requested).OrderBy(c => c.ChargerId)
            .SelectMany(c => Do(new Booted(c.ChargerId, Rollouts.Image.Version, at), at))];

    public string CommandOf(string chargerId) => State.Chargers[chargerId].CommandId!;

    public IReadOnlyList<object> PassGate(Instant now) => Gate(now, _ => Rollouts.Healthy);

    public IReadOnlyList<object> Gate(Instant now, Func<string, HealthFigures> since)
    {
        var due = State.GateDue(now) ?? throw new InvalidOperationException("no gate due");
        return Do(new GateMeasured(due.Stage, [.. due.Chargers.Select(w => new ChargerMeasurement(w.ChargerId, Rollouts.Healthy, since(w.ChargerId)))]), now);
    }
}

public sealed class rollout_decider_tests
{
    private static readonly Instant T0 = Rollouts.T0;

    private static Instant At(int seconds) => T0 + Duration.FromSeconds(seconds);

    [Fact]
    public void a_canary_failing_its_gate_halts_the_rollout_before_any_wave_and_rolls_it_back()
    {
        // Given a planned rollout of six chargers whose canary installed the image
        var story = new Story(Rollouts.Planned(Rollouts.Command(), Rollouts.Fleet(6)));
        var started = story.Tick(At(0));
        var canary = Assert.IsType<RolloutStageStarted>(started[0]);
        Assert.Equal(0, canary.Stage);
        Assert.Equal(["C01"], canary.ChargerIds);
        Assert.Equal(["C01"], story.Requested(started));
        Assert.Equal([new ChargerUpdateSucceeded("R1", "C01", false, "2.0.0", At(120))], story.Do(new Booted("C01", "2.0.0", At(120)), At(120)));

        // When its soak ends and it faulted far more than before
        Assert.Null(story.State.GateDue(At(120 + 3_599)));
        Assert.Empty(story.Tick(At(120 + 3_599)));
        var gate = story.Gate(At(120 + 3_600), _ => Rollouts.Healthy with { FaultsPerHour = 4m });

        // Then the gate fails, the rollout halts at stage 0, and no wave ever starts: only the canary is rolled back
        var evaluated = Assert.IsType<RolloutGateEvaluated>(gate[0]);
        Assert.False(evaluated.Passed);
        Assert.Equal(["faults per hour rose by 4 (at most 1)"], Assert.Single(evaluated.Results).Failures);
        var halted = Assert.IsType<RolloutHalted>(gate[1]);
        Assert.Equal(0, halted.Stage);
        Assert.Contains("C01: faults per hour rose by 4", halted.Reason);
        var after = story.Tick(At(3_800));
        Assert.Equal(["C01"], story.Requested(after, rollback: true));
        Assert.Empty(story.Requested(after));
        story.Do(new Booted("C01", "1.0.0", At(3_900)), At(3_900));
        Assert.Empty(story.Tick(At(4_000)));
        Assert.DoesNotContain(story.History, e => e is RolloutStageStarted { Stage: > 0 });
        Assert.Equal(ChargerUpdateStatus.RolledBack, story.State.Chargers["C01"].Status);
    }

    [Fact]
    public void a_healthy_rollout_respects_concurrency_and_the_soak_then_grows_its_waves_and_completes()
    {
        // Given seven chargers, waves of 2 then doubling, at most 2 updating at once, a 600 s soak between waves
        var story = new Story(Rollouts.Planned(Rollouts.Command(), Rollouts.Fleet(7)));
        story.Tick(At(0));
        story.BootAll(At(60));

        // When the canary soaks: nothing of wave 1 before the soak's end
        Assert.Empty(story.Tick(At(60 + 3_599)));
        var wave1 = story.PassGate(At(60 + 3_600));
        Assert.True(Assert.IsType<RolloutGateEvaluated>(wave1[0]).Passed);
        Assert.Equal(2, Assert.IsType<RolloutStageStarted>(wave1[1]).ChargerIds.Count);
        var now = 60 + 3_600;
        Assert.Equal(2, story.Requested(story.Tick(At(now))).Count);
        Assert.Empty(story.Tick(At(now + 60)));
        story.BootAll(At(now + 120));
        Assert.Equal(RolloutPhase.Soaking, story.State.Phase);
        Assert.Empty(story.Tick(At(now + 120 + 599)));

        // Then wave 2 is twice as large, and still only two at a time
        var wave2 = Assert.IsType<RolloutStageStarted>(story.PassGate(At(now + 720))[1]);
        Assert.Equal(4, wave2.ChargerIds.Count);
        now += 720;
        Assert.Equal(wave2.ChargerIds.Take(2), story.Requested(story.Tick(At(now))));
        Assert.Empty(story.Requested(story.Tick(At(now + 60))));
        story.Do(new Booted(wave2.ChargerIds[0], "2.0.0", At(now + 90)), At(now + 90));
        Assert.Equal([wave2.ChargerIds[2]], story.Requested(story.Tick(At(now + 120))));
        story.BootAll(At(now + 180));
        Assert.Equal([wave2.ChargerIds[3]], story.Requested(story.Tick(At(now + 240))));
        story.BootAll(At(now + 300));

        // And after the last soak passes, the rollout completes with all seven updated
        var last = story.PassGate(At(now + 900));
        Assert.Equal(new RolloutCompleted("R1", 7, 0, At(now + 900)), last[1]);
        Assert.Equal(RolloutPhase.Completed, story.State.Phase);
        var stages = story.History.OfType<RolloutStageStarted>().ToList();
        Assert.Equal([0, 1, 2], stages.Select(s => s.Stage));
        Assert.Equal(story.Plan.Chargers.Select(c => c.ChargerId).Order(), stages.SelectMany(s => s.ChargerIds).Order());
    }

    private static Story WaveOfTen(decimal maxFailedPercent, int minSample)
    {
        var command = Rollouts.Command() with
        {
            CanarySoakSeconds = 0, Waves = new WavePlan(10, 1m, 10, 600), Abort = new AbortCriteria(maxFailedPercent, minSample), RollbackImage = null,
        };
        var story = new Story(Rollouts.Planned(command, Rollouts.Fleet(11)));
        story.Tick(At(0));
        var next = story.BootAll(At(60));
        Assert.Equal(10, Assert.IsType<RolloutStageStarted>(next[1]).ChargerIds.Count);
        Assert.Equal(10, story.Requested(story.Tick(At(120))).Count);
        return story;
    }

    private static IReadOnlyList<object> Fail(Story story, string chargerId, int at) =>
        story.Do(new FirmwareReported(chargerId, FirmwareStatus.DownloadFailed, At(at)), At(at));

    private static IReadOnlyList<object> Install(Story story, string chargerId, int at) =>
        story.Do(new Booted(chargerId, "2.0.0", At(at)), At(at));

    [Fact]
    public void the_abort_criteria_halt_a_wave_once_more_than_the_threshold_failed_of_at_least_the_minimum_sample()
    {
        // Given a wave of ten, halting when more than 20% of at least 5 finished failed
        var story = WaveOfTen(20m, 5);
        var wave = story.State.StageChargerIds;

        // When the first charger fails: 100% failed, but below the minimum sample
        Assert.DoesNotContain(Fail(story, wave[0], 200), e => e is RolloutHalted);
        foreach (var (id, i) in wave.Skip(1).Take(4).Select((id, i) => (id, i)))
            Assert.DoesNotContain(Install(story, id, 210 + i), e => e is RolloutHalted);
        // 1 of 5 failed: exactly 20%, not more
        Assert.Equal(RolloutPhase.Running, story.State.Phase);

        // Then the next failure, 2 of 6 (33%), halts the rollout, and nothing more is requested
        var halting = Fail(story, wave[5], 300);
        Assert.Equal(new RolloutHalted("R1", 1, "stage 1: 2 of 6 finished updates failed, more than 20%", At(300)), halting[^1]);
        Assert.Empty(story.Tick(At(360)));

        // And the updates in flight still finish
        Assert.Equal([new ChargerUpdateSucceeded("R1", wave[6], false, "2.0.0", At(400))], Install(story, wave[6], 400));
    }

    [Fact]
    public void the_abort_criteria_wait_for_the_minimum_sample_even_when_everything_failed()
    {
        var story = WaveOfTen(0m, 4);
        var wave = story.State.StageChargerIds;
        foreach (var i in Enumerable.Range(0, 3)) Assert.DoesNotContain(Fail(story, wave[i], 200 + i), e => e is RolloutHalted);
        Assert.IsType<RolloutHalted>(Fail(story, wave[3], 210)[^1]);
    }

    [Fact]
    public void a_charger_in_a_session_is_deferred_never_updated_and_retried_a_minute_later()
    {
        // Given a rollout whose canary is charging a car
        var story = new Story(Rollouts.Planned(Rollouts.Command(), Rollouts.Fleet(3)));
        var charging = Rollouts.Idle(story.Plan);
        charging["C01"] = new ChargerNow(true, true);

        // When its turn comes, then it is deferred, not requested
        var first = story.Tick(At(0), charging);
        Assert.Equal(new ChargerUpdateDeferred("R1", "C01", "in a session", At(60), At(0)), first[^1]);
        Assert.Empty(story.Requested(first));
        Assert.Empty(story.Tick(At(30), charging));
        Assert.Equal([new ChargerUpdateDeferred("R1", "C01", "in a session", At(120), At(60))], story.Tick(At(60), charging));

        // And once the session ended, it is requested
        Assert.Equal(
            [new ChargerUpdateRequested("R1", "C01", 0, "cmd-1", false, At(120), At(120))],
            story.Tick(At(120)));
    }

    [Fact]
    public void a_charger_that_stays_unavailable_for_the_whole_update_deadline_fails_without_an_update()
    {
        var story = new Story(Rollouts.Planned(Rollouts.Command(), Rollouts.Fleet(3)));
        var offline = Rollouts.Idle(story.Plan);
        offline["C01"] = new ChargerNow(false, false);
        story.Tick(At(0), offline);
        Assert.IsType<ChargerUpdateDeferred>(story.Tick(At(840), offline).Single());

        var failed = story.Tick(At(900), offline);

        Assert.Equal(new ChargerUpdateFailed("R1", "C01", false, "offline for the whole update deadline of 900 s", null, At(900)), failed[0]);
        Assert.IsType<RolloutHalted>(failed[^1]);
        Assert.DoesNotContain(story.History, e => e is ChargerUpdateRequested);
    }

    [Fact]
    public void an_update_fails_at_its_deadline_when_the_charger_went_offline_during_installation()
    {
        // Given the canary took the update, reported installing, and booted once on the old firmware
        var story = new Story(Rollouts.Planned(Rollouts.Command(), Rollouts.Fleet(3)));
        story.Tick(At(0));
        Assert.Empty(story.Do(new UpdateAnswered("C01", story.CommandOf("C01"), true, null), At(1)));
        Assert.Empty(story.Do(new FirmwareReported("C01", FirmwareStatus.Installing, At(100)), At(100)));
        Assert.Empty(story.Do(new Booted("C01", "1.0.0", At(150)), At(150)));
        var gone = Rollouts.Idle(story.Plan);
        gone["C01"] = new ChargerNow(false, false, FirmwareStatus.Installing);

        // When the deadline is not reached yet, nothing; when it is, the update failed
        Assert.Empty(story.Tick(At(899), gone));
        var failed = story.Tick(At(900), gone);

        Assert.Equal(new ChargerUpdateFailed("R1", "C01", false,
            "went offline during the update and was not back on 2.0.0 within 900 s", FirmwareStatus.Installing, At(900)), failed[0]);
    }

    [Theory]
    [InlineData(FirmwareStatus.DownloadFailed)]
    [InlineData(FirmwareStatus.InstallationFailed)]
    [InlineData(FirmwareStatus.InvalidSignature)]
    [InlineData(FirmwareStatus.InstallVerificationFailed)]
    public void a_failing_firmware_status_fails_the_update(FirmwareStatus status)
    {
        var story = new Story(Rollouts.Planned(Rollouts.Command(), Rollouts.Fleet(3)));
        story.Tick(At(0));

        var failed = story.Do(new FirmwareReported("C01", status, At(30)), At(31));

        Assert.Equal(new ChargerUpdateFailed("R1", "C01", false, $"the charger reported {status}", status, At(30)), failed[0]);
    }

    [Fact]
    public void a_rejected_update_fails_but_an_answer_to_another_command_changes_nothing()
    {
        var story = new Story(Rollouts.Planned(Rollouts.Command(), Rollouts.Fleet(3)));
        story.Tick(At(0));

        Assert.Empty(story.Do(new UpdateAnswered("C01", "cmd-old", false, "Rejected"), At(5)));
        var failed = story.Do(new UpdateAnswered("C01", story.CommandOf("C01"), false, "TimedOut"), At(6));

        Assert.Equal(new ChargerUpdateFailed("R1", "C01", false, "the charger did not take the update: TimedOut", null, At(6)), failed[0]);
    }

    [Fact]
    public void a_pause_stops_new_requests_while_those_in_flight_finish_and_a_resume_continues()
    {
        var command = Rollouts.Command() with { CanaryCount = 2, Waves = new WavePlan(2, 2m, 1, 600) };
        var story = new Story(Rollouts.Planned(command, Rollouts.Fleet(4)));
        Assert.Equal(["C01"], story.Requested(story.Tick(At(0))));

        Assert.Equal([new RolloutPaused("R1", "site visit", At(10))], story.Do(new Pause("site visit"), At(10)));
        Assert.Empty(story.Do(new Pause("again"), At(11)));
        story.BootAll(At(20));
        Assert.Empty(story.Tick(At(60)));

        Assert.Equal([new RolloutResumed("R1", At(70))], story.Do(new Resume(), At(70)));
        Assert.Equal([story.Plan.CanaryChargerIds[1]], story.Requested(story.Tick(At(80))));
    }

    [Fact]
    public void pause_resume_and_abort_are_refused_when_they_make_no_sense()
    {
        var story = new Story(Rollouts.Planned(Rollouts.Command(), Rollouts.Fleet(2)));
        DeciderSpecs.Refused(story.Decide(new Resume(), At(1)), RefusalKind.Conflict, "is not paused");

        story.Do(new Abort("wrong image"), At(2));
        DeciderSpecs.Refused(story.Decide(new Abort("again"), At(3)), RefusalKind.Conflict, "already Aborted");
        DeciderSpecs.Refused(story.Decide(new Pause("late"), At(3)), RefusalKind.Conflict, "is Aborted");
        Assert.Empty(story.Tick(At(4)));

        var completed = new Story(Rollouts.Planned(Rollouts.Command() with { CanarySoakSeconds = 0, Waves = new WavePlan(1, 1m, 1, 0) }, Rollouts.Fleet(1)));
        completed.Tick(At(0));
        Assert.IsType<RolloutCompleted>(completed.BootAll(At(10))[^1]);
        DeciderSpecs.Refused(completed.Decide(new Pause("late"), At(11)), RefusalKind.Conflict, "is Completed");
        DeciderSpecs.Refused(completed.Decide(new Abort("late"), At(11)), RefusalKind.Conflict, "already Completed");
    }

    [Fact]
    public void a_gate_measurement_before_the_soak_ended_or_missing_a_charger_is_refused()
    {
        var story = new Story(Rollouts.Planned(Rollouts.Command(), Rollouts.Fleet(3)));
        story.Tick(At(0));
        story.BootAll(At(10));
        var measurement = new ChargerMeasurement("C01", Rollouts.Healthy, Rollouts.Healthy);

        DeciderSpecs.Refused(story.Decide(new GateMeasured(0, [measurement]), At(100)), RefusalKind.Conflict, "no gate due for stage 0");
        DeciderSpecs.Refused(story.Decide(new GateMeasured(0, []), At(3_610)), RefusalKind.Invalid, "measurements: missing for C01");
        Assert.True(Assert.IsType<RolloutGateEvaluated>(story.Do(new GateMeasured(0, [measurement]), At(3_610))[0]).Passed);
    }
}

internal static class DeciderSpecs
{
    public static void Refused(Decision decision, RefusalKind kind, string fragment)
    {
        var refusal = Assert.IsType<Refusal>(decision.Refusal);
        Assert.Equal(kind, refusal.Kind);
        Assert.Empty(decision.Events);
        Assert.Contains(refusal.Problems, p => p.Contains(fragment, StringComparison.Ordinal));
    }
}
