using System.Collections.Concurrent;
using Marten;
using Mediator;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Domain.Firmware;
using Settlement.Domain.Sessions;
using Settlement.Ledger;
using Settlement.Ledger.Store;
using Settlement.Ocpp.Commands;
using Settlement.Projections.Chargers;
using Settlement.Projections.Sessions;

namespace Settlement.Host.Firmware;

/// <summary>
/// Drives every active rollout. One host of the cluster does this at a time, the one holding
/// <see cref="AdvisoryLock.RolloutRunnerKey"/>: on taking the lead it folds each active rollout from its stream, then
/// follows the ledger for what the process reacts to (the rollouts' own events, firmware statuses, boots, the answers to
/// its UpdateFirmware commands, chargers going offline and back, sessions starting and ending) and every pass lets the
/// process advance with the clock. What it decides is appended at the stream version it was folded from; each
/// ChargerUpdateRequested is committed before its UpdateFirmware is sent under the same command id, so a request whose
/// command never reached the charger's stream is sent when the next leader takes over, and one that did is not sent again.
/// </summary>
public sealed class RolloutRunner(Ledger.Ledger ledger, IMediator mediator, IClock clock, ILogger<RolloutRunner> logger) : BackgroundService
{
    public static readonly Actor Runner = Actor.Job("rollout-runner");

    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(250);
    // Commits are milliseconds apart; a transaction this old that has not committed is not coming.
    private static readonly Duration Settled = Duration.FromMilliseconds(250);
    private const int BatchSize = 1_000;
    private const int BatchesPerPass = 20;
    private const int MaxSessionsMeasured = 2_000;

    // Every event of a rollout stream: the catalogue's Firmware family, so an event added there is followed here too.
    private static readonly Type[] RolloutEvents =
        [.. EventCatalogue.Current.All.Where(type => type.Family == EventFamily.Firmware).Select(type => type.ClrType)];

    private static readonly Type[] Followed =
    [
        .. RolloutEvents, typeof(FirmwareStatusReported), typeof(ChargerBooted), typeof(CommandCompleted), typeof(ChargerWentOffline),
        typeof(ChargerCameBackOnline), typeof(SessionStartedV2), typeof(SessionStopped), typeof(SessionClosedForSilence), typeof(SessionReopened),
    ];

    private readonly ConcurrentQueue<string> _sendFailures = new();
    private Following? _following;
    private CancellationTokenSource? _sending;

    protected override Task ExecuteAsync(CancellationToken ct) =>
        ledger.LeadAsync(AdvisoryLock.RolloutRunnerKey, PassAsync, () => Pause, problem =>
        {
            // Losing the database must not end the rollouts: the runner steps down, forgets what it knew and folds it again when it leads again.
            logger.LogWarning(problem, "The rollout runner stopped on a problem; trying again");
            _sending?.Cancel();
            _following = null;
        }, ct);

    private async Task PassAsync(CancellationToken ct)
    {
        if (_following is null)
        {
            _sending = CancellationTokenSource.CreateLinkedTokenSource(ct);
            _following = await RebuildAsync(ct);
        }
        var state = _following;
        var refold = new HashSet<string>(StringComparer.Ordinal);
        while (_sendFailures.TryDequeue(out var failed)) refold.Add(failed);
        foreach (var rolloutId in refold) await GuardedAsync(state, rolloutId, () => RefoldAsync(state, rolloutId, ct), ct);
        for (var batch = 0; batch < BatchesPerPass; batch++)
        {
            var events = await ledger.ReadEventsAfterAsync(state.After, Followed, BatchSize, Settled, ct);
            foreach (var recorded in events) await ApplyAsync(state, recorded, ct);
            if (events.Count > 0) state.After = events[^1].Sequence;
            if (events.Count < BatchSize) break;
        }
        foreach (var rolloutId in state.Rollouts.Keys.ToList())
            await GuardedAsync(state, rolloutId, async () =>
            {
                if (state.Rollouts.GetValueOrDefault(rolloutId) is { } soaked && soaked.State.GateDue(clock.GetCurrentInstant()) is { } due)
                    await DecideAsync(state, soaked, new RolloutTrigger.GateMeasured(due.Stage, await MeasureAsync(due, ct)), ct);
                if (state.Rollouts.GetValueOrDefault(rolloutId) is { } rollout)
                    await DecideAsync(state, rollout, new RolloutTrigger.Advance(state.Now(rollout.State)), ct);
            }, ct);
    }

