using Marten;
using Marten.Events.Projections;
using Settlement.Domain.Sessions;

namespace Settlement.Projections.Sessions;

/// <summary>A session that has started and is neither stopped nor closed for silence. Id: the session id.</summary>
public sealed record OpenSession(string Id, string ChargerId);

/// <summary>
/// Inline, and written only when a session opens or closes, never per meter value: the silence closer reads
/// it to find the few sessions still open among all that ever ran.
/// </summary>
public sealed partial class OpenSessions : EventProjection
{
    public static OpenSession Create(SessionStartedV2 e) => new(e.SessionId, e.ChargerId);

    public static OpenSession Create(SessionReopened e) => new(e.SessionId, e.ChargerId);

    public void Project(SessionStopped e, IDocumentOperations operations) => operations.Delete<OpenSession>(e.SessionId);

    public void Project(SessionClosedForSilence e, IDocumentOperations operations) => operations.Delete<OpenSession>(e.SessionId);
}
