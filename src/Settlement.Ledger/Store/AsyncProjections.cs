using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Settlement.Ledger.Store;

/// <summary>
/// Runs the store's async projections with Marten's projection daemon on exactly one node of the cluster
/// (hot/cold): the node that holds a PostgreSQL session-level advisory lock leads. The others try again every
/// <see cref="RetryInterval"/>; the lock dies with its session, so a leader that stops, crashes or loses
/// its connection hands over within seconds. Tests and commands on any node can wait for the projections.
/// </summary>
public sealed class AsyncProjections(Ledger ledger, ILogger logger) : IHostedService, IAsyncDisposable
{
    private readonly IDocumentStore store = ledger.Store;

    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan ProgressPollInterval = TimeSpan.FromMilliseconds(200);

    private readonly SemaphoreSlim _leadership = new(1, 1);
    private NpgsqlConnection? _lock;
    private IProjectionDaemon? _daemon;
    private CancellationTokenSource? _stopping;
    private Task _campaigning = Task.CompletedTask;

    /// <summary>Whether this node runs the async projections now.</summary>
    public bool IsLeader => Volatile.Read(ref _daemon) is not null;

    private IProjectionDaemon Daemon =>
        _daemon ?? throw new InvalidOperationException(_stopping is null
            ? "The async projections are not running; start them first."
            : "Another node runs the async projections; rebuild there, or stop it so that this node takes over.");

    /// <summary>Leads at once when no other node does; otherwise keeps trying in the background.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        if (_stopping is not null) return;
        _stopping = new CancellationTokenSource();
        await TryToLeadAsync(ct);
        _campaigning = CampaignAsync(_stopping.Token);
    }

    public async Task StopAsync(CancellationToken ct)
    {
        if (_stopping is not { } stopping) return;
        await stopping.CancelAsync();
        await _campaigning;
        await StepDownAsync();
        stopping.Dispose();
        _stopping = null;
    }

    /// <summary>
    /// Until every async projection has processed every event appended before the call: on the leader its
    /// daemon says so; elsewhere the projections' progress in the database, as the leader records it.
    /// </summary>
    /// <exception cref="TimeoutException">When they have not within <paramref name="timeout"/>.</exception>
    public Task WaitForNonStaleDataAsync(TimeSpan timeout)
    {
        if (_stopping is null) throw new InvalidOperationException("The async projections are not running; start them first.");
        return _daemon is { } daemon ? daemon.WaitForNonStaleData(timeout) : WaitForLeaderProgressAsync(timeout);
    }

    /// <summary>
    /// Deletes a projection's documents and progress, replays the whole ledger through it, then lets it
    /// follow new events again: an async one in this daemon, an inline one in the appends themselves.
    /// Only the leader rebuilds, since another node's daemon would go on writing the same documents.
    /// </summary>
    public async Task RebuildAsync(string projectionName, TimeSpan timeout, CancellationToken ct = default)
    {
        await Daemon.RebuildProjectionAsync(projectionName, timeout, ct);
        if (Projections.Single(p => p.Name == projectionName).Lifecycle == ProjectionLifecycle.Async)
            await Daemon.StartAgentAsync(projectionName, ct);
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);

    private IReadOnlyList<IProjectionSource<IDocumentOperations, IQuerySession>> Projections => ((DocumentStore)store).Options.Projections.All;

    private async Task CampaignAsync(CancellationToken ct)
    {
        while (true)
        {
            try
            {
                await Task.Delay(RetryInterval, ct);
                if (IsLeader) await ConfirmLeadershipAsync(ct);
                else await TryToLeadAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception problem)
            {
                // Campaigning must outlive any one failure, or a cluster could be left without a leader.
                logger.LogWarning(problem, "Projection leadership failed (database unreachable or the daemon would not start); stepping down and trying again");
                await StepDownAsync();
            }
        }
    }

    private async Task TryToLeadAsync(CancellationToken ct)
    {
        await _leadership.WaitAsync(ct);
        try
        {
            if (_daemon is not null) return;
            var connection = store.Storage.Database.CreateConnection();
            try
            {
                await connection.OpenAsync(ct);
                if (!await AdvisoryLock.TryTakeAsync(connection, AdvisoryLock.ProjectionLeaderKey, ct))
                {
                    await connection.DisposeAsync();
                    return;
                }
                _lock = connection;
                var daemon = await store.BuildProjectionDaemonAsync(logger: logger);
                await daemon.StartAllAsync();
                Volatile.Write(ref _daemon, daemon);
                logger.LogInformation("This node now runs the async projections");
            }
            catch
            {
                await ReleaseLockAsync();
                await connection.DisposeAsync();
                throw;
            }
        }
        finally
        {
            _leadership.Release();
        }
    }

    /// <summary>The lock lives exactly as long as its session: a live session means we still hold it.</summary>
    private async Task ConfirmLeadershipAsync(CancellationToken ct)
    {
        await using var ping = new NpgsqlCommand("SELECT 1", _lock);
        await ping.ExecuteScalarAsync(ct);
    }

    private async Task StepDownAsync()
    {
        await _leadership.WaitAsync();
        try
        {
            if (Interlocked.Exchange(ref _daemon, null) is { } daemon)
            {
                await daemon.StopAllAsync();
                daemon.Dispose();
            }
            await ReleaseLockAsync();
        }
        finally
        {
            _leadership.Release();
        }
    }

    private async Task ReleaseLockAsync()
    {
        if (Interlocked.Exchange(ref _lock, null) is { } connection)
            await AdvisoryLock.ReleaseAsync(connection, AdvisoryLock.ProjectionLeaderKey);
    }

    private async Task WaitForLeaderProgressAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var asyncProjections = Projections.Where(p => p.Lifecycle == ProjectionLifecycle.Async).Select(p => p.Name).ToList();
        try
        {
            var target = await LastSequenceAsync(deadline.Token);
            while (true)
            {
                var progress = await store.Advanced.AllProjectionProgress(token: deadline.Token);
                if (asyncProjections.All(name => progress.Any(shard => shard.ShardName.StartsWith(name + ":") && shard.Sequence >= target)))
                    return;
                await Task.Delay(ProgressPollInterval, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"The projection leader did not catch up within {timeout}.");
        }
    }

    private async Task<long> LastSequenceAsync(CancellationToken ct)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        return await EventPositions.LastAsync(connection, store.Options.DatabaseSchemaName, ct);
    }
}
