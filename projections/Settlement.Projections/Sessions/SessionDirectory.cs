using Marten.Events.Aggregation;
using NodaTime;
using Settlement.Domain.Sessions;

namespace Settlement.Projections.Sessions;

/// <summary>
/// A session as the operator lists it: where and when it ran, its meter at start and stop, and how it ended. No
/// token: who charged is the driver's personal data. Id: the session's stream.
/// </summary>
/// <param name="SortKey">Start time (fixed width, so text order is time order) then session id: the list's stable order and cursor.</param>
public sealed record SessionEntry(
    string Id,
    string SessionId,
    string ChargerId,
    int EvseId,
    int ConnectorId,
    Instant StartedAt,
    long MeterStartWh,
    SessionStatus Status,
    Instant? StoppedAt,
    long? MeterStopWh,
    StopReason? StopReason,
    string SortKey)
{
    public SessionEntry() : this("", "", "", 0, 0, default, 0, SessionStatus.NotStarted, null, null, null, "") { }
}

/// <summary>
/// Inline, and written only when a session starts, stops, closes or reopens, never per meter value, so listing
/// sessions costs the ledger nothing while they charge.
/// </summary>
public sealed partial class SessionDirectory : SingleStreamProjection<SessionEntry, string>
{
    public static SessionEntry Apply(JasperFx.Events.IEvent<SessionStartedV2> e, SessionEntry session) => session with
    {
        Id = e.StreamKey!, SessionId = e.Data.SessionId, ChargerId = e.Data.ChargerId, EvseId = e.Data.EvseId, ConnectorId = e.Data.ConnectorId,
        StartedAt = e.Data.StartedAt, MeterStartWh = e.Data.MeterStartWh, Status = SessionStatus.Charging,
        SortKey = SortKeys.Of(e.Data.StartedAt, e.Data.SessionId),
    };

    public static SessionEntry Apply(SessionStopped e, SessionEntry session) => session with
    {
        Status = SessionStatus.Stopped, StoppedAt = e.StoppedAt, MeterStopWh = e.MeterStopWh, StopReason = e.Reason,
    };

    public static SessionEntry Apply(SessionClosedForSilence e, SessionEntry session) => session with
    {
        Status = SessionStatus.ClosedForSilence, StoppedAt = e.StoppedAt, MeterStopWh = e.MeterStopWh, StopReason = null,
    };

    public static SessionEntry Apply(SessionReopened e, SessionEntry session) => session with
    {
        Status = SessionStatus.Charging, StoppedAt = null, MeterStopWh = null, StopReason = null,
    };
}
