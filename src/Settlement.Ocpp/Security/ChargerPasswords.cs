using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Settlement.Ocpp.Security;

/// <summary>
/// Checks charger passwords against their stored hashes without paying the KDF on every connection. A password
/// that verified against a stored hash is remembered as an HMAC under a key drawn at random when the process
/// starts, keyed by that stored hash: a reconnect with the same password costs one HMAC, and a wrong one against a
/// remembered hash is refused as cheaply. A new password is a new stored hash (a fresh salt every time), so what
/// was remembered for the old one never matches again. The KDF itself runs on at most half the cores at once, so
/// a storm of chargers whose hashes are not remembered yet (after a restart) queues rather than starving the host.
/// </summary>
public sealed class ChargerPasswords
{
    /// <summary>Stored hashes remembered at most; beyond it a tenth of them are forgotten (they verify again, slowly).</summary>
    public const int MaxRemembered = 100_000;

    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, byte[]> _verified = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _kdf = new(Math.Max(1, Environment.ProcessorCount / 2));

    public int Remembered => _verified.Count;

    public async ValueTask<bool> VerifyAsync(string password, string storedHash, CancellationToken ct)
    {
        var fingerprint = Fingerprint(password);
        if (_verified.TryGetValue(storedHash, out var known))
            return CryptographicOperations.FixedTimeEquals(known, fingerprint);
        var valid = await WithKdfAsync(() => PasswordHasher.Verify(password, storedHash), ct);
        if (valid) Remember(storedHash, fingerprint);
        return valid;
    }

    /// <summary>A new hash of the password with the current KDF, remembered as verified.</summary>
    public async ValueTask<string> HashAsync(string password, CancellationToken ct)
    {
        var hash = await WithKdfAsync(() => PasswordHasher.Hash(password), ct);
        Remember(hash, Fingerprint(password));
        return hash;
    }

    private async ValueTask<T> WithKdfAsync<T>(Func<T> kdf, CancellationToken ct)
    {
        await _kdf.WaitAsync(ct);
        try
        {
            return kdf();
        }
        finally
        {
            _kdf.Release();
        }
    }

    private void Remember(string storedHash, byte[] fingerprint)
    {
        if (_verified.Count >= MaxRemembered)
            foreach (var forgotten in _verified.Keys.Take(MaxRemembered / 10).ToList())
                _verified.TryRemove(forgotten, out _);
        _verified[storedHash] = fingerprint;
    }

    private byte[] Fingerprint(string password) => HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(password));
}
