using System.Security.Cryptography;
using System.Text;

namespace Settlement.Host.Access;

/// <summary>
/// A key reads "stl_&lt;key id&gt;_&lt;secret&gt;": the id finds the key without scanning, the secret (256 random bits)
/// proves it. Only the secret's SHA-256 verifier is stored.
/// </summary>
public static class ApiKeySecrets
{
    public const string Prefix = "stl_";
    private const string IdAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    private const int IdLength = 12;

    public static string NewKeyId() => RandomNumberGenerator.GetString(IdAlphabet, IdLength);

    public static string NewKey(string keyId) =>
        $"{Prefix}{keyId}_{Base64Url(RandomNumberGenerator.GetBytes(32))}";

    public static string Verifier(string key) =>
        "sha256$" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>The key id a presented key claims, or null when it is not shaped like one of ours.</summary>
    public static string? KeyIdOf(string presented) =>
        presented.Length == Prefix.Length + IdLength + 1 + 43 && presented.StartsWith(Prefix, StringComparison.Ordinal)
            && presented[Prefix.Length + IdLength] == '_'
            && presented.AsSpan(Prefix.Length, IdLength).IndexOfAnyExcept(IdAlphabet) < 0
            ? presented.Substring(Prefix.Length, IdLength)
            : null;

    public static bool Matches(string presented, string verifier) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Verifier(presented)), Encoding.ASCII.GetBytes(verifier));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
