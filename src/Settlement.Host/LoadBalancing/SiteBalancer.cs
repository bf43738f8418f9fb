using System.Collections.Concurrent;
using Marten;
using Mediator;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Domain.LoadBalancing;
using Settlement.Domain.Sessions;
using Settlement.Ledger;
using Settlement.Ledger.Store;
using Settlement.Ocpp.Commands;
using Settlement.Projections.Chargers;
using Settlement.Projections.Sessions;

namespace Settlement.Host.LoadBalancing;

/// <summary>
/// Shares every site's power among its live sessions and drives the chargers to it. One host of the cluster does this at
/// a time, the one holding <see cref="AdvisoryLock.SiteBalancerKey"/>: it follows the ledger (power models, signals,
/// battery, sessions, boots), decides a site again when what it knows of it changed and at least every
/// <see cref="BalancingPolicy.RebalanceSeconds"/>, records each decision before sending anything, sends the lowered
/// limits first and the raised ones only once every lower is acknowledged. All events read in one pass make one
/// decision per site, and a site is not decided again while its commands are in flight.
/// </summary>
public sealed class SiteBalancer(Ledger.Ledger ledger, IMediator mediator, IClock clock, ILogger<SiteBalancer> logger) : BackgroundService
{
    public static readonly Actor Balancer = Actor.Job("site-balancer");

    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(100);
    // Without a power model nothing is balanced: the first model is picked up within a second.
    private static readonly TimeSpan IdlePause = TimeSpan.FromSeconds(1);
    // Commits are milliseconds apart; a transaction this old that has not committed is not coming.
    private static readonly Duration Settled = Duration.FromMilliseconds(250);
    private const int BatchSize = 1_000;
    private const int BatchesPerPass = 20;

    private static readonly Type[] PowerEvents = [typeof(SitePowerModelDefined), typeof(GridSignalIssued), typeof(GridSignalWithdrawn), typeof(BatteryStateReported)];

    private static readonly Type[] Followed =
    [
        .. PowerEvents, typeof(SessionStartedV2), typeof(SessionCustomerGroupAssigned), typeof(MeterValuesRecorded), typeof(SessionStopped),
        typeof(SessionClosedForSilence), typeof(SessionReopened), typeof(ChargerBooted), typeof(ChargerCameBackOnline),
    ];

    private readonly ConcurrentQueue<ProfileAnswer> _answers = new();
    private Following? _following;
    private CancellationTokenSource? _sending;

    protected override Task ExecuteAsync(CancellationToken ct) =>
        ledger.LeadAsync(AdvisoryLock.SiteBalancerKey, PassAsync, () => _following?.Sites.Values.Any(s => s.Model is not null) == true ? Pause : IdlePause, problem =>
        {
            // Losing the database must not end the balancer: it steps down, forgets what it knew and rebuilds it when it leads again.
            logger.LogWarning(problem, "The site balancer stopped on a problem; trying again");
            _sending?.Cancel();
            _following = null;
        }, ct);

    private async Task PassAsync(CancellationToken ct)
    {
        if (_following is null)
        {
            _sending = CancellationTokenSource.CreateLinkedTokenSource(ct);
            _answers.Clear();
            _following = await RebuildAsync(ct);
        }
        var state = _following;
        DrainAnswers(state);
        for (var batch = 0; batch < BatchesPerPass; batch++)
        {
            var events = await ledger.ReadEventsAfterAsync(state.After, Followed, BatchSize, Settled, ct);
            foreach (var recorded in events) await ApplyAsync(state, recorded, ct);
            if (events.Count > 0) state.After = events[^1].Sequence;
            if (events.Count < BatchSize) break;
        }
        var now = clock.GetCurrentInstant();
        foreach (var site in state.Sites.Values.Where(s => s.Model is not null))
        {
            if (site.SignalBoundaryPassed(state.CheckedAt, now)) site.Pending ??= RebalanceTrigger.Signal;
            if (site.Sessions.Count > 0 && now - (site.LastDecision?.DecidedAt ?? Instant.MinValue) >= Duration.FromSeconds(site.Model!.Policy.RebalanceSeconds))
                site.Pending ??= RebalanceTrigger.Periodic;
            // A site whose commands are in flight waits for their answers: its next decision starts from what was acknowledged.
            if (site.Pending is { } trigger && site.Dispatching.IsCompleted) await DecideAsync(state, site, trigger, now, ct);
        }
        state.CheckedAt = now;
    }

