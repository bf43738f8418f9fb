using System.ComponentModel.DataAnnotations;
using NodaTime;

namespace Settlement.Domain.Access;

// Ownership is recorded as facts in the one ledger, not as a tenant column: the hash chain, the global sequence and
// the top-level operator's reports span every sub-operator, and a site can move from one to another as an event.

/// <summary>A sub-operator the top-level operator hosts (a white-label brand or a site owner), on its own stream.</summary>
/// <param name="LegalName">The company behind it, when it differs from <paramref name="Name"/>; its invoices carry its issuers' identity, not this.</param>
public sealed record SubOperatorRegistered(
    [property: RegularExpression("^[a-z0-9][a-z0-9-]{0,39}$")] string OperatorId,
    [property: MinLength(1), MaxLength(100)] string Name,
    [property: MinLength(1), MaxLength(200)] string? LegalName,
    Instant RegisteredAt);

/// <summary>On the site's stream: from now on the site, its chargers and their sessions are this sub-operator's (null: the top-level operator's own).</summary>
public sealed record SiteOperatorAssigned(
    [property: MinLength(1)] string SiteId,
    [property: RegularExpression("^[a-z0-9][a-z0-9-]{0,39}$")] string? OperatorId,
    Instant AssignedAt);

/// <summary>On the issuer's stream: the issuer is the legal identity of this sub-operator, and invoices only its sites' sessions.</summary>
public sealed record IssuerOperatorAssigned(
    [property: MinLength(1)] string IssuerId,
    [property: RegularExpression("^[a-z0-9][a-z0-9-]{0,39}$")] string OperatorId,
    Instant AssignedAt);

/// <summary>On the tariff's stream: only this sub-operator (and the top-level operator) may publish its versions, assign it and read it.</summary>
public sealed record TariffOperatorAssigned(
    [property: MinLength(1)] string TariffId,
    [property: RegularExpression("^[a-z0-9][a-z0-9-]{0,39}$")] string OperatorId,
    Instant AssignedAt);

/// <summary>On the token's stream: the token is one of this sub-operator's drivers' or fleets'; only its keys (and the top-level operator's) may read or change it.</summary>
public sealed record TokenOperatorAssigned(
    [property: RegularExpression(Drivers.DriverSealed.DriverRefPattern)] string TokenId,
    [property: RegularExpression("^[a-z0-9][a-z0-9-]{0,39}$")] string OperatorId,
    Instant AssignedAt);
