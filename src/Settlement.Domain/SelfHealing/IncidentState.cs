using NodaTime;
using Settlement.Domain.Events;

namespace Settlement.Domain.SelfHealing;

/// <summary>Open: the ladder runs (or waits). Escalated: a ticket is out, still waiting for recovery. Resolved: closed.</summary>
public enum IncidentStatus { Open, Escalated, Resolved }

/// <summary>A rung taken: its action, the commands sent for it, and the charger's answer once known.</summary>
public sealed record IncidentStep(
    int Step,
    HealingAction Action,
    IReadOnlyList<string> CommandIds,
    Instant TakenAt,
    Instant EvidenceDueAt,
    HealingActionResult? Result,
    string? AnswerStatus,
    Instant? AnsweredAt);

/// <summary>
/// One incident, folded from its stream: what the ladder decides with, and the read model the API and the KPIs read
/// (stored by the inline projection <c>IncidentEntries</c>, <see cref="Id"/> the stream key "incident:{IncidentId}").
/// An incident escalated and then resolved on site is <see cref="IncidentStatus.Resolved"/> with
/// <see cref="ResolvedBy"/> OnSite, and keeps its ticket and <see cref="EscalatedAt"/>.
/// </summary>
public sealed record IncidentState(
    string Id,
    string IncidentId,
    IncidentKind Kind,
    string ChargerId,
    string SiteId,
    string Vendor,
    string Model,
    string? FirmwareVersion,
    int EvseId,
    string? SessionId,
    string? ErrorCode,
    string OpenedEvidence,
    long CauseSequence,
    Instant OpenedAt,
    IncidentStatus Status,
    IReadOnlyList<IncidentStep> Steps,
    string? TicketId,
    IReadOnlyList<string> EscalationEvidence,
    Instant? EscalatedAt,
    IncidentResolution? ResolvedBy,
    int? ResolvedAtStep,
    string? ResolutionEvidence,
    Instant? ResolvedAt)
{
    /// <summary>The rung in progress (its number counted from 1), or null before the first and after escalation or resolution.</summary>
    public IncidentStep? CurrentStep => Status == IncidentStatus.Open && Steps.Count > 0 ? Steps[^1] : null;

    /// <summary>When the ladder must look again if no evidence comes: the current rung's due time.</summary>
    public Instant? EvidenceDueAt => CurrentStep?.EvidenceDueAt;

    /// <summary>
    /// The fold of an incident stream: <see cref="IncidentOpened"/> starts it (null before), the others change it.
    /// Events for another incident or of other types change nothing.
    /// </summary>
    public static IncidentState? Evolve(IncidentState? state, object @event) => (@event, state) switch
    {
        (IncidentOpened o, null) => new IncidentState(
            StreamIds.Incident(o.IncidentId), o.IncidentId, o.Kind, o.ChargerId, o.SiteId, o.Vendor, o.Model, o.FirmwareVersion,
            o.EvseId, o.SessionId, o.ErrorCode, o.Evidence, o.CauseSequence, o.OpenedAt, IncidentStatus.Open, [], null, [], null, null, null,
            null, null),
        (HealingActionTaken t, { } s) when t.IncidentId == s.IncidentId => s with
        {
            Steps = [.. s.Steps, new IncidentStep(t.Step, t.Action, t.CommandIds, t.TakenAt, t.EvidenceDueAt, null, null, null)],
        },
        (HealingActionAnswered a, { } s) when a.IncidentId == s.IncidentId => s with
        {
            Steps = [.. s.Steps.Select(step => step.Step == a.Step
                ? step with { Result = a.Result, AnswerStatus = a.Status, AnsweredAt = a.AnsweredAt }
                : step)],
        },
        (IncidentEscalated e, { } s) when e.IncidentId == s.IncidentId => s with
        {
            Status = IncidentStatus.Escalated, TicketId = e.TicketId, EscalationEvidence = e.Evidence, EscalatedAt = e.EscalatedAt,
        },
        (IncidentResolved r, { } s) when r.IncidentId == s.IncidentId => s with
        {
            Status = IncidentStatus.Resolved, ResolvedBy = r.ResolvedBy, ResolvedAtStep = r.Step, ResolutionEvidence = r.Evidence,
            ResolvedAt = r.ResolvedAt,
        },
        _ => state,
    };

    /// <summary>The state after a whole stream, in order; null when it holds no <see cref="IncidentOpened"/>.</summary>
    public static IncidentState? Replay(IEnumerable<object> events) => events.Aggregate((IncidentState?)null, Evolve);
}
