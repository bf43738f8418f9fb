using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Npgsql;
using Settlement.Ledger.Store;

namespace Settlement.Ledger.Audit;

/// <summary>
/// What a checkpoint signs: the chain head at <see cref="Sequence"/>, and the Merkle root of the digests of
/// the <see cref="EventCount"/> events after <see cref="FromSequence"/> up to it. Once published, it pins
/// every event before it: rewriting one changes the head's hash.
/// </summary>
public sealed record CheckpointStatement(long Sequence, long FromSequence, long EventCount, byte[] Hash, byte[] MerkleRoot, DateTime SignedAt, string KeyId)
{
    /// <summary>The exact bytes signed: canonical JSON, keys in order, hashes in lowercase hex.</summary>
    public byte[] Canonical() => Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
        $"{{\"eventCount\":{EventCount},\"fromSeq\":{FromSequence},\"hash\":\"{ChainHash.Hex(Hash)}\",\"keyId\":\"{KeyId}\",\"merkleRoot\":\"{ChainHash.Hex(MerkleRoot)}\",\"seq\":{Sequence},\"signedAt\":\"{CanonicalTime.Format(SignedAt)}\"}}"));
}

/// <summary>A signed statement with the public key to check it (an auditor compares that key with the operator's published one).</summary>
public sealed record Checkpoint(CheckpointStatement Statement, string PublicKeyPem, byte[] Signature)
{
    public bool SignatureIsValid()
    {
        using var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(PublicKeyPem);
        }
        catch (ArgumentException)
        {
            return false;
        }
        return CheckpointKeys.IdOf(key) == Statement.KeyId
               && key.VerifyData(Statement.Canonical(), Signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }
}

/// <summary>The operator's checkpoint key: ECDSA P-256, kept by the operator as PEM, never in the database.</summary>
public static class CheckpointKeys
{
    public static ECDsa Create() => ECDsa.Create(ECCurve.NamedCurves.nistP256);

    /// <exception cref="InvalidDataException">When the file is not a PEM private key of an ECDSA key.</exception>
    public static ECDsa LoadPrivate(string path)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(path));
            key.ExportParameters(includePrivateParameters: true);
            return key;
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new InvalidDataException($"{path} is not an ECDSA private key in PEM form (create one with `settle signing-key create`).", e);
        }
    }

    /// <summary>The first 16 bytes of the SHA-256 of the public key (SubjectPublicKeyInfo), in hex.</summary>
    public static string IdOf(ECDsa key) => ChainHash.Hex(SHA256.HashData(key.ExportSubjectPublicKeyInfo()).AsSpan(0, 16));

    /// <exception cref="InvalidDataException">When the file is not a public key in PEM form.</exception>
    public static string IdOfPublicKeyFile(string path)
    {
        using var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(path));
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException or IOException)
        {
            throw new InvalidDataException($"{path} is not a public key in PEM form: {e.Message}", e);
        }
        return IdOf(key);
    }

    public static string PublicPem(ECDsa key) => key.ExportSubjectPublicKeyInfoPem();
}

/// <summary>Signs checkpoints of the chain head and reads them back.</summary>
public static class Checkpoints
{
    /// <summary>A checkpoint covers at most this many events, so an inclusion proof reads at most this many digests.</summary>
    public const int MaxEvents = 1 << 20;

    private static readonly string Table = $"{LedgerStore.Schema}.{ChainTables.Checkpoints}";
    private static readonly string Links = $"{LedgerStore.Schema}.{ChainTables.Links}";

