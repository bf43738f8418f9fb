using NodaTime;
using Settlement.Ledger.Database;
using Settlement.Workbench.Demo;
using Spectre.Console;

namespace Settlement.Workbench.Bench;

/// <summary>
/// <c>settle bench append</c>: the append part of the full bench alone, so that a change to the append path
/// can be judged in a minute rather than five. The raw baseline runs last, on rows sampled from the history
/// the last batched append left behind.
/// </summary>
internal sealed class AppendOnlyBench(DatabaseServer server, string database, int runs, int days, int rawRows, int writers, int batch)
{
    /// <param name="RawCpuPerRow">Microseconds of the machine's CPU per raw row; the append figures likewise per event.</param>
    public sealed record Figures(
        int HistoryEvents, int Writers, int Batch, double RawBatchRowsPerSecond, double? RawCpuPerRow,
        double BatchedEventsPerSecond, double BatchedTransactionsPerCall, double? BatchedCpuPerEvent,
        double? SingleEventsPerSecond, double? SingleTransactionsPerEvent, double? SingleCpuPerEvent)
    {
        public void Print()
        {
            var table = new Table().AddColumns("measure", "median", "× raw INSERT", "PostgreSQL transactions", "machine CPU");
            table.AddRow("Raw PostgreSQL, multi-row INSERT", $"{RawBatchRowsPerSecond:N0} rows/s", "1", "1 per 1,000 rows", RawCpu(RawCpuPerRow));
            table.AddRow($"Append, {Batch:N0} events per call", $"{BatchedEventsPerSecond:N0} events/s",
                $"{BatchedEventsPerSecond / RawBatchRowsPerSecond:N3}", $"{BatchedTransactionsPerCall:N2} per call", AppendCpu(BatchedCpuPerEvent));
            if (SingleEventsPerSecond is { } single)
                table.AddRow($"Append, one event per call, {Writers} writers", $"{single:N0} events/s",
                    $"{single / RawBatchRowsPerSecond:N3}", $"{SingleTransactionsPerEvent:N3} per event", AppendCpu(SingleCpuPerEvent));
            AnsiConsole.MarkupLineInterpolated($"{HistoryEvents:N0} events of demo history per append run");
            AnsiConsole.Write(table);
        }

        private static string RawCpu(double? micros) => micros is { } m ? $"{m:N1} µs per row" : "not measured";

        private string AppendCpu(double? micros) =>
            micros is { } m ? $"{m:N1} µs per event" + (RawCpuPerRow is { } raw ? $" ({m / raw:N2} × raw)" : "") : "not measured";
    }

    public async Task<Figures> RunAsync(CancellationToken ct)
    {
        var history = DemoNetwork.Generate(new DemoOptions(Seed: 2026, new LocalDate(2026, 10, 1), days));
        var appends = new AppendBench(server, database, history);
        var calls = history.Chunk(batch).Count();

        var (single, batched) = await appends.RunAsync(runs, writers, batch, ct);

        var samples = await FullBench.SampleRowsAsync(server, database, history.Count, ct);
        var raw = new List<RawInsertResult>();
        for (var run = 1; run <= runs; run++)
            raw.Add(await FullBench.StageAsync($"Raw PostgreSQL, multi-row INSERT, run {run}", rawRows, tick =>
                RawInsertBaseline.RunAsync(server.MigrationConnectionStringFor(database), samples, rawRows, table: "raw_insert", inserted: tick,
                    method: RawInsertMethod.MultiRowInsert, ct: ct)));

        return new Figures(
            history.Count, writers, batch, FullBench.Median(raw.Select(r => r.RowsPerSecond)), FullBench.Median(raw.Select(r => r.CpuMicrosecondsPerRow)),
            FullBench.Median(batched.Select(r => r.EventsPerSecond)), FullBench.Median(batched.Select(r => (double)r.Transactions / calls)),
            FullBench.Median(batched.Select(r => r.CpuMicrosecondsPerEvent)),
            single.Count == 0 ? null : FullBench.Median(single.Select(r => r.EventsPerSecond)),
            single.Count == 0 ? null : FullBench.Median(single.Select(r => (double)r.Transactions / history.Count)),
            FullBench.Median(single.Select(r => r.CpuMicrosecondsPerEvent)));
    }
}
