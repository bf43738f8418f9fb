using Settlement.Domain.Deciding;
using Settlement.Domain.Events;

namespace Settlement.Ledger;

public sealed partial class Ledger
{
    /// <summary>
    /// The one way a command changes the ledger: the stream's events are folded into the decider's state, the pure
    /// <paramref name="decide"/> returns a <see cref="Decision"/>, and its events are appended at the version they
    /// were decided on. A writer that changed the stream meanwhile makes the append throw
    /// <see cref="StreamConcurrencyException"/> and nothing is written; a refusal appends nothing.
    /// </summary>
    public async Task<Decision> DecideAsync<TState>(
        string streamId, TState initial, Func<TState, RecordedEvent, TState> evolve, Func<TState, Decision> decide,
        EventMetadata metadata, CancellationToken ct = default)
    {
        var (events, version) = await FetchAsync(streamId, ct);
        var decision = decide(events.Aggregate(initial, evolve));
        if (!decision.Refused && decision.Events.Count > 0)
            await AppendAsync(new StreamAppend(streamId, [.. decision.Events.Select(e => new PendingEvent(e, metadata))], version), ct);
        return decision;
    }
}
