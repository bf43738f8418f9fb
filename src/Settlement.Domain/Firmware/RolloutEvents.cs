using System.ComponentModel.DataAnnotations;
using NodaTime;
using Settlement.Domain.Chargers;

namespace Settlement.Domain.Firmware;

// A staged firmware rollout, one stream per rollout ("rollout:{id}"): a canary stage of one or a few chargers, a soak,
// health gates against each charger's own baseline, then waves. Every step and outcome is an event here; the commands
// themselves and the chargers' firmware statuses are recorded on the charger streams as for any command.

/// <summary>
/// The firmware to install. <paramref name="Signature"/> and <paramref name="SigningCertificate"/> are the OCPP 2.0.1
/// signed-firmware fields (PEM certificate, base64 signature), sent to chargers speaking 2.0.1.
/// </summary>
public sealed record FirmwareImage(
    [property: MinLength(1), MaxLength(50)] string Version,
    [property: MinLength(1), MaxLength(512)] string Location,
    [property: MaxLength(800)] string? Signature,
    [property: MaxLength(5_500)] string? SigningCertificate);

/// <summary>Which chargers a rollout is for; an empty list does not narrow. Chargers already on the target version are left out.</summary>
public sealed record RolloutTarget(
    [property: MaxLength(50)] IReadOnlyList<string> Vendors,
    [property: MaxLength(50)] IReadOnlyList<string> Models,
    [property: MaxLength(50)] IReadOnlyList<string> FromFirmware,
    [property: MaxLength(500)] IReadOnlyList<string> SiteIds,
    [property: MaxLength(50)] IReadOnlyList<string> CountryCodes);

/// <summary>A charger in the rollout as it was when the rollout was planned.</summary>
public sealed record RolloutCharger(
    [property: MinLength(1)] string ChargerId,
    [property: MinLength(1)] string SiteId,
    [property: MinLength(1)] string Vendor,
    [property: MinLength(1)] string Model,
    OcppVersion Protocol,
    string? FirmwareBefore);

/// <summary>
/// The health gates after a soak, each charger against its own baseline (the same length of time before its update):
/// it booted Accepted on the new firmware; faults and reconnects per hour rose by at most the given number; its charge
/// success and uptime fell by at most the given percentage points.
/// </summary>
public sealed record HealthGates(
    bool RequireBootAccepted,
    [property: Range(0.0, 1_000.0)] decimal MaxFaultsPerHourIncrease,
    [property: Range(0.0, 1_000.0)] decimal MaxReconnectsPerHourIncrease,
    [property: Range(0.0, 100.0)] decimal MaxChargeSuccessDropPoints,
    [property: Range(0.0, 100.0)] decimal MaxUptimeDropPoints);

/// <summary>
/// Waves after the canary: the first of <paramref name="FirstWaveSize"/> chargers, each next one <paramref name="Growth"/>
/// times the last (1: constant), never more than <paramref name="MaxConcurrency"/> chargers updating at once, and a soak of
/// <paramref name="SoakSecondsBetweenWaves"/> after each wave before the next (0: the next starts when the last is done).
/// </summary>
public sealed record WavePlan(
    [property: Range(1, 100_000)] int FirstWaveSize,
    [property: Range(1.0, 10.0)] decimal Growth,
    [property: Range(1, 10_000)] int MaxConcurrency,
    [property: Range(0, 2_592_000)] int SoakSecondsBetweenWaves);

/// <summary>A stage halts the rollout when more than <paramref name="MaxFailedPercent"/> of its chargers failed, once at least <paramref name="MinSample"/> of them finished.</summary>
public sealed record AbortCriteria(
    [property: Range(0.0, 100.0)] decimal MaxFailedPercent,
    [property: Range(1, 100_000)] int MinSample);

/// <summary>
/// The rollout as planned: its chargers in the order they are updated, the canaries first. A charger that has neither
/// booted on the image nor failed within <paramref name="UpdateTimeoutSeconds"/> of its request (or of its first
/// deferral, when it stayed offline or in a session) fails.
/// </summary>
public sealed record RolloutPlanned(
    [property: MinLength(1), MaxLength(100)] string RolloutId,
    [property: MinLength(1), MaxLength(200)] string Name,
    FirmwareImage Image,
    RolloutTarget Target,
    [property: MinLength(1), MaxLength(100_000)] IReadOnlyList<RolloutCharger> Chargers,
    [property: MinLength(1), MaxLength(100)] IReadOnlyList<string> CanaryChargerIds,
    [property: Range(0, 2_592_000)] int CanarySoakSeconds,
    HealthGates Gates,
    WavePlan Waves,
    AbortCriteria Abort,
    FirmwareImage? RollbackImage,
    [property: Range(5, 604_800)] int UpdateTimeoutSeconds,
    Instant PlannedAt);

