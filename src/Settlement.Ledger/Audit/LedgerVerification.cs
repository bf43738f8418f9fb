using System.Runtime.CompilerServices;
using Npgsql;
using Settlement.Ledger.Store;

namespace Settlement.Ledger.Audit;

/// <summary>What a verification found: how much was checked, and the first problem if any.</summary>
/// <param name="CheckpointsAnchored">Checkpoints of the anchor log held against the database and the chain.</param>
public sealed record VerificationResult(
    long EventsVerified, long LinksVerified, long CheckpointsVerified, long SequencesNeverCommitted, long EventsNotYetChained,
    ChainHead Head, VerificationProblem? Problem, long CheckpointsAnchored = 0)
{
    public bool Verified => Problem is null;

    /// <summary>The one sentence that says what was found: `settle verify` prints it, and a verify run of the host answers with it.</summary>
    public string Verdict => Problem is { } problem
        ? $"NOT VERIFIED at event {problem.Sequence:N0} ({problem.Kind}): {problem.Detail}"
        : CheckpointsAnchored > 0
            ? "Verified: every chained event is exactly as it was chained, and every anchored checkpoint is in the database as anchored and reproduced by the chain."
            : "Verified: every chained event is exactly as it was chained.";

    /// <summary>The sentence for a verification that could not finish: it was not verified, and this is what stopped it.</summary>
    public static string Unverified(Exception stopped) => "NOT VERIFIED: " + stopped switch
    {
        VerificationFailedException or InvalidDataException or Database.DatabaseServerException => stopped.Message,
        PostgresException postgres => $"the database refused: {postgres.MessageText} ({postgres.SqlState})",
        _ => $"verification failed: {stopped.GetType().Name}: {stopped.Message}",
    };

    public static VerificationResult Of(ChainVerifier verifier) => new(verifier.EventsVerified, verifier.LinksVerified,
        verifier.CheckpointsVerified, verifier.SequencesNeverCommitted, verifier.EventsNotYetChained, verifier.Head, verifier.Finish());
}

/// <summary>Verification could not finish, so it claims nothing about what it did not reach.</summary>
/// <param name="readThrough">The last position read (0 when none was).</param>
public sealed class VerificationFailedException(long readThrough, Exception cause)
    : Exception($"the ledger could not be read past event {readThrough:N0}: {cause.GetType().Name}: {cause.Message}", cause)
{
    public long ReadThrough => readThrough;
}

/// <summary>Verifies the ledger in the database against its own chain and checkpoints, and against the checkpoints anchored outside it.</summary>
public static class LedgerVerification
{
    private const int BatchSize = 16_384;

    /// <summary>Progress is told at least this often (in positions), so a watcher of a long walk sees it move.</summary>
    public const int ProgressEvery = 1_000;
    private static readonly string Events = $"{LedgerStore.Schema}.mt_events";
    private static readonly string Links = $"{LedgerStore.Schema}.{ChainTables.Links}";

    /// <param name="trustedKeyId">The operator's published key: every checkpoint, anchored or not, must be signed by it. Without it
    /// the keys that signed the anchors are trusted, and without anchors each checkpoint is checked against the key it names.</param>
    /// <param name="anchored">Checkpoints kept outside the database (<see cref="AnchorLog"/>): each must still be in the database,
    /// unchanged, and the chain recomputed from the events must reproduce it.</param>
    /// <param name="progress">Positions checked so far, and the ledger's last position.</param>
    /// <exception cref="VerificationFailedException">When the ledger could not be read to the end.</exception>
    public static Task<VerificationResult> VerifyAsync(Ledger ledger, string? trustedKeyId,
        IReadOnlyList<Checkpoint>? anchored = null, Action<long, long>? progress = null, CancellationToken ct = default) =>
        VerifyAsync(ledger.DataSource, trustedKeyId, anchored, progress, ct);

