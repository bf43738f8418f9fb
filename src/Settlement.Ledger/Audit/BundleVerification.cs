using System.Security.Cryptography;
using System.Text.Json;

namespace Settlement.Ledger.Audit;

/// <summary>Something wrong in a bundle, at the file and the place in it (a line, a checkpoint, a byte).</summary>
public sealed record BundleProblem(string File, string? Position, long? Sequence, string Kind, string Detail)
{
    public override string ToString() =>
        $"{File}{(Position is null ? "" : $" {Position}")}{(Sequence is null ? "" : $" (event {Sequence})")}: {Kind}: {Detail}";
}

/// <param name="EventsRedacted">Events whose secrets the bundle withholds: their place in the chain is verified, their line is not.</param>
public sealed record BundleVerificationResult(
    BundleManifest? Manifest, long EventsVerified, long LinksVerified, long CheckpointsVerified, long DocumentsVerified,
    long SequencesNeverCommitted, ChainHead? Head, IReadOnlyList<BundleProblem> Problems, long EventsRedacted = 0)
{
    public bool Verified => Problems.Count == 0;
}

/// <summary>
/// Verifies an auditor's bundle from its directory alone: the manifest's hashes of every file, each event
/// line against the chain, the chain against the signed checkpoints (signatures and Merkle roots), and each
/// derived document against a fresh rendering from the bundle's own events.
/// </summary>
/// <remarks>
/// Every file is checked even when the manifest already shows it altered: a forger who also rewrote the
/// manifest is caught by the chain, and the chain names the exact line.
/// </remarks>
public static class BundleVerification
{
    private const int BatchSize = 16_384;

    /// <param name="progress">Ledger positions checked so far, and the bundle's last one.</param>
    public static BundleVerificationResult Verify(string directory, string? trustedKeyId, IDocumentDerivation documents,
        Action<long, long>? progress = null, CancellationToken ct = default)
    {
        var problems = new List<BundleProblem>();
        var manifest = ReadManifest(directory, problems);
        if (manifest is null) return new BundleVerificationResult(null, 0, 0, 0, 0, 0, null, problems);
        CheckFiles(directory, manifest, problems);

        var checkpoints = ReadCheckpoints(directory, problems);
        var walk = checkpoints is null ? null : WalkChain(directory, manifest, checkpoints, trustedKeyId, documents, problems, progress, ct);
        // Documents are derived from all the events: when some could not be read, comparing them would only repeat that problem.
        var documentsVerified = walk is { ReadToEnd: true } ? CheckDocuments(directory, documents, problems) : 0;
        var verifier = walk?.Verifier;
        // A redacted event's line was not hashed: it counts apart from the events verified.
        return new BundleVerificationResult(manifest, (verifier?.EventsVerified ?? 0) - (walk?.Redacted ?? 0), verifier?.LinksVerified ?? 0,
            (verifier?.CheckpointsVerified ?? 0) + (walk?.AnchorsVerified ?? 0), documentsVerified, verifier?.SequencesNeverCommitted ?? 0,
            verifier?.Head, problems, walk?.Redacted ?? 0);
    }

    private static BundleManifest? ReadManifest(string directory, List<BundleProblem> problems)
    {
        var path = Path.Combine(directory, AuditBundle.Manifest);
        if (!File.Exists(path))
        {
            problems.Add(new BundleProblem(AuditBundle.Manifest, null, null, "file-missing", $"{directory} holds no {AuditBundle.Manifest}: it is not an auditor's bundle"));
            return null;
        }
        try
        {
            var manifest = JsonSerializer.Deserialize<BundleManifest>(File.ReadAllBytes(path), AuditBundle.Json)!;
            if (manifest.Format == AuditBundle.Format) return manifest;
            problems.Add(new BundleProblem(AuditBundle.Manifest, null, null, "manifest-format", $"the bundle's format is '{manifest.Format}', this verifier reads '{AuditBundle.Format}'"));
        }
        catch (JsonException e)
        {
            problems.Add(new BundleProblem(AuditBundle.Manifest, e.LineNumber is { } line ? $"line {line + 1}" : null, null, "manifest-unreadable", e.Message));
        }
        return null;
    }