    /// <summary>Signs the chained events since the last checkpoint (several checkpoints when they are many); none when nothing new was chained.</summary>
    public static async Task<IReadOnlyList<Checkpoint>> SignAsync(Ledger ledger, ECDsa key, CancellationToken ct = default)
    {
        var signed = new List<Checkpoint>();
        await using var connection = await ledger.DataSource.OpenConnectionAsync(ct);
        // Two signers at once would both start from the same last checkpoint; one of them waits here instead. An
        // advisory lock, since locking the table that strongly takes an UPDATE grant the application role lacks.
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var serialise = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({AdvisoryLock.CheckpointSignerKey})", connection, transaction))
            await serialise.ExecuteNonQueryAsync(ct);
        var from = await LastSequenceAsync(connection, ct);
        while (true)
        {
            var segment = await DigestsAfterAsync(connection, from, MaxEvents, ct);
            if (segment.Count == 0) break;
            var statement = new CheckpointStatement(segment[^1].Sequence, from, segment.Count, segment[^1].Hash,
                MerkleTree.Root(segment.Select(s => s.Digest).ToList()), NowToTheMicrosecond(), CheckpointKeys.IdOf(key));
            var checkpoint = new Checkpoint(statement, CheckpointKeys.PublicPem(key),
                key.SignData(statement.Canonical(), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
            await InsertAsync(connection, checkpoint, ct);
            signed.Add(checkpoint);
            from = statement.Sequence;
        }
        await transaction.CommitAsync(ct);
        return signed;
    }

    /// <summary>PostgreSQL keeps microseconds: the time signed must be the time read back.</summary>
    private static DateTime NowToTheMicrosecond()
    {
        var now = DateTime.UtcNow;
        return new DateTime(now.Ticks - now.Ticks % 10, DateTimeKind.Utc);
    }

    public static Task<IReadOnlyList<Checkpoint>> AllAsync(Ledger ledger, CancellationToken ct = default) => AllAsync(ledger.DataSource, ct);

    internal static async Task<IReadOnlyList<Checkpoint>> AllAsync(NpgsqlDataSource dataSource, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT seq_id, from_seq, event_count, hash, merkle_root, signed_at, key_id, public_key, signature FROM {Table} ORDER BY seq_id");
        await using var rows = await command.ExecuteReaderAsync(ct);
        var all = new List<Checkpoint>();
        while (await rows.ReadAsync(ct))
            all.Add(new Checkpoint(
                new CheckpointStatement(rows.GetInt64(0), rows.GetInt64(1), rows.GetInt64(2), (byte[])rows[3], (byte[])rows[4],
                    rows.GetDateTime(5), rows.GetString(6)),
                rows.GetString(7), (byte[])rows[8]));
        return all;
    }

    /// <summary>The digests (and hashes) of the chained events after <paramref name="from"/>, in order.</summary>
    public static async Task<IReadOnlyList<(long Sequence, byte[] Digest, byte[] Hash)>> DigestsAfterAsync(
        NpgsqlConnection connection, long from, int limit, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT seq_id, digest, hash FROM {Links} WHERE seq_id > @from ORDER BY seq_id LIMIT @limit", connection);
        command.Parameters.AddWithValue("from", from);
        command.Parameters.AddWithValue("limit", limit);
        await using var rows = await command.ExecuteReaderAsync(ct);
        var digests = new List<(long, byte[], byte[])>();
        while (await rows.ReadAsync(ct)) digests.Add((rows.GetInt64(0), (byte[])rows[1], (byte[])rows[2]));
        return digests;
    }

    private static async Task<long> LastSequenceAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT coalesce(max(seq_id), 0) FROM {Table}", connection);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    private static async Task InsertAsync(NpgsqlConnection connection, Checkpoint checkpoint, CancellationToken ct)
    {
        var s = checkpoint.Statement;
        await using var insert = new NpgsqlCommand(
            $"INSERT INTO {Table} (seq_id, from_seq, event_count, hash, merkle_root, signed_at, key_id, public_key, signature) " +
            "VALUES (@seq, @from, @count, @hash, @root, @at, @key, @pem, @signature)", connection);
        insert.Parameters.AddWithValue("seq", s.Sequence);
        insert.Parameters.AddWithValue("from", s.FromSequence);
        insert.Parameters.AddWithValue("count", s.EventCount);
        insert.Parameters.AddWithValue("hash", s.Hash);
        insert.Parameters.AddWithValue("root", s.MerkleRoot);
        insert.Parameters.AddWithValue("at", s.SignedAt);
        insert.Parameters.AddWithValue("key", s.KeyId);
        insert.Parameters.AddWithValue("pem", checkpoint.PublicKeyPem);
        insert.Parameters.AddWithValue("signature", checkpoint.Signature);
        await insert.ExecuteNonQueryAsync(ct);
    }
}
