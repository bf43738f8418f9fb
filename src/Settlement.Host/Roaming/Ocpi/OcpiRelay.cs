using Marten;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodaTime;
using Settlement.Ledger;
using Settlement.Ledger.Store;
using Settlement.Projections.Roaming;

namespace Settlement.Host.Roaming.Ocpi;

/// <summary>
/// What roaming does when the ledger records one of <see cref="EventTypes"/>: queue pushes to partners, link a session
/// to the partner whose token started it, issue a CDR. Must be idempotent: after a host stops mid-batch the relay
/// hands the same events again (pushes and streams created once make a repeat a no-op).
/// </summary>
public interface IOcpiReaction
{
    IReadOnlyCollection<Type> EventTypes { get; }

    Task ReactAsync(RecordedEvent recorded, CancellationToken ct);
}

/// <summary>
/// Follows the ledger in order and hands each event to the reactions that want it; one host of the cluster at a time,
/// the one holding <see cref="AdvisoryLock.OcpiRelayKey"/>. Its progress is a document beside the ledger, stored after
/// each batch the reactions have finished.
/// </summary>
public sealed class OcpiRelay(Ledger.Ledger ledger, IEnumerable<IOcpiReaction> reactions, ILogger<OcpiRelay> logger) : BackgroundService
{
    public const string ProgressId = "ocpi-relay";
    private const int BatchSize = 500;
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(500);
    // Commits are milliseconds apart; a transaction this old that has not committed is not coming.
    private static readonly Duration Settled = Duration.FromSeconds(1);

    private readonly IOcpiReaction[] _reactions = [.. reactions];

    protected override Task ExecuteAsync(CancellationToken ct)
    {
        var types = _reactions.SelectMany(r => r.EventTypes).Distinct().ToArray();
        return types.Length == 0
            ? Task.CompletedTask
            : ledger.LeadAsync(AdvisoryLock.OcpiRelayKey, async token => { while (await RelayBatchAsync(types, token) == BatchSize) { } }, () => Pause,
                // Losing the database or a partner must not end the relay: it steps down, so another host may take over.
                problem => logger.LogWarning(problem, "The OCPI relay stopped on an event; trying again"), ct);
    }

    private async Task<int> RelayBatchAsync(Type[] types, CancellationToken ct)
    {
        long after;
        await using (var query = ledger.QueryReadModels())
            after = (await query.LoadAsync<OcpiRelayProgress>(ProgressId, ct))?.Sequence ?? -1;
        if (after < 0)
        {
            // The first relay of a ledger starts at its end: no partner was registered before, so nothing earlier is owed.
            await ledger.StoreDocumentAsync(new OcpiRelayProgress(ProgressId, await ledger.LastPositionAsync(ct)), ct);
            return 0;
        }
        var events = await ledger.ReadEventsAfterAsync(after, types, BatchSize, Settled, ct);
        if (events.Count == 0) return 0;
        foreach (var recorded in events)
            foreach (var reaction in _reactions.Where(r => r.EventTypes.Contains(recorded.Data.GetType())))
                await reaction.ReactAsync(recorded, ct);
        await ledger.StoreDocumentAsync(new OcpiRelayProgress(ProgressId, events[^1].Sequence), ct);
        return events.Count;
    }
}