    private async Task DecideAsync(Following state, BalancedSite site, RebalanceTrigger trigger, Instant now, CancellationToken ct)
    {
        DrainAnswers(state);
        site.Pending = null;
        // A site without sessions whose idle EVSEs hold their reservations is sent nothing; the one decision after the last
        // session left records that it did.
        if (site.Sessions.Count == 0 && (site.LastDecision is null || site.LastDecision.Sessions.Count == 0) && site.ReservationsHeld()) return;
        if (++site.DecisionsSinceRetry >= BalancedSite.RetryEvery)
        {
            site.DecisionsSinceRetry = 0;
            foreach (var charger in site.Model!.Evses.Select(e => state.Chargers.GetValueOrDefault(e.ChargerId)).OfType<ChargerControl>().Where(c => !c.Responsive))
                charger.RetryDue = true;
        }
        var decision = site.Decide(trigger, state.Chargers, now);
        await ledger.AppendAsync(new StreamAppend(StreamIds.SiteAllocations(site.SiteId),
            [new PendingEvent(decision.Decided, new EventMetadata($"allocations:{site.SiteId}", null, Balancer, now))]), ct);
        site.LastDecision = decision.Decided;
        if (decision.Lower.Count + decision.Raise.Count > 0)
            site.Dispatching = DispatchAsync(site.SiteId, decision, _sending!.Token);
    }

    /// <summary>The lowers in parallel; the raises only once every lower was accepted, since until then the old, higher limits may still hold.</summary>
    private async Task DispatchAsync(string siteId, SiteDecision decision, CancellationToken ct)
    {
        var lowered = await Task.WhenAll(decision.Lower.Select(c => SendAsync(siteId, c.Change.SessionId, c.Change.ChargerId, c.Change.EvseId, c.Change.Target, c.Profile, c.CommandId, ct)));
        if (lowered.All(accepted => accepted))
            await Task.WhenAll(decision.Raise.Select(c => SendAsync(siteId, c.Change.SessionId, c.Change.ChargerId, c.Change.EvseId, c.Change.Target, c.Profile, c.CommandId, ct)));
    }

    /// <summary>Sends one profile through the mediator and queues the answer for the balancer's loop; true when the charger accepted it.</summary>
    private async Task<bool> SendAsync(string siteId, string? sessionId, string chargerId, int evseId, decimal target,
        System.Text.Json.Nodes.JsonObject profile, string commandId, CancellationToken ct)
    {
        bool accepted;
        try
        {
            var result = await mediator.Send(new SetChargingProfile(chargerId, evseId, profile) { CommandId = commandId, IssuedBy = Balancer }, ct);
            accepted = result is { Outcome: CommandOutcome.Answered, Status: "Accepted" };
            if (!accepted) logger.LogInformation("{Charger} did not take the profile for EVSE {Evse}: {Outcome} {Status} {Error}", chargerId, evseId, result.Outcome, result.Status, result.Error);
        }
        catch (Exception problem) when (problem is not OperationCanceledException)
        {
            // An unknown charger, a profile its schema refuses, or the ledger failing to record the command: not applied either way.
            logger.LogWarning(problem, "The profile for {Charger} EVSE {Evse} could not be sent", chargerId, evseId);
            accepted = false;
        }
        _answers.Enqueue(new ProfileAnswer(siteId, sessionId, chargerId, evseId, target, accepted));
        return accepted;
    }

    /// <summary>
    /// A charger that booted or came back holds defaults that are not known (a reboot may have lost them): each of its
    /// EVSEs is sent a TxDefaultProfile of 0 A at once, rather than its last decided reservation, since that was counted
    /// by a decision on sessions and limits that may have changed while the charger was away, whereas 0 A fits any
    /// allocation. The site's next decision waits for these answers and raises each idle EVSE to its reservation like any
    /// raise, once the lowers are acknowledged; a car arriving meanwhile waits for its session's first limit.
    /// </summary>
    private void SendZeroDefaults(Following state, BalancedSite site, string chargerId)
    {
        if (site.Model is not { } model) return;
        var protocol = state.Chargers.GetValueOrDefault(chargerId)?.Protocol ?? OcppVersion.Ocpp201;
        var sent = new List<Task<bool>>();
        foreach (var evse in model.Evses.Where(e => e.ChargerId == chargerId))
        {
            site.DefaultApplied.Remove((evse.ChargerId, evse.EvseId));
            sent.Add(SendAsync(site.SiteId, null, evse.ChargerId, evse.EvseId, 0m, ChargingProfiles.TxDefault(protocol, evse, model.NominalVoltage, 0m),
                Guid.NewGuid().ToString("N"), _sending!.Token));
        }
        site.Dispatching = Task.WhenAll(site.Dispatching, Task.WhenAll(sent));
    }

