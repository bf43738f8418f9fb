using System.Collections.Concurrent;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events;
using Marten.Events.Projections;
using NodaTime;
using Settlement.Domain.Events;
using Settlement.Domain.Sessions;
using Settlement.Domain.Tariffs;
using Settlement.Projections.Chargers;

namespace Settlement.Projections.Tariffs;

/// <summary>
/// <see cref="PricedSessionStatus.ClosedForSilence"/>: priced up to its last reading, but not final (and not
/// billed) until the charger's own stop, which reopens it, or the operator decides.
/// </summary>
public enum PricedSessionStatus { Running, Stopped, Unpriced, ClosedForSilence }

/// <summary>
/// What a price was derived from, for audit: the session's events up to <paramref name="SessionVersion"/>
/// (ledger sequence <paramref name="SessionSequence"/>) and these tariff versions.
/// </summary>
public sealed record PricingSources(long SessionVersion, long SessionSequence, IReadOnlyList<TariffVersionRef> Tariffs);

/// <summary>
/// A session's price as it stands: up to the last reading while it runs, final once it stopped.
/// <paramref name="Price"/> is null and <paramref name="Problem"/> says why when it cannot be priced.
/// </summary>
public sealed record PricedSessionView(
    string Id,
    string ChargerId,
    int EvseId,
    string? SiteId,
    string? DriverRef,
    PricedSessionStatus Status,
    Instant StartedAt,
    Instant? StoppedAt,
    SessionPrice? Price,
    string? Problem,
    PricingSources Sources);

/// <summary>
/// Keeps a <see cref="PricedSessionView"/> per session. Async, so pricing never slows down the OCPP
/// appends it follows.
/// </summary>
/// <remarks>
/// <para>A session is never folded from its stored view: during a rebuild the daemon keeps several pages in
/// one uncommitted batch, where a view stored for an earlier page cannot be read back yet. It is folded
/// from its own events, and a running session's fold is kept in memory between batches, so that a meter
/// value costs one more reading rather than reading the whole session again. The kept fold is only
/// continued when the batch's first event of the session directly follows, by stream version, the last
/// event it folded (stream versions never change meaning); after any gap, rewind, retry or another
/// node's turn, the session is folded from the ledger again.</para>
/// <para>Tariffs are taken as the ledger knew them at the session's last event, from the tariff events
/// themselves, in ledger order. A tariff changed later, even retroactively, leaves
/// a priced session as it is, and a rebuild from zero yields exactly the same views.</para>
/// </remarks>
public sealed class PricedSessions : ProjectionBase, IProjection
{
    public const string ProjectionName = "PricedSessions";

    private static readonly Type[] SessionEvents =
        [typeof(SessionStartedV2), typeof(MeterValuesRecorded), typeof(SessionStopped), typeof(SessionClosedForSilence), typeof(SessionReopened),
         typeof(SessionCustomerGroupAssigned)];
    private static readonly Type[] TariffEvents = [typeof(TariffPublished), typeof(TariffSuperseded), typeof(TariffAssigned)];

    public PricedSessions()
    {
        Name = ProjectionName;
        foreach (var type in SessionEvents) IncludeType(type);
        RegisterPublishedType(typeof(PricedSessionView));
        Options.DeleteViewTypeOnTeardown<PricedSessionView>();
    }

