using System.Collections.Immutable;
using NodaTime;
using Settlement.Domain.Chargers;

namespace Settlement.Domain.Firmware;

/// <summary>A charger as the directory knows it when a rollout is planned: what targeting and the plan need.</summary>
public sealed record FleetCharger(
    string ChargerId,
    string SiteId,
    string CountryCode,
    string Vendor,
    string Model,
    OcppVersion Protocol,
    string? Firmware);

/// <summary>
/// Plan a rollout. <paramref name="CanaryChargerIds"/> names the canaries (each must be a target); when null, the first
/// <paramref name="CanaryCount"/> targets in update order are. Defaults for the rest: <see cref="RolloutPlanning"/>.
/// </summary>
public sealed record PlanRollout(
    string RolloutId,
    string Name,
    FirmwareImage Image,
    RolloutTarget Target,
    IReadOnlyList<string>? CanaryChargerIds,
    int CanaryCount,
    int CanarySoakSeconds,
    HealthGates Gates,
    WavePlan Waves,
    AbortCriteria Abort,
    FirmwareImage? RollbackImage,
    int UpdateTimeoutSeconds);

/// <summary>What the process reacts to: the runner's ticks, the chargers' answers and reports, the gate measurements, the operator.</summary>
public abstract record RolloutTrigger
{
    private RolloutTrigger() { }

    /// <summary>
    /// A tick: start the next stage, request updates as concurrency allows (deferring chargers that are offline or in a
    /// session), fail those past the update deadline. <paramref name="Chargers"/> holds each charger of the rollout that
    /// the runner knows about now; one missing counts as offline.
    /// </summary>
    public sealed record Advance(IReadOnlyDictionary<string, ChargerNow> Chargers) : RolloutTrigger;

    /// <summary>The outcome of the UpdateFirmware command <paramref name="CommandId"/>: accepted, or why not (rejected, CallError, timed out, offline).</summary>
    public sealed record UpdateAnswered(string ChargerId, string CommandId, bool Accepted, string? Detail) : RolloutTrigger;

    /// <summary>A FirmwareStatusNotification the charger sent: a download, install or signature failure fails its update.</summary>
    public sealed record FirmwareReported(string ChargerId, FirmwareStatus Status, Instant At) : RolloutTrigger;

    /// <summary>The charger booted (and was accepted) reporting <paramref name="Version"/>: on the awaited image, its update succeeded.</summary>
    public sealed record Booted(string ChargerId, string? Version, Instant At) : RolloutTrigger;

    /// <summary>The runner measured the chargers of the soaked stage over the windows of <see cref="RolloutState.GateDue"/>.</summary>
    public sealed record GateMeasured(int Stage, IReadOnlyList<ChargerMeasurement> Measurements) : RolloutTrigger;

    public sealed record Pause(string Reason) : RolloutTrigger;

    public sealed record Resume : RolloutTrigger;

    public sealed record Abort(string Reason) : RolloutTrigger;
}

/// <summary>A charger's situation as the runner sees it at a tick; <paramref name="LastFirmwareStatus"/> explains a failure at the deadline.</summary>
public sealed record ChargerNow(bool Online, bool InSession, FirmwareStatus? LastFirmwareStatus = null);

/// <summary>One charger's health before its update and since it, measured with <see cref="ChargerHealth.Measure"/>.</summary>
public sealed record ChargerMeasurement(string ChargerId, HealthFigures Baseline, HealthFigures Since);

/// <summary>What the runner must measure for a soaked stage: each updated charger's baseline and since windows.</summary>
public sealed record GateDue(int Stage, IReadOnlyList<GateWindow> Chargers);

/// <summary><paramref name="Baseline"/> is the same length as <paramref name="Since"/> and ends when the charger's update was requested.</summary>
public sealed record GateWindow(string ChargerId, Interval Baseline, Interval Since);

/// <summary>Where the rollout as a whole is; <see cref="RolloutState.Paused"/> is kept apart, as a pause keeps the phase.</summary>
public enum RolloutPhase { Planned, Running, Soaking, Halted, Aborted, Completed }

