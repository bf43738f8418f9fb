using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Drivers;
using Settlement.Domain.Events;
using Settlement.Ledger;
using Settlement.Ocpp.Framing;

namespace Settlement.Ocpp.Connections;

/// <summary>What to do with one protocol violation of a registered charger.</summary>
public enum ViolationVerdict
{
    /// <summary>The first of its interval: record it on its own, with its frame.</summary>
    RecordOnItsOwn,

    /// <summary>Counted; the count is written when the interval ends, the charger disconnects or the host stops.</summary>
    Counted,

    /// <summary>Counted, and the charger broke the protocol more than <see cref="OcppOptions.MaxViolationsPerInterval"/> times: disconnect it.</summary>
    CountedPastTheLimit,
}

/// <summary>
/// Keeps a flood of bad frames from filling the ledger: per registered charger and interval
/// (<see cref="OcppOptions.ViolationIntervalSeconds"/>), the first violation is recorded on its own and the rest become
/// one <see cref="ProtocolViolationsCounted"/>. Intervals outlive connections, so a charger that reconnects to go on
/// flooding starts no new one. A count that cannot be written is kept and tried again, never dropped.
/// </summary>
public sealed class ProtocolViolations(Ledger.Ledger ledger, OcppOptions options, IClock clock, ILogger<ProtocolViolations> logger)
    : BackgroundService
{
    private readonly ConcurrentDictionary<string, Interval> _intervals = new();

    private Duration Length => Duration.FromSeconds(options.ViolationIntervalSeconds);

    /// <summary>The violations counted in one interval and not yet written.</summary>
    private sealed record Tally(int Count, Instant FirstAt, Instant LastAt, Dictionary<string, int> Kinds, OcppCallError Sample, string SampleFrame);

    private sealed class Interval(Instant start)
    {
        public Instant Start { get; set; } = start;
        public int Violations { get; set; } = 1;
        public Tally? Unwritten { get; set; }
    }

    public async Task<ViolationVerdict> CountAsync(string chargerId, OcppCallError error, string frame, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        Tally? ended = null;
        ViolationVerdict verdict;
        Interval interval;
        while (true)
        {
            interval = _intervals.GetOrAdd(chargerId, _ => new Interval(Instant.MinValue));
            Monitor.Enter(interval);
            // The flush may have forgotten this interval between our look-up and our lock: take the one now listed.
            if (_intervals.TryGetValue(chargerId, out var listed) && listed == interval) break;
            Monitor.Exit(interval);
        }
        try
        {
            if (now >= interval.Start + Length)
            {
                ended = interval.Unwritten;
                (interval.Start, interval.Violations, interval.Unwritten) = (now, 1, null);
                verdict = ViolationVerdict.RecordOnItsOwn;
            }
            else
            {
                interval.Violations++;
                interval.Unwritten = Add(interval.Unwritten, error, frame, now);
                verdict = interval.Violations > options.MaxViolationsPerInterval ? ViolationVerdict.CountedPastTheLimit : ViolationVerdict.Counted;
            }
        }
        finally
        {
            Monitor.Exit(interval);
        }
        if (ended is not null) await WriteAsync(chargerId, interval, ended, ct);
        return verdict;
    }

    /// <summary>Writes what the charger's interval counted so far: its connection ended.</summary>
    public Task FlushAsync(string chargerId, CancellationToken ct) =>
        _intervals.TryGetValue(chargerId, out var interval) ? FlushAsync(chargerId, interval, ended: false, ct) : Task.CompletedTask;

    /// <summary>Ended intervals are written within a tenth of their length, so a burst followed by silence is not held back.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, options.ViolationIntervalSeconds / 10.0)));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
                foreach (var (chargerId, interval) in _intervals)
                    await FlushAsync(chargerId, interval, ended: true, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: StopAsync writes what is left.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        foreach (var (chargerId, interval) in _intervals)
            await FlushAsync(chargerId, interval, ended: false, CancellationToken.None);
    }

    /// <param name="ended">Only when the interval is over; then an interval with nothing left to write is forgotten.</param>
    private async Task FlushAsync(string chargerId, Interval interval, bool ended, CancellationToken ct)
    {
        Tally? tally;
        lock (interval)
        {
            if (ended && clock.GetCurrentInstant() < interval.Start + Length) return;
            tally = interval.Unwritten;
            interval.Unwritten = null;
            if (ended && tally is null) _intervals.TryRemove(new KeyValuePair<string, Interval>(chargerId, interval));
        }
        if (tally is not null) await WriteAsync(chargerId, interval, tally, ct);
    }

    private async Task WriteAsync(string chargerId, Interval interval, Tally tally, CancellationToken ct)
    {
        var counted = new ProtocolViolationsCounted(chargerId, tally.Count, tally.FirstAt, tally.LastAt,
            [.. tally.Kinds.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => new ViolationKindCount(k.Key, k.Value))],
            tally.Sample.ErrorCode, Cut(tally.Sample.Description is { Length: > 0 } described ? described : tally.Sample.ErrorCode,
                ProtocolViolationsCounted.SampleDescriptionLimit), tally.SampleFrame);
        try
        {
            await ledger.AppendAsync(new StreamAppend(StreamIds.Charger(chargerId),
            [
                new PendingEvent(counted, new EventMetadata($"violations:{chargerId}:{tally.FirstAt.ToUnixTimeTicks()}", null,
                    Actor.Job("ocpp-violations"), clock.GetCurrentInstant())),
            ]), ct);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Could not record {Count} protocol violations of {Charger}; kept for the next attempt", tally.Count, chargerId);
            // Into whichever interval is listed now: this one may have been forgotten while the write was tried.
            var listed = _intervals.GetOrAdd(chargerId, interval);
            lock (listed)
                listed.Unwritten = listed.Unwritten is { } later ? Merge(tally, later) : tally;
            if (e is OperationCanceledException) throw;
        }
    }

    private static Tally Add(Tally? tally, OcppCallError error, string frame, Instant at) => tally is null
        ? new Tally(1, at, at, new Dictionary<string, int> { [error.ErrorCode] = 1 }, error, Sample(frame))
        : tally with { Count = tally.Count + 1, LastAt = at, Kinds = Counted(tally.Kinds, error.ErrorCode, 1) };

    private static Tally Merge(Tally earlier, Tally later) => earlier with
    {
        Count = earlier.Count + later.Count,
        LastAt = later.LastAt,
        Kinds = later.Kinds.Aggregate(earlier.Kinds, (kinds, kind) => Counted(kinds, kind.Key, kind.Value)),
    };

    private static Dictionary<string, int> Counted(Dictionary<string, int> kinds, string errorCode, int count)
    {
        kinds[errorCode] = kinds.GetValueOrDefault(errorCode) + count;
        return kinds;
    }

    /// <summary>
    /// Cut before redacting, so a token the cut falls into is redacted whole (<see cref="FrameRedaction"/>), then cut
    /// again since a marker may be longer than the token it replaced.
    /// </summary>
    private static string Sample(string frame) =>
        Cut(FrameRedaction.Redact(Cut(frame, ProtocolViolationsCounted.SampleFrameLimit)).Text, ProtocolViolationsCounted.SampleFrameLimit);

    private static string Cut(string text, int limit) => text.Length <= limit ? text : text[..limit];
}
