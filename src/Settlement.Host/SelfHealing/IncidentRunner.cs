using Hangfire;
using Mediator;
using Microsoft.Extensions.Logging;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Domain.SelfHealing;
using Settlement.Ledger;
using Settlement.Ocpp.Commands;

namespace Settlement.Host.SelfHealing;

/// <summary>
/// Moves incidents along their ladder for whoever noticed something: the self-healer (opened, answered, recovered) and
/// the deadline job (evidence overdue). Every move is load, <see cref="IncidentProcess.Decide"/>, append at the version
/// read; a move that lost the race to another host is decided again on what that host recorded (and is then usually
/// stale, deciding nothing). A rung's commands are recorded in <see cref="HealingActionTaken"/> before anything is sent,
/// under the ids the rung names, and sent by whoever appended the rung; its deadline is a Hangfire job at
/// <see cref="HealingActionTaken.EvidenceDueAt"/>.
/// </summary>
public sealed class IncidentRunner(Ledger.Ledger ledger, IMediator mediator, IBackgroundJobClient jobs, IClock clock, ILogger<IncidentRunner> logger)
{
    public static readonly Actor Healer = Actor.Job("self-healer");

    // Answers meaning the charger does (or will do, once idle) what it was asked.
    private static readonly HashSet<string> Done = new(StringComparer.Ordinal) { "Accepted", "Scheduled", "Unlocked" };
    private const int Attempts = 5;

    /// <summary>
    /// Opens the incident once (a stream that exists already means another host or an earlier pass opened it) and takes
    /// its first rung; returns the rung(s) to send.
    /// </summary>
    public async Task<IReadOnlyList<HealingActionTaken>> OpenAsync(IncidentOpened opened, CancellationToken ct)
    {
        try
        {
            await ledger.AppendAsync(StreamAppend.New(StreamIds.Incident(opened.IncidentId), Pending(opened.IncidentId, opened, opened.OpenedAt)), ct);
            logger.LogInformation("Incident {Incident} opened: {Kind} on {Charger} EVSE {Evse}: {Evidence}",
                opened.IncidentId, opened.Kind, opened.ChargerId, opened.EvseId, opened.Evidence);
        }
        catch (StreamConcurrencyException)
        {
            // Opened before: Begin below decides nothing if its first rung was taken too, and takes it if a host stopped in between.
        }
        return await AdvanceAsync(opened.IncidentId, new Begin(), ct);
    }

