using System.Security.Cryptography;
using System.Text;
using NodaTime;
using NodaTime.Text;
using Settlement.Domain.Deciding;

namespace Settlement.Domain.SelfHealing;

/// <summary>What moves an incident along its ladder.</summary>
public abstract record IncidentTrigger;

/// <summary>The incident was opened: take the first rung (or escalate at once when no ladder applies).</summary>
public sealed record Begin : IncidentTrigger;

/// <summary>
/// The charger answered rung <paramref name="Step"/>'s command(s): Accepted, or the first outcome that was not
/// (for a rung of two commands, such as CycleAvailability).
/// </summary>
public sealed record ActionAnswered(int Step, HealingActionResult Result, string? Status, Instant At) : IncidentTrigger;

/// <summary>Rung <paramref name="Step"/>'s wait for evidence has passed (decided against the <c>now</c> given).</summary>
public sealed record EvidenceOverdue(int Step) : IncidentTrigger;

/// <summary>Detection saw the problem gone: ledger event <paramref name="Sequence"/>, recorded at <paramref name="At"/>.</summary>
public sealed record RecoverySeen(string Evidence, long Sequence, Instant At) : IncidentTrigger;

/// <summary>
/// The ladder: pure decisions over an incident's state. A rung is recorded (<see cref="HealingActionTaken"/>, with the
/// ids its commands are to be sent under) before anything is sent; an answer other than Accepted moves to the next rung
/// at once, and so does a rung whose evidence is overdue; after the last rung the incident escalates with the evidence
/// of everything tried. A trigger that no longer applies (a repeated Begin, an answer or an overdue for a rung already
/// passed, anything after resolution) decides nothing: accepted with no events, so redelivered jobs are harmless.
/// Nothing here is refused: a trigger either moves the incident or is stale.
/// </summary>
public static class IncidentProcess
{
    public static Decision Decide(IncidentState state, IncidentTrigger trigger, HealingLadder? ladder, Instant now) =>
        (trigger, state) switch
        {
            (_, { Status: IncidentStatus.Resolved }) => Decision.Accept(),
            (RecoverySeen seen, _) => Decision.Accept(Resolve(state, seen)),
            (_, { Status: IncidentStatus.Escalated }) => Decision.Accept(),
            (Begin, { Steps.Count: 0 }) => Decision.Accept(Climb(state, 1, ladder, now)),
            (ActionAnswered answered, _) when state.CurrentStep is { Result: null } step && step.Step == answered.Step =>
                Decision.Accept(Answer(state, answered, ladder, now)),
            (EvidenceOverdue overdue, _) when state.CurrentStep is { } step && step.Step == overdue.Step && now >= step.EvidenceDueAt =>
                Decision.Accept(Climb(state, step.Step + 1, ladder, now)),
            _ => Decision.Accept(),
        };

    /// <summary>
    /// How many commands a rung sends: cycling availability is Inoperative then Operative, everything else one command.
    /// </summary>
    public static int CommandCount(HealingAction action) => action == HealingAction.CycleAvailability ? 2 : 1;

    /// <summary>
    /// The ids a rung's commands are sent under (32 hex digits, as the command handler takes them), derived from the
    /// incident and the rung so that a host retrying the rung sends under the same ids and the charger's answers are
    /// found again.
    /// </summary>
    public static IReadOnlyList<string> CommandIds(string incidentId, int step, HealingAction action) =>
        [.. Enumerable.Range(1, CommandCount(action)).Select(n =>
            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{incidentId}/{step}/{n}")))[..32])];

    /// <summary>The ticket an escalation opens: one per incident.</summary>
    public static string TicketIdOf(string incidentId) => $"TKT-{incidentId}";

    private static IReadOnlyList<object> Answer(IncidentState state, ActionAnswered answered, HealingLadder? ladder, Instant now)
    {
        var recorded = new HealingActionAnswered(state.IncidentId, answered.Step, answered.Result, answered.Status, answered.At);
        // An offline charger cannot be reached: for an incident that is about exactly that, the answer is expected and the
        // rung's wait is the time given for the charger to come back by itself.
        var expected = answered.Result == HealingActionResult.Accepted
            || (state.Kind == IncidentKind.ChargerOffline && answered.Result == HealingActionResult.ChargerOffline);
        if (expected)
            return [recorded];
        var afterAnswer = IncidentState.Evolve(state, recorded)!;
        return [recorded, .. Climb(afterAnswer, answered.Step + 1, ladder, now)];
    }

    private static IReadOnlyList<object> Climb(IncidentState state, int step, HealingLadder? ladder, Instant now)
    {
        if (ladder is not null && step <= ladder.Steps.Count)
        {
            var rung = ladder.Steps[step - 1];
            return [new HealingActionTaken(state.IncidentId, step, rung.Action, CommandIds(state.IncidentId, step, rung.Action), now,
                now + Duration.FromSeconds(rung.WaitSeconds))];
        }
        return [new IncidentEscalated(state.IncidentId, TicketIdOf(state.IncidentId), Evidence(state, ladder, now), now)];
    }

    private static object Resolve(IncidentState state, RecoverySeen seen)
    {
        // Only a rung that reached the charger (answered Accepted, or sent and not yet answered) can take the credit: an
        // incident whose every action bounced recovered by itself, and no truck roll was avoided by the ladder.
        var reached = state.Steps.LastOrDefault(step => step.Result is null or HealingActionResult.Accepted);
        var (by, atStep) = state.Status == IncidentStatus.Escalated
            ? (IncidentResolution.OnSite, (int?)null)
            : reached is null ? (IncidentResolution.Itself, (int?)null) : (IncidentResolution.RemoteAction, reached.Step);
        return new IncidentResolved(state.IncidentId, by, atStep, Truncate(seen.Evidence, 1_000), seen.Sequence, seen.At);
    }

    private static IReadOnlyList<string> Evidence(IncidentState state, HealingLadder? ladder, Instant now)
    {
        var lines = new List<string> { Truncate($"opened {Time(state.OpenedAt)}: {state.OpenedEvidence}", 1_000) };
        if (ladder is null)
            lines.Add($"no ladder for {state.Kind} on {state.Vendor} {state.Model}");
        else if (ladder.Steps.Count == 0)
            lines.Add($"the ladder for {state.Kind} on {ladder.Vendor} {ladder.Model} has no steps");
        foreach (var step in state.Steps)
        {
            var answer = step.Result is { } result
                ? $"answered {result}{(step.AnswerStatus is { } status ? $" ({status})" : "")} {Time(step.AnsweredAt!.Value)}"
                : "no answer";
            lines.Add(Truncate($"step {step.Step} {step.Action} {Time(step.TakenAt)}: {answer}; evidence due {Time(step.EvidenceDueAt)}", 1_000));
        }
        lines.Add($"not seen by {Time(now)}: {RecoveryEvidence(state.Kind)}");
        return lines;
    }

    /// <summary>What detection takes as proof that an incident of <paramref name="kind"/> is over.</summary>
    public static string RecoveryEvidence(IncidentKind kind) => kind switch
    {
        IncidentKind.ChargerOffline => "the charger back online (reconnected or booted)",
        IncidentKind.SessionStuck => "meter values from the session, or its stop",
        IncidentKind.ConnectorFaulted => "the fault cleared, or the connector Available, Preparing or Charging",
        IncidentKind.RepeatedFailedStarts => "a session on the EVSE that transferred energy",
        _ => kind.ToString(),
    };

    private static string Time(Instant at) => InstantPattern.General.Format(at);

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];
}