    private static void CheckFiles(string directory, BundleManifest manifest, List<BundleProblem> problems)
    {
        var root = Path.GetFullPath(directory);
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in manifest.Files)
        {
            var full = Path.GetFullPath(Path.Combine(root, file.Path));
            if (Path.IsPathRooted(file.Path) || !full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                problems.Add(new BundleProblem(AuditBundle.Manifest, null, null, "file-outside", $"the manifest lists {file.Path}, which lies outside the bundle"));
                continue;
            }
            listed.Add(full);
            if (!File.Exists(full))
            {
                problems.Add(new BundleProblem(file.Path, null, null, "file-missing", "the manifest lists it, the bundle does not hold it"));
                continue;
            }
            var actual = AuditBundle.Describe(root, file.Path);
            if (actual.Sha256 != file.Sha256 || actual.Size != file.Size)
                problems.Add(new BundleProblem(file.Path, null, null, "file-altered",
                    $"it has {actual.Size:N0} bytes with SHA-256 {actual.Sha256}; the manifest lists {file.Size:N0} bytes with SHA-256 {file.Sha256}"));
        }
        foreach (var full in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            if (!listed.Contains(full) && Path.GetRelativePath(root, full) != AuditBundle.Manifest)
                problems.Add(new BundleProblem(Path.GetRelativePath(root, full).Replace('\\', '/'), null, null, "file-unlisted", "the bundle holds it, the manifest does not list it"));
    }

    private static IReadOnlyList<(Checkpoint Checkpoint, int Entry)>? ReadCheckpoints(string directory, List<BundleProblem> problems)
    {
        var path = Path.Combine(directory, AuditBundle.CheckpointsFile);
        if (!File.Exists(path))
        {
            problems.Add(new BundleProblem(AuditBundle.CheckpointsFile, null, null, "file-missing", "the bundle holds no checkpoints"));
            return null;
        }
        List<BundleCheckpoint> files;
        try
        {
            files = JsonSerializer.Deserialize<List<BundleCheckpoint>>(File.ReadAllBytes(path), AuditBundle.Json)!;
        }
        catch (JsonException e)
        {
            problems.Add(new BundleProblem(AuditBundle.CheckpointsFile, e.LineNumber is { } line ? $"line {line + 1}" : null, null, "checkpoint-unreadable", e.Message));
            return null;
        }
        var checkpoints = new List<(Checkpoint, int)>();
        for (var i = 0; i < files.Count; i++)
        {
            try
            {
                checkpoints.Add((AuditBundle.FromFile(files[i]), i + 1));
            }
            catch (FormatException e)
            {
                problems.Add(new BundleProblem(AuditBundle.CheckpointsFile, $"entry {i + 1}", files[i].Seq, "checkpoint-unreadable", e.Message));
                return null;
            }
        }
        return checkpoints;
    }

    /// <summary>Where each entry came from, to name the line of a problem.</summary>
    private sealed record Located(ChainEntry Entry, long? EventLine, long? ChainLine, long EventLinesBefore);