    /// <summary>
    /// Decides <paramref name="trigger"/> on the incident as recorded now and appends what it decides; returns the rungs
    /// it took, whose commands the caller sends (<see cref="SendAsync"/>). An unknown incident decides nothing.
    /// </summary>
    public async Task<IReadOnlyList<HealingActionTaken>> AdvanceAsync(string incidentId, IncidentTrigger trigger, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (events, version) = await ledger.FetchAsync(StreamIds.Incident(incidentId), ct);
            if (IncidentState.Replay(events.Select(e => e.Data)) is not { } state) return [];
            var rules = await RulesAsync(ct);
            var now = clock.GetCurrentInstant();
            var decided = IncidentProcess.Decide(state, trigger, rules.LadderFor(state.Vendor, state.Model, state.Kind), now).Events;
            if (decided.Count == 0) return [];
            try
            {
                await ledger.AppendAsync(new StreamAppend(StreamIds.Incident(incidentId), [.. decided.Select(e => Pending(incidentId, e, now))], version), ct);
            }
            catch (StreamConcurrencyException) when (attempt < Attempts)
            {
                continue; // another host moved it: decide again on what it recorded
            }
            await AfterAppendAsync(events.Select(e => e.Data).Concat(decided).Aggregate((IncidentState?)null, IncidentState.Evolve)!, decided, ct);
            return [.. decided.OfType<HealingActionTaken>()];
        }
    }

    /// <summary>
    /// Sends a rung's commands under the ids it recorded, records the charger's answer, and carries on with whatever the
    /// answer decides (a refused rung climbs to the next at once, whose commands are sent in turn).
    /// </summary>
    public async Task SendAsync(HealingActionTaken taken, CancellationToken ct)
    {
        var next = new Queue<HealingActionTaken>([taken]);
        while (next.TryDequeue(out var rung))
        {
            var (events, _) = await ledger.FetchAsync(StreamIds.Incident(rung.IncidentId), ct);
            if (IncidentState.Replay(events.Select(e => e.Data)) is not { } state) return;
            var (result, status) = await CommandsAsync(state, rung, ct);
            foreach (var following in await AdvanceAsync(rung.IncidentId, new ActionAnswered(rung.Step, result, status, clock.GetCurrentInstant()), ct))
                next.Enqueue(following);
        }
    }

    /// <summary>The rules in force: the last definition in the rules stream, or <see cref="HealingRules.Default"/>.</summary>
    public async Task<HealingRules> RulesAsync(CancellationToken ct) =>
        (await ledger.ReadStreamAsync(StreamIds.HealingRules, ct)).Select(e => e.Data).Aggregate(HealingRules.Default, HealingRules.Evolve);

    private async Task<(HealingActionResult Result, string? Status)> CommandsAsync(IncidentState incident, HealingActionTaken rung, CancellationToken ct)
    {
        var commands = await CommandsForAsync(incident, rung, ct);
        if (commands is null) return (HealingActionResult.Rejected, "no running transaction to stop");
        string? lastStatus = null;
        foreach (var command in commands)
        {
            CommandResult answer;
            try
            {
                answer = await mediator.Send(command, ct);
            }
            catch (Exception problem) when (problem is not OperationCanceledException)
            {
                // An unregistered charger, or a command its schema refuses: the rung did not happen.
                logger.LogWarning(problem, "Incident {Incident} step {Step}: {Action} could not be sent", rung.IncidentId, rung.Step, rung.Action);
                return (HealingActionResult.CallError, Truncate(problem.Message));
            }
            lastStatus = answer.Status ?? answer.Error;
            var result = answer.Outcome switch
            {
                CommandOutcome.Answered when answer.Status is { } status && Done.Contains(status) => HealingActionResult.Accepted,
                CommandOutcome.Answered => HealingActionResult.Rejected,
                CommandOutcome.CallError => HealingActionResult.CallError,
                CommandOutcome.TimedOut => HealingActionResult.TimedOut,
                _ => HealingActionResult.ChargerOffline,
            };
            logger.LogInformation("Incident {Incident} step {Step} {Action}: {Command} answered {Outcome} {Status}",
                rung.IncidentId, rung.Step, rung.Action, answer.Action, answer.Outcome, answer.Status ?? answer.Error);
            if (result != HealingActionResult.Accepted) return (result, Truncate(lastStatus));
        }
        return (HealingActionResult.Accepted, Truncate(lastStatus));
    }

    /// <summary>The OCPP commands of a rung, each under the id the rung recorded; null when a stop has no transaction to name.</summary>
    private async Task<IReadOnlyList<ChargerCommand>?> CommandsForAsync(IncidentState incident, HealingActionTaken rung, CancellationToken ct)
    {
        var ids = rung.CommandIds;
        var charger = incident.ChargerId;
        // EVSE 0 is the whole charger (an offline charger's incident): a status request for all of it.
        int? evse = incident.EvseId == 0 ? null : incident.EvseId;
        IReadOnlyList<ChargerCommand> commands = rung.Action switch
        {
            HealingAction.TriggerStatus => [new TriggerMessage(charger, "StatusNotification", evse)],
            HealingAction.CycleAvailability => [new ChangeAvailability(charger, incident.EvseId, Operative: false), new ChangeAvailability(charger, incident.EvseId, Operative: true)],
            HealingAction.SoftReset => [new Reset(charger, ResetKind.Soft)],
            HealingAction.HardReset => [new Reset(charger, ResetKind.Hard)],
            HealingAction.UnlockConnector => [new UnlockConnector(charger, Math.Max(1, incident.EvseId), 1)],
            HealingAction.RemoteStop => await TransactionOfAsync(incident, ct) is { } transaction ? [new RemoteStop(charger, transaction)] : [],
            _ => [],
        };
        if (commands.Count == 0) return null;
        return [.. commands.Select((command, n) => command with { CommandId = ids[Math.Min(n, ids.Count - 1)], IssuedBy = Healer })];
    }

    /// <summary>The charger's transaction id of the incident's session, from the session's start.</summary>
    private async Task<string?> TransactionOfAsync(IncidentState incident, CancellationToken ct) =>
        incident.SessionId is { } session
            ? (await ledger.ReadStreamAsync(StreamIds.Session(session), ct)).Select(e => e.Data).OfType<Domain.Sessions.SessionStartedV2>().FirstOrDefault()?.TransactionId
            : null;

    /// <summary>What follows a recorded move: the rung's deadline on Hangfire, and NEVI's outage cause once resolved.</summary>
    private async Task AfterAppendAsync(IncidentState incident, IReadOnlyList<object> decided, CancellationToken ct)
    {
        foreach (var taken in decided.OfType<HealingActionTaken>())
        {
            var wait = taken.EvidenceDueAt - clock.GetCurrentInstant();
            jobs.Schedule<IncidentDeadlineJob>(job => job.CheckAsync(taken.IncidentId, taken.Step, CancellationToken.None),
                wait > Duration.Zero ? wait.ToTimeSpan() + IncidentDeadlineJob.Margin : TimeSpan.Zero);
            logger.LogInformation("Incident {Incident} step {Step}: {Action}, evidence due {Due}", taken.IncidentId, taken.Step, taken.Action, taken.EvidenceDueAt);
        }
        foreach (var escalated in decided.OfType<IncidentEscalated>())
            logger.LogWarning("Incident {Incident} escalated: ticket {Ticket}", escalated.IncidentId, escalated.TicketId);
        if (decided.OfType<IncidentResolved>().Any())
        {
            logger.LogInformation("Incident {Incident} resolved by {By}", incident.IncidentId, incident.ResolvedBy);
            await TagOutageCauseAsync(incident, ct);
        }
    }

    /// <summary>
    /// NEVI module 4: the outage cause a resolved incident shows, on the charger's stream, once (an equal tag there
    /// already means it was recorded, by this or another host).
    /// </summary>
    public async Task TagOutageCauseAsync(IncidentState incident, CancellationToken ct)
    {
        if (HealingKpis.OutageCause(incident) is not { } tag) return;
        for (var attempt = 1; ; attempt++)
        {
            var (events, version) = await ledger.FetchAsync(StreamIds.Charger(incident.ChargerId), ct);
            if (events.Any(e => e.Data is Domain.Kpis.OutageCauseTagged t && t.EvseId == tag.EvseId && t.From == tag.From && t.Until == tag.Until && t.Cause == tag.Cause))
                return;
            try
            {
                await ledger.AppendAsync(new StreamAppend(StreamIds.Charger(incident.ChargerId), [Pending(incident.IncidentId, tag, clock.GetCurrentInstant())], version), ct);
                return;
            }
            catch (StreamConcurrencyException) when (attempt < Attempts)
            {
            }
        }
    }

    // Everything an incident causes shares its correlation, so its history reads as one conversation.
    private static PendingEvent Pending(string incidentId, object data, Instant at) => new(data, new EventMetadata(StreamIds.Incident(incidentId), null, Healer, at));

    private static string? Truncate(string? text) => text is { Length: > 200 } ? text[..200] : text;
}
