using System.Security.Cryptography;
using System.Text;

namespace Settlement.Ocpp.Security;

/// <summary>
/// Salted PBKDF2-SHA256 for charger passwords (OCPP security profiles 1 and 2). Stored as
/// "pbkdf2-sha256$iterations$salt$hash" so the iteration count can grow without breaking old hashes.
/// </summary>
public static class PasswordHasher
{
    // Charger passwords are long random machine secrets (OCPP asks for 16-40 characters), so a modest
    // count keeps a reconnect storm of thousands of chargers affordable.
    private const int Iterations = 20_000;
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    public static string Hash(string password)
    {
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
