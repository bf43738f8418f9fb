using System.Diagnostics;
using Settlement.Cli.Commands;
using Settlement.Ledger.Audit;
using Spectre.Console;

namespace Settlement.Cli.Demo;

/// <summary>The month's history linked into the hash chain and verified, as an auditor would with `settle verify`.</summary>
internal static class DemoAudit
{
    public static async Task RunAsync(Ledger.Ledger ledger, CancellationToken ct)
    {
        await AuditCommand.CatchUpAsync(ledger, ct);
        var verifying = Stopwatch.StartNew();
        var result = await AnsiConsole.Status().StartAsync("Verifying the hash chain", _ =>
            LedgerVerification.VerifyAsync(ledger.DataSource, trustedKeyId: null, ct: ct));
        if (result.Problem is { } problem)
            throw new InvalidOperationException($"The demo's own ledger does not verify at event {problem.Sequence}: {problem.Detail}");
        AnsiConsole.MarkupLineInterpolated(
            $"Hash chain: [bold]{result.EventsVerified:N0}[/] events linked and verified in {verifying.Elapsed.TotalSeconds:F1} s; head {ChainHash.Hex(result.Head.Hash)[..16]}… at event {result.Head.Sequence:N0}.");
    }
}
