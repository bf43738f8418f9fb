using System.ComponentModel.DataAnnotations;
using NodaTime;
using Settlement.Domain.Drivers;

namespace Settlement.Domain.Roaming;

/// <summary>An OCPI party we exchange sessions and CDRs with; commission is what the partner keeps.</summary>
public sealed record RoamingPartnerRegistered(
    [property: MinLength(1)] string PartnerId,
    [property: RegularExpression("^[A-Z]{2}$")] string CountryCode,
    [property: RegularExpression("^[A-Z0-9]{3}$")] string PartyId,
    [property: MinLength(1)] string Name,
    PartnerRole Role,
    [property: Range(0.0, 100.0)] decimal CommissionPercent,
    Instant RegisteredAt);

public sealed record RoamingTokenSeen(
    [property: MinLength(1)] string PartnerId,
    [property: MinLength(1)] string TokenUid,
    [property: MinLength(1)] string ContractId,
    bool Valid,
    Instant SeenAt);

/// <summary>v2: the token uid and the contract id (an eMA-ID names a driver's contract) are sealed under the driver's key.</summary>
public sealed record RoamingTokenSeenV2(
    [property: MinLength(1)] string PartnerId,
    DriverSealed TokenUid,
    DriverSealed ContractId,
    bool Valid,
    Instant SeenAt);

/// <summary>Links one of our charging sessions to the partner whose driver it served.</summary>
public sealed record RoamingSessionRecorded(
    [property: MinLength(1)] string PartnerId,
    [property: MinLength(1)] string SessionId,
    [property: MinLength(1)] string TokenUid,
    [property: MinLength(1)] string AuthorizationReference,
    Instant StartedAt);

/// <summary>v2: the token uid is sealed under the driver's key.</summary>
public sealed record RoamingSessionRecordedV2(
    [property: MinLength(1)] string PartnerId,
    [property: MinLength(1)] string SessionId,
    DriverSealed TokenUid,
    [property: MinLength(1)] string AuthorizationReference,
    Instant StartedAt);

/// <summary>
/// v3: how the session was authorised (OCPI AuthMethod: AUTH_REQUEST, COMMAND, WHITELIST) and the token's OCPI type, which
/// the partner's session and CDR state. <paramref name="TokenUid"/>'s pseudonym is the token's registry id.
/// </summary>
public sealed record RoamingSessionRecordedV3(
    [property: MinLength(1)] string PartnerId,
    [property: MinLength(1), MaxLength(36)] string SessionId,
    DriverSealed TokenUid,
    [property: RegularExpression("^(AD_HOC_USER|APP_USER|OTHER|RFID)$")] string TokenType,
    [property: RegularExpression("^(AUTH_REQUEST|COMMAND|WHITELIST)$")] string AuthMethod,
    [property: MaxLength(36)] string? AuthorizationReference,
    Instant StartedAt);

public sealed record CdrIssued(
    [property: MinLength(1)] string PartnerId,
    [property: MinLength(1)] string CdrId,
    [property: MinLength(1)] string SessionId,
    [property: RegularExpression("^[A-Z]{3}$")] string Currency,
    [property: Range(0.0, 1_000_000_000.0)] decimal TotalCostExclVat,
    [property: Range(0.0, 1_000_000_000.0)] decimal TotalCostInclVat,
    [property: Range(0.0, 1_000_000.0)] decimal TotalEnergyKwh,
    Instant StartedAt,
    Instant EndedAt,
    Instant IssuedAt);

public enum PartnerRole { Emsp, Cpo, Hub }
