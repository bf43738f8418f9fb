using System.Threading.Channels;

namespace Settlement.Ledger;

/// <summary>
/// Commits the batches that callers submit while a commit is under way together, in one transaction:
/// thousands of chargers each appending a few events would otherwise pay one commit each, which is
/// what bounds ingest. If the combined transaction fails (one stale version, say), each batch is
/// committed alone, so every caller keeps its own all-or-nothing outcome and its own error.
/// </summary>
internal sealed class GroupCommit : IAsyncDisposable
{
    private const int MaxEventsPerCommit = 5_000;

    private readonly Channel<Submission> _queue = Channel.CreateUnbounded<Submission>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<Task> _connect;
    private readonly Func<IReadOnlyList<Store.EventRows.Prepared>, Task> _commit;
    private readonly Task _writer;

    /// <param name="connect">Makes sure the writer has its connection, or throws when none can be had.</param>
    /// <param name="commit">Commits a batch in one transaction, or throws having written nothing.</param>
    public GroupCommit(Func<Task> connect, Func<IReadOnlyList<Store.EventRows.Prepared>, Task> commit)
    {
        _connect = connect;
        _commit = commit;
        _writer = Task.Run(WriteAsync);
    }

    private sealed record Submission(IReadOnlyList<Store.EventRows.Prepared> Batch, TaskCompletionSource Committed);

    public Task SubmitAsync(IReadOnlyList<Store.EventRows.Prepared> batch, CancellationToken ct)
    {
        var submission = new Submission(batch, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(submission))
            throw new ObjectDisposedException(nameof(Ledger), "The ledger is closed.");
        // A caller that gives up still has its events committed: nothing it handed over is lost.
        return submission.Committed.Task.WaitAsync(ct);
    }

    private async Task WriteAsync()
    {
        var group = new List<Submission>();
        var events = 0;
        void TakeQueued()
        {
            while (events < MaxEventsPerCommit && _queue.Reader.TryRead(out var next))
            {
                group.Add(next);
                events += next.Batch.Sum(a => a.Events.Length);
            }
        }

        var concurrentCallers = false;
        while (await _queue.Reader.WaitToReadAsync())
        {
            group.Clear();
            events = 0;
            TakeQueued();
            // The callers the last commit answered are about to submit again. While several callers are appending,
            // give them a turn on the thread pool before committing, so that a commit's fixed cost (the statement,
            // its round trips, the wake-ups) is shared by more events: with 64 writers of single events, half the
            // commits and 10-30% more events/s in alternating runs. A lone caller (an import, a quiet host) does not wait.
            if (concurrentCallers || group.Count > 1)
            {
                await Task.Yield();
                TakeQueued();
            }
            concurrentCallers = group.Count > 1;

            if (!await ConnectedAsync(group)) continue;
            if (group.Count > 1)
            {
                try
                {
                    await _commit([.. group.SelectMany(s => s.Batch)]);
                    foreach (var submission in group) submission.Committed.TrySetResult();
                    continue;
                }
                catch
                {
                    // Nothing of the group was written; each batch now gets its own transaction and verdict.
                }
            }
            for (var i = 0; i < group.Count; i++)
            {
                var submission = group[i];
                if (!await ConnectedAsync(group[i..])) break;
                try
                {
                    await _commit(submission.Batch);
                    submission.Committed.TrySetResult();
                }
                catch (Exception e)
                {
                    submission.Committed.TrySetException(e);
                }
            }
        }
    }

    /// <summary>
    /// Without a connection no batch can commit, whatever is in it: each waiting caller gets that failure once,
    /// rather than every batch alone waiting out the same unreachable server in turn.
    /// </summary>
    private async Task<bool> ConnectedAsync(IReadOnlyList<Submission> waiting)
    {
        try
        {
            await _connect();
            return true;
        }
        catch (Exception unreachable)
        {
            foreach (var submission in waiting) submission.Committed.TrySetException(unreachable);
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer;
    }
}
