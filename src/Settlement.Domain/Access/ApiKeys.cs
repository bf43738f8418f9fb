using NodaTime;
using Settlement.Domain.Deciding;

namespace Settlement.Domain.Access;

public sealed record CreateApiKey(string KeyId, string Name, AccessRole Role, string? OperatorId, string SecretVerifier);

/// <summary>An OCPI partner's token A or C: issued by the credentials handshake and the invitation, never through the keys API.</summary>
public sealed record IssuePartnerKey(string KeyId, string Name, string SecretVerifier);

public sealed record RotateApiKey(string KeyId, string SecretVerifier);

public sealed record RevokeApiKey(string KeyId, string Reason);

/// <summary>A key's life as its stream tells it: whether it exists and whether it was revoked.</summary>
public sealed record ApiKeyState(bool Exists, bool Revoked, AccessRole Role, string? OperatorId)
{
    public static readonly ApiKeyState None = new(false, false, AccessRole.Integration, null);
}

/// <summary>Creating, rotating and revoking API keys. Secrets are generated and hashed at the edge; deciding is pure.</summary>
public static class ApiKeys
{
    public const int MaxNameLength = 100;

    public static ApiKeyState Evolve(ApiKeyState state, object @event) => @event switch
    {
        ApiKeyCreated created => new ApiKeyState(true, false, created.Role, created.OperatorId),
        ApiKeyRevoked => state with { Revoked = true },
        _ => state,
    };

    public static Decision Create(ApiKeyState state, CreateApiKey command, Instant now)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(command.Name) || command.Name.Length > MaxNameLength)
            problems.Add($"name: a label of 1 to {MaxNameLength} characters saying who or what holds the key, e.g. \"ERP export\".");
        if (command.Role == AccessRole.Partner)
            problems.Add("role: partner keys are issued by the OCPI credentials handshake, not created here.");
        if (problems.Count > 0) return Decision.Refuse(RefusalKind.Invalid, problems);
        if (state.Exists)
            return Decision.Refuse(RefusalKind.Conflict, $"Key {command.KeyId} exists already.");
        return Decision.Accept(new ApiKeyCreated(command.KeyId, command.Name.Trim(), command.Role, command.OperatorId, command.SecretVerifier, now));
    }

    /// <summary>A key of role Partner for a roaming partner's token; the caller appends it with the partner's own decision.</summary>
    public static Decision IssuePartnerToken(ApiKeyState state, IssuePartnerKey command, Instant now)
    {
        if (string.IsNullOrWhiteSpace(command.Name) || command.Name.Trim().Length > MaxNameLength)
            return Decision.Refuse(RefusalKind.Invalid, $"name: a label of 1 to {MaxNameLength} characters naming the partner and the token, e.g. \"OCPI token C for NL-EMS\".");
        if (state.Exists)
            return Decision.Refuse(RefusalKind.Conflict, $"Key {command.KeyId} exists already.");
        return Decision.Accept(new ApiKeyCreated(command.KeyId, command.Name.Trim(), AccessRole.Partner, null, command.SecretVerifier, now));
    }

    public static Decision Rotate(ApiKeyState state, RotateApiKey command, Instant now) =>
        Usable(state, command.KeyId) ?? Decision.Accept(new ApiKeyRotated(command.KeyId, command.SecretVerifier, now));

    public static Decision Revoke(ApiKeyState state, RevokeApiKey command, Instant now)
    {
        if (string.IsNullOrWhiteSpace(command.Reason) || command.Reason.Length > 500)
            return Decision.Refuse(RefusalKind.Invalid, "reason: say in 1 to 500 characters why the key is revoked (kept in the ledger for auditors).");
        return Usable(state, command.KeyId) ?? Decision.Accept(new ApiKeyRevoked(command.KeyId, command.Reason.Trim(), now));
    }

    private static Decision? Usable(ApiKeyState state, string keyId) =>
        !state.Exists ? Decision.Refuse(RefusalKind.NotFound, $"No key {keyId}.")
        : state.Revoked ? Decision.Refuse(RefusalKind.Conflict, $"Key {keyId} was revoked; create a new key instead.")
        : null;
}
