using System.ComponentModel.DataAnnotations;
using NodaTime;
using Settlement.Domain.Events;

namespace Settlement.Domain.Roaming;

// OCPI 2.2.1, we as CPO. A partner's tokens on our side are API keys of role Partner: token A (registration only,
// revoked once the partner registered) and token C (every later call). Token B, theirs, is what we present to them;
// we must be able to send it, so it is kept sealed under the vault secret, never in plain.

/// <summary>How a partner connects with us: the module they implement, as which interface role, at which URL.</summary>
public sealed record OcpiEndpoint(
    [property: MinLength(1), MaxLength(32)] string Module,
    OcpiInterfaceRole Role,
    [property: MinLength(1), MaxLength(255)] string Url);

/// <summary>One role a partner plays (OCPI CredentialsRole): an EMSP or a hub with its country and party id.</summary>
public sealed record OcpiPartyRole(
    [property: RegularExpression("^[A-Z]{2}$")] string CountryCode,
    [property: RegularExpression("^[A-Z0-9]{3}$")] string PartyId,
    PartnerRole Role,
    [property: MinLength(1), MaxLength(100)] string Name);

/// <summary>
/// What the partner is paid for its drivers' sessions: we invoice the priced sessions less its commission,
/// every settlement period, in this currency.
/// </summary>
public sealed record RoamingAgreement(
    [property: Range(0.0, 100.0)] decimal CommissionPercent,
    [property: RegularExpression("^[A-Z]{3}$")] string Currency,
    SettlementPeriod SettlementPeriod);

/// <summary>The operator invited a partner: token A (the API key <paramref name="TokenAKeyId"/>) lets it register once.</summary>
public sealed record RoamingPartnerInvited(
    [property: RegularExpression(OcpiIds.PartnerIdPattern)] string PartnerId,
    [property: MinLength(1), MaxLength(100)] string Name,
    [property: RegularExpression("^[a-z0-9]{12}$")] string TokenAKeyId,
    RoamingAgreement Agreement,
    Instant InvitedAt);

/// <summary>
/// The credentials handshake completed: we fetched the partner's versions with token B and answered with
/// token C (the API key <paramref name="TokenCKeyId"/>). Token A stops working in the same append.
/// </summary>
public sealed record OcpiCredentialsExchanged(
    [property: RegularExpression(OcpiIds.PartnerIdPattern)] string PartnerId,
    [property: RegularExpression("^[0-9]+\\.[0-9]+(\\.[0-9]+)?$")] string Version,
    [property: MinLength(1), MaxLength(255)] string VersionsUrl,
    [property: MinLength(1)] IReadOnlyList<OcpiPartyRole> Roles,
    IReadOnlyList<OcpiEndpoint> Endpoints,
    [property: MinLength(1), Secret] string SealedTokenB,
    [property: RegularExpression("^[a-z0-9]{12}$")] string TokenCKeyId,
    Instant ExchangedAt);

/// <summary>The partner updated its credentials (PUT): new token B, versions or roles; our token C was rotated.</summary>
public sealed record OcpiCredentialsUpdated(
    [property: RegularExpression(OcpiIds.PartnerIdPattern)] string PartnerId,
    [property: RegularExpression("^[0-9]+\\.[0-9]+(\\.[0-9]+)?$")] string Version,
    [property: MinLength(1), MaxLength(255)] string VersionsUrl,
    [property: MinLength(1)] IReadOnlyList<OcpiPartyRole> Roles,
    IReadOnlyList<OcpiEndpoint> Endpoints,
    [property: MinLength(1), Secret] string SealedTokenB,
    Instant UpdatedAt);

/// <summary>The connection ended (OCPI DELETE credentials, or the operator): token C is revoked in the same append; history stays.</summary>
public sealed record RoamingPartnerUnregistered(
    [property: RegularExpression(OcpiIds.PartnerIdPattern)] string PartnerId,
    [property: MinLength(1), MaxLength(500)] string Reason,
    Instant UnregisteredAt);

/// <summary>A new agreement applies to sessions supplied from <paramref name="EffectiveFrom"/> (in the partner's settlement, by supply date).</summary>
public sealed record RoamingAgreementChanged(
    [property: RegularExpression(OcpiIds.PartnerIdPattern)] string PartnerId,
    RoamingAgreement Agreement,
    LocalDate EffectiveFrom,
    Instant ChangedAt);