    /// <summary>
    /// One rollout's step; a problem with it (a malformed event, a charger stream that cannot be read) is logged and the
    /// rollout folded again on the next pass, while the other rollouts go on. Losing the database still steps down.
    /// </summary>
    private async Task GuardedAsync(Following state, string rolloutId, Func<Task> step, CancellationToken ct)
    {
        try
        {
            await step();
        }
        catch (Exception problem) when (problem is not (OperationCanceledException or Npgsql.NpgsqlException))
        {
            logger.LogWarning(problem, "Rollout {Rollout} could not take its step; folding it again", rolloutId);
            state.Rollouts.Remove(rolloutId);
            _sendFailures.Enqueue(rolloutId);
        }
    }

    /// <summary>Lets the process decide on a trigger, appends what it decided at the version its state was folded from, and sends what it requested.</summary>
    private async Task DecideAsync(Following state, ActiveRollout rollout, RolloutTrigger trigger, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        var decision = RolloutProcess.Decide(rollout.State, trigger, now, () => Guid.NewGuid().ToString("N"));
        if (decision.Refusal is { } refusal)
        {
            // A trigger that no longer applies (a gate measured after another host evaluated it): the stream is read again.
            logger.LogInformation("Rollout {Rollout} refused {Trigger}: {Refusal}", rollout.RolloutId, trigger.GetType().Name, refusal.Message);
            await RefoldAsync(state, rollout.RolloutId, ct);
            return;
        }
        var events = decision.Events;
        if (events.Count == 0) return;
        var metadata = new EventMetadata($"rollout:{rollout.RolloutId}", null, Runner, now);
        try
        {
            await ledger.AppendAsync(new StreamAppend(StreamIds.Rollout(rollout.RolloutId), [.. events.Select(e => new PendingEvent(e, metadata))], rollout.Version), ct);
        }
        catch (StreamConcurrencyException)
        {
            // The API paused, resumed or aborted it meanwhile: fold it again, and let the next pass decide on what now stands.
            await RefoldAsync(state, rollout.RolloutId, ct);
            return;
        }
        rollout.Evolve(events);
        foreach (var requested in events.OfType<ChargerUpdateRequested>()) Send(rollout, requested);
        if (Done(rollout.State)) Forget(state, rollout.RolloutId);
    }

    /// <summary>Sends UpdateFirmware under the request's command id; its answer comes back through the ledger as the charger's CommandCompleted.</summary>
    private void Send(ActiveRollout rollout, ChargerUpdateRequested requested) =>
        Send(requested.RolloutId, requested.ChargerId, requested.CommandId, requested.Rollback ? rollout.State.Plan.RollbackImage! : rollout.State.Plan.Image,
            requested.RetrieveAt);

    private void Send(string rolloutId, string chargerId, string commandId, FirmwareImage image, Instant retrieveAt)
    {
        var command = new UpdateFirmware(chargerId, new Uri(image.Location), retrieveAt)
        {
            CommandId = commandId, IssuedBy = Runner, Signature = image.Signature, SigningCertificate = image.SigningCertificate,
        };
        _ = Task.Run(async () =>
        {
            try
            {
                await mediator.Send(command, _sending!.Token);
            }
            catch (Exception problem) when (problem is not OperationCanceledException)
            {
                // Not recorded at all (the charger unregistered, the ledger unreachable): the process hears nothing and fails it at its deadline.
                logger.LogWarning(problem, "UpdateFirmware for {Charger} in rollout {Rollout} could not be sent", chargerId, rolloutId);
                _sendFailures.Enqueue(rolloutId);
            }
        });
    }

