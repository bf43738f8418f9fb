using Settlement.Projections.Kpis;
using Settlement.Projections;
using System.Diagnostics;
using NodaTime;
using Settlement.Ledger.Database;
using Settlement.Workbench.Demo;
using Spectre.Console;

namespace Settlement.Workbench.Bench;

/// <param name="Days">Days of demo history: what is appended through the ledger, rebuilt and invoiced.</param>
/// <param name="RawRows">Rows per raw PostgreSQL run, for each of the two ways in.</param>
/// <param name="Writers">Concurrent writers of the single-event appends.</param>
/// <param name="AppendBatch">Events per AppendAsync of the batched appends.</param>
/// <param name="Invoices">Session invoices issued per run.</param>
public sealed record FullBenchOptions(
    int Runs, int Days, int RawRows, int Writers, int AppendBatch, int Chargers, TimeSpan OcppDuration, TimeSpan OcppWarmup, TimeSpan OcppJitWait,
    int PricingSessions, int Invoices);

/// <summary>
/// <c>settle bench</c>: every measurement in one run, each repeated and reported as its median, on one
/// database that the OCPP part and the append runs recreate as they go. The last batched append leaves the
/// demo history in place for the raw baseline's sample rows, the rebuild and the invoices.
/// </summary>
internal sealed class FullBench(DatabaseServer server, string database, FullBenchOptions options)
{
    private const int RawSampleRows = 2_000;
    private const int PricingReadings = 20;

