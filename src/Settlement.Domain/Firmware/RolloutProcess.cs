using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Deciding;

namespace Settlement.Domain.Firmware;

/// <summary>
/// The staged rollout's decisions: pure, on the state folded from the rollout's stream, the trigger and now. Each
/// decision's events are folded as they are decided, so one tick can finish a stage and start the next.
/// </summary>
public static class RolloutProcess
{
    /// <summary>A charger found offline or in a session is tried again this much later.</summary>
    public static readonly Duration RetryAfter = Duration.FromMinutes(1);

    /// <summary>Firmware statuses that end an update as failed.</summary>
    public static readonly IReadOnlySet<FirmwareStatus> FailingStatuses = new HashSet<FirmwareStatus>
    {
        FirmwareStatus.DownloadFailed, FirmwareStatus.InstallationFailed, FirmwareStatus.InvalidSignature,
        FirmwareStatus.InstallVerificationFailed,
    };

    /// <param name="newCommandId">Gives the id of each UpdateFirmware requested; the host sends the command under it.</param>
    public static Decision Decide(RolloutState state, RolloutTrigger trigger, Instant now, Func<string> newCommandId)
    {
        var run = new Run(state);
        switch (trigger)
        {
            case RolloutTrigger.Pause pause:
                if (state.Phase is RolloutPhase.Halted or RolloutPhase.Aborted or RolloutPhase.Completed)
                    return Decision.Refuse(RefusalKind.Conflict, $"rollout {state.RolloutId} is {state.Phase}: there is nothing to pause");
                if (state.Paused) return Decision.Accept();
                return Decision.Accept(new RolloutPaused(state.RolloutId, Bounded(pause.Reason, 500), now));
            case RolloutTrigger.Resume:
                if (!state.Paused || state.Phase is RolloutPhase.Aborted)
                    return Decision.Refuse(RefusalKind.Conflict, $"rollout {state.RolloutId} is not paused");
                return Decision.Accept(new RolloutResumed(state.RolloutId, now));
            case RolloutTrigger.Abort abort:
                if (state.Phase is RolloutPhase.Aborted or RolloutPhase.Completed)
                    return Decision.Refuse(RefusalKind.Conflict, $"rollout {state.RolloutId} is already {state.Phase}");
                return Decision.Accept(new RolloutAborted(state.RolloutId, Bounded(abort.Reason, 500), now));
            case RolloutTrigger.Advance advance:
                run.Advance(advance.Chargers, now, newCommandId);
                break;
            case RolloutTrigger.UpdateAnswered answered:
                if (run.AwaitedCommand(answered.ChargerId, answered.CommandId) is { } rejected && !answered.Accepted)
                    run.Fail(rejected, $"the charger did not take the update: {answered.Detail ?? "rejected"}", null, now);
                break;
            case RolloutTrigger.FirmwareReported reported:
                if (FailingStatuses.Contains(reported.Status) && run.Awaited(reported.ChargerId) is { } failing)
                    run.Fail(failing, $"the charger reported {reported.Status}", reported.Status, reported.At);
                break;
            case RolloutTrigger.Booted booted:
                if (run.Awaited(booted.ChargerId) is { } awaited && booted.Version == run.ImageFor(awaited).Version)
                    run.Succeed(awaited, booted.Version, booted.At);
                break;
            case RolloutTrigger.GateMeasured measured:
                if (state.GateDue(now) is not { } due || due.Stage != measured.Stage)
                    return Decision.Refuse(RefusalKind.Conflict, $"rollout {state.RolloutId} has no gate due for stage {measured.Stage}");
                var missing = due.Chargers.Select(w => w.ChargerId).Except(measured.Measurements.Select(m => m.ChargerId)).ToList();
                if (missing.Count > 0)
                    return Decision.Refuse(RefusalKind.Invalid, $"measurements: missing for {string.Join(", ", missing.Take(10))}");
                run.EvaluateGate(due, measured.Measurements, now);
                break;
        }
        return Decision.Accept(run.Events);
    }

    private static string Bounded(string text, int max) => text.Length <= max ? text : text[..max];

