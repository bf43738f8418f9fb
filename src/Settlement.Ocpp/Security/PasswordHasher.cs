using System.Security.Cryptography;
using System.Text;

namespace Settlement.Ocpp.Security;

/// <summary>
/// Salted PBKDF2-SHA256 for charger passwords (OCPP security profiles 1 and 2). Stored as
/// "pbkdf2-sha256$iterations$salt$hash" so the iteration count can grow without breaking old hashes: a hash with
/// fewer than <see cref="Iterations"/> still verifies, and <see cref="NeedsUpgrade"/> says to hash it again.
/// </summary>
public static class PasswordHasher
{
    /// <summary>
    /// OWASP's 2023 figure for PBKDF2-HMAC-SHA256. One hash costs a few hundred milliseconds of CPU; logins pay it
    /// once per password and process (<see cref="ChargerPasswords"/> remembers what verified), not per connection.
    /// </summary>
    public const int Iterations = 600_000;

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
        if (Parse(stored) is not var (count, salt, expected)) return false;
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, count, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>A hash made with fewer iterations than <see cref="Iterations"/>: hash the password again at its next login.</summary>
    public static bool NeedsUpgrade(string stored) => Parse(stored) is var (count, _, _) && count < Iterations;

    private static (int Iterations, byte[] Salt, byte[] Hash)? Parse(string stored)
    {
        if (stored.Split('$') is not ["pbkdf2-sha256", var iterations, var salt, var hash] || !int.TryParse(iterations, out var count) || count < 1)
            return null;
        try
        {
            return (count, Convert.FromBase64String(salt), Convert.FromBase64String(hash));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
