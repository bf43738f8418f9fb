using System.Text;
using Npgsql;
using Settlement.Domain.Events;
using Settlement.Domain.Invoicing;
using Settlement.Ledger.Store;

namespace Settlement.Ledger.Audit;

/// <summary>
/// Proof that one event is in the ledger under a signed checkpoint: the event's canonical line, its place in
/// the checkpoint's Merkle tree and the audit path to the signed root. Anyone holding the operator's public
/// key checks it with nothing else: no database, no other event.
/// </summary>
/// <param name="EventDigest">
/// Only for an event holding a secret: its line is redacted (<c>"redacted":true</c>) and no longer hashes to the
/// leaf, so the proof gives the chained digest (hex). It proves the event's place, not its redacted line.
/// </param>
public sealed record InclusionProof(string EventLine, long LeafIndex, long TreeSize, IReadOnlyList<string> AuditPath, Checkpoint Checkpoint,
    string? EventDigest = null)
{
    /// <summary>The first reason the proof fails, or null when it holds.</summary>
    public string? Problem()
    {
        ChainedEvent recorded;
        try
        {
            recorded = ChainedEvent.ParseLine(Encoding.UTF8.GetBytes(EventLine));
        }
        catch (FormatException e)
        {
            return e.Message;
        }
        var statement = Checkpoint.Statement;
        if (recorded.Sequence <= statement.FromSequence || recorded.Sequence > statement.Sequence)
            return $"event {recorded.Sequence} is not among the events {statement.FromSequence + 1}..{statement.Sequence} of the checkpoint";
        if (TreeSize != statement.EventCount)
            return $"the proof is for a tree of {TreeSize} events, the checkpoint signed {statement.EventCount}";
        if (recorded.Redacted != EventDigest is not null)
            return "a redacted event line comes with its chained digest (eventDigest), and only a redacted one";
        byte[][] path;
        byte[] leaf;
        try
        {
            path = AuditPath.Select(Convert.FromHexString).ToArray();
            leaf = EventDigest is null ? recorded.Digest() : Convert.FromHexString(EventDigest);
        }
        catch (FormatException)
        {
            return "the audit path or the event digest is not hexadecimal";
        }
        if (!MerkleTree.Includes(statement.MerkleRoot, leaf, LeafIndex, TreeSize, path))
            return "the event and its audit path do not lead to the checkpoint's Merkle root";
        return Checkpoint.SignatureIsValid() ? null : "the checkpoint's signature does not hold";
    }
}

public static class InclusionProofs
{
    private static readonly string Events = $"{LedgerStore.Schema}.mt_events";
    private static readonly string Links = $"{LedgerStore.Schema}.{ChainTables.Links}";

    /// <summary>The proof for the event at <paramref name="sequence"/>; null when there is no such chained event.</summary>
    /// <exception cref="NotYetCheckpointedException">When the event is chained but no checkpoint covers it yet.</exception>
    public static async Task<InclusionProof?> ForEventAsync(Ledger ledger, long sequence, CancellationToken ct = default)
    {
        var dataSource = ledger.DataSource;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        ChainedEvent? recorded = null;
        await using (var read = new NpgsqlCommand(
            $"SELECT {ChainedEvent.Columns} FROM {Events} e WHERE seq_id = @seq AND EXISTS (SELECT 1 FROM {Links} l WHERE l.seq_id = e.seq_id)", connection))
        {
            read.Parameters.AddWithValue("seq", sequence);
            await using var row = await read.ExecuteReaderAsync(ct);
            if (await row.ReadAsync(ct)) recorded = ChainedEvent.Read(row);
        }
        if (recorded is null) return null;

        var checkpoint = (await Checkpoints.AllAsync(dataSource, ct)).FirstOrDefault(c => c.Statement.Sequence >= sequence)
                         ?? throw new NotYetCheckpointedException(sequence);
        var statement = checkpoint.Statement;
        var digests = (await Checkpoints.DigestsAfterAsync(connection, statement.FromSequence, checked((int)statement.EventCount), ct)).ToList();
        var index = digests.FindIndex(d => d.Sequence == sequence);
        var path = MerkleTree.AuditPath(digests.Select(d => d.Digest).ToList(), index);
        var shown = recorded.WithoutSecrets();
        return new InclusionProof(Encoding.UTF8.GetString(shown.CanonicalLine()), index, digests.Count,
            [.. path.Select(p => ChainHash.Hex(p))], checkpoint, shown.Redacted ? ChainHash.Hex(digests[index].Digest) : null);
    }

    /// <summary>The position of the event that issued an invoice or credit note; null when there is none.</summary>
    public static async Task<long?> InvoiceEventAsync(Ledger ledger, string issuerId, string number, CancellationToken ct = default)
    {
        await using var find = ledger.DataSource.CreateCommand($"""
            SELECT seq_id FROM {Events}
            WHERE type = ANY(@types)
              AND coalesce(data->'invoice', data->'creditNote')->>'issuerId' = @issuer
              AND coalesce(data->'invoice', data->'creditNote')->>'number' = @number
            """);
        find.Parameters.AddWithValue("types", new[] { EventType.StoredNameOf(typeof(InvoiceIssued)), EventType.StoredNameOf(typeof(CreditNoteIssued)) });
        find.Parameters.AddWithValue("issuer", issuerId);
        find.Parameters.AddWithValue("number", number);
        return await find.ExecuteScalarAsync(ct) is long sequence ? sequence : null;
    }
}

public sealed class NotYetCheckpointedException(long sequence)
    : Exception($"Event {sequence} is chained but no signed checkpoint covers it yet; the next checkpoint will (or run `settle checkpoint`).")
{
    public long Sequence { get; } = sequence;
}
