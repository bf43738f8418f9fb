using Settlement.Projections;
using System.Diagnostics;
using NodaTime;
using Settlement.Ledger.Database;
using Settlement.Projections.Kpis;
using Settlement.Workbench.Demo;
using Spectre.Console;

namespace Settlement.Workbench.Bench;

/// <summary>
/// Rebuilds the KPI projections from zero over a long demo history, as an operator would after
/// changing one, and reports how fast the ledger is replayed through them.
/// </summary>
public sealed class KpiRebuildBench(DatabaseServer server, string database, DemoOptions history)
{
    public const int TargetEventsPerSecond = 100_000;
    public const long TargetHistoryEvents = 1_000_000;
    public static readonly string[] Projections = [ChargerKpiFacts.ProjectionName, SessionKpiFacts.ProjectionName];

    public const int Runs = 3;

    /// <summary><paramref name="Rebuilding"/> is the median of <paramref name="Runs"/>.</summary>
    public sealed record Result(
        long LedgerEvents, long AppliedEvents, TimeSpan Appending, TimeSpan Rebuilding, IReadOnlyList<TimeSpan> Runs,
        TimeSpan DaemonRebuilding, bool SameDocuments, ChainVerifyBench.Result Chain)
    {
        public double EventsPerSecond => LedgerEvents / Math.Max(Rebuilding.TotalSeconds, 0.001);

        public double DaemonEventsPerSecond => LedgerEvents / Math.Max(DaemonRebuilding.TotalSeconds, 0.001);
    }

    public async Task<Result> RunAsync(Action<string, double, double> progress, CancellationToken ct)
    {
        await server.RecreateScratchDatabaseAsync(database, ct);
        await using var ledger = await server.OpenLedgerAsync(database, SettlementReadModels.All, ct);

        var events = DemoNetwork.Generate(history);
        var ledgerEvents = events.Count;
        var appending = Stopwatch.StartNew();
        var appended = 0;
        await DemoHistoryWriter.AppendAsync(ledger, events, batch => progress("Appending the demo history", appended += batch, ledgerEvents), ct);
        appending.Stop();
        // The generated history is not needed any more; holding a million objects would only slow the collector down.
        events = null;
        await ledger.VacuumEventsAsync(ct);

        var runs = new List<(TimeSpan Elapsed, KpiRebuild.Result Result)>();
        for (var run = 1; run <= Runs; run++)
        {
            var rebuilding = Stopwatch.StartNew();
            var result = await new KpiRebuild(ledger).RunAsync((done, total) => progress($"Rebuilding the KPI projections (KpiRebuild), run {run} of {Runs}", done, total), ct);
            runs.Add((rebuilding.Elapsed, result));
        }
        var median = runs.OrderBy(r => r.Elapsed).ElementAt(Runs / 2);
        var fast = await KpiRebuild.DocumentsAsync(ledger, ct);

        // The same rebuild through Marten's daemon, for comparison: it must produce the same documents.
        var daemonRebuilding = Stopwatch.StartNew();
        await ledger.RebuildWithMartenDaemonAsync(Projections, TimeSpan.FromMinutes(30),
            rebuilt => progress("Rebuilding them again with Marten's daemon", rebuilt, Projections.Length), ct);
        daemonRebuilding.Stop();
        var byDaemon = await KpiRebuild.DocumentsAsync(ledger, ct);
        var chain = await ChainVerifyBench.RunAsync(ledger, Runs, progress, ct);

        return new Result(ledgerEvents, median.Result.EventsReplayed, appending.Elapsed, median.Elapsed,
            [.. runs.Select(r => r.Elapsed)], daemonRebuilding.Elapsed, fast.SequenceEqual(byDaemon), chain);
    }

    public static void Print(Result result, DemoOptions history)
    {
        var table = new Table().Title($"KPI projections rebuilt from zero ({history.Days:N0} days of the demo network from {history.From:yyyy-MM-dd})")
            .AddColumns("Figure", "Value");
        table.AddRow("Events in the ledger", result.LedgerEvents.ToString("N0"));
        table.AddRow("Of which the KPI projections apply", result.AppliedEvents.ToString("N0"));
        table.AddRow("Appended in", $"{result.Appending.TotalSeconds:F1} s");
        var pass = result.EventsPerSecond >= TargetEventsPerSecond;
        table.AddRow("[bold]Rebuild (KpiRebuild)[/]",
            $"[bold]{result.Rebuilding.TotalSeconds:F1} s, {result.EventsPerSecond:N0} events/s[/] of the ledger (median of {string.Join(", ", result.Runs.Select(r => $"{r.TotalSeconds:F1}"))} s); target {TargetEventsPerSecond:N0}: {(pass ? "[green]PASS[/]" : "[red]FAIL[/]")}");
        table.AddRow("Rebuild (Marten's daemon)", $"{result.DaemonRebuilding.TotalSeconds:F1} s, {result.DaemonEventsPerSecond:N0} events/s");
        table.AddRow("Same documents both ways", result.SameDocuments ? "[green]yes[/]" : "[red]NO[/]");
        table.AddRow("Hash chain, linking", $"{result.Chain.ChainingEventsPerSecond:N0} events/s");
        var verified = result.Chain.VerifyEventsPerSecond >= ChainVerifyBench.TargetEventsPerSecond;
        table.AddRow("[bold]Hash chain, verification[/]",
            $"[bold]{result.Chain.VerifyEventsPerSecond:N0} events/s[/] (median of {Runs}); target {ChainVerifyBench.TargetEventsPerSecond:N0}: {(verified ? "[green]PASS[/]" : "[red]FAIL[/]")}");
        AnsiConsole.Write(table);
    }

    /// <summary>Days of demo history from a start date that hold at least <paramref name="events"/> events (about 1,100 a day).</summary>
    public static int DaysFor(long events) => (int)Math.Ceiling(events / 1_000.0);

    public static DemoOptions DefaultHistory(int days) => new(Seed: 2026, new LocalDate(2024, 1, 1), days);
}
