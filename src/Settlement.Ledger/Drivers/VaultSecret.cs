using System.Text;

namespace Settlement.Ledger.Drivers;

/// <summary>
/// The operator's secret behind the driver vault: it keys the blind index (token → driver) and wraps
/// every driver key at rest, so a copy of the database alone reveals no token.
/// </summary>
public sealed class VaultSecret
{
    public const string EnvironmentVariable = "SETTLEMENT_VAULT_SECRET";
    private const int MinimumLength = 32;

    // Only so the demo, the tests and a first `./settle serve` work out of the box; anyone can read it here.
    private const string DevelopmentDefault = "settlement-development-vault-secret-not-for-production";

    private VaultSecret(byte[] value, bool isDevelopmentDefault)
    {
        Value = value;
        IsDevelopmentDefault = isDevelopmentDefault;
    }

    public byte[] Value { get; }

    /// <summary>True when no secret was configured: fine for a demo, never for real drivers' data.</summary>
    public bool IsDevelopmentDefault { get; }

    public static VaultSecret Development { get; } = new(Encoding.UTF8.GetBytes(DevelopmentDefault), isDevelopmentDefault: true);

    public static VaultSecret Of(string secret) => secret.Length >= MinimumLength
        ? new(Encoding.UTF8.GetBytes(secret), isDevelopmentDefault: false)
        : throw new ArgumentException($"The vault secret must be at least {MinimumLength} characters (set {EnvironmentVariable}).", nameof(secret));

    public static VaultSecret FromEnvironment() =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } secret ? Of(secret) : Development;
}
