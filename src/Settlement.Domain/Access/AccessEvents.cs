using System.ComponentModel.DataAnnotations;
using NodaTime;
using Settlement.Domain.Events;

namespace Settlement.Domain.Access;

/// <summary>
/// What a key may do. Operator: everything; Finance: invoices, exports, VAT and journal; Regulator: reports;
/// Auditor: read-only streams, verification, proofs and bundles; Integration: read models for ERP/CRM;
/// Partner: a roaming partner's own OCPI objects.
/// </summary>
public enum AccessRole { Operator, Finance, Regulator, Auditor, Integration, Partner }

// A key's secret is never stored: only its SHA-256 verifier, which the API never returns. Keys are 256 random
// bits, so a fast hash is as strong as a slow one; a slow KDF would only slow every request.

/// <param name="OperatorId">The sub-operator the key acts for; null for the top-level operator, who sees every sub-operator.</param>
public sealed record ApiKeyCreated(
    [property: RegularExpression("^[a-z0-9]{12}$")] string KeyId,
    [property: MinLength(1), MaxLength(100)] string Name,
    AccessRole Role,
    [property: MinLength(1)] string? OperatorId,
    [property: MinLength(1), Secret] string SecretVerifier,
    Instant CreatedAt);

/// <summary>A new secret replaces the old one, which stops working the moment this is committed.</summary>
public sealed record ApiKeyRotated(
    [property: RegularExpression("^[a-z0-9]{12}$")] string KeyId,
    [property: MinLength(1), Secret] string SecretVerifier,
    Instant RotatedAt);

public sealed record ApiKeyRevoked(
    [property: RegularExpression("^[a-z0-9]{12}$")] string KeyId,
    [property: MinLength(1), MaxLength(500)] string Reason,
    Instant RevokedAt);
