using Npgsql;
using Settlement.Domain.Drivers;
using Settlement.Ledger.Drivers;
using Settlement.Ledger.Store;

namespace Settlement.Tests;

/// <summary>Sealed tokens for events a test appends directly; their keys are never registered, so they do not unseal.</summary>
internal static class TestDrivers
{
    private static readonly DriverKeyring Keyring = new(new Random(8));

    public static DriverSealed Seal(string token)
    {
        lock (Keyring) return Keyring.SealToken(token);
    }

    /// <summary>How many stored events hold the text anywhere, in their data or their headers.</summary>
    public static async Task<long> StoredRowsMentioningAsync(Settlement.Ledger.Ledger ledger, string text)
    {
        await using var command = ledger.DataSource.CreateCommand(
            $"SELECT count(*) FROM {LedgerStore.Schema}.mt_events WHERE data::text LIKE $1 OR headers::text LIKE $1");
        command.Parameters.Add(new NpgsqlParameter { Value = "%" + text + "%" });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