    /// <returns>
    /// The chain's verifier, 1 when the checkpoint anchoring the chain was verified too, whether every line was read,
    /// and how many event lines were redacted.
    /// </returns>
    private static (ChainVerifier Verifier, int AnchorsVerified, bool ReadToEnd, long Redacted)? WalkChain(string directory, BundleManifest manifest, IReadOnlyList<(Checkpoint Checkpoint, int Entry)> checkpoints,
        string? trustedKeyId, IDocumentDerivation documents, List<BundleProblem> problems, Action<long, long>? progress, CancellationToken ct)
    {
        foreach (var name in new[] { AuditBundle.Chain, AuditBundle.Events })
            if (!File.Exists(Path.Combine(directory, name)))
            {
                problems.Add(new BundleProblem(name, null, null, "file-missing", "the bundle does not hold it"));
                return null;
            }
        using var links = Lines(Path.Combine(directory, AuditBundle.Chain)).GetEnumerator();
        using var events = Lines(Path.Combine(directory, AuditBundle.Events)).GetEnumerator();

        // A line that cannot be read or is out of order ends the walk; a chain problem only ends the chain's checks,
        // and the walk goes on so that every event still reaches the documents' re-rendering.
        BundleProblem? unreadable = null;
        BundleProblem? problem = null;
        (ChainLink Link, long Line)? NextLink(long after)
        {
            if (!links.MoveNext()) return null;
            var (line, bytes) = links.Current;
            try
            {
                var link = AuditBundle.ParseLinkLine(bytes);
                if (link.Sequence > after) return (link, line);
                unreadable = new BundleProblem(AuditBundle.Chain, $"line {line}", link.Sequence, "link-order", $"the link of event {link.Sequence} comes after the link of event {after}: lines are out of order or repeated");
            }
            catch (FormatException e)
            {
                unreadable = new BundleProblem(AuditBundle.Chain, $"line {line}", null, "link-unreadable", e.Message);
            }
            return null;
        }
        (ChainedEvent Event, byte[]? Digest, long Line)? NextEvent(long after)
        {
            if (!events.MoveNext()) return null;
            var (line, bytes) = events.Current;
            try
            {
                var recorded = ChainedEvent.ParseLine(bytes);
                if (recorded.Sequence <= after)
                    unreadable = new BundleProblem(AuditBundle.Events, $"line {line}", recorded.Sequence, "event-order", $"event {recorded.Sequence} comes after event {after}: lines are out of order or repeated");
                else if (!manifest.Period.Contains(recorded.Sequence))
                    unreadable = new BundleProblem(AuditBundle.Events, $"line {line}", recorded.Sequence, "event-outside-period",
                        $"event {recorded.Sequence} lies outside the bundle's period, events {manifest.Period.FirstSeq} to {manifest.Period.LastSeq}");
                else
                    return (recorded, recorded.Redacted ? null : SHA256.HashData(bytes), line);
            }
            catch (FormatException e)
            {
                unreadable = new BundleProblem(AuditBundle.Events, $"line {line}", null, "event-unreadable", e.Message);
            }
            return null;
        }

        var link = NextLink(0);
        var @event = NextEvent(0);
        var anchorSequence = link?.Link.PreviousSequence ?? 0;
        var anchor = anchorSequence == 0 ? ChainHead.Empty : null;
        var walked = new List<Checkpoint>();
        var anchorVerified = false;
        foreach (var (checkpoint, entry) in checkpoints)
        {
            var sequence = checkpoint.Statement.Sequence;
            if (sequence > anchorSequence) walked.Add(checkpoint);
            else if (sequence < anchorSequence)
                problems.Add(new BundleProblem(AuditBundle.CheckpointsFile, $"entry {entry}", sequence, "checkpoint-unused",
                    $"checkpoint {sequence} lies before the bundle's chain, which starts after event {anchorSequence}"));
            else
            {
                problem = CheckAnchor(checkpoint, entry, trustedKeyId);
                anchor = new ChainHead(sequence, checkpoint.Statement.Hash);
                anchorVerified = problem is null;
            }
        }
        if (anchor is null)
            problem = new BundleProblem(AuditBundle.Chain, "line 1", link?.Link.Sequence, "anchor-unpinned",
                $"the chain starts after event {anchorSequence}, but no checkpoint at {anchorSequence} pins the hash it starts from");

        var verifier = new ChainVerifier(anchor ?? ChainHead.Empty, walked, trustedKeyId is null ? null : new HashSet<string> { trustedKeyId }, manifest.Period.Contains);
        var eventLines = 0L;
        var redacted = 0L;
        Located? firstUnchained = null;
        var batch = new List<Located>(BatchSize);
        void Check()
        {
            if (batch.Count == 0) return;
            if (problem is null && unreadable is null && !verifier.Check(batch.Select(b => b.Entry).ToList()))
                problem = Locate(verifier.Problem!, batch, firstUnchained, checkpoints);
            progress?.Invoke(batch[^1].Entry.Sequence, manifest.ChainEnd);
            batch.Clear();
            ct.ThrowIfCancellationRequested();
        }

        while (unreadable is null && (link is not null || @event is not null))
        {
            var sequence = Math.Min(link?.Link.Sequence ?? long.MaxValue, @event?.Event.Sequence ?? long.MaxValue);
            var linkHere = link?.Link.Sequence == sequence ? link : null;
            var eventHere = @event?.Event.Sequence == sequence ? @event : null;
            // A redacted line cannot be hashed to what was chained: its digest is the link's, which the chain and the
            // signed checkpoints vouch for. Its position and existence are verified, its remaining fields are not.
            var redactedHere = eventHere is { Event.Redacted: true };
            var digest = redactedHere ? linkHere?.Link.Digest : eventHere?.Digest;
            if (redactedHere) redacted++;
            var located = new Located(new ChainEntry(sequence, linkHere?.Link, digest), eventHere?.Line, linkHere?.Line, eventLines);
            if (linkHere is null) firstUnchained ??= located;
            batch.Add(located);
            if (eventHere is not null)
            {
                try
                {
                    documents.Observe(eventHere.Value.Event);
                }
                catch (Exception e) when (e is JsonException or ArgumentException or FormatException)
                {
                    problems.Add(new BundleProblem(AuditBundle.Events, $"line {eventHere.Value.Line}", sequence, "document-unrenderable",
                        $"no document can be derived from event {sequence}: {e.Message}"));
                }
                eventLines++;
                @event = NextEvent(sequence);
            }
            if (linkHere is not null) link = NextLink(sequence);
            if (batch.Count == BatchSize) Check();
        }
        Check();

        if (unreadable is null && problem is null)
        {
            if (verifier.Finish() is { } unmatched) problem = Locate(unmatched, [], firstUnchained, checkpoints);
            else if (firstUnchained is not null)
                problem = new BundleProblem(AuditBundle.Events, $"line {firstUnchained.EventLine}", firstUnchained.Entry.Sequence, "event-unchained",
                    $"event {firstUnchained.Entry.Sequence} lies after the bundle's chain, which ends at event {verifier.Head.Sequence}: it was never chained");
            else if (manifest.Counts.Events != eventLines || manifest.Counts.Links != verifier.LinksVerified
                     || manifest.Counts.Checkpoints != checkpoints.Count || manifest.Anchor.Seq != anchorSequence)
                problem = new BundleProblem(AuditBundle.Manifest, null, null, "manifest-mismatch",
                    $"the manifest claims {manifest.Counts.Events} events, {manifest.Counts.Links} links, {manifest.Counts.Checkpoints} checkpoints and anchor {manifest.Anchor.Seq}; " +
                    $"the bundle holds {eventLines}, {verifier.LinksVerified}, {checkpoints.Count} and {anchorSequence}");
        }
        if (unreadable is not null) problems.Add(unreadable);
        if (problem is not null) problems.Add(problem);
        return (verifier, anchorVerified ? 1 : 0, unreadable is null, redacted);
    }