    /// <summary>Stage n's nominal size: the first wave's, then each the ceiling of the last times the growth.</summary>
    public static int WaveSize(WavePlan waves, int stage)
    {
        decimal size = waves.FirstWaveSize;
        for (var wave = 2; wave <= stage && size < 100_000; wave++) size = Math.Ceiling(size * waves.Growth);
        return (int)Math.Min(size, 100_000);
    }

    // Decides step by step, folding each event so the next step sees it.
    private sealed class Run(RolloutState state)
    {
        private readonly List<object> events = [];
        public RolloutState State { get; private set; } = state;
        public IReadOnlyList<object> Events => events;

        private void Emit(object @event)
        {
            events.Add(@event);
            State = RolloutState.Evolve(State, @event)!;
        }

        private string Id => State.RolloutId;

        public ChargerProgress? Awaited(string chargerId) =>
            State.Chargers.TryGetValue(chargerId, out var c) && c.Status is ChargerUpdateStatus.Requested or ChargerUpdateStatus.RollbackRequested ? c : null;

        public ChargerProgress? AwaitedCommand(string chargerId, string commandId) =>
            Awaited(chargerId) is { } c && c.CommandId == commandId ? c : null;

        public FirmwareImage ImageFor(ChargerProgress charger) =>
            charger.Status == ChargerUpdateStatus.RollbackRequested ? State.Plan.RollbackImage! : State.Plan.Image;

        public void Succeed(ChargerProgress charger, string? version, Instant at)
        {
            Emit(new ChargerUpdateSucceeded(Id, charger.ChargerId, charger.Status == ChargerUpdateStatus.RollbackRequested, version, at));
            AfterOutcome(charger, at);
        }

        public void Fail(ChargerProgress charger, string reason, FirmwareStatus? lastStatus, Instant at)
        {
            // A charger that succeeded and fails again can only be failing its rollback.
            var rollback = charger.Status is ChargerUpdateStatus.RollbackRequested or ChargerUpdateStatus.Succeeded;
            Emit(new ChargerUpdateFailed(Id, charger.ChargerId, rollback, Bounded(reason, 500), lastStatus, at));
            AfterOutcome(charger, at);
        }

        // After an update's outcome: the abort criteria, then the end of the stage.
        private void AfterOutcome(ChargerProgress charger, Instant at)
        {
            if (State.Phase is not (RolloutPhase.Running or RolloutPhase.Soaking) || charger.Stage != State.Stage) return;
            var stage = State.StageChargerIds.Select(id => State.Chargers[id]).ToList();
            var finished = stage.Count(c => c.Status is ChargerUpdateStatus.Succeeded or ChargerUpdateStatus.Failed);
            var failed = stage.Count(c => c.Status == ChargerUpdateStatus.Failed);
            var abort = State.Plan.Abort;
            if (finished >= abort.MinSample && failed * 100m > abort.MaxFailedPercent * finished)
            {
                Emit(new RolloutHalted(Id, State.Stage,
                    $"stage {State.Stage}: {failed} of {finished} finished updates failed, more than {abort.MaxFailedPercent}%", at));
                return;
            }
            if (State.Phase != RolloutPhase.Soaking) return;
            if (failed == stage.Count)
                Emit(new RolloutHalted(Id, State.Stage, $"stage {State.Stage}: no charger updated", at));
            else if (State.SoakOf(State.Stage) == Duration.Zero)
                NextStage(at);
        }

        private void NextStage(Instant at)
        {
            var order = State.WaveOrder;
            var remaining = order.Count - State.WaveChargersAssigned;
            if (remaining <= 0)
            {
                var all = State.Chargers.Values.ToList();
                Emit(new RolloutCompleted(Id,
                    all.Count(c => c.Status == ChargerUpdateStatus.Succeeded),
                    all.Count(c => c.Status == ChargerUpdateStatus.Failed), at));
                return;
            }
            var stage = State.Stage + 1;
            var size = Math.Min(WaveSize(State.Plan.Waves, stage), remaining);
            Emit(new RolloutStageStarted(Id, stage, order.Skip(State.WaveChargersAssigned).Take(size).ToList(), at));
        }