    private void DrainAnswers(Following state)
    {
        while (_answers.TryDequeue(out var answer))
        {
            var charger = state.Chargers.GetValueOrDefault(answer.ChargerId);
            if (answer.Accepted)
            {
                if (charger is { Responsive: false }) MarkSitesOf(state, answer.ChargerId);
                if (charger is not null) charger.Responsive = true;
                if (state.Sites.GetValueOrDefault(answer.SiteId) is not { } site) continue;
                if (answer.SessionId is null)
                {
                    site.DefaultApplied[(answer.ChargerId, answer.EvseId)] = answer.Target;
                    // A car that plugged in while the default was in flight draws it until its first TxProfile.
                    foreach (var onDefault in site.Sessions.Values.Where(s => s.ChargerId == answer.ChargerId && s.EvseId == answer.EvseId && site.OnFallback.Contains(s.SessionId)))
                        site.Applied[onDefault.SessionId] = answer.Target;
                }
                else if (site.Sessions.ContainsKey(answer.SessionId))
                {
                    site.Applied[answer.SessionId] = answer.Target;
                    site.OnFallback.Remove(answer.SessionId);
                }
                continue;
            }
            // Counted at its maximum from now on: what it holds is not known, and the others are shared around that.
            if (charger is not null) charger.Responsive = false;
            // A default not taken, or taken without a word back: the higher of the one before and the one sent may hold.
            if (answer.SessionId is null && state.Sites.GetValueOrDefault(answer.SiteId) is { } at
                && at.DefaultApplied.TryGetValue((answer.ChargerId, answer.EvseId), out var before))
                at.DefaultApplied[(answer.ChargerId, answer.EvseId)] = Math.Max(before, answer.Target);
            foreach (var site in state.Sites.Values)
                foreach (var session in site.Sessions.Values.Where(s => s.ChargerId == answer.ChargerId))
                    site.Applied.Remove(session.SessionId);
            MarkSitesOf(state, answer.ChargerId);
        }
    }

    /// <summary>The sites with an EVSE of the charger, session or not: its idle EVSEs' reservations count too.</summary>
    private static void MarkSitesOf(Following state, string chargerId)
    {
        foreach (var siteId in state.SiteOfEvse.Where(e => e.Key.ChargerId == chargerId).Select(e => e.Value).Distinct())
            state.Sites[siteId].Pending ??= RebalanceTrigger.ChargerAnswered;
    }

    private async Task ApplyAsync(Following state, RecordedEvent recorded, CancellationToken ct)
    {
        switch (recorded.Data)
        {
            case SitePowerModelDefined defined:
                var site = state.Site(defined.SiteId);
                site.Evolve(defined, recorded.Version);
                // The defaults the chargers acknowledged still hold: the decision on the new model lowers or raises them to its reservations.
                await IndexAsync(state, site, ct);
                site.Pending ??= RebalanceTrigger.ModelChanged;
                break;
            case GridSignalIssued issued:
                state.Site(issued.SiteId).Evolve(issued, recorded.Version);
                state.Site(issued.SiteId).Pending ??= RebalanceTrigger.Signal;
                break;
            case GridSignalWithdrawn withdrawn:
                state.Site(withdrawn.SiteId).Evolve(withdrawn, recorded.Version);
                state.Site(withdrawn.SiteId).Pending ??= RebalanceTrigger.Signal;
                break;
            case BatteryStateReported battery:
                state.Site(battery.SiteId).Evolve(battery, recorded.Version);
                state.Site(battery.SiteId).Pending ??= RebalanceTrigger.Battery;
                break;
            case SessionStartedV2 started when state.SiteOfEvse.ContainsKey((started.ChargerId, started.EvseId)):
                await TrackAsync(state, started.SessionId, RebalanceTrigger.SessionStarted, ct);
                break;
            case SessionReopened reopened when state.SiteOfEvse.Keys.Any(k => k.ChargerId == reopened.ChargerId):
                await TrackAsync(state, reopened.SessionId, RebalanceTrigger.SessionStarted, ct);
                break;
            case SessionCustomerGroupAssigned assigned when state.Live(assigned.SessionId) is ({ } at, { } live):
                at.Sessions[live.SessionId] = live with { CustomerGroup = assigned.CustomerGroup };
                break;
            case MeterValuesRecorded meter when state.Live(meter.SessionId) is ({ } at, { } live):
                var measured = live.Measured(meter);
                at.Sessions[live.SessionId] = measured;
                if (at.DrawChanged(live, measured)) at.Pending ??= RebalanceTrigger.MeterValues;
                break;
            case SessionStopped or SessionClosedForSilence:
                var sessionId = recorded.Data is SessionStopped stopped ? stopped.SessionId : ((SessionClosedForSilence)recorded.Data).SessionId;
                if (state.Live(sessionId) is ({ } from, _))
                {
                    from.Sessions.Remove(sessionId);
                    from.Applied.Remove(sessionId);
                    from.OnFallback.Remove(sessionId);
                    state.SiteOfSession.Remove(sessionId);
                    from.Pending ??= RebalanceTrigger.SessionStopped;
                }
                break;
            case ChargerBooted or ChargerCameBackOnline:
                var chargerId = recorded.Data is ChargerBooted booted ? booted.ChargerId : ((ChargerCameBackOnline)recorded.Data).ChargerId;
                if (state.Chargers.GetValueOrDefault(chargerId) is not { } control) break;
                control.RetryDue = true;
                foreach (var at in state.Sites.Values.Where(s => s.Model?.Evses.Any(e => e.ChargerId == chargerId) == true))
                {
                    SendZeroDefaults(state, at, chargerId);
                    at.Pending ??= RebalanceTrigger.ChargerAnswered;
                }
                break;
        }
    }

