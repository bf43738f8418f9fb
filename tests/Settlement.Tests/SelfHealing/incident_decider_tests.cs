using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.SelfHealing;
using Xunit;
using static Settlement.Tests.SelfHealing.HealingSpec;

namespace Settlement.Tests.SelfHealing;

/// <summary>The incident ladder: rungs taken before they are sent, evidence awaited, escalation with what was tried.</summary>
public sealed class incident_decider_tests
{
    private const string Id = "INC-7-ConnectorFaulted";

    private static readonly HealingLadder StatusThenResets = new("Acme", "*", IncidentKind.ConnectorFaulted,
    [
        new HealingStep(HealingAction.TriggerStatus, 60), new HealingStep(HealingAction.SoftReset, 300),
        new HealingStep(HealingAction.HardReset, 600),
    ]);

    private static Decision When(IReadOnlyList<object> given, IncidentTrigger trigger, Instant now, HealingLadder? ladder = null) =>
        IncidentProcess.Decide(IncidentState.Replay(given)!, trigger, ladder ?? StatusThenResets, now);

    [Fact]
    public void begin_takes_the_first_rung_with_its_evidence_due_after_the_rungs_wait() =>
        Then(When([Opened()], new Begin(), At(5)), Taken(Id, 1, HealingAction.TriggerStatus, At(5), 60));

    [Fact]
    public void begin_again_after_the_first_rung_decides_nothing() =>
        Then(When([Opened(), Taken(Id, 1, HealingAction.TriggerStatus, At(5), 60)], new Begin(), At(6)));

    [Fact]
    public void a_reset_resolves_an_incident()
    {
        // Given a transient fault whose status request was accepted but showed nothing within its minute
        List<object> history = [Opened(), Taken(Id, 1, HealingAction.TriggerStatus, At(5), 60), Answered(Id, 1, HealingActionResult.Accepted, At(6))];

        // When the evidence is overdue, the soft reset is taken; the charger accepts it and then clears the fault
        var overdue = When(history, new EvidenceOverdue(1), At(65));
        Then(overdue, Taken(Id, 2, HealingAction.SoftReset, At(65), 300));
        history.AddRange(overdue.Events);
        history.Add(Answered(Id, 2, HealingActionResult.Accepted, At(66)));
        var recovered = When(history, new RecoverySeen("fault InternalError cleared on EVSE 1 connector 1", 42, At(180)), At(181));

        // Then the incident is resolved by the remote action, at rung 2
        Then(recovered, new IncidentResolved(Id, IncidentResolution.RemoteAction, 2, "fault InternalError cleared on EVSE 1 connector 1", 42, At(180)));
        history.AddRange(recovered.Events);
        var state = IncidentState.Replay(history)!;
        Assert.Equal(IncidentStatus.Resolved, state.Status);
        Assert.Null(state.CurrentStep);
    }

    [Fact]
    public void evidence_overdue_before_the_rung_is_due_decides_nothing() =>
        Then(When([Opened(), Taken(Id, 1, HealingAction.TriggerStatus, At(5), 60)], new EvidenceOverdue(1), At(64)));

    [Fact]
    public void an_overdue_for_a_rung_already_passed_decides_nothing() =>
        Then(When([Opened(), Taken(Id, 1, HealingAction.TriggerStatus, At(5), 60), Taken(Id, 2, HealingAction.SoftReset, At(65), 300)],
            new EvidenceOverdue(1), At(400)));

    [Fact]
    public void failed_remote_actions_escalate()
    {
        // Given a fault, every rung of whose ladder the charger refuses or cannot hear
        List<object> history = [Opened()];
        history.AddRange(When(history, new Begin(), At(5)).Events);
        var answers = new[] { HealingActionResult.Rejected, HealingActionResult.ChargerOffline, HealingActionResult.CallError };
        Decision last = null!;
        for (var step = 1; step <= 3; step++)
        {
            last = When(history, new ActionAnswered(step, answers[step - 1], answers[step - 1].ToString(), At(5 + step)), At(5 + step));
            history.AddRange(last.Events);
        }

        // Then the last answer escalates at once, with a ticket and the evidence of each rung and what was not seen
        var escalated = Assert.IsType<IncidentEscalated>(last.Events[^1]);
        Assert.Equal(IncidentProcess.TicketIdOf(Id), escalated.TicketId);
        Assert.Equal(At(8), escalated.EscalatedAt);
        Assert.Collection(escalated.Evidence,
            line => Assert.StartsWith("opened 2026-12-06T09:00:00Z: fault InternalError", line),
            line => Assert.StartsWith("step 1 TriggerStatus 2026-12-06T09:00:05Z: answered Rejected", line),
            line => Assert.StartsWith("step 2 SoftReset 2026-12-06T09:00:06Z: answered ChargerOffline", line),
            line => Assert.StartsWith("step 3 HardReset 2026-12-06T09:00:07Z: answered CallError", line),
            line => Assert.Equal("not seen by 2026-12-06T09:00:08Z: the fault cleared, or the connector Available, Preparing or Charging", line));

        // And answers or overdues after the escalation decide nothing; only recovery on site closes it
        Then(When(history, new EvidenceOverdue(3), At(2_000)));
        Then(When(history, new RecoverySeen("fault cleared", 99, At(9_000)), At(9_001)),
            new IncidentResolved(Id, IncidentResolution.OnSite, null, "fault cleared", 99, At(9_000)));
    }