    /// <summary>
    /// Each charger of the soaked stage over its two windows: its own stream and the sessions started on it within them
    /// (at most <see cref="MaxSessionsMeasured"/>, the latest, which a busy charger's days hold many times over).
    /// </summary>
    private async Task<IReadOnlyList<ChargerMeasurement>> MeasureAsync(GateDue due, CancellationToken ct)
    {
        var measured = new List<ChargerMeasurement>();
        foreach (var window in due.Chargers)
        {
            var history = (await ledger.ReadStreamAsync(StreamIds.Charger(window.ChargerId), ct)).Select(e => (e.Data, e.RecordedAt)).ToList();
            await using (var query = ledger.QueryReadModels())
            {
                // Marten cannot compare an Instant in SQL: the charger's latest sessions by sort key, the window's kept here.
                var latest = await query.Query<SessionEntry>().Where(e => e.ChargerId == window.ChargerId)
                    .OrderByDescending(e => e.SortKey).Take(MaxSessionsMeasured).ToListAsync(ct);
                var sessions = latest.Where(e => e.StartedAt >= window.Baseline.Start && e.StartedAt < window.Since.End).Select(e => e.SessionId);
                foreach (var sessionId in sessions)
                    history.AddRange((await ledger.ReadStreamAsync(StreamIds.Session(sessionId), ct)).Select(e => (e.Data, e.RecordedAt)));
            }
            measured.Add(new ChargerMeasurement(window.ChargerId, ChargerHealth.Measure(history, window.Baseline), ChargerHealth.Measure(history, window.Since)));
        }
        return measured;
    }

    private async Task ApplyAsync(Following state, RecordedEvent recorded, CancellationToken ct)
    {
        switch (recorded.Data)
        {
            case RolloutPlanned planned:
                if (!state.Rollouts.ContainsKey(planned.RolloutId)) await RefoldAsync(state, planned.RolloutId, ct);
                break;
            case var own when RolloutEvents.Contains(own.GetType()):
                // Its own appends are folded already; anything else (the API's pause, resume or abort) is read from the stream.
                var rolloutId = recorded.StreamId["rollout:".Length..];
                if (state.Rollouts.TryGetValue(rolloutId, out var known) && recorded.Version > known.Version) await RefoldAsync(state, rolloutId, ct);
                break;
            case FirmwareStatusReported reported:
                state.LastFirmwareStatus[reported.ChargerId] = reported.Status;
                foreach (var rollout in state.RolloutsOf(reported.ChargerId))
                    await GuardedAsync(state, rollout.RolloutId, () => DecideAsync(state, rollout, new RolloutTrigger.FirmwareReported(reported.ChargerId, reported.Status, reported.ReportedAt), ct), ct);
                break;
            case ChargerBooted booted:
                state.Online.Add(booted.ChargerId);
                foreach (var rollout in state.RolloutsOf(booted.ChargerId))
                    await GuardedAsync(state, rollout.RolloutId, () => DecideAsync(state, rollout, new RolloutTrigger.Booted(booted.ChargerId, booted.FirmwareVersion, booted.BootedAt), ct), ct);
                break;
            case CommandCompleted completed:
                foreach (var rollout in state.RolloutsOf(completed.ChargerId).Where(r => Awaits(r.State, completed.CommandId)))
                    await GuardedAsync(state, rollout.RolloutId, () => DecideAsync(state, rollout, Answered(completed), ct), ct);
                break;
            case ChargerWentOffline offline:
                state.Online.Remove(offline.ChargerId);
                break;
            case ChargerCameBackOnline back:
                state.Online.Add(back.ChargerId);
                break;
            case SessionStartedV2 started:
                state.Open(started.SessionId, started.ChargerId);
                break;
            case SessionReopened reopened:
                state.Open(reopened.SessionId, reopened.ChargerId);
                break;
            case SessionStopped stopped:
                state.Close(stopped.SessionId);
                break;
            case SessionClosedForSilence silent:
                state.Close(silent.SessionId);
                break;
        }
    }

