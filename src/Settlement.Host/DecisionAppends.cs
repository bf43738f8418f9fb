using Settlement.Domain.Deciding;
using Settlement.Domain.Events;
using Settlement.Ledger;
using Settlement.Ledger.Schemas;

namespace Settlement.Host;

/// <summary>Appending what a decider decided on state read from read models, at the stream version it was read at.</summary>
public static class DecisionAppends
{
    /// <summary>
    /// Reads the stream's version, lets <paramref name="decide"/> read what it needs and decide, and appends the events
    /// at exactly that version; when another writer won meanwhile it decides again on top of it, up to
    /// <paramref name="attempts"/> times. An event that breaks its schema is refused (422) as the ledger's validator words it.
    /// </summary>
    public static async Task<Decision> DecideAtVersionAsync(
        this Ledger.Ledger ledger, string streamId, Func<long, Task<Decision>> decide, Func<EventMetadata> metadata, int attempts, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var version = await ledger.StreamVersionAsync(streamId, ct);
            var decision = await decide(version);
            if (decision.Refused || decision.Events.Count == 0) return decision;
            var stamp = metadata();
            try
            {
                await ledger.AppendAsync(new StreamAppend(streamId, [.. decision.Events.Select(e => new PendingEvent(e, stamp))], version), ct);
                return decision;
            }
            catch (MalformedEventException e)
            {
                return Decision.Refuse(RefusalKind.Unprocessable, e.Message);
            }
            catch (StreamConcurrencyException) when (attempt < attempts)
            {
                await Task.Delay(Random.Shared.Next(1, 5 * attempt), ct);
            }
        }
    }
}
