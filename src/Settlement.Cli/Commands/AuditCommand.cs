using Settlement.Projections;
using System.CommandLine;
using System.Diagnostics;
using System.Reflection;
using Settlement.Host.Audit;
using Settlement.Ledger.Audit;
using Settlement.Ledger.Database;
using Spectre.Console;
using Settlement.Workbench.CommandLine;

namespace Settlement.Cli.Commands;

/// <summary>
/// <c>settle verify</c>: walks the hash chain, holds it to the checkpoints anchored outside the database, and names the first event that does not match;
/// <c>settle signing-key create</c> and <c>settle checkpoint</c>: the operator's signing key and signed checkpoints;
/// <c>settle export</c> and <c>settle verify --bundle</c>: an auditor's bundle of a period, verified without the database.
/// </summary>
internal static class AuditCommand
{
    public static Command Verify()
    {
        var database = new DatabaseOptions("settlement", "Database to verify (the demo writes 'settlement_demo').");
        var publicKey = new Option<FileInfo?>("--public-key") { Description = "The operator's published public key (PEM): checkpoints signed by any other key fail." };
        var bundle = new Option<DirectoryInfo?>("--bundle") { Description = "Verify an auditor's bundle (from `settle export`) instead of a database; needs no database." };
        var anchors = AnchorsOption.Create("Root of the anchor logs to hold the ledger to, e.g. an auditor's copy");
        var command = new Command("verify", "Verify the ledger, or an auditor's bundle, against its hash chain, its signed checkpoints and the checkpoints anchored outside the database; reports the first event edited, deleted, inserted or reordered.")
            { publicKey, bundle, anchors };
        database.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                var trustedKeyId = parse.GetValue(publicKey) is { } file ? CheckpointKeys.IdOfPublicKeyFile(file.FullName) : null;
                if (parse.GetValue(bundle) is { } directory) return VerifyBundle(directory, trustedKeyId, ct);
                var anchorRoot = parse.GetValue(anchors)?.FullName;
                await using var server = await database.ConnectAsync(parse, m => AnsiConsole.MarkupLineInterpolated($"[grey]{m}[/]"), ct);
                var named = database.Named(parse);
                var targets = named ? [database.DatabaseName(parse)] : await UnnamedTargetsAsync(server, database.DatabaseName(parse), anchorRoot, ct);
                var verified = true;
                foreach (var name in targets)
                {
                    if (!named) AnsiConsole.MarkupLineInterpolated($"[bold]Database {name}[/]");
                    try
                    {
                        verified &= await VerifyDatabaseAsync(server, name, AnchorLog.For(name, anchorRoot), trustedKeyId, ct);
                    }
                    catch (Exception e) when (e is not OperationCanceledException && targets.Count > 1)
                    {
                        AnsiConsole.MarkupLineInterpolated($"[red]{VerificationResult.Unverified(e)}[/]");
                        verified = false;
                    }
                }
                return verified ? 0 : 1;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Whatever stopped it, the ledger was not verified: say what failed, never leave it to a stack trace.
                AnsiConsole.MarkupLineInterpolated($"[red]{VerificationResult.Unverified(e)}[/]");
                return 1;
            }
        });
        return command;
    }

    /// <summary>
    /// A bare <c>settle verify</c> checks the served ledger (if there is one) and every ledger whose checkpoints were
    /// anchored under the anchor root, the demo's among them: an anchored ledger is never left out because its
    /// name was not typed.
    /// </summary>
    private static async Task<IReadOnlyList<string>> UnnamedTargetsAsync(DatabaseServer server, string defaultDatabase, string? anchorRoot, CancellationToken ct)
    {
        var anchored = AnchorLog.AnchoredDatabases(anchorRoot);
        var targets = new List<string>();
        if (anchored.Contains(defaultDatabase) || await server.DatabaseExistsAsync(defaultDatabase, ct)) targets.Add(defaultDatabase);
        targets.AddRange(anchored.Where(name => name != defaultDatabase));
        return targets.Count > 0 ? targets : [defaultDatabase];
    }

    private static async Task<bool> VerifyDatabaseAsync(DatabaseServer server, string name, AnchorLog log, string? trustedKeyId, CancellationToken ct)
    {
        var anchored = log.Read();
        PrintAnchors(log, anchored);
        if (anchored.Count > 0 && !await server.DatabaseExistsAsync(name, ct))
            throw new InvalidDataException(
                $"checkpoints of {name} are anchored in {log.FilePath}, but the database {name} does not exist: the anchored ledger was dropped or renamed.");
        await using var ledger = await server.OpenLedgerAsync(name, SettlementReadModels.All, ct);
        var started = Stopwatch.StartNew();
        VerificationResult? result = null;
        await AnsiConsole.Progress().StartAsync(async progress =>
        {
            var task = progress.AddTask("Verifying the hash chain");
            result = await LedgerVerification.VerifyAsync(ledger, trustedKeyId, anchored,
                (done, last) => { task.MaxValue = Math.Max(last, 1); task.Value = done; }, ct);
        });
        Print(result!, started.Elapsed);
        if (trustedKeyId is null && anchored.Count == 0 && result!.CheckpointsVerified > 0)
            AnsiConsole.MarkupLine("[yellow]Checkpoints were checked against the keys they name; pass --public-key with the operator's published key to trust them.[/]");
        return result!.Verified;
    }

    /// <summary>Where the anchors were looked for and what they hold; without any, that the check is weaker.</summary>
    private static void PrintAnchors(AnchorLog log, IReadOnlyList<Ledger.Audit.Checkpoint> anchored)
    {
        if (anchored.Count == 0)
        {
            AnsiConsole.MarkupLineInterpolated(
                $"[yellow]No anchor found (looked for {log.FilePath}). The ledger is checked only against its own chain and checkpoints, which is weaker: whoever rewrites the database can rewrite those with it. Sign checkpoints (`settle checkpoint --key F`, or the host's Audit:CheckpointKeyFile) to anchor them there, or pass --anchors with the operator's copy.[/]");
            var anchoredElsewhere = AnchorLog.AnchoredDatabases(Path.GetDirectoryName(log.Directory));
            if (anchoredElsewhere.Count > 0)
                AnsiConsole.MarkupLineInterpolated($"[yellow]Anchors were found for: {string.Join(", ", anchoredElsewhere)} (verify one with --database NAME).[/]");
            return;
        }
        var latest = anchored.MaxBy(a => a.Statement.Sequence)!.Statement;
        AnsiConsole.MarkupLineInterpolated(
            $"Anchors: {anchored.Count:N0} signed checkpoints in {log.FilePath}; the latest pins event {latest.Sequence:N0} (signed {CanonicalTime.Format(latest.SignedAt)}, key {latest.KeyId}).");
    }

    public static Command Export()
    {
        var database = new DatabaseOptions("settlement", "Database to export from (the demo writes 'settlement_demo').");
        var from = new Option<string?>("--from") { Description = "Start of the period by recorded time: an instant (2026-10-01T00:00:00Z) or a date (its start, UTC)." };
        var to = new Option<string?>("--to") { Description = "End of the period by recorded time: an instant (exclusive) or a date (through its end, UTC)." };
        var fromSeq = new Option<long?>("--from-seq") { Description = "Start of the period by ledger position (instead of --from/--to)." };
        var toSeq = new Option<long?>("--to-seq") { Description = "End of the period by ledger position, inclusive." };
        var output = new Option<DirectoryInfo>("--out") { Description = "Directory to write the bundle into (new or empty).", Required = true };
        var command = new Command("export", "Write an auditor's bundle of a period: its events, the chain links and signed checkpoints that pin them, the documents derived from them and a manifest of hashes.")
            { from, to, fromSeq, toSeq, output };
        database.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var byTime = parse.GetValue(from) is not null || parse.GetValue(to) is not null;
            var bySequence = parse.GetValue(fromSeq) is not null || parse.GetValue(toSeq) is not null;
            if (byTime == bySequence)
                throw new InvalidDataException("Give the period either as --from and --to (recorded time) or as --from-seq and --to-seq (ledger positions).");
            var directory = parse.GetValue(output)!.FullName;
            await using var open = await ReportCommand.OpenAsync(database, parse, ct);
            await LedgerCatchUp.ChainAsync(open.Ledger, ct);
            var period = byTime
                ? await BundleExport.PeriodAsync(open.Ledger, BundleExport.Bound(parse.GetValue(from), "--from", endOfDay: false), BundleExport.Bound(parse.GetValue(to), "--to", endOfDay: true), ct)
                : await BundleExport.PeriodAsync(open.Ledger, parse.GetValue(fromSeq) ?? throw new InvalidDataException("--from-seq is missing."),
                    parse.GetValue(toSeq) ?? throw new InvalidDataException("--to-seq is missing."), ct);
            var started = Stopwatch.StartNew();
            BundleManifest? manifest = null;
            await AnsiConsole.Progress().StartAsync(async progress =>
            {
                var task = progress.AddTask($"Exporting events {period.FirstSeq:N0} to {period.LastSeq:N0}");
                manifest = await BundleExport.WriteAsync(open.Ledger, period, directory, new BundleDocuments(), Tool,
                    (done, last) => { task.MaxValue = Math.Max(last, 1); task.Value = done; }, ct);
            });
            var counts = manifest!.Counts;
            AnsiConsole.MarkupLineInterpolated(
                $"Wrote [bold]{directory}[/]: {counts.Events:N0} events ({period.FirstSeq:N0} to {period.LastSeq:N0}), {counts.Links:N0} chain links from event {manifest.Anchor.Seq:N0} to {manifest.ChainEnd:N0}, {counts.Checkpoints:N0} checkpoints, {counts.Documents:N0} documents in {started.Elapsed.TotalSeconds:F1} s.");
            if (counts.Checkpoints == 0 || manifest.ChainEnd < period.LastSeq)
                AnsiConsole.MarkupLine("[yellow]No signed checkpoint covers the period yet: run `settle checkpoint` first so the bundle is pinned by the operator's signature.[/]");
            return 0;
        });
        return command;
    }

    private static string Tool => "settle " + (typeof(AuditCommand).Assembly
        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown");

    private static int VerifyBundle(DirectoryInfo directory, string? trustedKeyId, CancellationToken ct)
    {
        if (!directory.Exists) throw new InvalidDataException($"{directory.FullName} does not exist.");
        var started = Stopwatch.StartNew();
        BundleVerificationResult? result = null;
        AnsiConsole.Progress().Start(progress =>
        {
            var task = progress.AddTask("Verifying the bundle");
            result = BundleVerification.Verify(directory.FullName, trustedKeyId, new BundleDocuments(),
                (done, last) => { task.MaxValue = Math.Max(last, 1); task.Value = done; }, ct);
            task.Value = task.MaxValue;
        });
        var elapsed = started.Elapsed;
        var table = new Table().AddColumns("", "");
        table.HideHeaders();
        if (result!.Manifest is { } manifest)
            table.AddRow("Period", $"events {manifest.Period.FirstSeq:N0} to {manifest.Period.LastSeq:N0}" +
                                   (manifest.Period.From is { } from ? $", recorded from {from} to {manifest.Period.To}" : ""));
        table.AddRow("Events verified", $"{result.EventsVerified:N0}");
        table.AddRow("Events with secrets withheld (chained, line not hashable)", $"{result.EventsRedacted:N0}");
        table.AddRow("Chain links verified", $"{result.LinksVerified:N0}");
        table.AddRow("Checkpoints verified", $"{result.CheckpointsVerified:N0}");
        table.AddRow("Documents verified", $"{result.DocumentsVerified:N0}");
        table.AddRow("Sequence numbers never committed", $"{result.SequencesNeverCommitted:N0}");
        if (result.Head is { } head) table.AddRow("Chain end", $"event {head.Sequence:N0}, {ChainHash.Hex(head.Hash)}");
        table.AddRow("Rate", $"{result.LinksVerified / Math.Max(elapsed.TotalSeconds, 1e-6):N0} events/s in {elapsed.TotalSeconds:F1} s");
        AnsiConsole.Write(table);
        foreach (var problem in result.Problems)
            AnsiConsole.MarkupLineInterpolated($"[red]NOT VERIFIED: {problem}[/]");
        if (result.Verified)
            AnsiConsole.MarkupLine("[green]Verified: every event of the bundle is exactly as it was chained, and every document is exactly what its event renders.[/]");
        if (trustedKeyId is null && result.CheckpointsVerified > 0)
            AnsiConsole.MarkupLine("[yellow]Checkpoints were checked against the keys they name; pass --public-key with the operator's published key to trust them.[/]");
        return result.Verified ? 0 : 1;
    }

    public static Command SigningKey()
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
        return new Command("signing-key", "The operator's checkpoint signing key (API keys are `settle keys`).") { create };
    }

    public static Command Checkpoint()
    {
        var database = new DatabaseOptions("settlement", "Database whose chain to checkpoint.");
        var key = new Option<FileInfo>("--key") { Description = "The operator's private signing key (PEM, from `settle signing-key create`).", Required = true };
        var anchors = AnchorsOption.Create("Root of the anchor logs the signed checkpoints are appended to");
        var command = new Command("checkpoint", "Chain every committed event, then sign a checkpoint of the chain head with the operator's key and anchor it outside the database.")
            { key, anchors };
        database.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            using var signingKey = CheckpointKeys.LoadPrivate(parse.GetValue(key)!.FullName);
            var log = AnchorLog.For(database.DatabaseName(parse), parse.GetValue(anchors)?.FullName);
            await using var open = await ReportCommand.OpenAsync(database, parse, ct);
            await LedgerCatchUp.ChainAsync(open.Ledger, ct);
            var signed = await Checkpoints.SignAsync(open.Ledger, signingKey, ct);
            if (signed.Count == 0) AnsiConsole.MarkupLine("Nothing was chained since the last checkpoint; none signed.");
            foreach (var checkpoint in signed)
                AnsiConsole.MarkupLineInterpolated(
                    $"Signed checkpoint at event [bold]{checkpoint.Statement.Sequence:N0}[/] ({checkpoint.Statement.EventCount:N0} events since {checkpoint.Statement.FromSequence:N0}), chain hash {ChainHash.Hex(checkpoint.Statement.Hash)}, key {checkpoint.Statement.KeyId}.");
            try
            {
                await log.AppendAsync(signed, ct);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]Signed, but not anchored: {log.FilePath} could not be written ({e.Message}). The checkpoint is in the database only, where whoever rewrites the database can delete it.[/]");
                return 1;
            }
            if (signed.Count > 0) AnsiConsole.MarkupLineInterpolated($"Anchored in [bold]{log.FilePath}[/]: keep it, and give auditors a copy.");
            return 0;
        });
        return command;
    }

    private static void Print(VerificationResult result, TimeSpan elapsed)
    {
        var table = new Table().AddColumns("", "");
        table.HideHeaders();
        table.AddRow("Events verified", $"{result.EventsVerified:N0}");
        table.AddRow("Chain links verified", $"{result.LinksVerified:N0}");
        table.AddRow("Checkpoints verified", $"{result.CheckpointsVerified:N0}");
        table.AddRow("Anchored checkpoints held to", $"{result.CheckpointsAnchored:N0}");
        table.AddRow("Sequence numbers never committed", $"{result.SequencesNeverCommitted:N0}");
        table.AddRow("Events not yet chained (after the head)", $"{result.EventsNotYetChained:N0}");
        table.AddRow("Chain head", $"event {result.Head.Sequence:N0}, {ChainHash.Hex(result.Head.Hash)}");
        table.AddRow("Rate", $"{result.LinksVerified / Math.Max(elapsed.TotalSeconds, 1e-6):N0} events/s in {elapsed.TotalSeconds:F1} s");
        AnsiConsole.Write(table);
        if (result.Verified) AnsiConsole.MarkupLineInterpolated($"[green]{result.Verdict}[/]");
        else AnsiConsole.MarkupLineInterpolated($"[red]{result.Verdict}[/]");
    }
}