    // Running sessions' folds, kept between batches; a session is taken out while a batch works on it, so a
    // rebuild running beside the live daemon never shares one.
    private readonly ConcurrentDictionary<string, SessionRecord> _running = new();
    private const int MaxRunningKept = 100_000;

    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken ct)
    {
        if (events.Count == 0) return;
        var ceiling = events.Max(e => e.Sequence);
        var continued = new List<SessionRecord>();
        var refold = new List<string>();
        foreach (var touched in events.GroupBy(e => e.StreamKey!))
        {
            if (_running.TryRemove(touched.Key, out var kept) && kept.Continue(touched.OrderBy(e => e.Sequence).ToList()))
                continued.Add(kept);
            else
                refold.Add(touched.Key);
        }
        List<SessionRecord> sessions = refold.Count == 0 ? continued : [.. continued, .. await SessionsAsync(operations, [.. refold], ceiling, ct)];
        if (sessions.Count == 0) return;

        var chargers = (await operations.LoadManyAsync<ChargerEntry>(ct,
                sessions.Select(s => StreamIds.Charger(s.Started.ChargerId)).Distinct()))
            .ToDictionary(c => c.ChargerId);
        var sites = (await operations.LoadManyAsync<SiteEntry>(ct,
                chargers.Values.Select(c => c.SiteId).OfType<string>().Distinct().Select(StreamIds.Site)))
            .ToDictionary(s => s.SiteId);
        var tariffs = new TariffsAsRecorded(await TariffEventsAsync(operations, ceiling, ct));

        foreach (var session in sessions)
            operations.Store(Price(session, chargers, sites, tariffs));

        if (_running.Count > MaxRunningKept) _running.Clear();
        // A stopped session rarely hears more; if it does, it is folded from the ledger again.
        foreach (var session in sessions.Where(s => s is { Stopped: null, ClosedForSilence: null }))
            _running[session.StreamKey] = session;
    }

    /// <summary>The pricing-relevant events of the touched sessions up to the batch's last event, each session's in order.</summary>
    private static async Task<IReadOnlyList<SessionRecord>> SessionsAsync(
        IDocumentOperations operations, string[] streamKeys, long ceiling, CancellationToken ct)
    {
        var events = await operations.Events.QueryAllRawEvents()
            .Where(e => e.StreamKey!.IsOneOf(streamKeys) && e.Sequence <= ceiling && e.EventTypesAre(SessionEvents))
            .OrderBy(e => e.Sequence)
            .ToListAsync(ct);
        return events
            .GroupBy(e => e.StreamKey!)
            .Select(SessionRecord.Fold)
            .OfType<SessionRecord>()
            .ToList();
    }

    /// <summary>
    /// Every tariff event up to the batch's last event. The tariff streams are found through the tariff
    /// documents, so the events are read by stream key rather than by scanning the ledger for their types.
    /// </summary>
    private static async Task<IReadOnlyList<IEvent>> TariffEventsAsync(IDocumentOperations operations, long ceiling, CancellationToken ct)
    {
        var tariffIds = await operations.Query<TariffHistory>().Select(t => t.Id).ToListAsync(ct);
        if (tariffIds.Count == 0) return [];
        var streamKeys = tariffIds.Select(StreamIds.Tariff).ToArray();
        return await operations.Events.QueryAllRawEvents()
            .Where(e => e.StreamKey!.IsOneOf(streamKeys) && e.Sequence <= ceiling && e.EventTypesAre(TariffEvents))
            .OrderBy(e => e.Sequence)
            .ToListAsync(ct);
    }

    private static PricedSessionView Price(
        SessionRecord session, Dictionary<string, ChargerEntry> chargers, Dictionary<string, SiteEntry> sites, TariffsAsRecorded tariffs)
    {
        var started = session.Started;
        var view = new PricedSessionView(
            started.SessionId, started.ChargerId, started.EvseId, SiteId: null, started.IdToken?.DriverRef,
            session.Stopped is not null ? PricedSessionStatus.Stopped
                : session.ClosedForSilence is not null ? PricedSessionStatus.ClosedForSilence
                : PricedSessionStatus.Running,
            started.StartedAt, session.StoppedAt, Price: null, Problem: null,
            new PricingSources(session.Version, session.Sequence, []));

        if (!chargers.TryGetValue(started.ChargerId, out var charger) || charger.SiteId is null)
            return Unpriced(view, $"Charger {started.ChargerId} is not registered to a site, so neither its tariffs nor its time zone are known.");
        view = view with { SiteId = charger.SiteId };
        if (!sites.TryGetValue(charger.SiteId, out var site))
            return Unpriced(view, $"Site {charger.SiteId} of charger {started.ChargerId} is not registered, so its time zone is unknown.");
        if (DateTimeZoneProviders.Tzdb.GetZoneOrNull(site.TimeZone) is not { } zone)
            return Unpriced(view, $"Site {site.SiteId} has the time zone '{site.TimeZone}', which the IANA database does not know.");

        var usage = session.Usage();
        var until = usage.StoppedAt ?? (usage.Readings.Count > 0 ? usage.Readings[^1].TakenAt : usage.StartedAt);
        // Nothing metered yet: there is nothing to price, and nothing wrong either.
        if (until <= usage.StartedAt) return view;

        var evse = new EvseLocation(site.SiteId, started.ChargerId, started.EvseId);
        try
        {
            var spans = tariffs.AsOf(session.Sequence).InForce(evse, session.CustomerGroup, usage.StartedAt, until);
            var price = SessionPricer.Price(usage, spans, zone);
            return view with { Price = price, Sources = view.Sources with { Tariffs = price.Tariffs } };
        }
        catch (UnpriceableSessionException e)
        {
            return Unpriced(view, $"EVSE {evse.EvseKey} at site {site.SiteId}: {e.Message}");
        }
    }

    private static PricedSessionView Unpriced(PricedSessionView view, string problem) =>
        view with { Status = PricedSessionStatus.Unpriced, Problem = problem };

    /// <summary>One session folded from its events, in ledger order.</summary>
    private sealed class SessionRecord(SessionStartedV2 started, string streamKey)
    {
        // One per time taken, in time order, as the session itself keeps them: late readings fold in time order.
        // Values in a list rather than readings in a sorted dictionary: thousands of running sessions each hold
        // every reading until they stop; readings nearly always come in order, so each is appended.
        private readonly List<RegisterReading> _readings = [];
        private static readonly Comparer<RegisterReading> ByTimeTaken = Comparer<RegisterReading>.Create((a, b) => a.TakenAt.CompareTo(b.TakenAt));

        public SessionStartedV2 Started { get; } = started;
        public string StreamKey { get; } = streamKey;
        public SessionStopped? Stopped { get; private set; }
        /// <summary>Stands until the session is reopened: then the charger's own stop decides.</summary>
        public SessionClosedForSilence? ClosedForSilence { get; private set; }
        /// <summary>The customer group whose tariff prices the session, as its token was registered when it was authorised.</summary>
        public string? CustomerGroup { get; private set; }
        public long Version { get; private set; }
        public long Sequence { get; private set; }

        /// <summary>The stream version of the last event folded, whether or not it changed anything.</summary>
        private long _lastFolded;

        /// <summary>Null for a stream with no SessionStarted yet: without it the EVSE is unknown.</summary>
        public static SessionRecord? Fold(IEnumerable<IEvent> events)
        {
            SessionRecord? session = null;
            foreach (var e in events)
            {
                if (e.Data is SessionStartedV2 started && session is null)
                    session = new SessionRecord(started, e.StreamKey!);
                session?.Apply(e);
            }
            return session;
        }

        /// <summary>
        /// Folds the session's next events (in ledger order) when the first directly follows the last one
        /// folded; false, and unchanged, when it does not, for the session to be folded from the ledger.
        /// </summary>
        public bool Continue(IReadOnlyList<IEvent> next)
        {
            if (next[0].Version != _lastFolded + 1) return false;
            foreach (var e in next) Apply(e);
            return true;
        }

        private void Apply(IEvent e)
        {
            _lastFolded = e.Version;
            switch (e.Data)
            {
                case SessionStartedV2 when Version == 0:
                    break;
                case MeterValuesRecorded recorded:
                    foreach (var reading in recorded.Readings) Keep(RegisterReading.Of(reading));
                    break;
                case SessionStopped stopped when Stopped is null:
                    Stopped = stopped;
                    break;
                case SessionClosedForSilence closed when Stopped is null:
                    ClosedForSilence = closed;
                    break;
                case SessionReopened when ClosedForSilence is not null:
                    ClosedForSilence = null;
                    break;
                case SessionCustomerGroupAssigned assigned:
                    CustomerGroup = assigned.CustomerGroup;
                    break;
                default:
                    return;
            }
            (Version, Sequence) = (e.Version, e.Sequence);
        }

        /// <summary>A reading taken at a time already held replaces it, as the session's own fold does.</summary>
        private void Keep(RegisterReading reading)
        {
            if (_readings.Count == 0 || _readings[^1].TakenAt < reading.TakenAt)
            {
                _readings.Add(reading);
                return;
            }
            var at = _readings.BinarySearch(reading, ByTimeTaken);
            if (at >= 0) _readings[at] = reading;
            else _readings.Insert(~at, reading);
        }

        public Instant? StoppedAt => Stopped?.StoppedAt ?? ClosedForSilence?.StoppedAt;

        public SessionUsage Usage() =>
            new(Started.StartedAt, Started.MeterStartWh, [.. _readings], StoppedAt, Stopped?.MeterStopWh ?? ClosedForSilence?.MeterStopWh);
    }

    /// <summary>
    /// The tariff events in ledger order, and the catalogue as it stood after any prefix of them. Sessions
    /// in one batch mostly share a prefix, so each catalogue is built once.
    /// </summary>
    private sealed class TariffsAsRecorded(IReadOnlyList<IEvent> events)
    {
        private readonly Dictionary<int, TariffCatalogue> _catalogues = [];

        public TariffCatalogue AsOf(long sequence)
        {
            var count = 0;
            while (count < events.Count && events[count].Sequence <= sequence) count++;
            if (_catalogues.TryGetValue(count, out var catalogue)) return catalogue;

            var histories = new Dictionary<string, TariffHistory>();
            foreach (var e in events.Take(count))
            {
                var tariffId = TariffIdOf(e.Data);
                histories[tariffId] = histories.GetValueOrDefault(tariffId, TariffHistory.Empty(tariffId)).Apply(e.Data, e.Version);
            }
            return _catalogues[count] = TariffCatalogue.Of(histories.Values);
        }

        private static string TariffIdOf(object data) => data switch
        {
            TariffPublished e => e.TariffId,
            TariffSuperseded e => e.TariffId,
            TariffAssigned e => e.TariffId,
            _ => throw new ArgumentException($"{data.GetType().Name} is not a tariff event.", nameof(data)),
        };
    }
}
