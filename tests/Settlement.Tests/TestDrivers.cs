using Settlement.Domain.Drivers;
using Settlement.Ledger.Drivers;

namespace Settlement.Tests;

/// <summary>Sealed tokens for events a test appends directly; their keys are never registered, so they do not unseal.</summary>
internal static class TestDrivers
{
    private static readonly DriverKeyring Keyring = new(new Random(8));

    public static DriverSealed Seal(string token)
    {
        lock (Keyring) return Keyring.SealToken(token);
    }
}
