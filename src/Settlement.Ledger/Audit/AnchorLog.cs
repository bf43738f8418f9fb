using System.Text;
using System.Text.Json;

namespace Settlement.Ledger.Audit;

/// <summary>
/// Signed checkpoints kept outside the database: an append-only file of one JSON line per checkpoint
/// (<see cref="ProofJson.CheckpointJson"/>, schemas/documents/anchored-checkpoint.v1.json), in a directory the operator keeps and an auditor can copy.
/// Whoever can rewrite the database cannot reach it, so `settle verify` holds the ledger to it: every
/// anchored checkpoint must still be in the database, unchanged, and the chain must still reproduce it.
/// </summary>
public sealed class AnchorLog
{
    public const string FileName = "checkpoints.jsonl";
    public const string EnvironmentVariable = "SETTLE_ANCHOR_DIR";
    public const string Setting = "Audit:AnchorDirectory";

    private static readonly TimeSpan LockPatience = TimeSpan.FromSeconds(10);

    private AnchorLog(string directory) => Directory = directory;

    /// <summary>The directory of this database's anchors: the log and, for the demo, its signing key.</summary>
    public string Directory { get; }
    public string FilePath => Path.Combine(Directory, FileName);
    public bool Exists => File.Exists(FilePath);

    /// <summary>
    /// The anchors of <paramref name="database"/>, under the root given (--anchors, Audit:AnchorDirectory),
    /// else under $SETTLE_ANCHOR_DIR, else under ~/.settlement/anchors.
    /// </summary>
    public static AnchorLog For(string database, string? root = null)
    {
        // The name becomes a directory: one that walks elsewhere would mix or overwrite another ledger's anchors.
        if (database is "" or "." or ".." || database.IndexOfAny([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar]) >= 0)
            throw new InvalidDataException($"The database name '{database}' cannot name a directory of anchors.");
        return new AnchorLog(Path.GetFullPath(Path.Combine(Root(root), database)));
    }

    public static string Root(string? given) =>
        given is { Length: > 0 } ? given
        : Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".settlement", "anchors");

    /// <summary>The databases that have an anchor log under the root (see <see cref="Root"/>), by name.</summary>
    public static IReadOnlyList<string> AnchoredDatabases(string? root = null)
    {
        var directory = Root(root);
        return System.IO.Directory.Exists(directory)
            ? [.. System.IO.Directory.GetDirectories(directory).Where(d => File.Exists(Path.Combine(d, FileName))).Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal)]
            : [];
    }

    /// <summary>Appends the checkpoints and forces them to disk before returning: a checkpoint reported as anchored is.</summary>
    public async Task AppendAsync(IReadOnlyCollection<Checkpoint> checkpoints, CancellationToken ct = default)
    {
        if (checkpoints.Count == 0) return;
        System.IO.Directory.CreateDirectory(Directory);
        var lines = Encoding.UTF8.GetBytes(string.Concat(checkpoints.Select(c => ProofJson.WriteLine(c) + "\n")));
        await using var file = await OpenForAppendAsync(ct);
        await file.WriteAsync(lines, ct);
        file.Flush(flushToDisk: true);
    }

    /// <summary>Every anchored checkpoint, in the order written; none when there is no log yet.</summary>
    /// <exception cref="InvalidDataException">When a line is not a signed checkpoint: the file and line are named.</exception>
    public IReadOnlyList<Checkpoint> Read()
    {
        if (!Exists) return [];
        var anchored = new List<Checkpoint>();
        var number = 0;
        foreach (var line in File.ReadLines(FilePath))
        {
            number++;
            try
            {
                anchored.Add(ProofJson.ReadLine(line));
            }
            catch (FormatException e)
            {
                throw new InvalidDataException($"{FilePath} line {number} is not a signed checkpoint: {e.Message}", e);
            }
        }
        return anchored;
    }

    /// <summary>One writer at a time (a host and `settle checkpoint` may share a directory), so lines never interleave.</summary>
    private async Task<FileStream> OpenForAppendAsync(CancellationToken ct)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(FilePath, FileMode.Append, FileAccess.Write, FileShare.None);
            }
            catch (IOException) when (waited.Elapsed < LockPatience)
            {
                await Task.Delay(50, ct);
            }
        }
    }
}