/// <summary>
/// One OCPI message in or out, so a dispute can be replayed: who, which module, what was asked and answered.
/// The body itself is not kept (tokens and CDRs carry drivers' identifiers): its SHA-256 and size are, and the
/// objects it carried are events of their own.
/// </summary>
public sealed record OcpiMessageExchanged(
    [property: RegularExpression(OcpiIds.PartnerIdPattern)] string PartnerId,
    [property: MinLength(1), MaxLength(32)] string Module,
    OcpiDirection Direction,
    [property: RegularExpression("^(GET|POST|PUT|PATCH|DELETE)$")] string Method,
    [property: MinLength(1), MaxLength(512)] string Path,
    [property: MaxLength(36)] string? ObjectId,
    [property: Range(0, 599)] int HttpStatus,
    [property: Range(1000, 4999)] int? OcpiStatus,
    [property: MinLength(1), MaxLength(36)] string RequestId,
    [property: MinLength(1), MaxLength(36)] string CorrelationId,
    [property: RegularExpression("^[0-9a-f]{64}$")] string? BodySha256,
    [property: Range(0, int.MaxValue)] int BodyBytes,
    OcpiOutcome Outcome,
    [property: MaxLength(500)] string? Problem,
    Instant ExchangedAt);

/// <summary>
/// We owe a partner a message: <paramref name="Module"/>'s object <paramref name="ObjectId"/>, rendered from the
/// ledger when it is sent (so no driver's identifier is copied here). Stream <c>ocpi-push:{PushId}</c>, created
/// once: the same push queued twice is refused by the stream's version, so a replayed source sends nothing twice.
/// </summary>
public sealed record OcpiPushQueued(
    [property: RegularExpression(OcpiIds.PushIdPattern)] string PushId,
    [property: RegularExpression(OcpiIds.PartnerIdPattern)] string PartnerId,
    [property: MinLength(1), MaxLength(32)] string Module,
    [property: RegularExpression("^(POST|PUT|PATCH)$")] string Method,
    [property: MinLength(1), MaxLength(255)] string ObjectId,
    [property: Range(0, long.MaxValue)] long SourceSequence,
    Instant QueuedAt);

/// <summary>An attempt failed; the next is due at <paramref name="RetryAt"/> (null: given up, see the partner's messages).</summary>
public sealed record OcpiPushFailed(
    [property: RegularExpression(OcpiIds.PushIdPattern)] string PushId,
    [property: Range(1, int.MaxValue)] int Attempt,
    [property: MinLength(1), MaxLength(500)] string Problem,
    Instant? RetryAt,
    Instant FailedAt);

/// <summary>The partner acknowledged the push (HTTP 2xx and OCPI 1xxx); it is never sent again.</summary>
public sealed record OcpiPushDelivered(
    [property: RegularExpression(OcpiIds.PushIdPattern)] string PushId,
    [property: Range(1, int.MaxValue)] int Attempt,
    Instant DeliveredAt);

/// <summary>OCPI's InterfaceRole: a module we call them on as SENDER or RECEIVER of its objects.</summary>
public enum OcpiInterfaceRole { Sender, Receiver }

public enum OcpiDirection { Inbound, Outbound }

public enum OcpiOutcome { Accepted, Refused, Failed }

public enum SettlementPeriod { Weekly, Monthly, Quarterly }

public static class OcpiIds
{
    public const string PartnerIdPattern = "^[A-Z]{2}-[A-Z0-9]{3}$";
    public const string PushIdPattern = "^[0-9a-f]{32}$";

    /// <summary>A partner is named by its OCPI country code and party id, e.g. "NL-EMS".</summary>
    public static string PartnerId(string countryCode, string partyId) => $"{countryCode}-{partyId}";

    public static string PartnerStream(string partnerId) => StreamIds.RoamingPartner(partnerId);

    public static string MessageStream(string partnerId) => $"ocpi-messages:{partnerId}";

    public static string PushStream(string pushId) => $"ocpi-push:{pushId}";

