using Marten;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodaTime;
using Settlement.Domain.SelfHealing;
using Settlement.Ledger.Store;
using Settlement.Projections.SelfHealing;

namespace Settlement.Host.SelfHealing;

/// <summary>
/// Opens incidents from what chargers report and starts their ladders. One host of the cluster does this at a time, the
/// one holding <see cref="AdvisoryLock.SelfHealerKey"/>: it follows the ledger's <see cref="IncidentDetection.Followed"/>
/// events, feeds each to <see cref="IncidentDetection.Observe"/>, ticks detection every pass, and hands what it finds to
/// the <see cref="IncidentRunner"/> (open and take the first rung; recovery seen). Its progress (detection's state) is a
/// document beside the ledger, stored after each pass has acted: the first self-healer of a ledger learns the history
/// up to the ledger's end without acting on it, and a host taking over resumes where the last one stored, acting on
/// nothing twice (incidents open once; stale triggers decide nothing).
/// </summary>
public sealed class SelfHealer(Ledger.Ledger ledger, IncidentRunner runner, IClock clock, ILogger<SelfHealer> logger) : BackgroundService
{
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(250);
    // Commits are milliseconds apart; a transaction this old that has not committed is not coming.
    private static readonly Duration Settled = Duration.FromMilliseconds(250);
    private const int BatchSize = 1_000;
    private const int BatchesPerPass = 20;

    private static readonly Type[] Followed = [.. IncidentDetection.Followed];

    private DetectorState? _state;
    private CancellationTokenSource? _sending;
    private readonly List<Task> _inFlight = [];

    protected override Task ExecuteAsync(CancellationToken ct) =>
        ledger.LeadAsync(AdvisoryLock.SelfHealerKey, PassAsync, () => Pause, problem =>
        {
            // Losing the database must not end the self-healer: it steps down and resumes from its stored progress when it leads again.
            logger.LogWarning(problem, "The self-healer stopped on a problem; trying again");
            _sending?.Cancel();
            _state = null;
        }, ct);

    private async Task PassAsync(CancellationToken ct)
    {
        if (_state is null)
        {
            _sending = CancellationTokenSource.CreateLinkedTokenSource(ct);
            _state = await ResumeAsync(ct);
        }
        var state = _state;
        var rules = await runner.RulesAsync(ct);
        var before = state.LastSequence;
        var signals = new List<IncidentSignal>();
        for (var batch = 0; batch < BatchesPerPass; batch++)
        {
            var events = await ledger.ReadEventsAfterAsync(state.LastSequence, Followed, BatchSize, Settled, ct);
            foreach (var recorded in events)
                signals.AddRange(IncidentDetection.Observe(state, recorded.Data, recorded.Sequence, recorded.RecordedAt, rules));
            if (events.Count < BatchSize) break;
        }
        signals.AddRange(IncidentDetection.Tick(state, clock.GetCurrentInstant(), rules));
        foreach (var signal in signals) await ActAsync(signal, ct);
        _inFlight.RemoveAll(task => task.IsCompleted);
        // A tick may have changed the state (an offline spell now counted, an attempt judged) even with no event read.
        if (signals.Count > 0 || state.LastSequence != before)
            await ledger.StoreDocumentAsync(new SelfHealerProgress(SelfHealerProgress.Key, state), ct);
    }

    private async Task ActAsync(IncidentSignal signal, CancellationToken ct)
    {
        switch (signal)
        {
            case OpenIncident open:
                foreach (var rung in await runner.OpenAsync(open.Opened, ct)) Send(rung);
                break;
            case Recovered recovered:
                await runner.AdvanceAsync(recovered.IncidentId, new RecoverySeen(recovered.Evidence, recovered.Sequence, recovered.At), ct);
                break;
        }
    }

    /// <summary>A rung's commands may wait seconds for the charger: sent beside the loop, which goes on detecting meanwhile.</summary>
    private void Send(HealingActionTaken rung)
    {
        var token = _sending!.Token;
        _inFlight.Add(Task.Run(async () =>
        {
            try
            {
                await runner.SendAsync(rung, token);
            }
            catch (Exception problem) when (!token.IsCancellationRequested)
            {
                // The rung stays recorded without an answer: its deadline job moves the incident on.
                logger.LogWarning(problem, "Incident {Incident} step {Step}: sending {Action} failed", rung.IncidentId, rung.Step, rung.Action);
            }
        }, CancellationToken.None));
    }

    /// <summary>Detection's state as last stored; the first time, the history up to the ledger's end, learnt without acting on it.</summary>
    private async Task<DetectorState> ResumeAsync(CancellationToken ct)
    {
        await using (var query = ledger.QueryReadModels())
            if (await query.LoadAsync<SelfHealerProgress>(SelfHealerProgress.Key, ct) is { } stored)
                return stored.State;
        var end = await ledger.LastPositionAsync(ct);
        var state = new DetectorState { LastSequence = -1 };
        var rules = await runner.RulesAsync(ct);
        while (state.LastSequence < end)
        {
            var events = await ledger.ReadEventsAfterAsync(state.LastSequence, Followed, BatchSize, Settled, ct);
            foreach (var recorded in events.TakeWhile(e => e.Sequence <= end))
                IncidentDetection.Observe(state, recorded.Data, recorded.Sequence, recorded.RecordedAt, rules);
            if (events.Count < BatchSize || events[^1].Sequence > end) break;
        }
        // Nothing after the end was read: the following passes act from there.
        state.LastSequence = Math.Max(state.LastSequence, end);
        await ledger.StoreDocumentAsync(new SelfHealerProgress(SelfHealerProgress.Key, state), ct);
        logger.LogInformation("The self-healer starts at ledger position {End}, having learnt {Chargers} chargers from the history", end, state.Chargers.Count);
        return state;
    }
}
