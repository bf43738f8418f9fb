using System.Collections.Concurrent;
using Marten;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Deciding;
using Settlement.Domain.Events;
using Settlement.Ledger;
using Settlement.Ocpp.Commands;
using Settlement.Projections.Chargers;

namespace Settlement.Ocpp.Connections;

/// <summary>
/// Records chargers going offline and coming back whatever happens to the hosts or the database, through the
/// pure <see cref="ChargerPresence"/> decisions appended at the version read (so two hosts never record one
/// outage twice):
/// <list type="bullet">
/// <item>an outage that cannot be written now (the database is down) is kept, the latest per charger, and
/// written as soon as it can be; the charger's next connection here writes it first, so its return follows it;</item>
/// <item>presence rows left by a host that died (its listening session is gone) are closed with an outage from
/// the last time the ledger heard from the charger, at start and then every <see cref="SweepInterval"/>;</item>
/// <item>a charger connected here that the ledger has offline (another host closed it while this one could not
/// announce it) is recorded as back.</item>
/// </list>
/// </summary>
public sealed class PresenceRecorder(Ledger.Ledger ledger, ConnectionRegistry connections, CommandRelay relay, IClock clock, ILogger<PresenceRecorder> logger)
    : BackgroundService
{
    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(30);
    // One outage per charger. Beyond this many, an outage is left to the sweep: while the database is down this
    // host's presence rows outlive its listening session, so another host (or this one's restart) closes them.
    private const int MaxPending = 100_000;
    private const int Attempts = 3;

    private readonly ConcurrentDictionary<string, ChargerWentOffline> _pending = new();
    // Chargers whose connection here has had its arrival recorded; one still connecting records it itself.
    private readonly ConcurrentDictionary<string, byte> _recordedHere = new();
    // Striped: one charger's presence writes on this host go one at a time, different chargers' in parallel.
    private readonly SemaphoreSlim[] _chargerLocks = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];
    private readonly SemaphoreSlim _retryNow = new(0);

    /// <summary>The charger's connection here ended: its outage from <paramref name="lastSeenAt"/> is recorded, now or once it can be.</summary>
    public async Task RecordDisconnectedAsync(string chargerId, Instant lastSeenAt)
    {
        var offline = new ChargerWentOffline(chargerId, lastSeenAt, clock.GetCurrentInstant());
        using var turn = await LockAsync(chargerId, CancellationToken.None);
        _recordedHere.TryRemove(chargerId, out _);
        try
        {
            // Replaced by a connection to another host (this one's presence row is withdrawn by now): no outage.
            if (await relay.HeldByLiveNodeAsync(chargerId, CancellationToken.None)) return;
            await DecideAndAppendAsync(chargerId, (state, _, _) => ChargerPresence.GoOffline(state, offline), CancellationToken.None);
        }
        catch (Exception failed)
        {
            Keep(offline, failed);
        }
    }

    /// <summary>
    /// The charger connected here and is announced to the cluster. <paramref name="heldBefore"/>: a live
    /// connection (here or on another host) held it until now, so no outage went unrecorded.
    /// </summary>
    public async Task RecordConnectedAsync(string chargerId, bool heldBefore, CancellationToken ct)
    {
        using var turn = await LockAsync(chargerId, ct);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await RecordArrivalAsync(chargerId, heldBefore, ct);
                return;
            }
            catch (Exception failed) when (failed is not OperationCanceledException && attempt < Attempts)
            {
                // Right after the database returns, the first tries meet pooled connections its outage broke.
                logger.LogDebug(failed, "Recording {Charger}'s arrival failed; trying again", chargerId);
                await Task.Delay(FirstRetry, ct);
            }
        }
    }

    private async Task RecordArrivalAsync(string chargerId, bool heldBefore, CancellationToken ct)
    {
        if (_pending.TryRemove(chargerId, out var missed))
        {
            try
            {
                await DecideAndAppendAsync(chargerId, (state, _, _) => ChargerPresence.GoOffline(state, missed), ct);
            }
            catch
            {
                _pending.TryAdd(chargerId, missed);
                throw;
            }
        }
        var now = clock.GetCurrentInstant();
        // Only the first reading may call the ledger's "online" an unrecorded outage: if another writer moved the
        // stream meanwhile, it was recording this charger's presence, and what is left is at most its return.
        await DecideAndAppendAsync(chargerId, (state, lastHeardAt, first) => first
            ? ChargerPresence.Connect(state, new ChargerConnects(chargerId, heldBefore, lastHeardAt, now))
            : ChargerPresence.ComeBack(state, new ChargerCameBackOnline(chargerId, now)), ct);
        _recordedHere[chargerId] = 0;
    }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        var retryAfter = FirstRetry;
        System.Diagnostics.Stopwatch? sinceSweep = null;
        while (true)
        {
            bool unwritten;
            try
            {
                if (sinceSweep is null || sinceSweep.Elapsed >= SweepInterval)
                {
                    await CloseDeadHostsChargersAsync(ct);
                    await RecordReturnsMissedAsync(ct);
                    sinceSweep = System.Diagnostics.Stopwatch.StartNew();
                }
                unwritten = !await WritePendingAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception failed)
            {
                logger.LogWarning(failed, "Recording charger presence failed (is the database reachable?); trying again in {Delay}", retryAfter);
                unwritten = true;
            }
            retryAfter = unwritten ? Longer(retryAfter) : FirstRetry;
            var pause = unwritten || sinceSweep is null ? retryAfter : SweepInterval - sinceSweep.Elapsed;
            try
            {
                await _retryNow.WaitAsync(pause > TimeSpan.Zero ? pause : TimeSpan.Zero, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static TimeSpan Longer(TimeSpan delay) => TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, LongestRetry.Ticks));

    private void Keep(ChargerWentOffline offline, Exception failed)
    {
        if (_pending.Count >= MaxPending && !_pending.ContainsKey(offline.ChargerId))
        {
            logger.LogError(failed, "Could not record that {Charger} went offline, and {Count} outages already wait: left to the sweep",
                offline.ChargerId, _pending.Count);
            return;
        }
        // An outage still unwritten began first: the charger's connections since then were never recorded either.
        _pending.AddOrUpdate(offline.ChargerId, offline, (_, kept) => kept.LastSeenAt <= offline.LastSeenAt ? kept : offline);
        logger.LogWarning(failed, "Could not record that {Charger} went offline; kept to write once the database takes it", offline.ChargerId);
        _retryNow.Release();
    }

    /// <returns>Whether every kept outage is written now.</returns>
    private async Task<bool> WritePendingAsync(CancellationToken ct)
    {
        foreach (var chargerId in _pending.Keys)
        {
            using var turn = await LockAsync(chargerId, ct);
            // Connecting here again: the connection writes the outage before its return.
            if (!_pending.TryGetValue(chargerId, out var offline) || connections.Find(chargerId) is not null) continue;
            if (await relay.HeldByLiveNodeAsync(chargerId, ct))
            {
                // It came back to another host, which recorded the outage from when the ledger last heard from it.
                _pending.TryRemove(new KeyValuePair<string, ChargerWentOffline>(chargerId, offline));
                continue;
            }
            await DecideAndAppendAsync(chargerId, (state, _, _) => ChargerPresence.GoOffline(state, offline), ct);
            _pending.TryRemove(new KeyValuePair<string, ChargerWentOffline>(chargerId, offline));
            logger.LogInformation("Recorded that {Charger} went offline at {LastSeenAt}, after the database came back", chargerId, offline.LastSeenAt);
            await RecordReturnIfConnectedAsync(chargerId, ct);
        }
        return _pending.IsEmpty;
    }

    /// <summary>The chargers that presence rows say a host held, when that host's listening session is gone.</summary>
    private async Task CloseDeadHostsChargersAsync(CancellationToken ct)
    {
        foreach (var orphan in await relay.OrphanedPresencesAsync(ct))
        {
            var chargerId = orphan.ChargerId;
            // Held here: this host's own listener is reconnecting and announces it again.
            if (connections.Find(chargerId) is not null) continue;
            using var turn = await LockAsync(chargerId, ct);
            var now = clock.GetCurrentInstant();
            await DecideAndAppendAsync(chargerId, (state, lastHeardAt, _) =>
                ChargerPresence.GoOffline(state, new ChargerWentOffline(chargerId, lastHeardAt, now)), ct);
            await relay.ForgetAsync(orphan, ct);
            logger.LogInformation("Closed the presence of {Charger}, held by a host that is gone", chargerId);
            await RecordReturnIfConnectedAsync(chargerId, ct);
        }
    }

    /// <summary>A charger connected here is online, whatever another host recorded while this one could not announce it.</summary>
    private async Task RecordReturnsMissedAsync(CancellationToken ct)
    {
        var here = _recordedHere.Keys.Select(StreamIds.Charger).ToList();
        if (here.Count == 0) return;
        IReadOnlyList<ChargerEntry> entries;
        await using (var query = ledger.QueryReadModels())
            entries = await query.LoadManyAsync<ChargerEntry>(ct, here);
        foreach (var entry in entries.Where(e => !e.Online))
        {
            using var turn = await LockAsync(entry.ChargerId, ct);
            await RecordReturnIfConnectedAsync(entry.ChargerId, ct);
        }
    }

    /// <summary>
    /// After an outage is written: if the charger is connected again by now (here or to a live host), its return
    /// is recorded too, or the ledger would have it offline while it charges.
    /// </summary>
    private async Task RecordReturnIfConnectedAsync(string chargerId, CancellationToken ct)
    {
        if (!_recordedHere.ContainsKey(chargerId) && !await relay.HeldByLiveNodeAsync(chargerId, ct)) return;
        var now = clock.GetCurrentInstant();
        await DecideAndAppendAsync(chargerId, (state, _, _) => ChargerPresence.ComeBack(state, new ChargerCameBackOnline(chargerId, now)), ct);
    }

    /// <summary>
    /// Reads the charger's presence, its stream version and when the ledger last heard from it (its last event's
    /// time of occurrence), decides, and appends at that version; a stream moved meanwhile is read again.
    /// Chargers the ledger never recorded anything of are left alone.
    /// </summary>
    private async Task DecideAndAppendAsync(string chargerId, Func<ChargerPresence, Instant, bool, Decision> decide,
        CancellationToken ct)
    {
        var streamId = StreamIds.Charger(chargerId);
        for (var attempt = 1; ; attempt++)
        {
            // The version is read before the entry: an entry newer than it only makes the append's version check fail.
            if (await ledger.ChargerLastHeardAsync(chargerId, ct) is not var (version, lastHeardAt, offline)) return;
            ChargerEntry? entry;
            await using (var query = ledger.QueryReadModels())
                entry = await query.LoadAsync<ChargerEntry>(streamId, ct);
            var decided = decide(new ChargerPresence(offline, entry?.LastBootAt is not null), lastHeardAt, attempt == 1).Events;
            if (decided.Count == 0) return;
            var metadata = new EventMetadata($"presence:{chargerId}:{Guid.NewGuid():N}", null, Actor.Job("ocpp-presence"), clock.GetCurrentInstant());
            try
            {
                await ledger.AppendAsync(new StreamAppend(streamId, [.. decided.Select(e => new PendingEvent(e, metadata))], version), ct);
                return;
            }
            catch (StreamConcurrencyException) when (attempt < Attempts)
            {
                // The charger, or another host, wrote to the stream since it was read: decide again on what is there now.
            }
        }
    }

    private async Task<IDisposable> LockAsync(string chargerId, CancellationToken ct)
    {
        var stripe = _chargerLocks[(int)((uint)StringComparer.Ordinal.GetHashCode(chargerId) % (uint)_chargerLocks.Length)];
        await stripe.WaitAsync(ct);
        return new Releaser(stripe);
    }

    private sealed class Releaser(SemaphoreSlim stripe) : IDisposable
    {
        public void Dispose() => stripe.Release();
    }
}