    [Fact]
    public void the_last_rung_overdue_escalates()
    {
        var last = When([Opened(), Taken(Id, 1, HealingAction.HardReset, At(5), 600), Answered(Id, 1, HealingActionResult.Accepted, At(6))],
            new EvidenceOverdue(1), At(605), new HealingLadder("*", "*", IncidentKind.ConnectorFaulted, [new HealingStep(HealingAction.HardReset, 600)]));

        var escalated = Assert.IsType<IncidentEscalated>(Assert.Single(last.Events));
        Assert.Contains(escalated.Evidence, line => line.StartsWith("step 1 HardReset", StringComparison.Ordinal) && line.Contains("answered Accepted"));
    }

    [Fact]
    public void without_a_ladder_the_incident_escalates_at_once()
    {
        var decision = IncidentProcess.Decide(IncidentState.Replay([Opened()])!, new Begin(), null, At(1));

        var escalated = Assert.IsType<IncidentEscalated>(Assert.Single(decision.Events));
        Assert.Contains("no ladder for ConnectorFaulted on Acme Volt", escalated.Evidence);
    }

    [Fact]
    public void recovery_before_any_rung_resolves_by_itself() =>
        Then(When([Opened()], new RecoverySeen("EVSE 1 connector 1 Available", 8, At(2)), At(3)),
            new IncidentResolved(Id, IncidentResolution.Itself, null, "EVSE 1 connector 1 Available", 8, At(2)));

    [Fact]
    public void recovery_after_rungs_that_never_reached_the_charger_is_by_itself()
    {
        const string offline = "INC-3-ChargerOffline";
        var ladder = new HealingLadder("*", "*", IncidentKind.ChargerOffline, [new HealingStep(HealingAction.TriggerStatus, 1_800)]);
        List<object> history = [Opened(offline, IncidentKind.ChargerOffline), Taken(offline, 1, HealingAction.TriggerStatus, At(5), 1_800)];

        // An offline charger cannot hear the status request: for an offline incident that answer is expected, and it waits
        var answered = When(history, new ActionAnswered(1, HealingActionResult.ChargerOffline, null, At(6)), At(6), ladder);
        Then(answered, new HealingActionAnswered(offline, 1, HealingActionResult.ChargerOffline, null, At(6)));
        history.AddRange(answered.Events);

        Then(When(history, new RecoverySeen("reconnected", 50, At(600)), At(601), ladder),
            new IncidentResolved(offline, IncidentResolution.Itself, null, "reconnected", 50, At(600)));
        Assert.IsType<IncidentEscalated>(Assert.Single(When(history, new EvidenceOverdue(1), At(1_805), ladder).Events));
    }

    [Fact]
    public void nothing_is_decided_after_resolution()
    {
        List<object> history = [Opened(), Taken(Id, 1, HealingAction.TriggerStatus, At(5), 60),
            new IncidentResolved(Id, IncidentResolution.RemoteAction, 1, "cleared", 9, At(30))];

        Then(When(history, new ActionAnswered(1, HealingActionResult.Accepted, null, At(31)), At(31)));
        Then(When(history, new EvidenceOverdue(1), At(100)));
        Then(When(history, new RecoverySeen("cleared again", 10, At(40)), At(40)));
        Then(When(history, new Begin(), At(41)));
    }

    [Fact]
    public void a_cycle_of_availability_sends_two_commands_under_ids_derived_from_the_incident()
    {
        var ids = IncidentProcess.CommandIds(Id, 2, HealingAction.CycleAvailability);

        Assert.Equal(2, ids.Count);
        Assert.All(ids, id => Assert.Matches("^[0-9a-f]{32}$", id));
        Assert.NotEqual(ids[0], ids[1]);
        Assert.Equal(ids, IncidentProcess.CommandIds(Id, 2, HealingAction.CycleAvailability));
        Assert.DoesNotContain(IncidentProcess.CommandIds(Id, 3, HealingAction.SoftReset)[0], ids);
    }
}
