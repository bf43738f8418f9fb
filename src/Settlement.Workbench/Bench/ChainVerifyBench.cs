using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Settlement.Ledger.Audit;

namespace Settlement.Workbench.Bench;

/// <summary>Links a ledger's history into the hash chain, then verifies it: the events per second of each.</summary>
public static class ChainVerifyBench
{
    public const int TargetEventsPerSecond = 200_000;

    public sealed record Result(long Events, double ChainingEventsPerSecond, double VerifyEventsPerSecond);

    /// <param name="progress">The step, what is done and the total.</param>
    public static async Task<Result> RunAsync(Ledger.Ledger ledger, int runs, Action<string, double, double> progress, CancellationToken ct)
    {
        var chaining = Stopwatch.StartNew();
        ChainHead head;
        await using (var writer = new ChainWriter(ledger, NullLogger.Instance))
            head = await writer.CatchUpAsync((done, total) => progress("Linking the history into the hash chain", done, total), ct);
        chaining.Stop();

        var rates = new List<double>();
        for (var run = 1; run <= runs; run++)
        {
            var verifying = Stopwatch.StartNew();
            var result = await LedgerVerification.VerifyAsync(ledger, trustedKeyId: null,
                progress: (done, total) => progress($"Verifying the hash chain, run {run} of {runs}", done, total), ct: ct);
            if (result.Problem is { } problem)
                throw new InvalidOperationException($"The bench's own ledger does not verify at event {problem.Sequence}: {problem.Detail}");
            rates.Add(result.LinksVerified / Math.Max(verifying.Elapsed.TotalSeconds, 0.001));
        }
        return new Result(head.Sequence, head.Sequence / Math.Max(chaining.Elapsed.TotalSeconds, 0.001), rates.Order().ElementAt(rates.Count / 2));
    }
}
