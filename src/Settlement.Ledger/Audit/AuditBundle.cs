using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Settlement.Ledger.Audit;

/// <summary>
/// An auditor's bundle: a period's events exactly as chained, the chain links and signed checkpoints that
/// pin them, the documents derived from them, and a manifest of every file's SHA-256, so the period
/// verifies on another machine from the directory alone.
/// </summary>
public static class AuditBundle
{
    public const string Format = "settlement-audit-bundle/1";
    public const string Manifest = "manifest.json";
    public const string Events = "events.jsonl";
    public const string Chain = "chain.jsonl";
    public const string CheckpointsFile = "checkpoints.json";
    public const string Documents = "documents";

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
    };

    /// <summary>One chain link as a line of chain.jsonl: fixed key order, hashes in lowercase hex.</summary>
    public static byte[] LinkLine(ChainLink link) => Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
        $"{{\"seq\":{link.Sequence},\"previousSeq\":{link.PreviousSequence},\"digest\":\"{ChainHash.Hex(link.Digest)}\",\"hash\":\"{ChainHash.Hex(link.Hash)}\"}}"));

    /// <exception cref="FormatException">When the line is not a chain line.</exception>
    public static ChainLink ParseLinkLine(ReadOnlySpan<byte> line)
    {
        try
        {
            using var document = JsonDocument.Parse(line.ToArray());
            var root = document.RootElement;
            var link = new ChainLink(root.GetProperty("seq").GetInt64(), root.GetProperty("previousSeq").GetInt64(),
                Hash(root.GetProperty("digest").GetString()), Hash(root.GetProperty("hash").GetString()));
            if (!LinkLine(link).AsSpan().SequenceEqual(line))
                throw new FormatException($"the line of link {link.Sequence} is not in the exported form (keys seq, previousSeq, digest, hash; no whitespace)");
            return link;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException($"not a chain line: {e.Message}", e);
        }
    }

    private static byte[] Hash(string? hex)
    {
        var bytes = Convert.FromHexString(hex ?? "");
        return bytes.Length == ChainHash.Length ? bytes : throw new FormatException($"'{hex}' is not a {ChainHash.Length}-byte hash in hex");
    }

    public static BundleCheckpoint ToFile(Checkpoint checkpoint)
    {
        var s = checkpoint.Statement;
        return new BundleCheckpoint(s.Sequence, s.FromSequence, s.EventCount, ChainHash.Hex(s.Hash), ChainHash.Hex(s.MerkleRoot),
            CanonicalTime.Format(s.SignedAt), s.KeyId,
            checkpoint.PublicKeyPem, Convert.ToBase64String(checkpoint.Signature));
    }

    /// <exception cref="FormatException">When a field does not hold what a checkpoint needs.</exception>
    public static Checkpoint FromFile(BundleCheckpoint file) => new(
        new CheckpointStatement(file.Seq, file.FromSeq, file.EventCount, Hash(file.Hash), Hash(file.MerkleRoot),
            CanonicalTime.Parse(file.SignedAt),
            file.KeyId),
        file.PublicKey, Convert.FromBase64String(file.Signature));

    public static BundleFile Describe(string directory, string relativePath)
    {
        using var stream = File.OpenRead(Path.Combine(directory, relativePath));
        return new BundleFile(relativePath.Replace('\\', '/'), ChainHash.Hex(SHA256.HashData(stream)), stream.Length);
    }
}

/// <summary>A checkpoint as checkpoints.json holds it: the signed statement's fields, the public key (PEM) and the signature (base64).</summary>
public sealed record BundleCheckpoint(
    long Seq, long FromSeq, long EventCount, string Hash, string MerkleRoot, string SignedAt, string KeyId, string PublicKey, string Signature);

/// <summary>
/// The period a bundle covers. Its events are the contiguous ledger positions <see cref="FirstSeq"/> through
/// <see cref="LastSeq"/>; <see cref="From"/> and <see cref="To"/> are the recorded-time bounds they were chosen by, if any.
/// </summary>
public sealed record BundlePeriod(string? From, string? To, long FirstSeq, long LastSeq)
{
    public bool Contains(long sequence) => sequence >= FirstSeq && sequence <= LastSeq;
}

/// <summary>Where the bundle's chain starts: the checkpointed link before its first chain line (the genesis when 0).</summary>
public sealed record BundleAnchor(long Seq, string Hash);

public sealed record BundleCounts(long Events, long Links, long Checkpoints, long Documents);

public sealed record BundleFile(string Path, string Sha256, long Size);

public sealed record BundleManifest(
    string Format, string Tool, string ExportedAt, BundlePeriod Period, BundleAnchor Anchor, long ChainEnd, BundleCounts Counts,
    IReadOnlyList<BundleFile> Files);

/// <summary>A file under documents/ derived from the period's events.</summary>
public sealed record DerivedDocument(string Path, byte[] Content);

/// <summary>
/// Derives documents from a period's events. The same derivation runs at export, to write them, and at
/// verification, to re-render them from the bundle's events and compare byte for byte.
/// </summary>
public interface IDocumentDerivation
{
    /// <summary>Sees each event of the period, in ledger order.</summary>
    void Observe(ChainedEvent recorded);

    /// <summary>The documents derived from everything observed; paths relative to documents/, with '/' separators.</summary>
    IReadOnlyList<DerivedDocument> Documents();
}