    /// <summary>Folds one rollout from its stream; an active one is followed (and its unsent requests sent), a finished one forgotten.</summary>
    private async Task RefoldAsync(Following state, string rolloutId, CancellationToken ct)
    {
        var (events, version) = await ledger.FetchAsync(StreamIds.Rollout(rolloutId), ct);
        if (RolloutState.Fold(events.Select(e => e.Data)) is not { } folded || Done(folded))
        {
            Forget(state, rolloutId);
            return;
        }
        var rollout = new ActiveRollout(rolloutId, folded, version);
        var isNew = !state.Rollouts.ContainsKey(rolloutId);
        state.Rollouts[rolloutId] = rollout;
        foreach (var charger in rollout.State.Chargers.Keys) state.Chargers.Add(charger);
        if (isNew) await FollowChargersAsync(state, rollout, ct);
    }

    /// <summary>
    /// Reads what the ledger already says of a rollout's chargers: whether each is online and in a session, and for each
    /// request still awaiting its answer whether its command was sent. Not on the charger's stream: sent now. Answered
    /// there already: the answer is decided on, as it was recorded before this lead began following.
    /// </summary>
    private async Task FollowChargersAsync(Following state, ActiveRollout rollout, CancellationToken ct)
    {
        await using (var query = ledger.QueryReadModels())
        {
            var ids = rollout.State.Chargers.Keys.Select(StreamIds.Charger).ToArray();
            foreach (var charger in await query.LoadManyAsync<ChargerEntry>(ct, ids))
                if (charger.Online) state.Online.Add(charger.ChargerId);
                else state.Online.Remove(charger.ChargerId);
        }
        var awaiting = rollout.State.Chargers.Values
            .Where(c => c is { CommandId: not null, CommandSentAt: not null, Status: ChargerUpdateStatus.Requested or ChargerUpdateStatus.RollbackRequested }).ToList();
        foreach (var charger in awaiting)
        {
            var history = await ledger.ReadStreamAsync(StreamIds.Charger(charger.ChargerId), ct);
            var issued = history.Any(e => e.Data is CommandIssuedV2 c && c.CommandId == charger.CommandId);
            var answer = history.Select(e => e.Data).OfType<CommandCompleted>().FirstOrDefault(c => c.CommandId == charger.CommandId);
            if (history.Select(e => e.Data).OfType<FirmwareStatusReported>().LastOrDefault() is { } reported)
                state.LastFirmwareStatus[charger.ChargerId] = reported.Status;
            var image = charger.Status == ChargerUpdateStatus.RollbackRequested ? rollout.State.Plan.RollbackImage! : rollout.State.Plan.Image;
            // The request's retrieve time is the instant it was requested: the charger fetches the image at once.
            if (!issued) Send(rollout.RolloutId, charger.ChargerId, charger.CommandId!, image, charger.CommandSentAt!.Value);
            else if (answer is not null) await DecideAsync(state, rollout, Answered(answer), ct);
        }
    }

    private static void Forget(Following state, string rolloutId)
    {
        if (!state.Rollouts.Remove(rolloutId)) return;
        state.Chargers.Clear();
        foreach (var other in state.Rollouts.Values)
            foreach (var charger in other.State.Chargers.Keys) state.Chargers.Add(charger);
    }

    /// <summary>
    /// Nothing more will happen to it: aborted, completed, or halted with no update in flight and nothing left to roll
    /// back (no rollback image, or every charger of the halted stage back or failed).
    /// </summary>
    private static bool Done(RolloutState rollout) =>
        rollout.Phase is RolloutPhase.Aborted or RolloutPhase.Completed
        || rollout.Phase == RolloutPhase.Halted && rollout.InFlight == 0
           && (rollout.Plan.RollbackImage is null || !rollout.Chargers.Values.Any(c => c.Status == ChargerUpdateStatus.Succeeded && c.Stage == rollout.HaltedStage));

    private static bool Awaits(RolloutState rollout, string commandId) =>
        rollout.Chargers.Values.Any(c => c.CommandId == commandId && c.Status is ChargerUpdateStatus.Requested or ChargerUpdateStatus.RollbackRequested);

