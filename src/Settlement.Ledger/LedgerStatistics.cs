namespace Settlement.Ledger;

/// <summary>How much the ledger holds: every event and every stream, whatever their kind.</summary>
public sealed record LedgerCounts(long Events, long Streams);

public sealed partial class Ledger
{
    /// <summary>How many events and streams the ledger holds, e.g. for a health check.</summary>
    public async Task<LedgerCounts> CountAsync(CancellationToken ct = default)
    {
        var statistics = await _store.Advanced.FetchEventStoreStatistics(token: ct);
        return new LedgerCounts(statistics.EventCount, statistics.StreamCount);
    }
}
