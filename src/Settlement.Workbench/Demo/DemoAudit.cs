using System.Diagnostics;
using System.Security.Cryptography;
using Settlement.Ledger.Audit;
using Settlement.Workbench.CommandLine;
using Spectre.Console;

namespace Settlement.Workbench.Demo;

/// <summary>
/// The month's history linked into the hash chain, a checkpoint of it signed and anchored outside the database,
/// and the ledger verified against that anchor, as an auditor would with `settle verify`.
/// </summary>
internal static class DemoAudit
{
    /// <summary>The demo signs with a key of its own, kept beside the anchors, since it has no operator to hold one.</summary>
    public const string KeyFileName = "demo-signing-key.pem";

    /// <summary>The demo has just recreated its database: the anchors of the ledger it dropped pin nothing any more.</summary>
    public static void StartAfresh(AnchorLog anchors)
    {
        if (anchors.Exists) File.Delete(anchors.FilePath);
    }

    public static async Task RunAsync(Ledger.Ledger ledger, AnchorLog anchors, CancellationToken ct)
    {
        await LedgerCatchUp.ChainAsync(ledger, ct);
        using var key = DemoKey(anchors);
        var signed = await Checkpoints.SignAsync(ledger, key, ct);
        await anchors.AppendAsync(signed, ct);
        var verifying = Stopwatch.StartNew();
        var result = await AnsiConsole.Status().StartAsync("Verifying the hash chain", _ =>
            LedgerVerification.VerifyAsync(ledger, trustedKeyId: null, anchors.Read(), ct: ct));
        if (result.Problem is { } problem)
            throw new InvalidOperationException($"The demo's own ledger does not verify at event {problem.Sequence}: {problem.Detail}");
        AnsiConsole.MarkupLineInterpolated(
            $"Hash chain: [bold]{result.EventsVerified:N0}[/] events linked and verified in {verifying.Elapsed.TotalSeconds:F1} s; head {ChainHash.Hex(result.Head.Hash)[..16]}… at event {result.Head.Sequence:N0}.");
        AnsiConsole.MarkupLineInterpolated(
            $"Checkpoint at event [bold]{result.Head.Sequence:N0}[/] signed with the demo's key {CheckpointKeys.IdOf(key)} and anchored in [bold]{anchors.FilePath}[/]: `./settle verify` holds the ledger to it.");
    }

    /// <summary>The demo's key beside the anchor directories, created on the first run and kept for the next.</summary>
    private static ECDsa DemoKey(AnchorLog anchors)
    {
        var path = Path.Combine(Path.GetDirectoryName(anchors.Directory)!, KeyFileName);
        if (File.Exists(path)) return CheckpointKeys.LoadPrivate(path);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var key = CheckpointKeys.Create();
        // Two demos starting at once must not read a key half written: it appears whole, and the first one to appear is kept.
        var written = $"{path}.{Environment.ProcessId}";
        File.WriteAllText(written, key.ExportPkcs8PrivateKeyPem(), new System.Text.UTF8Encoding(false));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(written, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        try
        {
            File.Move(written, path, overwrite: false);
            File.WriteAllText(Path.ChangeExtension(path, ".pub.pem"), CheckpointKeys.PublicPem(key));
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(written);
        }
        return CheckpointKeys.LoadPrivate(path);
    }
}
