namespace Settlement.Ledger.Audit;

public sealed record ChainLink(long Sequence, long PreviousSequence, byte[] Digest, byte[] Hash);

/// <summary>One position of the ledger: its chain link and its event's digest, either of which may be absent.</summary>
public sealed record ChainEntry(long Sequence, ChainLink? Link, byte[]? EventDigest);

/// <summary>The first thing found wrong, at the exact ledger position.</summary>
public sealed record VerificationProblem(long Sequence, string Kind, string Detail);

/// <summary>
/// Walks the ledger in order and checks that each event is the one chained at its position, that each link
/// follows from the one before, and that each checkpoint signed what the chain holds. Stops at the first
/// problem: whatever comes after it can no longer be trusted either.
/// </summary>
/// <param name="anchor">The link before the first entry (the genesis for a whole ledger).</param>
/// <param name="checkpoints">The checkpoints to check, in order, as they are found along the way.</param>
/// <param name="trustedKeyIds">When given, a checkpoint signed by any other key is a problem.</param>
/// <param name="eventsExpected">Whether a chained position must have its event (a bundle carries links beyond its period).</param>
public sealed class ChainVerifier(ChainHead anchor, IReadOnlyList<Checkpoint> checkpoints, IReadOnlySet<string>? trustedKeyIds = null,
    Func<long, bool>? eventsExpected = null)
{
    private readonly Queue<Checkpoint> _checkpoints = new(checkpoints.OrderBy(c => c.Statement.Sequence));
    private readonly List<byte[]> _segment = [];
    private ChainHead _previous = anchor;
    private long? _firstUnchained;

    public long EventsVerified { get; private set; }
    public long LinksVerified { get; private set; }
    public long CheckpointsVerified { get; private set; }
    /// <summary>Sequence numbers the chain links past: taken by appends that were rolled back.</summary>
    public long SequencesNeverCommitted { get; private set; }
    /// <summary>Events after the chain's head: committed, not linked yet.</summary>
    public long EventsNotYetChained { get; private set; }
    public ChainHead Head => _previous;
    public VerificationProblem? Problem { get; private set; }

    /// <summary>Checks the next entries, in ledger order; false once a problem is found.</summary>
    public bool Check(IReadOnlyList<ChainEntry> entries)
    {
        if (Problem is not null) return false;
        foreach (var entry in entries)
        {
            Problem = CheckOne(entry);
            if (Problem is not null) return false;
        }
        return true;
    }

    /// <summary>After the last entry: a checkpoint beyond the chain's end means the chain was rolled back, its tail removed.</summary>
    public VerificationProblem? Finish()
    {
        if (Problem is null && _checkpoints.TryPeek(out var beyond))
            Problem = new VerificationProblem(_previous.Sequence + 1, "chain-truncated",
                $"checkpoint {beyond.Statement.Sequence} was signed, but the chain ends at event {_previous.Sequence}: the links or events after it were removed (rolled back)");
        return Problem;
    }

    private VerificationProblem? CheckOne(ChainEntry entry)
    {
        if (entry.Link is not { } link)
        {
            // Unchained events are legitimate only as the tail the chain writer has not reached yet.
            _firstUnchained ??= entry.Sequence;
            EventsNotYetChained++;
            return null;
        }
        if (_firstUnchained is { } unchained)
            return new VerificationProblem(unchained, "event-unchained",
                $"event {unchained} sits inside the chained history but was never chained: it was inserted afterwards or moved there");

        if (link.PreviousSequence != _previous.Sequence)
            return new VerificationProblem(entry.Sequence, "link-missing",
                $"the link of event {entry.Sequence} follows event {link.PreviousSequence}, but the link before it is of event {_previous.Sequence}: chain links were removed or reordered");
        if (!ChainHash.Link(_previous.Hash, link.Digest).AsSpan().SequenceEqual(link.Hash))
            return new VerificationProblem(entry.Sequence, "link-altered",
                $"the chain hash of event {entry.Sequence} does not follow from the link before it: the chain table was edited");
        if (entry.EventDigest is not { } digest)
        {
            if (eventsExpected?.Invoke(entry.Sequence) ?? true)
                return new VerificationProblem(entry.Sequence, "event-missing",
                    $"event {entry.Sequence} is chained but no longer in the ledger: it was deleted or moved to another position");
        }
        else
        {
            if (!digest.AsSpan().SequenceEqual(link.Digest))
                return new VerificationProblem(entry.Sequence, "event-altered",
                    $"event {entry.Sequence} differs from what was chained: its payload, metadata or position was edited");
            EventsVerified++;
        }

        SequencesNeverCommitted += entry.Sequence - link.PreviousSequence - 1;
        _previous = new ChainHead(entry.Sequence, link.Hash);
        LinksVerified++;
        _segment.Add(link.Digest);
        return CheckCheckpointAt(entry.Sequence);
    }

    private VerificationProblem? CheckCheckpointAt(long sequence)
    {
        if (!_checkpoints.TryPeek(out var checkpoint)) return null;
        var statement = checkpoint.Statement;
        if (statement.Sequence < sequence)
            return new VerificationProblem(statement.Sequence, "checkpoint-unmatched",
                $"checkpoint {statement.Sequence} was signed, but the chain has no link there: history before it was rewritten");
        if (statement.Sequence > sequence) return null;

        _checkpoints.Dequeue();
        if (!checkpoint.SignatureIsValid())
            return new VerificationProblem(sequence, "checkpoint-signature", $"checkpoint {sequence} is not validly signed by the key it names ({statement.KeyId})");
        if (trustedKeyIds is not null && !trustedKeyIds.Contains(statement.KeyId))
            return new VerificationProblem(sequence, "checkpoint-key",
                $"checkpoint {sequence} is signed by key {statement.KeyId}, not by a trusted key ({string.Join(", ", trustedKeyIds)})");
        if (!statement.Hash.AsSpan().SequenceEqual(_previous.Hash))
            return new VerificationProblem(sequence, "checkpoint-mismatch",
                $"checkpoint {sequence} signed chain hash {ChainHash.Hex(statement.Hash)}, but the chain holds {ChainHash.Hex(_previous.Hash)}: history up to {sequence} was rewritten");
        if (_segment.Count != statement.EventCount || !MerkleTree.Root(_segment).AsSpan().SequenceEqual(statement.MerkleRoot))
            return new VerificationProblem(sequence, "checkpoint-mismatch",
                $"checkpoint {sequence} signed {statement.EventCount} events since {statement.FromSequence} under Merkle root {ChainHash.Hex(statement.MerkleRoot)}, which the chain does not reproduce");
        _segment.Clear();
        CheckpointsVerified++;
        return null;
    }
}
