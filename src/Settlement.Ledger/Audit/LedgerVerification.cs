using System.Runtime.CompilerServices;
using Npgsql;
using Settlement.Ledger.Store;

namespace Settlement.Ledger.Audit;

/// <summary>What a verification found: how much was checked, and the first problem if any.</summary>
public sealed record VerificationResult(
    long EventsVerified, long LinksVerified, long CheckpointsVerified, long SequencesNeverCommitted, long EventsNotYetChained,
    ChainHead Head, VerificationProblem? Problem)
{
    public bool Verified => Problem is null;

    public static VerificationResult Of(ChainVerifier verifier) => new(verifier.EventsVerified, verifier.LinksVerified,
        verifier.CheckpointsVerified, verifier.SequencesNeverCommitted, verifier.EventsNotYetChained, verifier.Head, verifier.Finish());
}

/// <summary>Verifies the ledger in the database against its own chain and checkpoints.</summary>
public static class LedgerVerification
{
    private const int BatchSize = 16_384;
    private static readonly string Events = $"{LedgerStore.Schema}.mt_events";
    private static readonly string Links = $"{LedgerStore.Schema}.{ChainTables.Links}";

    /// <param name="progress">Positions checked so far, and the ledger's last position.</param>
    public static async Task<VerificationResult> VerifyAsync(NpgsqlDataSource dataSource, string? trustedKeyId,
        Action<long, long>? progress = null, CancellationToken ct = default)
    {
        var last = await LastPositionAsync(dataSource, ct);
        var verifier = new ChainVerifier(ChainHead.Empty, await Checkpoints.AllAsync(dataSource, ct), trustedKeyId);
        await foreach (var batch in EntriesAsync(dataSource, ct))
        {
            if (!verifier.Check(batch)) break;
            progress?.Invoke(batch[^1].Sequence, last);
        }
        progress?.Invoke(last, last);
        return VerificationResult.Of(verifier);
    }

    /// <summary>Links and events side by side in ledger order, read from two sessions at once.</summary>
    public static async IAsyncEnumerable<IReadOnlyList<ChainEntry>> EntriesAsync(NpgsqlDataSource dataSource, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var links = Pages(dataSource, $"SELECT seq_id, previous_seq, digest, hash FROM {Links} WHERE seq_id > @after ORDER BY seq_id LIMIT {BatchSize}",
            row => new ChainLink(row.GetInt64(0), row.GetInt64(1), (byte[])row[2], (byte[])row[3]), l => l.Sequence, ct).GetAsyncEnumerator(ct);
        await using var events = Pages(dataSource, $"SELECT {ChainedEvent.Columns} FROM {Events} WHERE seq_id > @after ORDER BY seq_id LIMIT {BatchSize}",
            row => ChainedEvent.Read(row), e => e.Sequence, ct).GetAsyncEnumerator(ct);

        var link = await NextAsync(links);
        var @event = await NextAsync(events);
        var batch = new List<ChainEntry>(BatchSize);
        while (link is not null || @event is not null)
        {
            var sequence = Math.Min(link?.Sequence ?? long.MaxValue, @event?.Sequence ?? long.MaxValue);
            var linkHere = link?.Sequence == sequence ? link : null;
            var eventHere = @event?.Sequence == sequence ? @event : null;
            batch.Add(new ChainEntry(sequence, linkHere, eventHere));
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

    private static async Task<T?> NextAsync<T>(IAsyncEnumerator<T> rows) where T : class =>
        await rows.MoveNextAsync() ? rows.Current : null;

    /// <summary>Rows in key order, a page per query (keyset paging), the next page read while this one is used.</summary>
    private static async IAsyncEnumerable<T> Pages<T>(NpgsqlDataSource dataSource, string sql, Func<NpgsqlDataReader, T> read, Func<T, long> key,
        [EnumeratorCancellation] CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        async Task<List<T>> PageAfterAsync(long after)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddWithValue("after", after);
            await using var rows = await command.ExecuteReaderAsync(ct);
            var page = new List<T>(BatchSize);
            while (await rows.ReadAsync(ct)) page.Add(read(rows));
            return page;
        }

        var next = PageAfterAsync(0);
        while (true)
        {
            var page = await next;
            if (page.Count == 0) yield break;
            next = page.Count == BatchSize ? PageAfterAsync(key(page[^1])) : Task.FromResult(new List<T>());
            foreach (var row in page) yield return row;
        }
    }

    private static async Task<long> LastPositionAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"SELECT greatest((SELECT coalesce(max(seq_id), 0) FROM {Events}), (SELECT coalesce(max(seq_id), 0) FROM {Links}))");
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }
}