    private static BundleProblem? CheckAnchor(Checkpoint checkpoint, int entry, string? trustedKeyId)
    {
        var sequence = checkpoint.Statement.Sequence;
        if (!checkpoint.SignatureIsValid())
            return new BundleProblem(AuditBundle.CheckpointsFile, $"entry {entry}", sequence, "checkpoint-signature",
                $"checkpoint {sequence}, which anchors the chain, is not validly signed by the key it names ({checkpoint.Statement.KeyId})");
        if (trustedKeyId is not null && checkpoint.Statement.KeyId != trustedKeyId)
            return new BundleProblem(AuditBundle.CheckpointsFile, $"entry {entry}", sequence, "checkpoint-key",
                $"checkpoint {sequence}, which anchors the chain, is signed by key {checkpoint.Statement.KeyId}, not by the trusted key {trustedKeyId}");
        return null;
    }

    private static BundleProblem Locate(VerificationProblem problem, IReadOnlyList<Located> batch, Located? firstUnchained,
        IReadOnlyList<(Checkpoint Checkpoint, int Entry)> checkpoints)
    {
        var at = batch.FirstOrDefault(b => b.Entry.Sequence == problem.Sequence);
        return problem.Kind switch
        {
            "event-unchained" => new BundleProblem(AuditBundle.Events, $"line {firstUnchained?.EventLine}", problem.Sequence, problem.Kind, problem.Detail),
            "event-missing" => new BundleProblem(AuditBundle.Events, $"after line {at?.EventLinesBefore}", problem.Sequence, problem.Kind,
                $"event {problem.Sequence} is chained (chain.jsonl line {at?.ChainLine}) and inside the period, but events.jsonl does not hold it"),
            "event-altered" => new BundleProblem(AuditBundle.Events, $"line {at?.EventLine}", problem.Sequence, problem.Kind, problem.Detail),
            "link-missing" or "link-altered" => new BundleProblem(AuditBundle.Chain, $"line {at?.ChainLine}", problem.Sequence, problem.Kind, problem.Detail),
            _ => new BundleProblem(AuditBundle.CheckpointsFile,
                checkpoints.FirstOrDefault(c => c.Checkpoint.Statement.Sequence == problem.Sequence) is { Entry: > 0 } c ? $"entry {c.Entry}" : null,
                problem.Sequence, problem.Kind, problem.Detail),
        };
    }

