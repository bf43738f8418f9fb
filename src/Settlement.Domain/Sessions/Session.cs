using NodaTime;

namespace Settlement.Domain.Sessions;

/// <summary><see cref="SessionStatus.ClosedForSilence"/>: closed by the central system, reopened if the charger reports it again.</summary>
public enum SessionStatus { NotStarted, Charging, Stopped, ClosedForSilence }

/// <summary>
/// What decisions about one charging session need, folded from its events. The times readings were
/// taken recognise a resent reading; the register of the latest one (by time, not arrival) gives the
/// energy, so late or out-of-order meter values fold in time order.
/// </summary>
public sealed record Session(
    SessionStatus Status,
    string? ChargerId,
    string? TransactionId,
    long MeterStartWh,
    Instant? StartedAt,
    ReadingTimes ReadingTimes,
    long? LatestReadingWh,
    long? MeterStopWh)
{
    public static Session Initial { get; } =
        new(SessionStatus.NotStarted, null, null, 0, null, ReadingTimes.Empty, null, null);

    public static Session Fold(IEnumerable<object> events) => events.Aggregate(Initial, (state, e) => state.Apply(e));

    public Session Apply(object @event) => @event switch
    {
        SessionStartedV2 e => this with
        {
            Status = Status == SessionStatus.Stopped ? Status : SessionStatus.Charging,
            ChargerId = e.ChargerId, TransactionId = e.TransactionId, MeterStartWh = e.MeterStartWh, StartedAt = e.StartedAt,
        },
        MeterValuesRecorded e => e.Readings.Aggregate(this, (state, reading) => state.Take(reading)),
        SessionStopped e => this with { Status = SessionStatus.Stopped, MeterStopWh = e.MeterStopWh },
        SessionClosedForSilence e => this with { Status = SessionStatus.ClosedForSilence, MeterStopWh = e.MeterStopWh },
        SessionReopened => this with { Status = SessionStatus.Charging, MeterStopWh = null },
        _ => this,
    };

    /// <summary>A reading taken at the latest time so far, or again at that time, sets the register.</summary>
    private Session Take(MeterReading reading)
    {
        var latest = ReadingTimes.Count == 0 || reading.TakenAt >= ReadingTimes[^1];
        return this with
        {
            ReadingTimes = ReadingTimes.Add(reading.TakenAt),
            LatestReadingWh = latest ? reading.EnergyWh : LatestReadingWh,
        };
    }

    /// <summary>The register at the latest reading (by time), or at the start before any.</summary>
    public long RegisterWh => LatestReadingWh ?? MeterStartWh;

    /// <summary>Energy delivered: the last register reading (by time) or the stop value, less the start.</summary>
    public long EnergyWh => (MeterStopWh ?? RegisterWh) - MeterStartWh;

    public static IReadOnlyList<object> Start(Session state, SessionStartedV2 started) =>
        state.Status == SessionStatus.NotStarted ? [started] : [];

    /// <summary>
    /// Only readings not yet recorded (by their time) are new; a resent batch adds nothing. A new reading for a
    /// session closed for silence shows the charger still had it running: the session is reopened first.
    /// </summary>
    public static IReadOnlyList<object> RecordMeterValues(Session state, string sessionId, IEnumerable<MeterReading> readings, Instant heardAt)
    {
        var fresh = readings
            .GroupBy(r => r.TakenAt).Select(g => g.Last())
            .Where(r => !state.ReadingTimes.Contains(r.TakenAt))
            .OrderBy(r => r.TakenAt)
            .ToList();
        if (fresh.Count == 0) return [];
        MeterValuesRecorded recorded = new(sessionId, fresh);
        return state.Status == SessionStatus.ClosedForSilence ? [Reopen(state, sessionId, heardAt), recorded] : [recorded];
    }

    /// <summary>
    /// A stop after the stop (a charger resending after reconnect) adds nothing. The real stop of a session
    /// closed for silence reopens it and then stops it with the charger's own values, which replace the close's.
    /// </summary>
    public static IReadOnlyList<object> Stop(Session state, SessionStopped stopped, IEnumerable<MeterReading> finalReadings, Instant heardAt)
    {
        switch (state.Status)
        {
            case SessionStatus.Stopped:
                return [];
            case SessionStatus.NotStarted:
                throw new InvalidOperationException($"Session {stopped.SessionId} never started; record it as an unknown transaction instead.");
            case SessionStatus.ClosedForSilence:
                var reopened = Reopen(state, stopped.SessionId, heardAt);
                return [reopened, .. Stop(state.Apply(reopened), stopped, finalReadings, heardAt)];
            default:
                return [.. RecordMeterValues(state, stopped.SessionId, finalReadings, heardAt), stopped];
        }
    }

    /// <summary>
    /// A charging session the ledger heard nothing of since <paramref name="silentSince"/> is closed at its last
    /// register reading; a session stopped or closed already is left as it is.
    /// </summary>
    public static IReadOnlyList<object> CloseForSilence(Session state, string sessionId, Instant silentSince, Instant now) =>
        state is { Status: SessionStatus.Charging, StartedAt: { } startedAt }
            ? [new SessionClosedForSilence(sessionId, state.RegisterWh, state.ReadingTimes.Count > 0 ? state.ReadingTimes[^1] : startedAt, silentSince, now)]
            : [];

    private static SessionReopened Reopen(Session state, string sessionId, Instant heardAt) => new(sessionId, state.ChargerId!, heardAt);
}
