using Marten;

namespace Settlement.Ledger.Store;

/// <summary>
/// What the ledger keeps beside its events, as the capabilities define it: the ledger knows how to store and
/// replay events, not what is derived from them, so whoever opens it says which read models it maintains
/// (Settlement.Projections' <c>SettlementReadModels.All</c>).
/// </summary>
/// <param name="Register">Adds the projections and documents to the store's configuration.</param>
/// <param name="FastRebuilds">Projections rebuilt from zero by a rebuild of their own rather than Marten's daemon.</param>
public sealed record ReadModelSet(Action<StoreOptions> Register, IReadOnlyList<FastRebuild> FastRebuilds);

/// <summary>
/// A rebuild from zero that writes the documents of <paramref name="ProjectionNames"/> as the daemon would, and
/// records them caught up to where it stopped, so the daemon follows on from there.
/// </summary>
/// <param name="RunAsync">Rebuilds over the given ledger, reporting events done out of the total.</param>
public sealed record FastRebuild(IReadOnlyList<string> ProjectionNames, Func<Ledger, Action<long, long>, CancellationToken, Task> RunAsync);
