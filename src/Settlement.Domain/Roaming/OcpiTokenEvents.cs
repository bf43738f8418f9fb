using System.ComponentModel.DataAnnotations;
using NodaTime;
using Settlement.Domain.Drivers;

namespace Settlement.Domain.Roaming;

// A roaming partner's tokens in our token registry (OCPI 2.2.1 "Tokens", we are the receiver), the real-time
// authorisations we asked the partner for, and the commands it sent us ("Commands", receiver). A token's id is its
// driver's pseudonym, as for the operator's own tokens: uid and contract id are sealed under that driver's key.

/// <summary>OCPI TokenType.</summary>
public enum OcpiTokenType { AdHocUser, AppUser, Other, Rfid }

/// <summary>OCPI WhitelistType: whether we may answer the token from the registry, or must ask the partner first.</summary>
public enum OcpiWhitelist { Always, Allowed, AllowedOffline, Never }

/// <summary>
/// A partner's token as it last pushed it (PUT or PATCH, merged): recorded whenever what it says changes. Its validity
/// shows in the registry as <see cref="TokenBlocked"/> / <see cref="TokenUnblocked"/>, appended with it.
/// </summary>
/// <param name="LastUpdated">The partner's own last_updated of the token, which a later push must not go back before.</param>
public sealed record PartnerTokenRecorded(
    [property: RegularExpression(DriverSealed.DriverRefPattern)] string TokenId,
    [property: RegularExpression(OcpiIds.PartnerIdPattern)] string PartnerId,
    [property: RegularExpression("^[A-Z]{2}$")] string CountryCode,
    [property: RegularExpression("^[A-Z0-9]{3}$")] string PartyId,
    DriverSealed Uid,
    OcpiTokenType Type,
    DriverSealed ContractId,
    [property: MinLength(1), MaxLength(64)] string Issuer,
    [property: MinLength(1), MaxLength(36)] string? GroupId,
    bool Valid,
    OcpiWhitelist Whitelist,
    [property: RegularExpression("^[a-z]{2}$")] string? Language,
    Instant LastUpdated,
    Instant RecordedAt);

/// <summary>OCPI AllowedType: the partner's real-time answer.</summary>
public enum OcpiAllowed { Allowed, Blocked, Expired, NoCredit, NotAllowed }

/// <summary>
/// We asked the partner whether its token may charge at <paramref name="ChargerId"/> (OCPI real-time authorisation)
/// and it answered. Stream <c>ocpi-authorisation:{ChargerId}/{TokenId}</c>: its last event is what the next session
/// of that token there is recorded with (AUTH_REQUEST and the partner's authorization_reference).
/// </summary>
public sealed record PartnerTokenAuthorised(
    [property: RegularExpression(OcpiIds.PartnerIdPattern)] string PartnerId,
    [property: RegularExpression(DriverSealed.DriverRefPattern)] string TokenId,
    [property: MinLength(1)] string ChargerId,
    [property: MinLength(1)] string? LocationId,
    OcpiAllowed Allowed,
    [property: MinLength(1), MaxLength(36)] string? AuthorizationReference,
    Instant AuthorisedAt);

/// <summary>OCPI CommandType.</summary>
public enum OcpiCommandType { CancelReservation, ReserveNow, StartSession, StopSession, UnlockConnector }

/// <summary>OCPI CommandResponseType: our immediate answer to a command.</summary>
public enum OcpiCommandResponse { NotSupported, Rejected, Accepted, UnknownSession }

/// <summary>OCPI CommandResultType: what came of an accepted command, sent to the partner's response_url.</summary>
public enum OcpiCommandResultType { Accepted, CanceledReservation, EvseOccupied, EvseInoperative, Failed, NotSupported, Rejected, Timeout, UnknownReservation }

/// <summary>
/// A partner's command and our immediate answer. Stream <c>ocpi-command:{CommandId}</c>; when accepted, the command is
/// sent to the charger under the same id (<paramref name="CommandId"/> is the OCPP command's id), and its outcome
/// becomes <see cref="OcpiCommandConcluded"/>, sent on to <paramref name="ResponseUrl"/>.
/// </summary>
/// <param name="TokenId">START_SESSION: the registry id of the token it carried.</param>
/// <param name="SessionId">STOP_SESSION: our session id, the OCPI session's id.</param>
public sealed record OcpiCommandReceived(
    [property: RegularExpression("^[0-9a-f]{32}$")] string CommandId,
    [property: RegularExpression(OcpiIds.PartnerIdPattern)] string PartnerId,
    OcpiCommandType Command,
    [property: MinLength(1), MaxLength(255)] string ResponseUrl,
    OcpiCommandResponse Response,
    [property: MaxLength(255)] string? Message,
    [property: MinLength(1), MaxLength(36)] string? LocationId,
    [property: MinLength(1), MaxLength(36)] string? EvseUid,
    [property: MinLength(1), MaxLength(36)] string? ConnectorId,
    [property: MinLength(1)] string? ChargerId,
    [property: Range(1, 99)] int? EvseId,
    [property: RegularExpression(DriverSealed.DriverRefPattern)] string? TokenId,
    [property: MinLength(1), MaxLength(36)] string? AuthorizationReference,
    [property: MinLength(1), MaxLength(36)] string? SessionId,
    Instant ReceivedAt);

/// <summary>What came of an accepted command, from the charger's answer (or its silence): sent to the partner through the outbox.</summary>
public sealed record OcpiCommandConcluded(
    [property: RegularExpression("^[0-9a-f]{32}$")] string CommandId,
    OcpiCommandResultType Result,
    [property: MaxLength(255)] string? Message,
    Instant ConcludedAt);
