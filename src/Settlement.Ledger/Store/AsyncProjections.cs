using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Settlement.Ledger.Store;

/// <summary>
/// Runs the store's async projections in this process with Marten's projection daemon, and lets tests
/// and commands wait for them or rebuild one. One node runs them ("Solo"); a cluster of hosts would
/// instead let Marten's ProjectionCoordinator elect the node that does (HotCold).
/// </summary>
public sealed class AsyncProjections(IDocumentStore store, ILogger logger) : IHostedService, IAsyncDisposable
{
    private IProjectionDaemon? _daemon;

    private IProjectionDaemon Daemon =>
        _daemon ?? throw new InvalidOperationException("The async projections are not running; start them first.");

    public async Task StartAsync(CancellationToken ct)
    {
        if (_daemon is not null) return;
        _daemon = await store.BuildProjectionDaemonAsync(logger: logger);
        await _daemon.StartAllAsync();
    }

    public async Task StopAsync(CancellationToken ct)
    {
        if (_daemon is not { } daemon) return;
        _daemon = null;
        await daemon.StopAllAsync();
        daemon.Dispose();
    }

    /// <summary>Until every async projection has processed every event appended before the call.</summary>
    /// <exception cref="TimeoutException">When they have not within <paramref name="timeout"/>.</exception>
    public Task WaitForNonStaleDataAsync(TimeSpan timeout) => Daemon.WaitForNonStaleData(timeout);

    /// <summary>
    /// Deletes a projection's documents and progress, replays the whole ledger through it, then lets it
    /// follow new events again: an async one in this daemon, an inline one in the appends themselves.
    /// </summary>
    public async Task RebuildAsync(string projectionName, TimeSpan timeout, CancellationToken ct = default)
    {
        await Daemon.RebuildProjectionAsync(projectionName, timeout, ct);
        var projection = ((DocumentStore)store).Options.Projections.All.Single(p => p.Name == projectionName);
        if (projection.Lifecycle == ProjectionLifecycle.Async)
            await Daemon.StartAgentAsync(projectionName, ct);
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);
}
