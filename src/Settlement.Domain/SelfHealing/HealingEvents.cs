using System.ComponentModel.DataAnnotations;
using NodaTime;

namespace Settlement.Domain.SelfHealing;

// Self-healing: an incident is opened from what chargers report, runs the ladder of remote actions configured for the
// charger's vendor and model, and ends resolved (by itself, by a remote action, or on site after escalation).
// Streams: the operator's rules in "healing-rules" (each definition replaces the whole set); one stream per incident,
// "incident:{id}", its id derived from the event that opened it so that an incident is opened once per occurrence.

/// <summary>What an incident is about. Each kind has its own evidence of recovery.</summary>
public enum IncidentKind
{
    /// <summary>A charger went offline while others at its site stayed online (a whole site offline is the grid or the uplink, not the charger).</summary>
    ChargerOffline,
    /// <summary>A running session on an online charger sent no meter values for the configured time.</summary>
    SessionStuck,
    /// <summary>A connector reported Faulted (or SuspendedEVSE) with an error code the rules list as transient.</summary>
    ConnectorFaulted,
    /// <summary>An EVSE failed to start the configured number of sessions in a row.</summary>
    RepeatedFailedStarts,
}

/// <summary>The remote actions a ladder may take, mildest first as a ladder usually orders them.</summary>
public enum HealingAction
{
    /// <summary>TriggerMessage StatusNotification: ask the charger to report again (clears a stale status).</summary>
    TriggerStatus,
    /// <summary>ChangeAvailability Inoperative, then Operative: clears a latched error on many chargers.</summary>
    CycleAvailability,
    /// <summary>Reset Soft (1.6) / OnIdle (2.0.1).</summary>
    SoftReset,
    /// <summary>Reset Hard (1.6) / Immediate (2.0.1).</summary>
    HardReset,
    /// <summary>UnlockConnector: frees a cable held by a stuck session.</summary>
    UnlockConnector,
    /// <summary>RemoteStopTransaction / RequestStopTransaction for the stuck session.</summary>
    RemoteStop,
}

/// <summary>One rung: the action, then how long to wait for evidence that it worked before the next rung.</summary>
public sealed record HealingStep(
    HealingAction Action,
    [property: Range(1, 86_400)] int WaitSeconds);

/// <summary>
/// The ladder for one incident kind on chargers of a vendor and model ("*" for any; the most specific match wins:
/// vendor and model, then vendor, then any). An empty ladder escalates at once.
/// </summary>
public sealed record HealingLadder(
    [property: MinLength(1), MaxLength(100)] string Vendor,
    [property: MinLength(1), MaxLength(100)] string Model,
    IncidentKind Kind,
    [property: MaxLength(10)] IReadOnlyList<HealingStep> Steps);

/// <summary>When an incident opens, and what a truck roll costs (for the truck rolls avoided).</summary>
public sealed record HealingThresholds(
    [property: Range(1, 86_400)] int OfflineGraceSeconds,
    [property: Range(1, 86_400)] int StuckSessionSeconds,
    [property: Range(2, 100)] int FailedStartsInRow,
    [property: MaxLength(50)] IReadOnlyList<string> TransientErrorCodes,
    [property: Range(0.0, 1_000_000.0)] decimal TruckRollCost,
    [property: RegularExpression("^[A-Z]{3}$")] string Currency);

/// <summary>The operator's self-healing rules; each definition replaces the previous one from <paramref name="DefinedAt"/> on.</summary>
public sealed record HealingRulesDefined(
    HealingThresholds Thresholds,
    [property: MaxLength(500)] IReadOnlyList<HealingLadder> Ladders,
    Instant DefinedAt);

/// <summary>
/// An incident opened from <paramref name="CauseSequence"/>, the ledger event that showed it; the charger's vendor, model
/// and firmware are those it had then, for KPIs per vendor, model and firmware. <paramref name="ErrorCode"/> is the
/// fault's code for a ConnectorFaulted incident ("Faulted" for OCPP 2.0.1, which reports none), null for other kinds:
/// NEVI's outage causes depend on it.
/// </summary>
public sealed record IncidentOpened(
    [property: MinLength(1), MaxLength(100)] string IncidentId,
    IncidentKind Kind,
    [property: MinLength(1)] string ChargerId,
    [property: MinLength(1)] string SiteId,
    [property: MinLength(1)] string Vendor,
    [property: MinLength(1)] string Model,
    string? FirmwareVersion,
    [property: Range(0, 99)] int EvseId,
    string? SessionId,
    [property: MaxLength(50)] string? ErrorCode,
    [property: MinLength(1), MaxLength(1_000)] string Evidence,
    [property: Events.AtLeast(0)] long CauseSequence,
    Instant OpenedAt);

/// <summary>A rung of the ladder taken: recorded before its commands are sent, with the command ids they are sent under.</summary>
public sealed record HealingActionTaken(
    [property: MinLength(1)] string IncidentId,
    [property: Range(1, 10)] int Step,
    HealingAction Action,
    [property: MinLength(1)] IReadOnlyList<string> CommandIds,
    Instant TakenAt,
    Instant EvidenceDueAt);

/// <summary>How the charger answered a rung's command(s): Accepted, or why the action did not happen.</summary>
public enum HealingActionResult { Accepted, Rejected, CallError, TimedOut, ChargerOffline }

public sealed record HealingActionAnswered(
    [property: MinLength(1)] string IncidentId,
    [property: Range(1, 10)] int Step,
    HealingActionResult Result,
    [property: MaxLength(200)] string? Status,
    Instant AnsweredAt);

/// <summary>Who resolved an incident: the charger by itself before any action, a remote action, or someone on site after escalation.</summary>
public enum IncidentResolution { Itself, RemoteAction, OnSite }

/// <summary>The evidence that the problem is gone (<paramref name="EvidenceSequence"/>, the ledger event that showed it).</summary>
public sealed record IncidentResolved(
    [property: MinLength(1)] string IncidentId,
    IncidentResolution ResolvedBy,
    [property: Range(1, 10)] int? Step,
    [property: MinLength(1), MaxLength(1_000)] string Evidence,
    [property: Events.AtLeast(0)] long EvidenceSequence,
    Instant ResolvedAt);

/// <summary>The maintenance ticket: every rung was tried (or none applied) and the problem stayed; the evidence is what was seen.</summary>
public sealed record IncidentEscalated(
    [property: MinLength(1)] string IncidentId,
    [property: MinLength(1), MaxLength(100)] string TicketId,
    [property: MinLength(1), MaxLength(50)] IReadOnlyList<string> Evidence,
    Instant EscalatedAt);