    /// <summary>Starts following a session at a balanced EVSE: its stream says its transaction, customer group and latest measurement.</summary>
    private async Task TrackAsync(Following state, string sessionId, RebalanceTrigger trigger, CancellationToken ct)
    {
        var (events, _) = await ledger.FetchAsync(StreamIds.Session(sessionId), ct);
        if (LiveSession.From(sessionId, events.Select(e => e.Data)) is not { } live) return;
        if (!state.SiteOfEvse.TryGetValue((live.ChargerId, live.EvseId), out var siteId)) return;
        var site = state.Sites[siteId];
        site.Sessions[sessionId] = live;
        if (!site.Applied.ContainsKey(sessionId) && site.DefaultApplied.TryGetValue((live.ChargerId, live.EvseId), out var fallback))
        {
            site.Applied[sessionId] = fallback;
            site.OnFallback.Add(sessionId);
        }
        state.SiteOfSession[sessionId] = siteId;
        site.Pending ??= trigger;
    }

    /// <summary>Which site each EVSE of the site's model belongs to, the protocol of its chargers, and the sessions already open at them.</summary>
    private async Task IndexAsync(Following state, BalancedSite site, CancellationToken ct)
    {
        foreach (var key in state.SiteOfEvse.Where(e => e.Value == site.SiteId).Select(e => e.Key).ToList()) state.SiteOfEvse.Remove(key);
        foreach (var evse in site.Model!.Evses) state.SiteOfEvse[(evse.ChargerId, evse.EvseId)] = site.SiteId;
        foreach (var gone in site.Sessions.Values.Where(s => site.Evse(s.ChargerId, s.EvseId) is null).ToList())
        {
            site.Sessions.Remove(gone.SessionId);
            site.Applied.Remove(gone.SessionId);
            site.OnFallback.Remove(gone.SessionId);
            state.SiteOfSession.Remove(gone.SessionId);
        }

        await using var query = ledger.QueryReadModels();
        var chargerIds = site.Model.Evses.Select(e => e.ChargerId).Distinct().Where(id => !state.Chargers.ContainsKey(id)).ToList();
        foreach (var charger in await query.LoadManyAsync<ChargerEntry>(ct, chargerIds.Select(StreamIds.Charger)))
            state.Chargers[charger.ChargerId] = new ChargerControl(charger.Protocol ?? OcppVersion.Ocpp201);

        var open = await query.Query<SessionLifecycle>().Where(s => s.Open).Select(s => s.Id).ToListAsync(ct);
        var entries = await query.LoadManyAsync<SessionEntry>(ct, open);
        foreach (var entry in entries.Where(e => site.Evse(e.ChargerId, e.EvseId) is not null && !site.Sessions.ContainsKey(e.SessionId)))
            await TrackAsync(state, entry.SessionId, RebalanceTrigger.SessionStarted, ct);
    }