/// <summary>Where one charger is. Rollback statuses follow Succeeded when a halted stage is rolled back.</summary>
public enum ChargerUpdateStatus { Waiting, Deferred, Requested, Succeeded, Failed, RollbackRequested, RolledBack, RollbackFailed }

/// <summary>
/// One charger's progress: its stage once it has one, the command in flight and when it was sent, when its update was
/// requested and succeeded (the gate's windows), and since when it has been deferred.
/// </summary>
public sealed record ChargerProgress(
    string ChargerId,
    int? Stage,
    ChargerUpdateStatus Status,
    string? CommandId,
    Instant? CommandSentAt,
    Instant? RequestedAt,
    Instant? SucceededAt,
    Instant? FirstDeferredAt,
    Instant? RetryAt);

/// <summary>
/// A rollout folded from its stream: all <see cref="RolloutProcess.Decide"/> needs, so a host that restarts rebuilds
/// it and continues exactly where the last one stopped.
/// </summary>
public sealed record RolloutState(
    RolloutPlanned Plan,
    RolloutPhase Phase,
    bool Paused,
    int Stage,
    IReadOnlyList<string> StageChargerIds,
    int WaveChargersAssigned,
    ImmutableDictionary<string, ChargerProgress> Chargers,
    Instant? StageFinishedAt,
    int? HaltedStage,
    string? HaltReason)
{
    public string RolloutId => Plan.RolloutId;

    public Duration UpdateTimeout => Duration.FromSeconds(Plan.UpdateTimeoutSeconds);

    /// <summary>The chargers after the canaries, in the order the waves take them.</summary>
    public IReadOnlyList<string> WaveOrder => Plan.Chargers.Select(c => c.ChargerId).Where(id => !Plan.CanaryChargerIds.Contains(id)).ToList();

    /// <summary>How long the stage that just finished soaks: the canary soak after stage 0, the wave soak after a wave.</summary>
    public Duration SoakOf(int stage) => Duration.FromSeconds(stage == 0 ? Plan.CanarySoakSeconds : Plan.Waves.SoakSecondsBetweenWaves);

    /// <summary>When the current stage's soak ends, while it soaks.</summary>
    public Instant? SoakEndsAt => Phase == RolloutPhase.Soaking && StageFinishedAt is { } finished ? finished + SoakOf(Stage) : null;

    /// <summary>Chargers with an update (or rollback) sent and not yet finished.</summary>
    public int InFlight => Chargers.Values.Count(c => c.Status is ChargerUpdateStatus.Requested or ChargerUpdateStatus.RollbackRequested);

    /// <summary>
    /// The measurement the runner owes once the soak is over (null before, or when nothing soaks): for each charger of
    /// the stage that updated, its window since the update until the soak's end and the same length before its request.
    /// </summary>
    public GateDue? GateDue(Instant now)
    {
        if (SoakEndsAt is not { } soakEnd || now < soakEnd) return null;
        var windows = StageChargerIds
            .Select(id => Chargers[id])
            .Where(c => c is { Status: ChargerUpdateStatus.Succeeded, SucceededAt: not null, RequestedAt: not null })
            .Select(c =>
            {
                var since = new Interval(c.SucceededAt!.Value, soakEnd);
                return new GateWindow(c.ChargerId, new Interval(c.RequestedAt!.Value - since.Duration, c.RequestedAt.Value), since);
            })
            .ToList();
        return new GateDue(Stage, windows);
    }

    /// <summary>Start from the plan; null for a stream that does not begin with one.</summary>
    public static RolloutState Create(RolloutPlanned planned) => new(
        planned,
        RolloutPhase.Planned,
        Paused: false,
        Stage: -1,
        StageChargerIds: [],
        WaveChargersAssigned: 0,
        planned.Chargers.ToImmutableDictionary(
            c => c.ChargerId,
            c => new ChargerProgress(c.ChargerId, null, ChargerUpdateStatus.Waiting, null, null, null, null, null, null)),
        StageFinishedAt: null,
        HaltedStage: null,
        HaltReason: null);

    /// <summary>Fold one event of the rollout's stream; events of other kinds leave the state as it is.</summary>
    public static RolloutState? Evolve(RolloutState? state, object @event) => (state, @event) switch
    {
        (null, RolloutPlanned planned) => Create(planned),
        (null, _) => null,
        ({ } s, RolloutStageStarted started) => s.StartStage(started),
        ({ } s, ChargerUpdateDeferred deferred) => s.Update(deferred.ChargerId, c => c with
        {
            Status = c.Status == ChargerUpdateStatus.Succeeded ? c.Status : ChargerUpdateStatus.Deferred,
            FirstDeferredAt = c.FirstDeferredAt ?? deferred.DeferredAt,
            RetryAt = deferred.RetryAt,
        }),
        ({ } s, ChargerUpdateRequested requested) => s.Update(requested.ChargerId, c => c with
        {
            Status = requested.Rollback ? ChargerUpdateStatus.RollbackRequested : ChargerUpdateStatus.Requested,
            CommandId = requested.CommandId,
            CommandSentAt = requested.RequestedAt,
            RequestedAt = requested.Rollback ? c.RequestedAt : requested.RequestedAt,
            FirstDeferredAt = null,
            RetryAt = null,
        }),
        ({ } s, ChargerUpdateSucceeded succeeded) => s.Update(succeeded.ChargerId, c => c with
        {
            Status = succeeded.Rollback ? ChargerUpdateStatus.RolledBack : ChargerUpdateStatus.Succeeded,
            CommandId = null,
            CommandSentAt = null,
            SucceededAt = succeeded.Rollback ? c.SucceededAt : succeeded.SucceededAt,
        }).AfterOutcome(succeeded.SucceededAt),
        ({ } s, ChargerUpdateFailed failed) => s.Update(failed.ChargerId, c => c with
        {
            Status = failed.Rollback ? ChargerUpdateStatus.RollbackFailed : ChargerUpdateStatus.Failed,
            CommandId = null,
            CommandSentAt = null,
        }).AfterOutcome(failed.FailedAt),
        ({ } s, RolloutGateEvaluated) => s with { StageFinishedAt = null },
        ({ } s, RolloutHalted halted) => s with { Phase = RolloutPhase.Halted, HaltedStage = halted.Stage, HaltReason = halted.Reason, StageFinishedAt = null },
        ({ } s, RolloutPaused) => s with { Paused = true },
        ({ } s, RolloutResumed) => s with { Paused = false },
        ({ } s, RolloutAborted aborted) => s with { Phase = RolloutPhase.Aborted, HaltReason = aborted.Reason },
        ({ } s, RolloutCompleted) => s with { Phase = RolloutPhase.Completed },
        ({ } s, _) => s,
    };

    /// <summary>Fold a whole stream.</summary>
    public static RolloutState? Fold(IEnumerable<object> events) => events.Aggregate((RolloutState?)null, Evolve);

    /// <summary>True when every charger of the current stage has an outcome (rollbacks aside).</summary>
    public bool StageFinished => Stage >= 0 && StageChargerIds.All(id => Chargers[id].Status is not
        (ChargerUpdateStatus.Waiting or ChargerUpdateStatus.Deferred or ChargerUpdateStatus.Requested));

    private RolloutState StartStage(RolloutStageStarted started)
    {
        var chargers = Chargers;
        foreach (var id in started.ChargerIds)
            chargers = chargers.SetItem(id, chargers[id] with { Stage = started.Stage });
        return this with
        {
            Phase = RolloutPhase.Running,
            Stage = started.Stage,
            StageChargerIds = started.ChargerIds,
            WaveChargersAssigned = WaveChargersAssigned + (started.Stage == 0 ? 0 : started.ChargerIds.Count),
            Chargers = chargers,
            StageFinishedAt = null,
        };
    }

    private RolloutState Update(string chargerId, Func<ChargerProgress, ChargerProgress> change) =>
        Chargers.TryGetValue(chargerId, out var charger) ? this with { Chargers = Chargers.SetItem(chargerId, change(charger)) } : this;

    // The stage's last outcome starts its soak; outcomes arriving after a halt or an abort change nothing of the phase.
    private RolloutState AfterOutcome(Instant at) =>
        Phase == RolloutPhase.Running && StageFinished ? this with { Phase = RolloutPhase.Soaking, StageFinishedAt = at } : this;
}