    private static long CheckDocuments(string directory, IDocumentDerivation documents, List<BundleProblem> problems)
    {
        var root = Path.Combine(directory, AuditBundle.Documents);
        IReadOnlyList<DerivedDocument> rendered;
        try
        {
            rendered = documents.Documents();
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            problems.Add(new BundleProblem(AuditBundle.Documents, null, null, "document-unrenderable", $"the documents cannot be derived from the bundle's events: {e.Message}"));
            return 0;
        }
        var expected = new HashSet<string>(StringComparer.Ordinal);
        var verified = 0L;
        foreach (var document in rendered)
        {
            var name = $"{AuditBundle.Documents}/{document.Path}";
            expected.Add(name);
            var path = Path.Combine(root, document.Path);
            if (!File.Exists(path))
            {
                problems.Add(new BundleProblem(name, null, null, "document-missing", "the bundle's events derive it, the bundle does not hold it"));
                continue;
            }
            var held = File.ReadAllBytes(path);
            var differs = held.AsSpan().CommonPrefixLength(document.Content);
            if (differs == held.Length && held.Length == document.Content.Length) verified++;
            else
                problems.Add(new BundleProblem(name, $"byte {differs:N0}", null, "document-altered",
                    $"it differs from the document rendered from the bundle's events ({held.Length:N0} bytes held, {document.Content.Length:N0} rendered)"));
        }
        if (Directory.Exists(root))
            foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var name = Path.GetRelativePath(directory, file).Replace('\\', '/');
                if (!expected.Contains(name))
                    problems.Add(new BundleProblem(name, null, null, "document-unexpected", "no event of the bundle derives it"));
            }
        return verified;
    }

    /// <summary>The lines of a file without their '\n', numbered from 1; none when the file is absent.</summary>
    private static IEnumerable<(long Line, byte[] Bytes)> Lines(string path)
    {
        if (!File.Exists(path)) yield break;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        var buffer = new byte[1 << 20];
        var pending = new MemoryStream();
        var number = 0L;
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            var start = 0;
            int end;
            while ((end = Array.IndexOf(buffer, (byte)'\n', start, read - start)) >= 0)
            {
                pending.Write(buffer, start, end - start);
                yield return (++number, pending.ToArray());
                pending.SetLength(0);
                start = end + 1;
            }
            pending.Write(buffer, start, read - start);
        }
        if (pending.Length > 0) yield return (++number, pending.ToArray());
    }
}
