using Npgsql;
using Settlement.Workbench.Bench;

namespace Settlement.Tests.Workbench.Bench;

[Collection(LedgerCollection.Name)]
public sealed class raw_insert_baseline_tests(LedgerDatabase db)
{
    [Fact]
    public async Task inserts_exactly_the_rows_asked_for_cycling_through_the_samples()
    {
        var table = "raw_" + Guid.NewGuid().ToString("N")[..8];
        RawRow[] samples =
        [
            new("session:A-1", """{"sessionId":"A-1","readings":[{"energyWh":1200}]}""", """{"actor":"charger:A","sourceMessage":"[2,\"1\",\"MeterValues\",{}]"}"""),
            new("session:B-7", """{"sessionId":"B-7","readings":[]}""", null),
        ];
        long reported = 0;

        // The baseline makes its own schema, as the ledger's owner: the application role may not.
        var owner = db.Server.MigrationConnectionStringFor(db.Name);
        var result = await RawInsertBaseline.RunAsync(owner, samples, rows: 2_503, connections: 3, batchSize: 400,
            table: table, inserted: n => Interlocked.Add(ref reported, n));

        Assert.Equal(2_503, result.Rows);
        Assert.Equal(2_503, reported);
        Assert.True(result.RowsPerSecond > 0);
        Assert.Equal(samples.Average(s => s.Bytes), result.AverageRowBytes);
        Assert.True(result.MachineCpu > TimeSpan.Zero, $"machine CPU {result.MachineCpu}");
        Assert.Equal(result.MachineCpu!.Value.TotalMicroseconds / 2_503, result.CpuMicrosecondsPerRow);
        await using var connection = new NpgsqlConnection(owner);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand(
            $"SELECT count(*), count(*) FILTER (WHERE stream_id = 'session:A-1'), count(headers), min(data->>'sessionId') FROM bench.{table}", connection);
        await using var reader = await count.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal(2_503, reader.GetInt64(0));
        Assert.InRange(reader.GetInt64(1), 1_250, 1_253);
        Assert.Equal(reader.GetInt64(1), reader.GetInt64(2));
        Assert.Equal("A-1", reader.GetString(3));
    }

    [Fact]
    public async Task a_table_name_that_is_not_a_plain_identifier_is_refused() =>
        await Assert.ThrowsAsync<ArgumentException>(() => RawInsertBaseline.RunAsync(db.ConnectionString,
            [new RawRow("s", "{}", null)], rows: 1, table: "raw; DROP TABLE x"));
}
