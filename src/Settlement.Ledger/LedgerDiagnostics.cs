using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Settlement.Domain.Events;
using Settlement.Domain.Sessions;

namespace Settlement.Ledger;

/// <summary>An event as the ledger stores it: its stream, and its data and metadata as JSON text.</summary>
public sealed record StoredEventRow(string StreamId, string Data, string? Headers);

/// <summary>How many events of one stored type.</summary>
public sealed record StoredTypeCount(string StoredType, long Count);

/// <summary>
/// PostgreSQL's own counters for the ledger's database (pg_stat_database, pg_stat_user_tables), to see what each call
/// costs the server. Backends report them at most once a second, so deltas over a short window are approximate.
/// </summary>
public sealed record DatabaseActivity(long Transactions, long RowsRead, long RowsInserted, long SequentialScans, long IndexScans)
{
    public DatabaseActivity Since(DatabaseActivity before) => new(
        Transactions - before.Transactions, RowsRead - before.RowsRead, RowsInserted - before.RowsInserted,
        SequentialScans - before.SequentialScans, IndexScans - before.IndexScans);

    public string PerCall(long calls)
    {
        double Per(long value) => value / (double)Math.Max(calls, 1);
        return $"{Per(Transactions):N1} transactions, {Per(IndexScans):N1} index scans, {Per(SequentialScans):N1} sequential scans, " +
               $"{Per(RowsRead):N0} rows read, {Per(RowsInserted):N1} rows inserted";
    }
}

/// <summary>
/// What the demo and the benches inspect about the ledger's storage from outside it: what was appended, rows as
/// stored, the state of the tables after a bulk load, and Marten's own daemon to compare a rebuild with.
/// </summary>
public sealed partial class Ledger
{
    /// <summary>PostgreSQL's counters for the ledger's database now; see <see cref="DatabaseActivity"/>.</summary>
    public async Task<DatabaseActivity> ReadDatabaseActivityAsync(CancellationToken ct = default)
    {
        await using var command = _dataSource.CreateCommand("""
            SELECT d.xact_commit + d.xact_rollback, d.tup_returned + d.tup_fetched, d.tup_inserted,
                   coalesce(sum(t.seq_scan), 0)::bigint, coalesce(sum(t.idx_scan), 0)::bigint
            FROM pg_stat_database d LEFT JOIN pg_stat_user_tables t ON true
            WHERE d.datname = current_database()
            GROUP BY d.xact_commit, d.xact_rollback, d.tup_returned, d.tup_fetched, d.tup_inserted
            """);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new DatabaseActivity(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
    }

    /// <summary>Events appended after position <paramref name="after"/>, per stored type, the most frequent first.</summary>
    public async Task<IReadOnlyList<StoredTypeCount>> CountEventsByTypeAsync(long after, CancellationToken ct = default)
    {
        await using var command = _dataSource.CreateCommand(
            $"SELECT type, count(*) FROM {Schema}.mt_events WHERE seq_id > $1 GROUP BY type ORDER BY count(*) DESC, type");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
        var counts = new List<StoredTypeCount>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            counts.Add(new StoredTypeCount(reader.GetString(0), reader.GetInt64(1)));
        return counts;
    }

    /// <summary>How many events lie after position <paramref name="after"/> up to <paramref name="upTo"/>.</summary>
    public async Task<long> CountEventsAsync(long after, long upTo, CancellationToken ct = default)
    {
        await using var command = _dataSource.CreateCommand($"SELECT count(*) FROM {Schema}.mt_events WHERE seq_id > $1 AND seq_id <= $2");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = upTo });
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// Up to <paramref name="limit"/> stored events after position <paramref name="after"/> up to <paramref name="upTo"/>,
    /// in ledger order, taking only every <paramref name="every"/>th position: what a raw baseline inserts to compare an
    /// append with, the same JSON at the same sizes.
    /// </summary>
    public async Task<IReadOnlyList<StoredEventRow>> SampleStoredEventsAsync(long after, long upTo, long every, int limit, CancellationToken ct = default)
    {
        await using var command = _dataSource.CreateCommand(
            $"SELECT stream_id, data::text, headers::text FROM {Schema}.mt_events WHERE seq_id > $1 AND seq_id <= $2 AND seq_id % $3 = 0 ORDER BY seq_id LIMIT $4");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = upTo });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Math.Max(1, every) });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        var rows = new List<StoredEventRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(new StoredEventRow(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        return rows;
    }

    /// <summary>
    /// The stream of the session most recently started for the driver pseudonym <paramref name="driverRef"/>, or null:
    /// the ledger knows a driver only by that pseudonym, which the session's start records with its token.
    /// </summary>
    public async Task<string?> LatestSessionOfDriverAsync(string driverRef, CancellationToken ct = default)
    {
        await using var command = _dataSource.CreateCommand(
            $"SELECT stream_id FROM {Schema}.mt_events WHERE type = $1 AND data->'idToken'->>'driverRef' = $2 ORDER BY seq_id DESC LIMIT 1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = EventType.StoredNameOf(typeof(SessionStartedV2)) });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = driverRef });
        return await command.ExecuteScalarAsync(ct) as string;
    }

    /// <summary>
    /// Chargers whose presence row names a host session that is still connected: those another host would find and
    /// route a command to.
    /// </summary>
    public async Task<long> CountPresentChargersAsync(CancellationToken ct = default)
    {
        await using var command = _dataSource.CreateCommand($"""
            SELECT count(*) FROM {Schema}.charger_presence p
            JOIN pg_stat_activity a ON a.pid = p.node_pid AND a.backend_start = p.node_started
            """);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// Puts the events table in the state it reaches some time after a bulk load: VACUUM sets the rows' visibility
    /// hints and ANALYZE the planner's statistics, which a freshly appended table lacks. A measurement made right
    /// after a load would otherwise pay for both.
    /// </summary>
    public async Task VacuumEventsAsync(CancellationToken ct = default)
    {
        await using var command = _dataSource.CreateCommand($"VACUUM (ANALYZE) {Schema}.mt_events");
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Rebuilds the named asynchronous projections from zero, one after the other, through Marten's own projection
    /// daemon: the reference a faster rebuild is compared with.
    /// </summary>
    /// <param name="rebuilt">Told how many of them are rebuilt so far, before each one and after the last.</param>
    public async Task RebuildWithMartenDaemonAsync(IReadOnlyList<string> projectionNames, TimeSpan timeoutEach, Action<int> rebuilt,
        CancellationToken ct = default)
    {
        using var daemon = await _store.BuildProjectionDaemonAsync(logger: NullLogger.Instance);
        for (var i = 0; i < projectionNames.Count; i++)
        {
            rebuilt(i);
            await daemon.RebuildProjectionAsync(projectionNames[i], timeoutEach, ct);
        }
        rebuilt(projectionNames.Count);
    }
}