        public void EvaluateGate(GateDue due, IReadOnlyList<ChargerMeasurement> measurements, Instant now)
        {
            var byCharger = measurements.GroupBy(m => m.ChargerId).ToDictionary(g => g.Key, g => g.First());
            var results = due.Chargers
                .Select(w => byCharger[w.ChargerId])
                .Select(m => new ChargerGateResult(m.ChargerId, m.Baseline, m.Since, ChargerHealth.Failures(m.Baseline, m.Since, State.Plan.Gates)))
                .ToList();
            var passed = results.All(r => r.Failures.Count == 0);
            Emit(new RolloutGateEvaluated(Id, due.Stage, results, passed, now));
            if (passed)
            {
                NextStage(now);
                return;
            }
            var failing = results.Where(r => r.Failures.Count > 0).ToList();
            Emit(new RolloutHalted(Id, due.Stage,
                Bounded($"stage {due.Stage} failed its health gate on {failing.Count} of {results.Count} chargers: " +
                        string.Join("; ", failing.Take(5).Select(r => $"{r.ChargerId}: {string.Join(", ", r.Failures)}")), 1_000),
                now));
        }

        public void Advance(IReadOnlyDictionary<string, ChargerNow> chargers, Instant now, Func<string> newCommandId)
        {
            FailOverdue(chargers, now);
            if (State.Phase == RolloutPhase.Aborted || State.Phase == RolloutPhase.Completed || State.Paused) return;
            if (State.Phase == RolloutPhase.Planned)
                Emit(new RolloutStageStarted(Id, 0, State.Plan.CanaryChargerIds, now));
            var candidates = State.Phase switch
            {
                RolloutPhase.Running => State.StageChargerIds.Where(id => State.Chargers[id].Status is ChargerUpdateStatus.Waiting or ChargerUpdateStatus.Deferred),
                RolloutPhase.Halted when State.Plan.RollbackImage is not null => State.Plan.Chargers
                    .Select(c => c.ChargerId)
                    .Where(id => State.Chargers[id] is { Status: ChargerUpdateStatus.Succeeded } c && c.Stage == State.HaltedStage),
                _ => [],
            };
            var phase = State.Phase;
            var inFlight = State.InFlight;
            foreach (var id in candidates.ToList())
            {
                // A charger failing its deadline here can halt the rollout: nothing more is requested then.
                if (State.Phase != phase || inFlight >= State.Plan.Waves.MaxConcurrency) return;
                var charger = State.Chargers[id];
                var rollback = charger.Status == ChargerUpdateStatus.Succeeded;
                var situation = chargers.GetValueOrDefault(id);
                var unavailable = situation switch
                {
                    null or { Online: false } => "offline",
                    { InSession: true } => "in a session",
                    _ => null,
                };
                // A deferred charger is requested as soon as it is free; while it is not, it is noted again only at RetryAt.
                if (unavailable is null)
                {
                    Emit(new ChargerUpdateRequested(Id, id, charger.Stage ?? State.Stage, newCommandId(), rollback, now, now));
                    inFlight++;
                }
                else if (charger.RetryAt is { } retryAt && now < retryAt)
                    continue;
                else if (charger.FirstDeferredAt is { } since && since + State.UpdateTimeout <= now)
                    Fail(charger, $"{unavailable} for the whole update deadline of {State.Plan.UpdateTimeoutSeconds} s", situation?.LastFirmwareStatus, now);
                else
                    Emit(new ChargerUpdateDeferred(Id, id, unavailable, now + RetryAfter, now));
            }
        }

        // An update sent and neither booted on its image nor failed within the deadline has failed.
        private void FailOverdue(IReadOnlyDictionary<string, ChargerNow> chargers, Instant now)
        {
            foreach (var charger in State.Chargers.Values.Where(c => Awaited(c.ChargerId) is not null).OrderBy(c => c.ChargerId, StringComparer.Ordinal).ToList())
            {
                if (charger.CommandSentAt is not { } sentAt || sentAt + State.UpdateTimeout > now) continue;
                var situation = chargers.GetValueOrDefault(charger.ChargerId);
                var image = ImageFor(charger).Version;
                var reason = situation is { Online: true }
                    ? $"not booted on {image} within {State.Plan.UpdateTimeoutSeconds} s"
                    : $"went offline during the update and was not back on {image} within {State.Plan.UpdateTimeoutSeconds} s";
                Fail(charger, reason, situation?.LastFirmwareStatus, now);
            }
        }
    }
}
