using Npgsql;

namespace Settlement.Workbench.Bench;

/// <summary>
/// PostgreSQL's own counters for one database (pg_stat_database, pg_stat_user_tables), to see what each call
/// costs the server. Backends report them at most once a second, so deltas over a short window are approximate.
/// </summary>
public sealed record PostgresActivity(long Transactions, long RowsRead, long RowsInserted, long SequentialScans, long IndexScans)
{
    public static async Task<PostgresActivity> ReadAsync(NpgsqlDataSource database, CancellationToken ct)
    {
        await using var command = database.CreateCommand("""
            SELECT d.xact_commit + d.xact_rollback, d.tup_returned + d.tup_fetched, d.tup_inserted,
                   coalesce(sum(t.seq_scan), 0)::bigint, coalesce(sum(t.idx_scan), 0)::bigint
            FROM pg_stat_database d LEFT JOIN pg_stat_user_tables t ON true
            WHERE d.datname = current_database()
            GROUP BY d.xact_commit, d.xact_rollback, d.tup_returned, d.tup_fetched, d.tup_inserted
            """);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new PostgresActivity(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
    }

    public PostgresActivity Since(PostgresActivity before) => new(
        Transactions - before.Transactions, RowsRead - before.RowsRead, RowsInserted - before.RowsInserted,
        SequentialScans - before.SequentialScans, IndexScans - before.IndexScans);

    public string PerCall(long calls)
    {
        double Per(long value) => value / (double)Math.Max(calls, 1);
        return $"{Per(Transactions):N1} transactions, {Per(IndexScans):N1} index scans, {Per(SequentialScans):N1} sequential scans, " +
               $"{Per(RowsRead):N0} rows read, {Per(RowsInserted):N1} rows inserted";
    }
}