    /// <summary>As <see cref="VerifyAsync(Ledger, string?, IReadOnlyList{Checkpoint}?, Action{long, long}?, CancellationToken)"/>, for a database no ledger could be opened on (unreachable, or not migrated).</summary>
    public static async Task<VerificationResult> VerifyAsync(NpgsqlDataSource dataSource, string? trustedKeyId,
        IReadOnlyList<Checkpoint>? anchored = null, Action<long, long>? progress = null, CancellationToken ct = default)
    {
        anchored ??= [];
        IReadOnlySet<string>? trusted = trustedKeyId is not null ? new HashSet<string> { trustedKeyId }
            : anchored.Count > 0 ? anchored.Select(a => a.Statement.KeyId).ToHashSet() : null;
        long verifiedThrough = 0;
        try
        {
            var last = await LastPositionAsync(dataSource, ct);
            var stored = await Checkpoints.AllAsync(dataSource, ct);
            var walked = Walked(stored, anchored);
            var verifier = new ChainVerifier(ChainHead.Empty, walked, trusted);
            await foreach (var batch in EntriesAsync(dataSource, ct))
            {
                var intact = true;
                foreach (var part in batch.Chunk(ProgressEvery))
                {
                    if (!(intact = verifier.Check(part))) break;
                    verifiedThrough = part[^1].Sequence;
                    progress?.Invoke(verifiedThrough, last);
                }
                if (!intact) break;
            }
            progress?.Invoke(last, last);
            var result = VerificationResult.Of(verifier);
            var walkProblem = result.Problem is { Kind: "checkpoint-mismatch" } mismatch
                ? await RelinkedAsync(dataSource, walked.First(c => c.Statement.Sequence == mismatch.Sequence), ct) ?? mismatch
                : result.Problem;
            return result with
            {
                Problem = Earliest(AnchorProblem(anchored, stored, trusted), walkProblem),
                CheckpointsAnchored = anchored.Select(a => a.Statement.Sequence).Distinct().Count(),
            };
        }
        catch (Exception e) when (e is not (OperationCanceledException or VerificationFailedException))
        {
            throw new VerificationFailedException(verifiedThrough, e);
        }
    }

    /// <summary>The database's checkpoints, with the anchored ones in place of any the database lost or changed.</summary>
    private static IReadOnlyList<Checkpoint> Walked(IReadOnlyList<Checkpoint> stored, IReadOnlyList<Checkpoint> anchored)
    {
        var bySequence = stored.ToDictionary(c => c.Statement.Sequence);
        foreach (var checkpoint in anchored) bySequence[checkpoint.Statement.Sequence] = checkpoint;
        return bySequence.Values.OrderBy(c => c.Statement.Sequence).ToList();
    }

    /// <summary>The first anchored checkpoint that is not validly signed, or that the database no longer holds exactly as anchored.</summary>
    private static VerificationProblem? AnchorProblem(IReadOnlyList<Checkpoint> anchored, IReadOnlyList<Checkpoint> stored, IReadOnlySet<string>? trusted)
    {
        var bySequence = stored.ToDictionary(c => c.Statement.Sequence);
        foreach (var anchor in anchored.OrderBy(a => a.Statement.Sequence))
        {
            var sequence = anchor.Statement.Sequence;
            if (!anchor.SignatureIsValid())
                return new VerificationProblem(sequence, "anchor-signature",
                    $"the anchored checkpoint {sequence} is not validly signed by the key it names ({anchor.Statement.KeyId}): the anchor log was edited");
            if (trusted is not null && !trusted.Contains(anchor.Statement.KeyId))
                return new VerificationProblem(sequence, "anchor-key",
                    $"the anchored checkpoint {sequence} is signed by key {anchor.Statement.KeyId}, not by a trusted key ({string.Join(", ", trusted)})");
            if (!bySequence.TryGetValue(sequence, out var kept))
                return new VerificationProblem(sequence, "checkpoint-missing",
                    $"checkpoint {sequence} was signed and anchored outside the database, but the database no longer holds it: it was deleted");
            if (!SameCheckpoint(kept, anchor))
                return new VerificationProblem(sequence, "checkpoint-replaced",
                    $"checkpoint {sequence} in the database differs from the one anchored outside it: it was replaced");
        }
        return null;
    }

    private static bool SameCheckpoint(Checkpoint a, Checkpoint b) =>
        a.Statement.Canonical().AsSpan().SequenceEqual(b.Statement.Canonical())
        && a.Signature.AsSpan().SequenceEqual(b.Signature)
        && a.PublicKeyPem.Trim() == b.PublicKeyPem.Trim();

    /// <summary>
    /// Where a rewrite that broke <paramref name="checkpoint"/> began, when the chain was re-linked over it: an honest
    /// link is written before any checkpoint covering it is signed, so the first one written after it marks the rewrite.
    /// </summary>
    private static async Task<VerificationProblem?> RelinkedAsync(NpgsqlDataSource dataSource, Checkpoint checkpoint, CancellationToken ct)
    {
        var statement = checkpoint.Statement;
        await using var command = dataSource.CreateCommand(
            $"SELECT seq_id, chained_at FROM {Links} WHERE seq_id > @from AND seq_id <= @to AND chained_at > @signed ORDER BY seq_id LIMIT 1");
        command.Parameters.AddWithValue("from", statement.FromSequence);
        command.Parameters.AddWithValue("to", statement.Sequence);
        command.Parameters.AddWithValue("signed", statement.SignedAt);
        await using var row = await command.ExecuteReaderAsync(ct);
        if (!await row.ReadAsync(ct)) return null;
        var sequence = row.GetInt64(0);
        return new VerificationProblem(sequence, "chain-relinked",
            $"the chain was re-linked from event {sequence}: its link was written at {CanonicalTime.Format(row.GetDateTime(1))}, after checkpoint " +
            $"{statement.Sequence} over it was signed ({CanonicalTime.Format(statement.SignedAt)}), and the chain no longer reproduces that " +
            $"checkpoint's signed hash: an event from {sequence} to {statement.Sequence} was rewritten");
    }

