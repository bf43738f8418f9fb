using Marten.Events.Aggregation;
using NodaTime;
using Settlement.Domain.Access;

namespace Settlement.Projections.Access;

/// <summary>
/// A key as the host checks it on every request: its verifier, role and sub-operator, and whether it is revoked.
/// The verifier never leaves the host: the API answers with <see cref="ApiKeySummary"/>.
/// </summary>
public sealed record ApiKeyEntry(string Id, string KeyId, string Name, AccessRole Role, string? OperatorId, string SecretVerifier, Instant CreatedAt)
{
    public ApiKeyEntry() : this("", "", "", AccessRole.Integration, null, "", default) { }

    public Instant? RotatedAt { get; init; }
    public Instant? RevokedAt { get; init; }
    public string? RevokedBecause { get; init; }

    public ApiKeySummary Summary() => new(KeyId, Name, Role, OperatorId, CreatedAt, RotatedAt, RevokedAt, RevokedBecause);
}

/// <summary>What the API shows of a key: never its secret nor its verifier.</summary>
public sealed record ApiKeySummary(string KeyId, string Name, AccessRole Role, string? OperatorId,
    Instant CreatedAt, Instant? RotatedAt, Instant? RevokedAt, string? RevokedBecause);

/// <summary>Inline, so a key works the moment it is created and stops the moment it is rotated or revoked, on every host.</summary>
public sealed partial class ApiKeyDirectory : SingleStreamProjection<ApiKeyEntry, string>
{
    public static ApiKeyEntry Apply(JasperFx.Events.IEvent<ApiKeyCreated> e, ApiKeyEntry key) => key with
    {
        Id = e.StreamKey!, KeyId = e.Data.KeyId, Name = e.Data.Name, Role = e.Data.Role, OperatorId = e.Data.OperatorId,
        SecretVerifier = e.Data.SecretVerifier, CreatedAt = e.Data.CreatedAt,
    };

    public static ApiKeyEntry Apply(ApiKeyRotated e, ApiKeyEntry key) => key with { SecretVerifier = e.SecretVerifier, RotatedAt = e.RotatedAt };

    public static ApiKeyEntry Apply(ApiKeyRevoked e, ApiKeyEntry key) => key with { RevokedAt = e.RevokedAt, RevokedBecause = e.Reason };
}
