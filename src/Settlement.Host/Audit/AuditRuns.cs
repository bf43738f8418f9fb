namespace Settlement.Host.Audit;

/// <summary>A long piece of audit work the host does in the background while the caller asks how far it is.</summary>
public interface IAuditRun
{
    string RunId { get; }
    bool Running { get; }
}

/// <summary>
/// The host's runs of one kind: one at a time (each walks or copies the whole ledger, so a second would only halve the
/// speed of both), the last <see cref="Kept"/> kept in memory to be asked about; a host restart forgets them.
/// </summary>
/// <param name="stopping">Cancelled when the host stops: a run still going then ends as failed, saying so.</param>
public sealed class AuditRuns<TRun>(CancellationToken stopping) where TRun : class, IAuditRun
{
    public const int Kept = 20;

    private readonly Lock _gate = new();
    private readonly LinkedList<TRun> _runs = [];

    /// <summary>
    /// Starts <paramref name="work"/> on a new run in the background, unless a run is under way: then that one is
    /// <paramref name="run"/> and nothing starts. The work must end its run whatever happens (it is never awaited).
    /// </summary>
    public bool TryStart(Func<TRun> create, Func<TRun, CancellationToken, Task> work, out TRun run)
    {
        lock (_gate)
        {
            if (_runs.FirstOrDefault(r => r.Running) is { } busy)
            {
                run = busy;
                return false;
            }
            run = create();
            _runs.AddFirst(run);
            // Only one runs, and it is the newest: what falls off the end has finished.
            if (_runs.Count > Kept) _runs.RemoveLast();
        }
        var started = run;
        _ = Task.Run(() => work(started, stopping), CancellationToken.None);
        return true;
    }

    public TRun? Find(string runId)
    {
        lock (_gate) return _runs.FirstOrDefault(r => r.RunId == runId);
    }
}
