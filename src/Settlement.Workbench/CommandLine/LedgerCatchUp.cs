using Microsoft.Extensions.Logging.Abstractions;
using Settlement.Ledger.Audit;
using Settlement.Ledger.Store;
using Spectre.Console;

namespace Settlement.Workbench.CommandLine;

/// <summary>
/// Brings what a command reads up to date with the ledger before it reads it, showing progress on the console: a command
/// runs without the host, so nothing else chains the events or runs the asynchronous projections meanwhile.
/// </summary>
public static class LedgerCatchUp
{
    /// <summary>Links every committed event into the hash chain.</summary>
    public static async Task ChainAsync(Ledger.Ledger ledger, CancellationToken ct)
    {
        await using var writer = new ChainWriter(ledger, NullLogger.Instance);
        await AnsiConsole.Progress().StartAsync(async progress =>
        {
            var task = progress.AddTask("Linking events into the hash chain");
            await writer.CatchUpAsync((head, last) => { task.MaxValue = Math.Max(last, 1); task.Value = head; }, ct);
            task.Value = task.MaxValue;
        });
    }

    /// <summary>Runs the asynchronous projections (the KPI ones among them) until they have seen every event.</summary>
    public static async Task ProjectionsAsync(Ledger.Ledger ledger, CancellationToken ct)
    {
        await using var projections = new AsyncProjections(ledger, NullLogger.Instance);
        await AnsiConsole.Status().StartAsync("Bringing the KPI projections up to date with the ledger", async _ =>
        {
            await projections.StartAsync(ct);
            await projections.WaitForNonStaleDataAsync(TimeSpan.FromMinutes(30));
        });
    }
}
