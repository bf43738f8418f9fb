using Npgsql;

namespace Settlement.Ledger;

/// <summary>The events from the ledger's first up to <paramref name="Last"/>: <paramref name="Count"/> of them, from position <paramref name="First"/>.</summary>
public sealed record ProcessedEvents(long First, long Last, long Count);

public sealed partial class Ledger
{
    /// <summary>
    /// The events every one of the named async projections has processed: what documents derived from all of them
    /// are derived from. None (0, 0, 0) while one of them has processed nothing.
    /// </summary>
    public async Task<ProcessedEvents> ProcessedByAsync(IReadOnlyCollection<string> projectionNames, CancellationToken ct = default)
    {
        await using var command = _dataSource.CreateCommand(
            $"select coalesce(min(last_seq_id), 0) from {Schema}.mt_event_progression where name = any(@names)");
        command.Parameters.Add(new NpgsqlParameter<string[]>("names", [.. projectionNames.Select(n => $"{n}:All")]));
        var last = (long)(await command.ExecuteScalarAsync(ct))!;
        await using var count = _dataSource.CreateCommand($"select count(*), coalesce(min(seq_id), 0) from {Schema}.mt_events where seq_id <= @last");
        count.Parameters.Add(new NpgsqlParameter<long>("last", last));
        await using var reader = await count.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new ProcessedEvents(reader.GetInt64(1), last, reader.GetInt64(0));
    }
}
