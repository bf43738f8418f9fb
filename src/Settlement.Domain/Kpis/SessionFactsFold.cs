using Settlement.Domain.Sessions;

namespace Settlement.Domain.Kpis;

/// <summary>
/// The fold of session events into <see cref="SessionFacts"/>: one definition for the KPI projection, its rebuild, and
/// self-healing's count of failed starts, so that a failed start means the same everywhere.
/// Meter readings may arrive late or out of order: the register only rises, so its highest reading is the energy so far
/// whatever the order.
/// </summary>
public static class SessionFactsFold
{
    public static readonly Type[] EventTypes =
        [
            typeof(SessionAuthorisedV2), typeof(SessionStartedV2), typeof(MeterValuesRecorded), typeof(SessionStopped),
            typeof(SessionClosedForSilence), typeof(SessionReopened), typeof(SessionRated),
        ];

    public static bool Handles(object data) => EventTypes.Contains(data.GetType());

    /// <summary>The session an event is about; empty for events of other types.</summary>
    public static string KeyOf(object data) => data switch
    {
        SessionAuthorisedV2 e => e.SessionId,
        SessionStartedV2 e => e.SessionId,
        MeterValuesRecorded e => e.SessionId,
        SessionStopped e => e.SessionId,
        SessionClosedForSilence e => e.SessionId,
        SessionReopened e => e.SessionId,
        SessionRated e => e.SessionId,
        _ => "",
    };

    public static SessionFacts? Evolve(SessionFacts? session, string sessionId, object data) => (data, session) switch
    {
        (SessionAuthorisedV2 a, null) => New(sessionId, a.ChargerId, a.EvseId) with
        {
            TokenType = a.TokenType, Authorisation = a.Outcome, AuthorisedAt = a.AuthorisedAt,
        },
        (SessionAuthorisedV2 a, { } s) => s with { TokenType = a.TokenType, Authorisation = a.Outcome, AuthorisedAt = a.AuthorisedAt },
        (SessionStartedV2 started, _) => (session ?? New(sessionId, started.ChargerId, started.EvseId)) with
        {
            EvseId = started.EvseId, ConnectorId = started.ConnectorId, StartedAt = started.StartedAt,
            MeterStartWh = started.MeterStartWh, LastMeterWh = Math.Max(session?.LastMeterWh ?? started.MeterStartWh, started.MeterStartWh),
        },
        (MeterValuesRecorded recorded, { } s) => s with
        {
            LastMeterWh = Max(s.LastMeterWh, recorded.Readings.Max(r => r.EnergyWh)),
            PeakPowerW = Max(s.PeakPowerW, recorded.Readings.Max(r => r.PowerW)),
        },
        (SessionStopped stopped, { } s) => s with
        {
            StoppedAt = stopped.StoppedAt, StopReason = stopped.Reason, LastMeterWh = Max(s.LastMeterWh, stopped.MeterStopWh),
        },
        // The register only rises, so the real stop after a reopen carries the energy whichever came first.
        (SessionClosedForSilence closed, { } s) => s with
        {
            StoppedAt = closed.StoppedAt, StopReason = StopReason.Timeout, LastMeterWh = Max(s.LastMeterWh, closed.MeterStopWh),
        },
        (SessionReopened, { } s) => s with { StoppedAt = null, StopReason = null },
        (SessionRated rated, { } s) => s with { Stars = rated.Stars, RatedAt = rated.RatedAt },
        _ => session,
    };

    private static SessionFacts New(string sessionId, string chargerId, int evseId) =>
        new(sessionId, chargerId, evseId, null, null, null, null, null, null, null, null, null, null, null, null);

    private static long? Max(long? known, long reading) => known is { } k ? Math.Max(k, reading) : reading;

    private static decimal? Max(decimal? known, decimal? reading) => (known, reading) switch
    {
        (null, _) => reading,
        (_, null) => known,
        _ => Math.Max(known.Value, reading.Value),
    };
}
