using Marten.Events.Aggregation;
using Settlement.Domain.Sessions;

namespace Settlement.Projections.Sessions;

/// <summary>Whether a session is open: started, and neither stopped nor closed for silence. Id: the session's stream.</summary>
public sealed record SessionLifecycle(string Id, bool Open)
{
    public SessionLifecycle() : this("", false) { }
}

/// <summary>
/// Inline, and written only when a session opens or closes, never per meter value: the silence closer reads the
/// few open sessions among all that ever ran through the indexed <see cref="SessionLifecycle.Open"/>.
/// </summary>
public sealed partial class SessionLifecycles : SingleStreamProjection<SessionLifecycle, string>
{
    public static SessionLifecycle Apply(JasperFx.Events.IEvent<SessionStartedV2> e, SessionLifecycle session) =>
        session with { Id = e.StreamKey!, Open = true };

    public static SessionLifecycle Apply(SessionStopped e, SessionLifecycle session) => session with { Open = false };

    public static SessionLifecycle Apply(SessionClosedForSilence e, SessionLifecycle session) => session with { Open = false };

    public static SessionLifecycle Apply(SessionReopened e, SessionLifecycle session) => session with { Open = true };
}