    /// <summary>A 1.6 charger answers UpdateFirmware with an empty confirmation: taken. A 2.0.1 one says Accepted (or AcceptedCanceled, replacing an older update).</summary>
    private static RolloutTrigger.UpdateAnswered Answered(CommandCompleted completed) =>
        new(completed.ChargerId, completed.CommandId,
            completed is { Outcome: CommandOutcome.Answered, Status: null or "Accepted" or "AcceptedCanceled" },
            completed.Outcome == CommandOutcome.Answered ? completed.Status : completed.Outcome.ToString());

    /// <summary>What a new lead starts from: every rollout not finished, folded from its stream, and the sessions open at their chargers.</summary>
    private async Task<Following> RebuildAsync(CancellationToken ct)
    {
        var state = new Following(await ledger.LastPositionAsync(ct));
        await using (var query = ledger.QueryReadModels())
        {
            var open = await query.Query<SessionLifecycle>().Where(s => s.Open).Select(s => s.Id).ToListAsync(ct);
            foreach (var session in await query.LoadManyAsync<SessionEntry>(ct, open)) state.Open(session.SessionId, session.ChargerId);
        }
        for (var after = -1L; ;)
        {
            var planned = await ledger.ReadEventsAfterAsync(after, [typeof(RolloutPlanned)], BatchSize, Duration.Zero, ct);
            foreach (var recorded in planned)
            {
                var rolloutId = ((RolloutPlanned)recorded.Data).RolloutId;
                await GuardedAsync(state, rolloutId, () => RefoldAsync(state, rolloutId, ct), ct);
            }
            if (planned.Count < BatchSize) break;
            after = planned[^1].Sequence;
        }
        logger.LogInformation("The rollout runner leads: {Rollouts} active rollouts over {Chargers} chargers", state.Rollouts.Count, state.Chargers.Count);
        return state;
    }

    /// <summary>A rollout being driven: its state as folded and the stream version it was folded at.</summary>
    private sealed class ActiveRollout(string rolloutId, RolloutState state, long version)
    {
        public string RolloutId { get; } = rolloutId;
        public RolloutState State { get; private set; } = state;
        public long Version { get; private set; } = version;

        public void Evolve(IReadOnlyList<object> appended)
        {
            State = appended.Aggregate(State, (state, e) => RolloutState.Evolve(state, e)!);
            Version += appended.Count;
        }
    }

    /// <summary>What the lead knows: the active rollouts, their chargers online and in a session, and how far it read.</summary>
    private sealed class Following(long after)
    {
        private readonly Dictionary<string, string> _sessionChargers = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _sessionsAt = new(StringComparer.Ordinal);

        public long After { get; set; } = after;
        public Dictionary<string, ActiveRollout> Rollouts { get; } = new(StringComparer.Ordinal);
        public HashSet<string> Chargers { get; } = new(StringComparer.Ordinal);
        public HashSet<string> Online { get; } = new(StringComparer.Ordinal);
        public HashSet<string> InSession { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, FirmwareStatus> LastFirmwareStatus { get; } = new(StringComparer.Ordinal);

        public IEnumerable<ActiveRollout> RolloutsOf(string chargerId) =>
            Chargers.Contains(chargerId) ? Rollouts.Values.Where(r => r.State.Chargers.ContainsKey(chargerId)).ToList() : [];

        /// <summary>What the process is told of each of the rollout's chargers at a tick.</summary>
        public IReadOnlyDictionary<string, ChargerNow> Now(RolloutState rollout) =>
            rollout.Chargers.Keys.ToDictionary(id => id, id => new ChargerNow(Online.Contains(id), InSession.Contains(id),
                LastFirmwareStatus.TryGetValue(id, out var status) ? status : null),
                StringComparer.Ordinal);

        public void Open(string sessionId, string chargerId)
        {
            if (!_sessionChargers.TryAdd(sessionId, chargerId)) return;
            _sessionsAt[chargerId] = _sessionsAt.GetValueOrDefault(chargerId) + 1;
            InSession.Add(chargerId);
        }

        public void Close(string sessionId)
        {
            if (!_sessionChargers.Remove(sessionId, out var chargerId)) return;
            if ((_sessionsAt[chargerId] -= 1) > 0) return;
            _sessionsAt.Remove(chargerId);
            InSession.Remove(chargerId);
        }
    }
}
