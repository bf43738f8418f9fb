using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Settlement.Ledger.Store;

namespace Settlement.Ledger.Audit;

/// <summary>
/// Links every committed event into the hash chain, in ledger order, right behind the appends: appends
/// never wait for it, so ingest keeps its speed. One node of the cluster writes the chain at a time (the
/// holder of a PostgreSQL advisory lock, writing through the locked session), so a node that dies hands
/// over within seconds and the chain resumes from its last link.
/// </summary>
/// <remarks>
/// Sequence numbers are taken before commit, so the ledger can show event n+1 while n is still being
/// committed, or was rolled back and will never exist. The writer never links past such a gap until it is
/// sure: it waits <see cref="GapSettle"/> (long enough for the appending transaction to have its
/// transaction id), notes the next transaction id to be assigned, and skips the gap only once every
/// transaction older than that has ended; whatever did commit in it is then visible and gets linked.
/// </remarks>
public sealed class ChainWriter(Ledger ledger, ILogger logger) : IHostedService, IAsyncDisposable
{
    private readonly NpgsqlDataSource dataSource = ledger.DataSource;

    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan GapSettle = TimeSpan.FromSeconds(1);

    private const int BatchSize = 10_000;
    private static readonly string Events = $"{LedgerStore.Schema}.mt_events";
    private static readonly string Links = $"{LedgerStore.Schema}.{ChainTables.Links}";

    private readonly SemaphoreSlim _writing = new(1, 1);
    private readonly CanonicalLineWriter _lines = new();
    private NpgsqlConnection? _lock;
    private ChainHead _head = ChainHead.Empty;
    private PendingGap? _gap;
    private CancellationTokenSource? _stopping;
    private Task _following = Task.CompletedTask;

    /// <summary>Whether this node writes the chain now.</summary>
    public bool IsWriter => Volatile.Read(ref _lock) is not null;

    public Task StartAsync(CancellationToken ct)
    {
        if (_stopping is not null) return Task.CompletedTask;
        _stopping = new CancellationTokenSource();
        _following = FollowAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken ct)
    {
        if (_stopping is not { } stopping) return;
        await stopping.CancelAsync();
        await _following;
        await ReleaseAsync();
        stopping.Dispose();
        _stopping = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);

    /// <summary>
    /// Until every event committed before the call is linked: this node links them when no other node
    /// writes the chain, otherwise it waits for that node to.
    /// </summary>
    public async Task<ChainHead> CatchUpAsync(Action<long, long>? progress = null, CancellationToken ct = default)
    {
        var target = await LastEventAsync(ct);
        while (true)
        {
            await _writing.WaitAsync(ct);
            try
            {
                if (_lock is not null || await TryTakeLockAsync(ct))
                {
                    while (_head.Sequence < target)
                    {
                        if (await LinkNextAsync(ct) == 0) await Task.Delay(PollInterval, ct);
                        progress?.Invoke(_head.Sequence, target);
                    }
                    return _head;
                }
            }
            finally
            {
                _writing.Release();
                // Taken only to catch up: a node that does not follow the ledger must not keep the others from it.
                if (_stopping is null) await ReleaseAsync();
            }
            var head = await ChainHead.ReadAsync(dataSource, ct);
            progress?.Invoke(head.Sequence, target);
            if (head.Sequence >= target) return head;
            await Task.Delay(PollInterval, ct);
        }
    }

