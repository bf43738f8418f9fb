using System.Security.Cryptography;
using System.Text;
using Settlement.Ledger.Drivers;

namespace Settlement.Ledger.Roaming;

/// <summary>
/// Seals what we must present to roaming partners (their OCPI token B): AES-256-GCM under a key derived from the
/// vault secret and bound to the partner, so a copy of the database alone reveals no partner's token and a sealed
/// token cannot be moved to another partner.
/// </summary>
public sealed class PartnerSecrets
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private readonly byte[] _key;

    public PartnerSecrets(VaultSecret secret) =>
        _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, secret.Value, 32, salt: [], info: Encoding.UTF8.GetBytes("settlement/ocpi-partner-tokens/v1"));

    public string Seal(string partnerId, string value)
    {
        var plaintext = Encoding.UTF8.GetBytes(value);
        var sealedBytes = new byte[NonceBytes + plaintext.Length + TagBytes];
        RandomNumberGenerator.Fill(sealedBytes.AsSpan(0, NonceBytes));
        using var aes = new AesGcm(_key, TagBytes);
        aes.Encrypt(sealedBytes.AsSpan(0, NonceBytes), plaintext, sealedBytes.AsSpan(NonceBytes, plaintext.Length),
            sealedBytes.AsSpan(NonceBytes + plaintext.Length), Encoding.UTF8.GetBytes(partnerId));
        return Convert.ToBase64String(sealedBytes);
    }

    /// <exception cref="CryptographicException">When the value was sealed for another partner or under another vault secret.</exception>
    public string Unseal(string partnerId, string sealedValue)
    {
        var sealedBytes = Convert.FromBase64String(sealedValue);
        var plaintext = new byte[sealedBytes.Length - NonceBytes - TagBytes];
        using var aes = new AesGcm(_key, TagBytes);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceBytes), sealedBytes.AsSpan(NonceBytes, plaintext.Length),
            sealedBytes.AsSpan(NonceBytes + plaintext.Length), plaintext, Encoding.UTF8.GetBytes(partnerId));
        return Encoding.UTF8.GetString(plaintext);
    }
}
