using Settlement.Projections;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Settlement.Host.Audit;
using Settlement.Ledger.Audit;
using Settlement.Tests.Cli;
using Settlement.Tests.Invoicing.Issuing;

namespace Settlement.Tests.Audit;

/// <summary>
/// An auditor's bundle verifies on its own, from the directory alone, and a bundle tampered with fails at
/// the exact file and line. Most tamperings are a careful forger's: the manifest's hashes are rewritten to
/// match, so only the chain, the checkpoints and the re-rendered documents can catch them.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class bundle_tests(LedgerDatabase db) : IAsyncLifetime
{
    private static readonly SemaphoreSlim Once = new(1, 1);
    private static Ledgered? _ledgered;

    /// <summary>The scratch ledger every test exports from: sessions, an issued invoice, three checkpoints and an unsigned tail.</summary>
    private sealed record Ledgered(string DatabaseName, string PublicKeyFile, string KeyId, IReadOnlyList<Checkpoint> Checkpoints, long Head, string InvoiceNumber, string IssuerId);

    private Ledgered L => _ledgered!;

    public async Task InitializeAsync()
    {
        await Once.WaitAsync();
        try
        {
            _ledgered ??= await LedgerAsync();
        }
        finally
        {
            Once.Release();
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<Ledgered> LedgerAsync()
    {
        var ledger = await ChainedLedger.CreateAsync(db, "bundle");
        await using var _ = ledger;
        using var key = CheckpointKeys.Create();
        var checkpoints = new List<Checkpoint>();
        await ledger.AppendSessionsAsync(3);
        await ledger.Writer.CatchUpAsync();
        checkpoints.AddRange(await Checkpoints.SignAsync(ledger.Ledger, key));

        await using var desk = new InvoicingDesk(ledger.Ledger);
        await desk.RegisterIssuerAsync();
        var (_, session) = await desk.SessionAtAsync(48.14m, 11.58m, "Europe/Berlin", "DE", InvoicingDesk.Now - NodaTime.Duration.FromDays(3));
        await desk.PricedAsync();
        var invoice = (await desk.Desk.IssueSessionInvoicesAsync(desk.IssuerId, [session], buyer: null)).Single();
        await ledger.AppendSessionsAsync(3);
        await ledger.Writer.CatchUpAsync();
        checkpoints.AddRange(await Checkpoints.SignAsync(ledger.Ledger, key));

        await ledger.AppendSessionsAsync(3);
        await ledger.Writer.CatchUpAsync();
        checkpoints.AddRange(await Checkpoints.SignAsync(ledger.Ledger, key));
        await ledger.AppendSessionsAsync(2);
        var head = await ledger.Writer.CatchUpAsync();

        var publicKey = Path.Combine(Directory.CreateTempSubdirectory("settle-bundle-key-").FullName, "operator.pub.pem");
        await File.WriteAllTextAsync(publicKey, CheckpointKeys.PublicPem(key));
        return new Ledgered(ledger.DatabaseName, publicKey, CheckpointKeys.IdOf(key), checkpoints, head.Sequence, invoice.Number, desk.IssuerId);
    }

    private async Task<(string Directory, BundleManifest Manifest)> ExportAsync(long firstSeq, long lastSeq)
    {
        await using var ledger = await Settlement.Ledger.Store.LedgerStore.OpenAsync(db.Server.ConnectionStringFor(L.DatabaseName), SettlementReadModels.All);
        var directory = Path.Combine(Directory.CreateTempSubdirectory("settle-bundle-").FullName, "bundle");
        var period = await BundleExport.PeriodAsync(ledger, firstSeq, lastSeq);
        var manifest = await BundleExport.WriteAsync(ledger, period, directory, new BundleDocuments(), "settle tests");
        return (directory, manifest);
    }

    private Task<(string Directory, BundleManifest Manifest)> ExportAllAsync() => ExportAsync(1, L.Head);

    private BundleVerificationResult Verify(string directory) => BundleVerification.Verify(directory, L.KeyId, new BundleDocuments());

    [Fact]
    public async Task an_exported_bundle_verifies_on_its_own_with_every_event_link_checkpoint_and_document()
    {
        var (directory, manifest) = await ExportAllAsync();

        var result = Verify(directory);

        Assert.Empty(result.Problems);
        Assert.Equal((L.Head, L.Head, 3L), (result.EventsVerified, result.LinksVerified, result.CheckpointsVerified));
        // The invoice as JSON, CSV and PDF, and the journal and VAT report of it.
        Assert.Equal(6, result.DocumentsVerified);
        var stem = $"{directory}/documents/invoices/{L.IssuerId}/{L.InvoiceNumber}";
        Assert.True(File.Exists($"{stem}.pdf") && File.Exists($"{stem}.json") && File.Exists($"{stem}.csv"));
        Assert.Equal((0L, L.Head), (manifest.Anchor.Seq, manifest.ChainEnd));
        Assert.Equal(File.ReadAllLines(Path.Combine(directory, AuditBundle.Events)).Length, manifest.Counts.Events);
    }

    [Fact]
    public async Task a_period_in_the_middle_of_the_ledger_verifies_from_the_checkpoint_before_it_to_the_one_after_it()
    {
        var (first, second, third) = (L.Checkpoints[0].Statement.Sequence, L.Checkpoints[1].Statement.Sequence, L.Checkpoints[2].Statement.Sequence);
        var (directory, manifest) = await ExportAsync(first + 3, third - 2);

        var result = Verify(directory);

        Assert.Empty(result.Problems);
        var lines = File.ReadAllLines(Path.Combine(directory, AuditBundle.Events));
        Assert.Equal((first + 3, third - 2), (Seq(lines[0]), Seq(lines[^1])));
        Assert.Equal(third - 2 - (first + 3) + 1, result.EventsVerified);
        Assert.Equal((first, third), (manifest.Anchor.Seq, manifest.ChainEnd));
        Assert.Equal(third - first, result.LinksVerified);
        // The anchor, the checkpoint inside the period and the one after it.
        Assert.Equal(3, result.CheckpointsVerified);
        Assert.True(second > first + 3);
    }

    [Fact]
    public async Task an_edited_event_line_fails_at_its_line_even_when_the_manifest_was_rewritten_to_match()
    {
        var (directory, _) = await ExportAllAsync();
        var line = LineWith(directory, AuditBundle.Events, "9000");
        Forge(directory, AuditBundle.Events, lines => lines[line - 1] = lines[line - 1].Replace("9000", "9001"));

        var problem = Assert.Single(Verify(directory).Problems);

        Assert.Equal((AuditBundle.Events, $"line {line}", "event-altered", (long)line), (problem.File, problem.Position, problem.Kind, problem.Sequence));
    }

    [Fact]
    public async Task an_edited_event_line_is_caught_by_the_manifest_too_when_its_hash_was_left_alone()
    {
        var (directory, _) = await ExportAllAsync();
        var path = Path.Combine(directory, AuditBundle.Events);
        var line = LineWith(directory, AuditBundle.Events, "9000");
        var lines = File.ReadAllLines(path);
        lines[line - 1] = lines[line - 1].Replace("9000", "9001");
        File.WriteAllText(path, string.Join('\n', lines) + "\n");

        var problems = Verify(directory).Problems;

        Assert.Equal([(AuditBundle.Events, (string?)null, "file-altered"), (AuditBundle.Events, $"line {line}", "event-altered")],
            problems.Select(p => (p.File, p.Position, p.Kind)));
    }

    [Fact]
    public async Task a_removed_event_line_fails_where_it_was_missed()
    {
        var (directory, _) = await ExportAllAsync();
        Forge(directory, AuditBundle.Events, lines => lines.RemoveAt(6));

        var problem = Assert.Single(Verify(directory).Problems);

        Assert.Equal((AuditBundle.Events, "after line 6", "event-missing", 7L), (problem.File, problem.Position, problem.Kind, problem.Sequence));
    }

    [Fact]
    public async Task two_reordered_event_lines_fail_at_the_second()
    {
        var (directory, _) = await ExportAllAsync();
        Forge(directory, AuditBundle.Events, lines => (lines[8], lines[9]) = (lines[9], lines[8]));

        var problem = Assert.Single(Verify(directory).Problems);

        Assert.Equal((AuditBundle.Events, "line 10", "event-order", 9L), (problem.File, problem.Position, problem.Kind, problem.Sequence));
    }

    [Fact]
    public async Task an_edited_chain_line_fails_at_its_line()
    {
        var (directory, _) = await ExportAllAsync();
        Forge(directory, AuditBundle.Chain, lines =>
        {
            var link = AuditBundle.ParseLinkLine(Encoding.UTF8.GetBytes(lines[11]));
            lines[11] = Encoding.UTF8.GetString(AuditBundle.LinkLine(link with { Hash = new byte[ChainHash.Length] }));
        });

        var problem = Assert.Single(Verify(directory).Problems);

        Assert.Equal((AuditBundle.Chain, "line 12", "link-altered", 12L), (problem.File, problem.Position, problem.Kind, problem.Sequence));
    }

    [Fact]
    public async Task an_edited_document_fails_at_its_first_changed_byte()
    {
        var (directory, _) = await ExportAllAsync();
        var pdf = $"documents/invoices/{L.IssuerId}/{L.InvoiceNumber}.pdf";
        ForgeBytes(directory, pdf, bytes => bytes[1000] ^= 0x01);

        var problem = Assert.Single(Verify(directory).Problems);

        Assert.Equal((pdf, "byte 1,000", "document-altered"), (problem.File, problem.Position, problem.Kind));
    }

    [Fact]
    public async Task a_checkpoint_with_a_wrong_signature_fails_at_its_entry()
    {
        var (directory, _) = await ExportAllAsync();
        ForgeCheckpoints(directory, checkpoints =>
        {
            var signature = Convert.FromBase64String(checkpoints[1]!["signature"]!.GetValue<string>());
            signature[0] ^= 0x01;
            checkpoints[1]!["signature"] = Convert.ToBase64String(signature);
        });

        var problem = Assert.Single(Verify(directory).Problems);

        Assert.Equal((AuditBundle.CheckpointsFile, "entry 2", "checkpoint-signature", L.Checkpoints[1].Statement.Sequence),
            (problem.File, problem.Position, problem.Kind, problem.Sequence));
    }

    [Fact]
    public async Task the_cli_exports_a_bundle_that_verifies_without_a_database_and_exits_1_once_it_is_tampered_with()
    {
        var directory = Path.Combine(Directory.CreateTempSubdirectory("settle-bundle-cli-").FullName, "bundle");
        var export = await SettleProcess.RunAsync(db, "export", "--from", "2000-01-01", "--to", "2100-01-01", "--out", directory,
            "--database", L.DatabaseName);
        // No --connection: the bundle is all the verifier has.
        var verified = await SettleProcess.RunAsync("verify", "--bundle", directory, "--public-key", L.PublicKeyFile);
        Forge(directory, AuditBundle.Events, lines => lines.RemoveAt(2));
        var tampered = await SettleProcess.RunAsync("verify", "--bundle", directory, "--public-key", L.PublicKeyFile);

        Assert.True(export.ExitCode == 0, export.Output);
        Assert.True(verified.ExitCode == 0, verified.Output);
        Assert.Contains("Verified", verified.Output);
        Assert.Equal(1, tampered.ExitCode);
        Assert.Contains("events.jsonl after line 2 (event 3): event-missing", tampered.Output);
    }

    private static long Seq(string line) => JsonDocument.Parse(line).RootElement.GetProperty("seq").GetInt64();

    private static int LineWith(string directory, string file, string text) =>
        File.ReadAllLines(Path.Combine(directory, file)).Select((line, i) => (line, i)).First(l => l.line.Contains(text)).i + 1;

    /// <summary>Edits the lines of a bundle file, then rewrites the manifest's hash and size of it to match.</summary>
    private static void Forge(string directory, string file, Action<List<string>> edit)
    {
        var path = Path.Combine(directory, file);
        var lines = File.ReadAllLines(path).ToList();
        edit(lines);
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
        Rehash(directory, file);
    }

    private static void ForgeBytes(string directory, string file, Action<byte[]> edit)
    {
        var path = Path.Combine(directory, file);
        var bytes = File.ReadAllBytes(path);
        edit(bytes);
        File.WriteAllBytes(path, bytes);
        Rehash(directory, file);
    }

    private static void ForgeCheckpoints(string directory, Action<JsonArray> edit)
    {
        var path = Path.Combine(directory, AuditBundle.CheckpointsFile);
        var checkpoints = JsonNode.Parse(File.ReadAllText(path))!.AsArray();
        edit(checkpoints);
        File.WriteAllText(path, checkpoints.ToJsonString());
        Rehash(directory, AuditBundle.CheckpointsFile);
    }

    private static void Rehash(string directory, string file)
    {
        var path = Path.Combine(directory, AuditBundle.Manifest);
        var manifest = JsonNode.Parse(File.ReadAllText(path))!;
        var entry = manifest["files"]!.AsArray().Single(f => f!["path"]!.GetValue<string>() == file)!;
        var actual = AuditBundle.Describe(directory, file);
        entry["sha256"] = actual.Sha256;
        entry["size"] = actual.Size;
        File.WriteAllText(path, manifest.ToJsonString());
    }
}
