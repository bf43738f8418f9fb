using System.Threading.Channels;
using Marten;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Projections.Chargers;

namespace Settlement.Host.Dashboard;

/// <summary>
/// One follower per host: it tails the ledger for what changes a charger's presence, faults or connector statuses and
/// hands each changed charger's live status to the open streams that see its site. Every stream has its own bounded
/// queue that drops its oldest change when full, so a slow browser loses updates (the next one for that charger
/// carries its whole status again) and never holds the follower or the other streams.
/// </summary>
public sealed class LiveChargerFeed(Ledger.Ledger ledger, ILogger<LiveChargerFeed> logger) : BackgroundService
{
    public const int StreamsPerKey = 4;
    public const int StreamsPerHost = 200;
    private const int QueuedPerStream = 256;
    private const int BatchSize = 1_000;
    private const int BatchesPerPass = 20;
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(250);
    // As the self-healer: a transaction this old that has not committed is not coming.
    private static readonly Duration Settled = Duration.FromMilliseconds(250);

    public static readonly IReadOnlyList<Type> Followed =
    [
        typeof(ChargerBooted), typeof(ChargerWentOffline), typeof(ChargerCameBackOnline),
        typeof(FaultReported), typeof(FaultCleared), typeof(ConnectorStatusChanged),
    ];

    private readonly Lock _lock = new();
    private readonly List<Subscription> _open = [];
    private bool _stopped;

    /// <summary>An open stream: what it is sent, and the sites it sees (null: all).</summary>
    public sealed class Subscription(LiveChargerFeed feed, string keyId, IReadOnlySet<string>? sites) : IDisposable
    {
        private readonly Channel<LiveCharger> _changes = Channel.CreateBounded<LiveCharger>(
            new BoundedChannelOptions(QueuedPerStream) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true });

        public string KeyId { get; } = keyId;
        public ChannelReader<LiveCharger> Changes => _changes.Reader;

        internal bool Sees(LiveCharger charger) => sites is null || charger.SiteId is { } site && sites.Contains(site);

        internal void Offer(LiveCharger charger) => _changes.Writer.TryWrite(charger);

        internal void End() => _changes.Writer.TryComplete();

        public void Dispose() => feed.Close(this);
    }

    /// <summary>
    /// A new stream for the key, or why not: at most <see cref="StreamsPerKey"/> per key and <see cref="StreamsPerHost"/>
    /// in all. Subscribe before reading the snapshot, so that no change committed after the snapshot's read is missed.
    /// </summary>
    public (Subscription? Subscription, string? Refusal) Subscribe(string keyId, IReadOnlySet<string>? sites)
    {
        lock (_lock)
        {
            if (_stopped) return (null, "The host is stopping; open the live stream again on another host or once it is back.");
            if (_open.Count(s => s.KeyId == keyId) >= StreamsPerKey)
                return (null, $"At most {StreamsPerKey} live streams per API key may be open at once, and this key has {StreamsPerKey}: close one (another tab) first.");
            if (_open.Count >= StreamsPerHost)
                return (null, $"At most {StreamsPerHost} live streams may be open on this host at once; try again shortly.");
            var subscription = new Subscription(this, keyId, sites);
            _open.Add(subscription);
            return (subscription, null);
        }
    }

    private void Close(Subscription subscription)
    {
        lock (_lock) _open.Remove(subscription);
        subscription.End();
    }

    private Subscription[] Open()
    {
        lock (_lock) return [.. _open];
    }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        try
        {
            // Changes from now on: the streams read what came before from the read models.
            var position = await LedgerEndAsync(ct);
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    position = await PassAsync(position, ct);
                }
                catch (Exception problem) when (!ct.IsCancellationRequested)
                {
                    // Losing the database must not end the feed: the streams stay open and the pass is tried again.
                    logger.LogWarning(problem, "The live charger feed could not read the ledger; trying again");
                }
                await Task.Delay(Pause, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            // The streams end with the host, so that it stops without waiting on open browsers.
            lock (_lock) _stopped = true;
            foreach (var subscription in Open()) subscription.End();
        }
    }

    private async Task<long> LedgerEndAsync(CancellationToken ct)
    {
        while (true)
        {
            try
            {
                return await ledger.LastPositionAsync(ct);
            }
            catch (Exception problem) when (!ct.IsCancellationRequested)
            {
                logger.LogWarning(problem, "The live charger feed could not find the ledger's end; trying again");
                await Task.Delay(Pause, ct);
            }
        }
    }

    private async Task<long> PassAsync(long position, CancellationToken ct)
    {
        var changedAt = new Dictionary<string, Instant>(StringComparer.Ordinal);
        for (var batch = 0; batch < BatchesPerPass; batch++)
        {
            var events = await ledger.ReadEventsAfterAsync(position, [.. Followed], BatchSize, Settled, ct);
            foreach (var recorded in events)
                if (ChargerOf(recorded.Data) is { } chargerId) changedAt[chargerId] = recorded.RecordedAt;
            if (events.Count > 0) position = events[^1].Sequence;
            if (events.Count < BatchSize) break;
        }
        var open = Open();
        // With no stream open, following keeps the position current and reads no read model.
        if (changedAt.Count == 0 || open.Length == 0) return position;
        foreach (var charger in await ChangedAsync(changedAt, ct))
            foreach (var subscription in open.Where(s => s.Sees(charger)))
                subscription.Offer(charger);
        return position;
    }

    private async Task<IReadOnlyList<LiveCharger>> ChangedAsync(Dictionary<string, Instant> changedAt, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        var entries = await query.LoadManyAsync<ChargerEntry>(ct, changedAt.Keys.Select(StreamIds.Charger).ToArray());
        return await LiveCharger.OfAsync(ledger, [.. entries], chargerId => changedAt[chargerId], ct);
    }

    private static string? ChargerOf(object data) => data switch
    {
        ChargerBooted e => e.ChargerId,
        ChargerWentOffline e => e.ChargerId,
        ChargerCameBackOnline e => e.ChargerId,
        FaultReported e => e.ChargerId,
        FaultCleared e => e.ChargerId,
        ConnectorStatusChanged e => e.ChargerId,
        _ => null,
    };
}
