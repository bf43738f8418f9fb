using System.Text.Json;
using System.Text.Json.Serialization;

namespace Settlement.Ledger.Audit;

/// <summary>
/// Inclusion proofs and checkpoints as JSON for auditors (schemas/documents/inclusion-proof.v1.json):
/// hashes in lowercase hex, the signature in base64, and the exact statement bytes that were signed.
/// </summary>
public static class ProofJson
{
    public sealed record CheckpointJson(
        long Seq, long FromSeq, long EventCount, string Hash, string MerkleRoot, DateTime SignedAt, string KeyId,
        string Statement, string PublicKey, string Signature);

    public sealed record InclusionProofJson(string EventLine, long LeafIndex, long TreeSize, IReadOnlyList<string> AuditPath, CheckpointJson Checkpoint,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? EventDigest = null);

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    private static readonly JsonSerializerOptions LineOptions = new(JsonSerializerDefaults.Web)
    {
        // An anchor log is read by people too: the statement's quotes as \" rather than \u0022.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
    };

    public static CheckpointJson Of(Checkpoint checkpoint)
    {
        var s = checkpoint.Statement;
        return new CheckpointJson(s.Sequence, s.FromSequence, s.EventCount, ChainHash.Hex(s.Hash), ChainHash.Hex(s.MerkleRoot), s.SignedAt, s.KeyId,
            System.Text.Encoding.UTF8.GetString(s.Canonical()), checkpoint.PublicKeyPem, Convert.ToBase64String(checkpoint.Signature));
    }

    /// <summary>A checkpoint as one line of an anchor log: the same fields as in a proof, without indentation.</summary>
    public static string WriteLine(Checkpoint checkpoint) => JsonSerializer.Serialize(Of(checkpoint), LineOptions);

    /// <exception cref="FormatException">When the line is not a checkpoint, or its statement is not the one its fields make.</exception>
    public static Checkpoint ReadLine(string line)
    {
        try
        {
            var read = JsonSerializer.Deserialize<CheckpointJson>(line, LineOptions) ?? throw new FormatException("The line is empty.");
            var checkpoint = CheckpointOf(read);
            if (System.Text.Encoding.UTF8.GetString(checkpoint.Statement.Canonical()) != read.Statement)
                throw new FormatException("its statement is not the one its fields make");
            return checkpoint;
        }
        catch (Exception e) when (e is JsonException or ArgumentNullException or NotSupportedException)
        {
            throw new FormatException(e.Message, e);
        }
    }

    public static InclusionProofJson Of(InclusionProof proof) =>
        new(proof.EventLine, proof.LeafIndex, proof.TreeSize, proof.AuditPath, Of(proof.Checkpoint), proof.EventDigest);

    public static string Write(InclusionProof proof) => JsonSerializer.Serialize(Of(proof), Options);

    /// <exception cref="FormatException">When the text is not an inclusion proof.</exception>
    public static InclusionProof Read(string json)
    {
        try
        {
            var read = JsonSerializer.Deserialize<InclusionProofJson>(json, Options) ?? throw new FormatException("The proof is empty.");
            return new InclusionProof(read.EventLine, read.LeafIndex, read.TreeSize, read.AuditPath, CheckpointOf(read.Checkpoint), read.EventDigest);
        }
        catch (Exception e) when (e is JsonException or ArgumentNullException)
        {
            throw new FormatException($"Not an inclusion proof: {e.Message}", e);
        }
    }

    /// <exception cref="FormatException">When a hash or the signature is not in its written form.</exception>
    private static Checkpoint CheckpointOf(CheckpointJson c)
    {
        var statement = new CheckpointStatement(c.Seq, c.FromSeq, c.EventCount, Convert.FromHexString(c.Hash), Convert.FromHexString(c.MerkleRoot),
            DateTime.SpecifyKind(c.SignedAt, DateTimeKind.Utc), c.KeyId);
        return new Checkpoint(statement, c.PublicKey, Convert.FromBase64String(c.Signature));
    }
}
