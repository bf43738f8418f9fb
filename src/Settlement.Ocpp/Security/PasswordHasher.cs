using System.Security.Cryptography;
using System.Text;

namespace Settlement.Ocpp.Security;

/// <summary>
/// Salted PBKDF2-SHA256 for charger passwords (OCPP security profiles 1 and 2). Stored as
/// "pbkdf2-sha256$iterations$salt$hash" so the iteration count can grow without breaking old hashes.
/// </summary>
public static class PasswordHasher
{
    // Charger passwords are long machine secrets (MinimumLength is enforced), so their strength is in
    // their entropy; a modest count keeps a reconnect storm of 10,000 chargers to seconds of CPU.
    private const int Iterations = 1_000;

    /// <summary>OCPP 2.0.1 (security profile 1/2) requires passwords of 16 to 40 characters.</summary>
    public const int MinimumLength = 16;
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    public static string Hash(string password)
    {
        if (password.Length < MinimumLength)
            throw new ArgumentException($"A charger password needs at least {MinimumLength} characters (OCPP security profiles 1 and 2).");
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, Iterations, HashAlgorithmName.SHA256, HashBytes);
        return $"pbkdf2-sha256${Iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    public static bool Verify(string password, string stored)
    {
        var parts = stored.Split('$');
        if (parts is not ["pbkdf2-sha256", var iterations, var salt, var hash] || !int.TryParse(iterations, out var count))
            return false;
        var expected = Convert.FromBase64String(hash);
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), Convert.FromBase64String(salt), count, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }
}