    /// <summary>The same (partner, module, object, source event) always gives the same push id.</summary>
    public static string PushId(string partnerId, string module, string objectId, long sourceSequence) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes($"{partnerId}\n{module}\n{objectId}\n{sourceSequence}")))[..32];
}

/// <summary>A CDR's cost: OCPI's Price, excluding and including VAT (null where no VAT applies, e.g. a reverse charge).</summary>
public sealed record CdrCost(
    [property: Range(-1_000_000_000.0, 1_000_000_000.0)] decimal ExclVat,
    [property: Range(-1_000_000_000.0, 1_000_000_000.0)] decimal? InclVat);

public enum CdrDimensionType { Energy, Time, ParkingTime, Flat, MaxCurrent, MinCurrent, MaxPower, MinPower, ReservationTime }

/// <summary>Energy in kWh, TIME and PARKING_TIME in hours (OCPI's units); TIME counts charging time only.</summary>
public sealed record CdrDimension(CdrDimensionType Type, decimal Volume);

/// <summary>One tariff period of the session: from <paramref name="StartedAt"/> to the next period's start (or the CDR's end).</summary>
public sealed record CdrChargingPeriod(
    Instant StartedAt,
    [property: MinLength(1)] IReadOnlyList<CdrDimension> Dimensions,
    [property: MaxLength(36)] string? TariffId);

/// <summary>Where the session took place, as it was then (OCPI CdrLocation): a later change to the site does not change a CDR.</summary>
public sealed record CdrLocation(
    [property: MinLength(1), MaxLength(36)] string LocationId,
    [property: MaxLength(255)] string? Name,
    [property: MinLength(1), MaxLength(45)] string Address,
    [property: MinLength(1), MaxLength(45)] string City,
    [property: MaxLength(10)] string? PostalCode,
    [property: MaxLength(20)] string? State,
    [property: RegularExpression("^[A-Z]{3}$")] string Country,
    decimal Latitude,
    decimal Longitude,
    [property: MinLength(1), MaxLength(36)] string EvseUid,
    [property: MinLength(1), MaxLength(48)] string EvseId,
    [property: MinLength(1), MaxLength(36)] string ConnectorId,
    [property: MinLength(1), MaxLength(32)] string ConnectorStandard,
    [property: MinLength(1), MaxLength(16)] string ConnectorFormat,
    [property: MinLength(1), MaxLength(16)] string ConnectorPowerType);

/// <summary>
/// A charge detail record for a roaming partner, immutable once issued: derived from the session's priced events, so
/// its totals are the priced session's to the cent. A correction is a credit CDR (<paramref name="Credit"/> true,
/// negative costs, <paramref name="CreditReferenceId"/> naming the CDR it credits, <paramref name="CreditReason"/> the operator's why), never a change.
/// The driver's token is named by its registry id (<paramref name="TokenId"/>); its uid is rendered from the registry
/// when the CDR is sent, so erasing the driver leaves no uid in the ledger.
/// </summary>
public sealed record CdrIssuedV2(
    [property: RegularExpression(OcpiIds.PartnerIdPattern)] string PartnerId,
    [property: MinLength(1), MaxLength(36)] string CdrId,
    [property: MinLength(1), MaxLength(36)] string SessionId,
    [property: MinLength(1)] string TokenId,
    [property: MinLength(1), MaxLength(16)] string TokenType,
    [property: MinLength(1), MaxLength(16)] string AuthMethod,
    [property: MaxLength(36)] string? AuthorizationReference,
    CdrLocation Location,
    [property: RegularExpression("^[A-Z]{3}$")] string Currency,
    IReadOnlyList<Tariffs.TariffVersionRef> Tariffs,
    [property: MinLength(1)] IReadOnlyList<CdrChargingPeriod> ChargingPeriods,
    CdrCost TotalCost,
    CdrCost? TotalFixedCost,
    decimal TotalEnergyKwh,
    CdrCost? TotalEnergyCost,
    decimal TotalTimeHours,
    CdrCost? TotalTimeCost,
    decimal? TotalParkingTimeHours,
    CdrCost? TotalParkingCost,
    Instant StartedAt,
    Instant EndedAt,
    bool Credit,
    [property: MaxLength(36)] string? CreditReferenceId,
    [property: MaxLength(500)] string? CreditReason,
    Instant IssuedAt);
