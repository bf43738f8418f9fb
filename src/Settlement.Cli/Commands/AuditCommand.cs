using System.CommandLine;
using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Settlement.Ledger.Audit;
using Spectre.Console;

namespace Settlement.Cli.Commands;

/// <summary>
/// <c>settle verify</c>: walks the hash chain and names the first event that does not match;
/// <c>settle keys create</c> and <c>settle checkpoint</c>: the operator's signing key and signed checkpoints.
/// </summary>
internal static class AuditCommand
{
    public static Command Verify()
    {
        var database = new DatabaseOptions("settlement", "Database to verify (the demo writes 'settlement_demo').");
        var publicKey = new Option<FileInfo?>("--public-key") { Description = "The operator's published public key (PEM): checkpoints signed by any other key fail." };
        var command = new Command("verify", "Verify the ledger against its hash chain and signed checkpoints; reports the first event edited, deleted, inserted or reordered.") { publicKey };
        database.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var trustedKeyId = parse.GetValue(publicKey) is { } file ? TrustedKeyId(file) : null;
            await using var open = await ReportCommand.OpenAsync(database, parse, ct);
            var started = Stopwatch.StartNew();
            VerificationResult? result = null;
            await AnsiConsole.Progress().StartAsync(async progress =>
            {
                var task = progress.AddTask("Verifying the hash chain");
                result = await LedgerVerification.VerifyAsync(open.Ledger.DataSource, trustedKeyId,
                    (done, last) => { task.MaxValue = Math.Max(last, 1); task.Value = done; }, ct);
            });
            Print(result!, started.Elapsed);
            if (trustedKeyId is null && result!.CheckpointsVerified > 0)
                AnsiConsole.MarkupLine("[yellow]Checkpoints were checked against the keys they name; pass --public-key with the operator's published key to trust them.[/]");
            return result!.Verified ? 0 : 1;
        });
        return command;
    }

    public static Command Keys()
    {
        var output = new Option<FileInfo>("--out") { Description = "Private key file to write (PEM); the public key goes next to it as .pub.pem.", Required = true };
        var create = new Command("create", "Create the operator's checkpoint signing key (ECDSA P-256).") { output };
        create.SetAction(parse =>
        {
            var file = parse.GetValue(output)!;
            if (file.Exists)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]{file.FullName} exists; a signing key is never overwritten.[/]");
                return 2;
            }
            using var key = CheckpointKeys.Create();
            File.WriteAllText(file.FullName, key.ExportPkcs8PrivateKeyPem(), new System.Text.UTF8Encoding(false));
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(file.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var publicFile = Path.ChangeExtension(file.FullName, ".pub.pem");
            File.WriteAllText(publicFile, CheckpointKeys.PublicPem(key));
            AnsiConsole.MarkupLineInterpolated($"Wrote [bold]{file.FullName}[/] (keep it secret) and [bold]{publicFile}[/] (publish it). Key id {CheckpointKeys.IdOf(key)}.");
            return 0;
        });
        return new Command("keys", "The operator's checkpoint signing key.") { create };
    }

    public static Command Checkpoint()
    {
        var database = new DatabaseOptions("settlement", "Database whose chain to checkpoint.");
        var key = new Option<FileInfo>("--key") { Description = "The operator's private signing key (PEM, from `settle keys create`).", Required = true };
        var command = new Command("checkpoint", "Chain every committed event, then sign a checkpoint of the chain head with the operator's key.") { key };
        database.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            using var signingKey = CheckpointKeys.LoadPrivate(parse.GetValue(key)!.FullName);
            await using var open = await ReportCommand.OpenAsync(database, parse, ct);
            await CatchUpAsync(open.Ledger, ct);
            var signed = await Checkpoints.SignAsync(open.Ledger.DataSource, signingKey, ct);
            if (signed.Count == 0) AnsiConsole.MarkupLine("Nothing was chained since the last checkpoint; none signed.");
            foreach (var checkpoint in signed)
                AnsiConsole.MarkupLineInterpolated(
                    $"Signed checkpoint at event [bold]{checkpoint.Statement.Sequence:N0}[/] ({checkpoint.Statement.EventCount:N0} events since {checkpoint.Statement.FromSequence:N0}), chain hash {ChainHash.Hex(checkpoint.Statement.Hash)}, key {checkpoint.Statement.KeyId}.");
            return 0;
        });
        return command;
    }

    /// <summary>Links every committed event into the chain (or waits for the host that writes it), showing how far it got.</summary>
    public static async Task CatchUpAsync(Ledger.Ledger ledger, CancellationToken ct)
    {
        await using var writer = new ChainWriter(ledger.DataSource, NullLogger.Instance);
        await AnsiConsole.Progress().StartAsync(async progress =>
        {
            var task = progress.AddTask("Linking events into the hash chain");
            await writer.CatchUpAsync((head, last) => { task.MaxValue = Math.Max(last, 1); task.Value = head; }, ct);
            task.Value = task.MaxValue;
        });
    }

    private static string TrustedKeyId(FileInfo file)
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(file.FullName));
        }
        catch (Exception e) when (e is ArgumentException or IOException)
        {
            throw new InvalidDataException($"{file.FullName} is not a public key in PEM form: {e.Message}", e);
        }
        return CheckpointKeys.IdOf(key);
    }

    private static void Print(VerificationResult result, TimeSpan elapsed)
    {
        var table = new Table().AddColumns("", "");
        table.HideHeaders();
        table.AddRow("Events verified", $"{result.EventsVerified:N0}");
        table.AddRow("Chain links verified", $"{result.LinksVerified:N0}");
        table.AddRow("Checkpoints verified", $"{result.CheckpointsVerified:N0}");
        table.AddRow("Sequence numbers never committed", $"{result.SequencesNeverCommitted:N0}");
        table.AddRow("Events not yet chained (after the head)", $"{result.EventsNotYetChained:N0}");
        table.AddRow("Chain head", $"event {result.Head.Sequence:N0}, {ChainHash.Hex(result.Head.Hash)}");
        table.AddRow("Rate", $"{result.LinksVerified / Math.Max(elapsed.TotalSeconds, 1e-6):N0} events/s in {elapsed.TotalSeconds:F1} s");
        AnsiConsole.Write(table);
        if (result.Problem is { } problem)
            AnsiConsole.MarkupLineInterpolated($"[red]NOT VERIFIED at event {problem.Sequence:N0} ({problem.Kind}): {problem.Detail}[/]");
        else
            AnsiConsole.MarkupLine("[green]Verified: every chained event is exactly as it was chained.[/]");
    }
}