    /// <summary>
    /// What a new lead starts from: the power streams folded, the sessions open at balanced EVSEs, and each site's last
    /// decision. A limit or reservation that decision sent may or may not have landed, so the higher of the two is taken
    /// as applied: the first decision then lowers it first if need be.
    /// </summary>
    private async Task<Following> RebuildAsync(CancellationToken ct)
    {
        var state = new Following(await ledger.LastPositionAsync(ct), clock.GetCurrentInstant());
        for (var after = -1L; ;)
        {
            var events = await ledger.ReadEventsAfterAsync(after, PowerEvents, BatchSize, Duration.Zero, ct);
            foreach (var recorded in events)
                state.Site(recorded.Data switch
                {
                    SitePowerModelDefined e => e.SiteId,
                    GridSignalIssued e => e.SiteId,
                    GridSignalWithdrawn e => e.SiteId,
                    BatteryStateReported e => e.SiteId,
                    var other => throw new InvalidOperationException($"{other.GetType().Name} is not a power event"),
                }).Evolve(recorded.Data, recorded.Version);
            if (events.Count < BatchSize) break;
            after = events[^1].Sequence;
        }
        foreach (var site in state.Sites.Values.Where(s => s.Model is not null))
        {
            await IndexAsync(state, site, ct);
            await using var query = ledger.QueryReadModels();
            var last = await query.Events.QueryAllRawEvents().Where(e => e.StreamKey == StreamIds.SiteAllocations(site.SiteId))
                .OrderByDescending(e => e.Version).Take(1).ToListAsync(ct);
            if (last.FirstOrDefault()?.Data is LoadAllocationDecided decided)
            {
                site.LastDecision = decided;
                foreach (var s in decided.Sessions.Where(s => site.Sessions.ContainsKey(s.SessionId)))
                {
                    if (s.Responsive && s.PreviousLimitAmps is { } before) site.Applied[s.SessionId] = Math.Max(before, s.LimitAmps);
                    // Its EVSE held 0 A unless the decision lowered it there: that lower may not have landed, and what it held before is not recorded.
                    if (s.Responsive && s.DefaultCommandId is null) site.DefaultApplied[(s.ChargerId, s.EvseId)] = 0m;
                    if (!s.Responsive && state.Chargers.GetValueOrDefault(s.ChargerId) is { } charger) (charger.Responsive, charger.RetryDue) = (false, true);
                }
                foreach (var i in decided.IdleEvses)
                {
                    if (i.AppliedDefaultAmps is { } before) site.DefaultApplied[(i.ChargerId, i.EvseId)] = i.Responsive ? Math.Max(before, i.ReservedAmps) : before;
                    if (!i.Responsive && state.Chargers.GetValueOrDefault(i.ChargerId) is { } charger) (charger.Responsive, charger.RetryDue) = (false, true);
                }
            }
            site.Pending = RebalanceTrigger.Periodic;
        }
        logger.LogInformation("The site balancer leads: {Sites} sites with a power model, {Sessions} live sessions",
            state.Sites.Values.Count(s => s.Model is not null), state.SiteOfSession.Count);
        return state;
    }

    /// <summary>A charger's answer to a profile: a session's TxProfile, or with no session the EVSE's TxDefaultProfile.</summary>
    private sealed record ProfileAnswer(string SiteId, string? SessionId, string ChargerId, int EvseId, decimal Target, bool Accepted);

    /// <summary>What the lead knows: the sites, which site each EVSE and session belongs to, the chargers, and how far it read.</summary>
    private sealed class Following(long after, Instant checkedAt)
    {
        public long After { get; set; } = after;
        public Instant CheckedAt { get; set; } = checkedAt;
        public Dictionary<string, BalancedSite> Sites { get; } = new(StringComparer.Ordinal);
        public Dictionary<(string ChargerId, int EvseId), string> SiteOfEvse { get; } = [];
        public Dictionary<string, string> SiteOfSession { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, ChargerControl> Chargers { get; } = new(StringComparer.Ordinal);

        public BalancedSite Site(string siteId)
        {
            if (!Sites.TryGetValue(siteId, out var site)) Sites[siteId] = site = new BalancedSite(siteId);
            return site;
        }

        public (BalancedSite Site, LiveSession Session)? Live(string sessionId) =>
            SiteOfSession.TryGetValue(sessionId, out var siteId) && Sites[siteId].Sessions.TryGetValue(sessionId, out var live) ? (Sites[siteId], live) : null;
    }
}
