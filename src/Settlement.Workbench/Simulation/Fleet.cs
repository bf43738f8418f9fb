using Settlement.Ocpp.Framing;

namespace Settlement.Workbench.Simulation;

/// <summary>
/// Many simulated chargers against one CSMS, sharing one set of <see cref="Counters"/> that can be read while
/// they run. Nothing holds a thread per charger: each is a handful of pending asynchronous operations.
/// </summary>
public sealed class Fleet : IAsyncDisposable
{
    private readonly List<SimulatedCharger> _chargers;

    public Fleet(Uri endpoint, IEnumerable<ChargerDefinition> chargers, SimulatorOptions? options = null)
    {
        Counters = new FleetCounters();
        _chargers = [.. chargers.Select(c => new SimulatedCharger(c, endpoint, options, Counters))];
    }

    public FleetCounters Counters { get; }
    public IReadOnlyList<SimulatedCharger> Chargers => _chargers;
    public IEnumerable<SimulatedCharger> Connected => _chargers.Where(c => c.IsConnected);

    /// <summary>
    /// Opens every connection, at most <paramref name="maxConcurrency"/> handshakes at a time (a CSMS checks a
    /// password hash per handshake). A charger that cannot connect is counted, with its reason, and left out.
    /// </summary>
    /// <param name="done">Called as each charger is through, connected or not (for progress).</param>
    /// <returns>How many are connected.</returns>
    public async Task<int> ConnectAsync(int maxConcurrency, CancellationToken ct, Action? done = null)
    {
        await ForEachAsync(_chargers, maxConcurrency, async (charger, token) =>
        {
            try { await charger.ConnectAsync(token); }
            catch (SimulatorException) { /* counted, with its reason */ }
            done?.Invoke();
        }, ct);
        return _chargers.Count(c => c.IsConnected);
    }

    /// <summary>BootNotification and StatusNotification from every connected charger.</summary>
    /// <returns>How many were accepted.</returns>
    public async Task<int> BootAsync(int maxConcurrency, CancellationToken ct, Action? done = null)
    {
        var booted = 0;
        await ForEachAsync(Connected.ToList(), maxConcurrency, async (charger, token) =>
        {
            try
            {
                await charger.BootAsync(token);
                Interlocked.Increment(ref booted);
            }
            catch (Exception e) when (e is SimulatorException or OcppCallErrorException) { /* counted, with its reason */ }
            done?.Invoke();
        }, ct);
        return booted;
    }

    /// <summary>
    /// Every EVSE of every connected charger runs sessions back to back, as <paramref name="profile"/> describes,
    /// for <paramref name="duration"/>. Then the sessions still running are stopped (reason Local) and
    /// answered, so the CSMS holds every session complete.
    /// </summary>
    /// <param name="kept">EVSEs left idle, e.g. for a session the CSMS will start remotely.</param>
    public async Task RunSessionsAsync(SessionProfile profile, TimeSpan duration, CancellationToken ct,
        IReadOnlyCollection<(string ChargerId, int EvseId)>? kept = null)
    {
        var chargers = Connected.ToList();
        var evses = chargers
            .SelectMany(c => Enumerable.Range(1, c.EvseCount).Where(e => kept?.Contains((c.Id, e)) != true).Select(e => c.RunEvseAsync(e, profile, ct)))
            .ToList();
        try
        {
            await Task.Delay(duration, ct);
        }
        finally
        {
            foreach (var charger in chargers) charger.EndSessions();
        }
        await Task.WhenAll(evses);
        await Task.WhenAll(chargers.Select(c => c.WhenFollowUpsDoneAsync()));
    }

    /// <summary>One session on EVSE 1 of every connected charger, started without Authorize (the bench's set-up).</summary>
    public async Task<IReadOnlyList<(SimulatedCharger Charger, SimulatedSession Session)>> StartSessionsAsync(
        int maxConcurrency, CancellationToken ct, Action? done = null)
    {
        var started = new List<(SimulatedCharger, SimulatedSession)>();
        await ForEachAsync(Connected.ToList(), maxConcurrency, async (charger, token) =>
        {
            try
            {
                var session = await charger.StartSessionAsync(1, $"BENCH-{Random.Shared.Next(1_000_000):D6}", token, authorize: false);
                lock (started) started.Add((charger, session));
            }
            catch (Exception e) when (e is SimulatorException or OcppCallErrorException) { /* counted, with its reason */ }
            done?.Invoke();
        }, ct);
        return started;
    }

    /// <summary>
    /// A closed loop: each session sends its next meter values as soon as the previous ones are answered, so
    /// every charger has exactly one CALL outstanding, for <paramref name="duration"/>. CALLs in flight when it
    /// ends are still awaited (and timed).
    /// </summary>
    public async Task RunMeterValuesLoopAsync(
        IReadOnlyList<(SimulatedCharger Charger, SimulatedSession Session)> sessions, TimeSpan duration, CancellationToken ct)
    {
        using var window = CancellationTokenSource.CreateLinkedTokenSource(ct);
        window.CancelAfter(duration);
        var end = window.Token;
        await Task.WhenAll(sessions.Select(s => Task.Run(async () =>
        {
            while (!end.IsCancellationRequested && s.Charger.IsConnected)
            {
                try
                {
                    await s.Charger.SendMeterValuesAsync(s.Session, ct);
                }
                catch (Exception e) when (e is SimulatorException or OcppCallErrorException)
                {
                    // Counted; the loop goes on while the connection does, as a charger keeps its queue.
                }
            }
        }, CancellationToken.None)));
    }

    /// <summary>An EVSE with no session, on a connected charger, preferring <paramref name="protocol"/>.</summary>
    public (SimulatedCharger Charger, int EvseId)? FindIdleEvse(OcppProtocol? protocol = null) =>
        Connected.OrderBy(c => c.Protocol == protocol ? 0 : 1)
            .SelectMany(c => Enumerable.Range(1, c.EvseCount).Where(c.IsFree).Select(e => ((SimulatedCharger, int)?)(c, e)))
            .FirstOrDefault();

    /// <summary>Closes every connection normally (the CSMS records the chargers offline).</summary>
    public Task CloseAsync(int maxConcurrency = 256) =>
        ForEachAsync(_chargers, maxConcurrency, async (charger, _) => await charger.CloseAsync(), CancellationToken.None);

    /// <summary>Drops every connection at once, for when the CSMS is gone or about to be.</summary>
    public Task AbortAsync() => Task.WhenAll(_chargers.Select(c => c.AbortAsync()));

    public async ValueTask DisposeAsync()
    {
        await CloseAsync();
        foreach (var charger in _chargers) await charger.DisposeAsync();
    }

    private static Task ForEachAsync(IReadOnlyList<SimulatedCharger> chargers, int maxConcurrency,
        Func<SimulatedCharger, CancellationToken, ValueTask> body, CancellationToken ct) =>
        Parallel.ForEachAsync(chargers, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxConcurrency), CancellationToken = ct }, body);
}
