using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;
using NpgsqlTypes;
using Settlement.Ledger;

namespace Settlement.Workbench.Bench;

/// <summary>One row as the event store holds it: the stream, the event's JSON and its metadata JSON.</summary>
public sealed record RawRow(string StreamId, string Data, string? Headers)
{
    public static RawRow Of(StoredEventRow stored) => new(stored.StreamId, stored.Data, stored.Headers);

    public int Bytes => Encoding.UTF8.GetByteCount(StreamId) + Encoding.UTF8.GetByteCount(Data) + (Headers is null ? 0 : Encoding.UTF8.GetByteCount(Headers));
}

/// <summary>How the rows reach PostgreSQL: one multi-row INSERT statement per batch, or one binary COPY per batch.</summary>
public enum RawInsertMethod { BinaryCopy, MultiRowInsert }

/// <param name="MachineCpu">CPU the whole machine used while inserting (see <see cref="ProcFs.MachineBusyTime"/>); null where /proc is not there.</param>
public sealed record RawInsertResult(long Rows, TimeSpan Elapsed, int Connections, int BatchSize, double AverageRowBytes,
    RawInsertMethod Method = RawInsertMethod.BinaryCopy, TimeSpan? MachineCpu = null)
{
    public double RowsPerSecond => Rows / Math.Max(Elapsed.TotalSeconds, 0.001);

    public double? CpuMicrosecondsPerRow => MachineCpu?.TotalMicroseconds / Rows;
}

/// <summary>
/// What PostgreSQL alone does with the same rows: no validation, no projections, no stream versions, just
/// rows into a plain table with jsonb columns, a batch per transaction on a few connections, by binary COPY
/// (the fastest way in) or by multi-row INSERT (what an application usually writes with). The ledger's
/// ingest rate is judged against these.
/// </summary>
public static partial class RawInsertBaseline
{
    public const string Schema = "bench";

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex TableName();

    /// <summary>
    /// Recreates <c>bench.{table}</c> and inserts <paramref name="rows"/> rows, cycling through <paramref name="samples"/>
    /// so that the rows have the sizes of the events they stand for.
    /// </summary>
    public static async Task<RawInsertResult> RunAsync(string connectionString, IReadOnlyList<RawRow> samples, long rows,
        int connections = 4, int batchSize = 1_000, string table = "raw_events", Action<long>? inserted = null,
        RawInsertMethod method = RawInsertMethod.BinaryCopy, CancellationToken ct = default)
    {
        if (samples.Count == 0) throw new ArgumentException("The baseline needs at least one sample row.", nameof(samples));
        if (!TableName().IsMatch(table)) throw new ArgumentException($"'{table}' is not a plain lower-case table name.", nameof(table));
        ArgumentOutOfRangeException.ThrowIfLessThan(connections, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        // PostgreSQL's bind message holds at most 65,535 parameters, three per row.
        if (method == RawInsertMethod.MultiRowInsert) ArgumentOutOfRangeException.ThrowIfGreaterThan(batchSize, ushort.MaxValue / 3);

        await using var dataSource = new NpgsqlDataSourceBuilder(connectionString) { ConnectionStringBuilder = { MaxPoolSize = connections + 1 } }.Build();
        await using (var create = dataSource.CreateCommand($"""
            CREATE SCHEMA IF NOT EXISTS {Schema};
            DROP TABLE IF EXISTS {Schema}.{table};
            CREATE TABLE {Schema}.{table} (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                stream_id text NOT NULL,
                data jsonb NOT NULL,
                headers jsonb,
                recorded_at timestamptz NOT NULL DEFAULT now());
            """))
        {
            await create.ExecuteNonQueryAsync(ct);
        }

        var cpuBefore = ProcFs.MachineBusyTime();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(worker => Task.Run(async () =>
        {
            var share = rows / connections + (worker < rows % connections ? 1 : 0);
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            var next = worker;
            for (long done = 0; done < share;)
            {
                var batch = samples.Cycle(ref next, (int)Math.Min(batchSize, share - done));
                if (method == RawInsertMethod.BinaryCopy) await CopyAsync(connection, table, batch, ct);
                else await InsertAsync(connection, table, batch, ct);
                done += batch.Length;
                inserted?.Invoke(batch.Length);
            }
        }, ct)));
        clock.Stop();
        return new RawInsertResult(rows, clock.Elapsed, connections, batchSize, samples.Average(s => s.Bytes), method, ProcFs.MachineBusyTime() - cpuBefore);
    }

    private static RawRow[] Cycle(this IReadOnlyList<RawRow> samples, ref int next, int count)
    {
        var batch = new RawRow[count];
        for (var i = 0; i < count; i++) batch[i] = samples[next++ % samples.Count];
        return batch;
    }

    private static async Task CopyAsync(NpgsqlConnection connection, string table, IReadOnlyList<RawRow> batch, CancellationToken ct)
    {
        await using var writer = await connection.BeginBinaryImportAsync($"COPY {Schema}.{table} (stream_id, data, headers) FROM STDIN (FORMAT BINARY)", ct);
        foreach (var row in batch)
        {
            await writer.StartRowAsync(ct);
            await writer.WriteAsync(row.StreamId, NpgsqlDbType.Text, ct);
            await writer.WriteAsync(row.Data, NpgsqlDbType.Jsonb, ct);
            if (row.Headers is null) await writer.WriteNullAsync(ct);
            else await writer.WriteAsync(row.Headers, NpgsqlDbType.Jsonb, ct);
        }
        await writer.CompleteAsync(ct);
    }

    private static async Task InsertAsync(NpgsqlConnection connection, string table, IReadOnlyList<RawRow> batch, CancellationToken ct)
    {
        var values = string.Join(", ", batch.Select((_, i) => $"(${3 * i + 1}, ${3 * i + 2}, ${3 * i + 3})"));
        await using var insert = new NpgsqlCommand($"INSERT INTO {Schema}.{table} (stream_id, data, headers) VALUES {values}", connection);
        foreach (var row in batch)
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = row.StreamId, NpgsqlDbType = NpgsqlDbType.Text });
            insert.Parameters.Add(new NpgsqlParameter { Value = row.Data, NpgsqlDbType = NpgsqlDbType.Jsonb });
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)row.Headers ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Jsonb });
        }
        await insert.ExecuteNonQueryAsync(ct);
    }
}
