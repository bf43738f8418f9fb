using JasperFx.Events;
using Marten.Events.Projections;
using NodaTime;
using Settlement.Domain.Drivers;
using Settlement.Domain.Roaming;

namespace Settlement.Projections.Roaming;

/// <summary>
/// A session charged by a roaming partner's driver: the partner pays for it, not the driver. Id: the session id.
/// How it was authorised is kept for its OCPI session and CDR; <see cref="CdrId"/> is set once its CDR is issued.
/// </summary>
public sealed record RoamedSession(string Id, string PartnerId)
{
    public DriverSealed? TokenUid { get; init; }
    public string TokenType { get; init; } = "RFID";
    public string AuthMethod { get; init; } = "WHITELIST";
    public string? AuthorizationReference { get; init; }
    public Instant StartedAt { get; init; }
    public string? CdrId { get; init; }

    /// <summary>Lists run in start order, the id breaking ties.</summary>
    public string SortKey => SortKeys.Of(StartedAt, Id);
}

/// <summary>
/// Inline: a session must be known as roamed before anyone can bill it to the driver by mistake. Folded per session
/// from both of its events, so a rebuild, which applies many events in one batch, arrives at the same view.
/// </summary>
public sealed partial class RoamedSessions : MultiStreamProjection<RoamedSession, string>
{
    public RoamedSessions()
    {
        Name = nameof(RoamedSessions);
        Identity<RoamingSessionRecordedV3>(e => e.SessionId);
        Identity<CdrIssuedV2>(e => e.SessionId);
    }

    /// <summary>The session's own CDR (not a credit) marks it done, so the CDR issuer never looks at it again.</summary>
    public override RoamedSession? Evolve(RoamedSession? session, string sessionId, IEvent e) => e.Data switch
    {
        RoamingSessionRecordedV3 r => new RoamedSession(r.SessionId, r.PartnerId)
        {
            TokenUid = r.TokenUid, TokenType = r.TokenType, AuthMethod = r.AuthMethod, AuthorizationReference = r.AuthorizationReference,
            StartedAt = r.StartedAt, CdrId = session?.CdrId,
        },
        CdrIssuedV2 { Credit: false } cdr when session is not null => session with { CdrId = cdr.CdrId },
        _ => session,
    };
}
