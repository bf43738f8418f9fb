using Marten.Events.Projections;
using Settlement.Domain.Roaming;

namespace Settlement.Projections.Roaming;

/// <summary>A session charged by a roaming partner's driver: the partner pays for it, not the driver. Id: the session id.</summary>
public sealed record RoamedSession(string Id, string PartnerId);

/// <summary>Inline: a session must be known as roamed before anyone can bill it to the driver by mistake.</summary>
public sealed partial class RoamedSessions : EventProjection
{
    public static RoamedSession Create(RoamingSessionRecordedV3 e) => new(e.SessionId, e.PartnerId);
}
