using Settlement.Projections;
using System.Diagnostics;
using Settlement.Ledger;
using Settlement.Ledger.Database;
using Settlement.Workbench.Demo;

namespace Settlement.Workbench.Bench;

/// <summary>
/// Appends a demo history through the ledger into a freshly created database, either one event per
/// AppendAsync from many concurrent writers (as chargers do, leaving group commit to combine them) or in
/// large batches from one writer (as an import does). Each stream keeps its events in their order.
/// </summary>
public sealed class AppendBench(DatabaseServer server, string database, GeneratedHistory history)
{
    /// <param name="Transactions">What PostgreSQL counted as transactions in the database while appending.</param>
    /// <param name="MachineCpu">CPU the whole machine used while appending (see <see cref="ProcFs.MachineBusyTime"/>).</param>
    public sealed record Result(long Events, TimeSpan Elapsed, long Transactions, TimeSpan? MachineCpu)
    {
        public double EventsPerSecond => Events / Math.Max(Elapsed.TotalSeconds, 0.001);

        public double? CpuMicrosecondsPerEvent => MachineCpu?.TotalMicroseconds / Events;
    }

    /// <summary>
    /// Each kind of append <paramref name="runs"/> times, with progress: one event per call from the writers
    /// (skipped when there are none), then <paramref name="batchSize"/> events per call. Each kind first runs
    /// once unmeasured: a fresh process compiles its hot paths over the first run or two (its JIT thread took
    /// a sixth of the machine then), and a ledger is a long-running host, so its steady state is the figure.
    /// </summary>
    public async Task<(IReadOnlyList<Result> Single, IReadOnlyList<Result> Batched)> RunAsync(int runs, int writers, int batchSize, CancellationToken ct)
    {
        Task<Result> Single(string run) => FullBench.StageAsync($"Append, one event per call from {writers} writers, {run}", history.Count,
            tick => SingleEventsAsync(writers, n => tick(n), ct));
        Task<Result> Batched(string run) => FullBench.StageAsync($"Append, {batchSize:N0} events per call, {run}", history.Count,
            tick => BatchesAsync(batchSize, n => tick(n), ct));
        const string WarmUp = "warm-up (not measured)";

        var single = new List<Result>();
        if (writers > 0) await Single(WarmUp);
        for (var run = 1; writers > 0 && run <= runs; run++)
            single.Add(await Single($"run {run}"));
        await Batched(WarmUp);
        var batched = new List<Result>();
        for (var run = 1; run <= runs; run++)
            batched.Add(await Batched($"run {run}"));
        return (single, batched);
    }

    /// <summary>
    /// Every event its own AppendAsync. Writer k owns the streams that hash to k, so concurrent writers
    /// never reorder a stream, as one connection per charger would not either.
    /// </summary>
    private async Task<Result> SingleEventsAsync(int writers, Action<int> appended, CancellationToken ct)
    {
        var shares = history.GroupBy(e => (uint)StableHash(e.StreamId) % (uint)writers).Select(g => g.ToList()).ToList();
        await using var ledger = await FreshLedgerAsync(ct);
        await ledger.Drivers.RegisterAsync(history.Drivers, ct);
        return await MeasureAsync(ledger, () => Task.WhenAll(shares.Select(share => Task.Run(async () =>
        {
            foreach (var e in share)
            {
                await ledger.AppendAsync(new StreamAppend(e.StreamId, [new PendingEvent(e.Data, e.Metadata)]), ct);
                appended(1);
            }
        }, ct))), ct);
    }

    /// <summary><paramref name="batchSize"/> events per AppendAsync, in time order, one call after the other.</summary>
    private async Task<Result> BatchesAsync(int batchSize, Action<int> appended, CancellationToken ct)
    {
        await using var ledger = await FreshLedgerAsync(ct);
        return await MeasureAsync(ledger, () => DemoHistoryWriter.AppendAsync(ledger, history, appended, ct, batchSize), ct);
    }

    /// <summary>How long appending the history took, with the machine's CPU and PostgreSQL's transactions meanwhile.</summary>
    private async Task<Result> MeasureAsync(Ledger.Ledger ledger, Func<Task> appendHistory, CancellationToken ct)
    {
        var before = await ledger.ReadDatabaseActivityAsync(ct);
        var cpuBefore = ProcFs.MachineBusyTime();
        var clock = Stopwatch.StartNew();
        await appendHistory();
        var (elapsed, cpu) = (clock.Elapsed, ProcFs.MachineBusyTime() - cpuBefore);
        // Backends report their counters when idle for a second; the two reads themselves count one each.
        await Task.Delay(TimeSpan.FromSeconds(1.5), ct);
        var transactions = (await ledger.ReadDatabaseActivityAsync(ct)).Since(before).Transactions - 1;
        return new Result(history.Count, elapsed, transactions, cpu);
    }

    private async Task<Ledger.Ledger> FreshLedgerAsync(CancellationToken ct)
    {
        await server.RecreateScratchDatabaseAsync(database, ct);
        return await server.OpenLedgerAsync(database, SettlementReadModels.All, ct);
    }

    // string.GetHashCode differs between processes; the partition should not.
    private static int StableHash(string text)
    {
        var hash = 17;
        foreach (var c in text) hash = unchecked(hash * 31 + c);
        return hash;
    }
}