    public async Task<FullBenchFigures> RunAsync(CancellationToken ct)
    {
        var runs = Enumerable.Range(1, options.Runs).ToList();
        var ocpp = new List<OcppBenchReport>();
        foreach (var run in runs)
        {
            AnsiConsole.MarkupLineInterpolated($"[bold]OCPP ingest, run {run} of {options.Runs}[/]");
            ocpp.Add(await new OcppBench(server, database,
                new OcppBenchOptions(options.Chargers, options.OcppDuration, ProtocolMix.Mixed, ConnectConcurrency: 200, HostPoolSize: null, options.OcppWarmup,
                    options.OcppJitWait)).RunAsync(ct));
        }

        var history = DemoNetwork.Generate(new DemoOptions(Seed: 2026, new LocalDate(2026, 10, 1), options.Days));
        var appends = new AppendBench(server, database, history);
        var (single, batched) = await appends.RunAsync(options.Runs, options.Writers, options.AppendBatch, ct);

        var samples = await SampleRowsAsync(server, database, history.Count, ct);
        var rawBatch = new List<RawInsertResult>();
        var rawCopy = new List<double>();
        foreach (var run in runs)
        {
            rawBatch.Add(await StageAsync($"Raw PostgreSQL, multi-row INSERT, run {run}", options.RawRows, tick =>
                RawInsertBaseline.RunAsync(server.MigrationConnectionStringFor(database), samples, options.RawRows, table: "raw_insert", inserted: tick,
                    method: RawInsertMethod.MultiRowInsert, ct: ct)));
            rawCopy.Add((await StageAsync($"Raw PostgreSQL, binary COPY, run {run}", options.RawRows, tick =>
                RawInsertBaseline.RunAsync(server.MigrationConnectionStringFor(database), samples, options.RawRows, table: "raw_copy", inserted: tick, ct: ct))).RowsPerSecond);
        }

        await using var ledger = await server.OpenLedgerAsync(database, SettlementReadModels.All, ct);
        await ledger.VacuumEventsAsync(ct);
        var rebuild = new List<double>();
        foreach (var run in runs)
            rebuild.Add(await StageAsync($"Rebuild of the KPI projections, run {run}", history.Count, async tick =>
            {
                var replayed = 0L;
                var clock = Stopwatch.StartNew();
                await new KpiRebuild(ledger).RunAsync((done, _) => { tick(done - replayed); replayed = done; }, ct);
                return history.Count / Math.Max(clock.Elapsed.TotalSeconds, 0.001);
            }));

        var chain = await StageAsync("Hash chain: linking, then verifying", 1, async tick =>
        {
            var result = await ChainVerifyBench.RunAsync(ledger, options.Runs, (_, _, _) => { }, ct);
            tick(1);
            return result;
        });

        var invoicing = new InvoiceIssuingBench(ledger);
        var billable = await AnsiConsole.Status().StartAsync("Pricing the history's sessions (async projections) for the invoices",
            _ => invoicing.PrepareAsync(ct));
        var perRun = Math.Min(options.Invoices, billable / options.Runs);
        var invoices = new List<double>();
        foreach (var run in runs)
            invoices.Add((await StageAsync($"Issuing {perRun:N0} session invoices, run {run}", perRun,
                tick => invoicing.RunAsync(perRun, n => tick(n), ct))).InvoicesPerSecond);

        var pricing = new List<double>();
        foreach (var run in runs)
            pricing.Add((await StageAsync($"Pricing {options.PricingSessions:N0} sessions, run {run}", options.PricingSessions, tick =>
            {
                var done = 0L;
                return Task.Run(() => new PricingBench(options.PricingSessions, PricingReadings, seed: 2026 + run)
                    .Run(total => { tick(total - done); done = total; }), ct);
            })).SessionsPerSecond);

        return new FullBenchFigures
        {
            Runs = options.Runs,
            Cores = Environment.ProcessorCount,
            HistoryEvents = history.Count,
            Options = options,
            RawBatchRowsPerSecond = Median(rawBatch.Select(r => r.RowsPerSecond)),
            RawBatchCpuPerRow = Median(rawBatch.Select(r => r.CpuMicrosecondsPerRow)),
            RawCopyRowsPerSecond = Median(rawCopy),
            AppendBatchEventsPerSecond = Median(batched.Select(r => r.EventsPerSecond)),
            AppendBatchCpuPerEvent = Median(batched.Select(r => r.CpuMicrosecondsPerEvent)),
            AppendSingleEventsPerSecond = Median(single.Select(r => r.EventsPerSecond)),
            AppendSingleCpuPerEvent = Median(single.Select(r => r.CpuMicrosecondsPerEvent)),
            OcppCallsPerSecond = Median(ocpp.Select(r => r.CallsPerSecond)),
            OcppEventsPerSecond = Median(ocpp.Select(r => r.EventsPerSecond)),
            OcppP50Ms = Median(ocpp.Select(r => r.Latency.P50.TotalMilliseconds)),
            OcppP95Ms = Median(ocpp.Select(r => r.Latency.P95.TotalMilliseconds)),
            OcppP99Ms = Median(ocpp.Select(r => r.Latency.P99.TotalMilliseconds)),
            OcppErrors = ocpp.Sum(r => (r.Final?.Errors ?? 0) - r.SetupErrors),
            HostMemoryMb = Median(ocpp.Select(r => (r.SteadyMemory ?? r.PeakMemory?.ResidentBytes ?? 0) / 1024.0 / 1024.0)),
            RebuildEventsPerSecond = Median(rebuild),
            VerifyEventsPerSecond = chain.VerifyEventsPerSecond,
            ChainEventsPerSecond = chain.ChainingEventsPerSecond,
            PricingSessionsPerSecond = Median(pricing),
            InvoicesPerSecond = Median(invoices),
            InvoicesPerRun = perRun,
        };
    }

    /// <summary>One step with its own progress bar; <c>tick</c> adds to what is done.</summary>
    internal static async Task<T> StageAsync<T>(string description, long total, Func<Action<long>, Task<T>> step)
    {
        var result = default(T);
        await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask(Markup.Escape(description), maxValue: Math.Max(total, 1));
                result = await step(n => task.Increment(n));
                task.Value = task.MaxValue;
            });
        return result!;
    }

    /// <summary>Stored events spread over the whole history, as the raw baseline's rows: the same JSON, the same sizes.</summary>
    internal static async Task<List<RawRow>> SampleRowsAsync(DatabaseServer server, string database, long events, CancellationToken ct)
    {
        await using var ledger = await server.OpenLedgerAsync(database, SettlementReadModels.All, ct);
        var rows = await ledger.SampleStoredEventsAsync(after: 0, upTo: long.MaxValue, every: events / RawSampleRows, RawSampleRows, ct);
        return rows.Select(RawRow.Of).ToList();
    }

    /// <summary>The median, or null when a run could not be measured (no /proc to read CPU time from, say).</summary>
    internal static double? Median(IEnumerable<double?> values)
    {
        var measured = values.ToList();
        return measured.Count > 0 && measured.All(v => v.HasValue) ? Median(measured.Select(v => v!.Value)) : null;
    }

    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
