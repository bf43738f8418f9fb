using JasperFx.Events;
using Marten;
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

/// <summary>Inline: a session must be known as roamed before anyone can bill it to the driver by mistake.</summary>
public sealed partial class RoamedSessions : EventProjection
{
    public static RoamedSession Create(RoamingSessionRecordedV3 e) => new(e.SessionId, e.PartnerId)
    {
        TokenUid = e.TokenUid, TokenType = e.TokenType, AuthMethod = e.AuthMethod, AuthorizationReference = e.AuthorizationReference, StartedAt = e.StartedAt,
    };

    /// <summary>The session's own CDR (not a credit) marks it done, so the CDR issuer never looks at it again.</summary>
    public async Task Project(IEvent<CdrIssuedV2> e, IDocumentOperations operations, CancellationToken ct)
    {
        if (e.Data.Credit || await operations.LoadAsync<RoamedSession>(e.Data.SessionId, ct) is not { } session) return;
        operations.Store(session with { CdrId = e.Data.CdrId });
    }
}