    private async Task FollowAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                int linked;
                await _writing.WaitAsync(ct);
                try
                {
                    linked = _lock is not null || await TryTakeLockAsync(ct) ? await LinkNextAsync(ct) : -1;
                }
                finally
                {
                    _writing.Release();
                }
                if (linked <= 0) await Task.Delay(linked < 0 ? RetryInterval : PollInterval, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception problem)
            {
                // The writer must outlive any one failure, or the chain would fall behind for good.
                logger.LogWarning(problem, "Hash chain writing failed; handing over and trying again");
                await ReleaseAsync();
                try { await Task.Delay(RetryInterval, ct); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    private async Task<bool> TryTakeLockAsync(CancellationToken ct)
    {
        var connection = await dataSource.OpenConnectionAsync(ct);
        try
        {
            if (!await AdvisoryLock.TryTakeAsync(connection, AdvisoryLock.ChainWriterKey, ct))
            {
                await connection.DisposeAsync();
                return false;
            }
            _head = await ChainHead.ReadAsync(connection, ct);
            _gap = null;
            Volatile.Write(ref _lock, connection);
            logger.LogInformation("This node now writes the hash chain, from event {Sequence}", _head.Sequence);
            return true;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private async Task ReleaseAsync()
    {
        await _writing.WaitAsync();
        try
        {
            if (Interlocked.Exchange(ref _lock, null) is { } connection)
                await AdvisoryLock.ReleaseAsync(connection, AdvisoryLock.ChainWriterKey);
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>Links the next run of committed events; returns how many.</summary>
    private async Task<int> LinkNextAsync(CancellationToken ct)
    {
        var connection = _lock!;
        // Read before the events: a gap whose transactions had all ended by now shows its committed events below.
        var settledBefore = await OldestRunningTransactionAsync(connection, ct);
        var events = new List<(long Sequence, byte[] Digest)>(BatchSize);
        await using (var read = new NpgsqlCommand($"SELECT {ChainedEvent.Columns} FROM {Events} WHERE seq_id > @head ORDER BY seq_id LIMIT {BatchSize}", connection))
        {
            read.Parameters.AddWithValue("head", _head.Sequence);
            await using var rows = await read.ExecuteReaderAsync(ct);
            while (await rows.ReadAsync(ct)) events.Add((rows.GetInt64(0), _lines.Digest(rows)));
        }

        var links = new List<(long Sequence, long Previous, byte[] Digest, byte[] Hash)>(events.Count);
        var head = _head;
        foreach (var next in events)
        {
            if (next.Sequence != head.Sequence + 1 && !await GapIsPermanentAsync(connection, head.Sequence + 1, next.Sequence - 1, settledBefore, ct))
                break;
            var hash = ChainHash.Link(head.Hash, next.Digest);
            links.Add((next.Sequence, head.Sequence, next.Digest, hash));
            head = new ChainHead(next.Sequence, hash);
        }
        if (links.Count == 0) return 0;

        await using (var copy = await connection.BeginBinaryImportAsync($"COPY {Links} (seq_id, previous_seq, digest, hash) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var link in links)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(link.Sequence, NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(link.Previous, NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(link.Digest, NpgsqlDbType.Bytea, ct);
                await copy.WriteAsync(link.Hash, NpgsqlDbType.Bytea, ct);
            }
            await copy.CompleteAsync(ct);
        }
        _head = head;
        return links.Count;
    }

    private async Task<bool> GapIsPermanentAsync(NpgsqlConnection connection, long from, long to, ulong settledBefore, CancellationToken ct)
    {
        if (_gap is not { } gap || gap.From != from)
        {
            _gap = new PendingGap(from, to, DateTime.UtcNow, null);
            return false;
        }
        if (DateTime.UtcNow - gap.FirstSeen < GapSettle) return false;
        if (gap.Horizon is not { } horizon)
        {
            _gap = gap with { Horizon = await NextTransactionAsync(connection, ct) };
            return false;
        }
        if (settledBefore < horizon) return false;
        logger.LogInformation("Sequence numbers {From}..{To} were never committed; the chain links past them", from, to);
        _gap = null;
        return true;
    }

    private static async Task<ulong> NextTransactionAsync(NpgsqlConnection connection, CancellationToken ct) =>
        await ScalarXidAsync(connection, "SELECT pg_snapshot_xmax(pg_current_snapshot())::text", ct);

    private static async Task<ulong> OldestRunningTransactionAsync(NpgsqlConnection connection, CancellationToken ct) =>
        await ScalarXidAsync(connection, "SELECT pg_snapshot_xmin(pg_current_snapshot())::text", ct);

    private static async Task<ulong> ScalarXidAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return ulong.Parse((string)(await command.ExecuteScalarAsync(ct))!);
    }

    private Task<long> LastEventAsync(CancellationToken ct) => EventPositions.LastAsync(dataSource, LedgerStore.Schema, ct);

    /// <param name="Horizon">Once every transaction before this id has ended, the gap is final.</param>
    private sealed record PendingGap(long From, long To, DateTime FirstSeen, ulong? Horizon);
}

/// <summary>The last link of the chain: the event it covers and its hash.</summary>
public sealed record ChainHead(long Sequence, byte[] Hash)
{
    public static readonly ChainHead Empty = new(0, ChainHash.Genesis);

    public static Task<ChainHead> ReadAsync(Ledger ledger, CancellationToken ct) => ReadAsync(ledger.DataSource, ct);

    internal static async Task<ChainHead> ReadAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await ReadAsync(connection, ct);
    }

    public static async Task<ChainHead> ReadAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT seq_id, hash FROM {LedgerStore.Schema}.{ChainTables.Links} ORDER BY seq_id DESC LIMIT 1", connection);
        await using var row = await command.ExecuteReaderAsync(ct);
        return await row.ReadAsync(ct) ? new ChainHead(row.GetInt64(0), (byte[])row[1]) : Empty;
    }
}