    private static VerificationProblem? Earliest(VerificationProblem? anchors, VerificationProblem? walk) =>
        anchors is null ? walk : walk is null || anchors.Sequence < walk.Sequence ? anchors : walk;

    /// <summary>Links and events side by side in ledger order, read from two sessions at once.</summary>
    public static async IAsyncEnumerable<IReadOnlyList<ChainEntry>> EntriesAsync(NpgsqlDataSource dataSource, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var links = Pages(dataSource, $"SELECT seq_id, previous_seq, digest, hash FROM {Links} WHERE seq_id > @after ORDER BY seq_id LIMIT {BatchSize}",
            row => new ChainLink(row.GetInt64(0), row.GetInt64(1), (byte[])row[2], (byte[])row[3]), l => l.Sequence, ct).GetAsyncEnumerator(ct);
        var lines = new CanonicalLineWriter();
        await using var events = Pages(dataSource, $"SELECT {ChainedEvent.Columns} FROM {Events} WHERE seq_id > @after ORDER BY seq_id LIMIT {BatchSize}",
            row => new EventDigest(row.GetInt64(0), lines.Digest(row)), e => e.Sequence, ct).GetAsyncEnumerator(ct);

        var link = await NextAsync(links);
        var @event = await NextAsync(events);
        var batch = new List<ChainEntry>(BatchSize);
        while (link is not null || @event is not null)
        {
            var sequence = Math.Min(link?.Sequence ?? long.MaxValue, @event?.Sequence ?? long.MaxValue);
            var linkHere = link?.Sequence == sequence ? link : null;
            var eventHere = @event?.Sequence == sequence ? @event : null;
            batch.Add(new ChainEntry(sequence, linkHere, eventHere?.Digest));
            if (linkHere is not null) link = await NextAsync(links);
            if (eventHere is not null) @event = await NextAsync(events);
            if (batch.Count == BatchSize)
            {
                yield return batch;
                batch = new List<ChainEntry>(BatchSize);
            }
        }
        if (batch.Count > 0) yield return batch;
    }

    private sealed record EventDigest(long Sequence, byte[] Digest);

    private static async Task<T?> NextAsync<T>(IAsyncEnumerator<T> rows) where T : class =>
        await rows.MoveNextAsync() ? rows.Current : null;

    /// <summary>Rows in key order, a page per query (keyset paging), the next page read while this one is used.</summary>
    private static async IAsyncEnumerable<T> Pages<T>(NpgsqlDataSource dataSource, string sql, Func<NpgsqlDataReader, T> read, Func<T, long> key,
        [EnumeratorCancellation] CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        async Task<List<T>> PageAfterAsync(long after)
        {
            var page = new List<T>(BatchSize);
            try
            {
                await using var command = new NpgsqlCommand(sql, connection);
                command.Parameters.AddWithValue("after", after);
                await using var rows = await command.ExecuteReaderAsync(ct);
                while (await rows.ReadAsync(ct)) page.Add(read(rows));
                return page;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A row that cannot be read (the connection lost, a value no longer of its type) is named by where the reading stopped.
                throw new VerificationFailedException(page.Count > 0 ? key(page[^1]) : after, e);
            }
        }

        var next = PageAfterAsync(0);
        try
        {
            while (true)
            {
                var page = await next;
                if (page.Count == 0) yield break;
                next = page.Count == BatchSize ? PageAfterAsync(key(page[^1])) : Task.FromResult(new List<T>());
                foreach (var row in page) yield return row;
            }
        }
        finally
        {
            // A reader that stops early (a problem found, or the other side failed) leaves the next page being read
            // on this connection: closing it under that read is what threw. Let the read end first; its rows are not wanted.
            await Task.WhenAny(next);
        }
    }

    /// <summary>The stream of the event at <paramref name="sequence"/> as the database holds it now; null when no event is there.</summary>
    public static async Task<string?> StreamAtAsync(Ledger ledger, long sequence, CancellationToken ct = default)
    {
        await using var command = ledger.DataSource.CreateCommand($"SELECT stream_id FROM {Events} WHERE seq_id = @sequence");
        command.Parameters.AddWithValue("sequence", sequence);
        return await command.ExecuteScalarAsync(ct) as string;
    }

    private static async Task<long> LastPositionAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"SELECT greatest((SELECT coalesce(max(seq_id), 0) FROM {Events}), (SELECT coalesce(max(seq_id), 0) FROM {Links}))");
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }
}
