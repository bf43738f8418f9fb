using System.ComponentModel.DataAnnotations;
using NodaTime;
using Settlement.Domain.Sessions;

namespace Settlement.Domain.Drivers;

// The registry of the operator's own drivers' and fleets' tokens. A token's id is its driver's pseudonym
// (DriverSealed.DriverRef, one per token in the vault): the uid and contract id are sealed under that driver's key,
// so erasing the driver also shreds the registry's copy, and the same uid seen afterwards is an unknown token.

/// <param name="CustomerGroup">The tariff group its sessions are priced with (a tariff assigned with scope CustomerGroup); null: the site's tariff.</param>
/// <param name="ExpiresAt">From this instant the token is answered Expired; null: it does not expire by itself.</param>
public sealed record TokenRegistered(
    [property: RegularExpression(DriverSealed.DriverRefPattern)] string TokenId,
    DriverSealed Uid,
    TokenType Type,
    DriverSealed? ContractId,
    [property: MinLength(1), MaxLength(Tokens.MaxGroupLength)] string? CustomerGroup,
    Instant? ExpiresAt,
    Instant RegisteredAt);

/// <summary>Refused from now on, by the central system and, once the local lists are updated, by chargers offline.</summary>
public sealed record TokenBlocked(
    [property: RegularExpression(DriverSealed.DriverRefPattern)] string TokenId,
    Instant BlockedAt);

public sealed record TokenUnblocked(
    [property: RegularExpression(DriverSealed.DriverRefPattern)] string TokenId,
    Instant UnblockedAt);

/// <summary>Expired by the operator before (or without) its expiry instant; it stays expired.</summary>
public sealed record TokenExpired(
    [property: RegularExpression(DriverSealed.DriverRefPattern)] string TokenId,
    Instant ExpiredAt);

/// <param name="CustomerGroup">Null: the token's sessions are priced with the site's tariff again.</param>
public sealed record TokenGroupChanged(
    [property: RegularExpression(DriverSealed.DriverRefPattern)] string TokenId,
    [property: MinLength(1), MaxLength(Tokens.MaxGroupLength)] string? CustomerGroup,
    Instant ChangedAt);

public enum LocalListUpdate { Full, Differential }

/// <summary>One token of a charger's local authorisation list, named by its id: the uid went to the charger, never into the ledger.</summary>
public sealed record LocalListEntry(
    [property: RegularExpression(DriverSealed.DriverRefPattern)] string TokenId,
    AuthorisationOutcome Status,
    Instant? ExpiresAt,
    [property: MinLength(1), MaxLength(Tokens.MaxGroupLength)] string? CustomerGroup);

/// <summary>
/// A local authorisation list sent to a charger (OCPP SendLocalList) so it knows valid and blocked cards while offline.
/// <paramref name="ListVersion"/> is the registry's version the list reflects; the charger's answer follows as
/// <c>CommandCompleted</c> with the same <paramref name="CommandId"/>.
/// </summary>
public sealed record LocalListSent(
    [property: MinLength(1)] string ChargerId,
    [property: MinLength(1)] string CommandId,
    [property: Range(1, int.MaxValue)] int ListVersion,
    LocalListUpdate UpdateType,
    IReadOnlyList<LocalListEntry> Entries,
    Instant SentAt);