/// <summary>Stage 0 is the canary, 1.. the waves.</summary>
public sealed record RolloutStageStarted(
    [property: MinLength(1)] string RolloutId,
    [property: Range(0, 10_000)] int Stage,
    [property: MinLength(1)] IReadOnlyList<string> ChargerIds,
    Instant StartedAt);

/// <summary>A charger was in a session (or offline) when its turn came: it is not updated during one; it is requested as soon as it is free, and noted again at <paramref name="RetryAt"/> while it is not.</summary>
public sealed record ChargerUpdateDeferred(
    [property: MinLength(1)] string RolloutId,
    [property: MinLength(1)] string ChargerId,
    [property: MinLength(1), MaxLength(200)] string Reason,
    Instant RetryAt,
    Instant DeferredAt);

/// <summary>UpdateFirmware for a charger, recorded before it is sent, under <paramref name="CommandId"/>; <paramref name="Rollback"/> when it installs the rollback image.</summary>
public sealed record ChargerUpdateRequested(
    [property: MinLength(1)] string RolloutId,
    [property: MinLength(1)] string ChargerId,
    [property: Range(0, 10_000)] int Stage,
    [property: MinLength(1)] string CommandId,
    bool Rollback,
    Instant RetrieveAt,
    Instant RequestedAt);

/// <summary>The charger installed the image and booted on <paramref name="InstalledVersion"/>.</summary>
public sealed record ChargerUpdateSucceeded(
    [property: MinLength(1)] string RolloutId,
    [property: MinLength(1)] string ChargerId,
    bool Rollback,
    string? InstalledVersion,
    Instant SucceededAt);

/// <summary>The update did not happen or did not take: rejected, a failed download, install or signature, no word within the deadline.</summary>
public sealed record ChargerUpdateFailed(
    [property: MinLength(1)] string RolloutId,
    [property: MinLength(1)] string ChargerId,
    bool Rollback,
    [property: MinLength(1), MaxLength(500)] string Reason,
    FirmwareStatus? LastStatus,
    Instant FailedAt);

/// <summary>What a charger's health was over a window: the figures the gates compare.</summary>
public sealed record HealthFigures(
    [property: Range(0.0, 1_000_000.0)] decimal Hours,
    bool? BootAccepted,
    [property: Range(0.0, 1_000_000.0)] decimal FaultsPerHour,
    [property: Range(0.0, 1_000_000.0)] decimal ReconnectsPerHour,
    [property: Range(0.0, 100.0)] decimal? ChargeSuccessPercent,
    [property: Range(0.0, 100.0)] decimal UptimePercent);

/// <summary>One charger's gate: its baseline, its figures since the update, and each gate it failed (empty: passed).</summary>
public sealed record ChargerGateResult(
    [property: MinLength(1)] string ChargerId,
    HealthFigures Baseline,
    HealthFigures Since,
    IReadOnlyList<string> Failures);

/// <summary>The soak after a stage ended and its chargers were measured against their baselines.</summary>
public sealed record RolloutGateEvaluated(
    [property: MinLength(1)] string RolloutId,
    [property: Range(0, 10_000)] int Stage,
    [property: MinLength(1)] IReadOnlyList<ChargerGateResult> Results,
    bool Passed,
    Instant EvaluatedAt);

/// <summary>The rollout stopped by itself: a gate failed or a stage met the abort criteria. Nothing more is sent but rollbacks.</summary>
public sealed record RolloutHalted(
    [property: MinLength(1)] string RolloutId,
    [property: Range(0, 10_000)] int Stage,
    [property: MinLength(1), MaxLength(1_000)] string Reason,
    Instant HaltedAt);

public sealed record RolloutPaused(
    [property: MinLength(1)] string RolloutId,
    [property: MinLength(1), MaxLength(500)] string Reason,
    Instant PausedAt);

public sealed record RolloutResumed(
    [property: MinLength(1)] string RolloutId,
    Instant ResumedAt);

/// <summary>The operator stopped the rollout for good.</summary>
public sealed record RolloutAborted(
    [property: MinLength(1)] string RolloutId,
    [property: MinLength(1), MaxLength(500)] string Reason,
    Instant AbortedAt);

public sealed record RolloutCompleted(
    [property: MinLength(1)] string RolloutId,
    [property: Range(0, 100_000)] int Updated,
    [property: Range(0, 100_000)] int Failed,
    Instant CompletedAt);
