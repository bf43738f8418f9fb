using Settlement.Domain.Drivers;

namespace Settlement.Ledger.Drivers;

/// <summary>
/// Drivers made off the database for a generated history (the demo, the benches), from a seeded
/// random: the same seed seals the same way, so two generations stay equal event for event. Register
/// it with <see cref="DriverVault.RegisterAsync"/> before appending. Never for real drivers: whoever
/// knows the seed knows the keys.
/// </summary>
public sealed class DriverKeyring(Random random)
{
    private readonly Dictionary<string, DriverKey> _drivers = [];

    public IReadOnlyDictionary<string, DriverKey> Drivers => _drivers;

    /// <summary>The token sealed under its driver's key, the driver made on first sight.</summary>
    public DriverSealed SealToken(string token) => Seal(token, token);

    /// <summary>A value of the token's driver (e.g. a roaming contract id) sealed under that driver's key.</summary>
    public DriverSealed Seal(string token, string value)
    {
        if (!_drivers.TryGetValue(token, out var driver))
        {
            var (name, key) = (new byte[16], new byte[32]);
            random.NextBytes(name);
            random.NextBytes(key);
            _drivers[token] = driver = new DriverKey(DriverVault.NewDriverRef(name), key);
        }
        return DriverVault.Seal(driver, value, nonce => random.NextBytes(nonce));
    }
}
