using System.Data.Common;
using Npgsql;

namespace Settlement.Ledger.Store;

/// <summary>
/// A PostgreSQL session-level advisory lock: one node of the cluster holds it, for exactly as long as the
/// session that took it lives, so a node that stops, crashes or loses its connection hands over by itself.
/// </summary>
public static class AdvisoryLock
{
    // Every advisory lock the hosts and commands take, in one place: two holders sharing a key wait on each other
    // (scheduled checkpoints once waited for ever behind the silent-session closer, which holds its lock while it leads).
    // Advisory locks are scoped to the database, so one fixed key elects one holder per ledger database.
    public const long ProjectionLeaderKey = 0x5E77_1E3E_0001;
    public const long ChainWriterKey = 0x5E77_1E3E_0002;
    public const long SilentSessionCloserKey = 0x5E77_1E3E_0003;
    public const long MigrationKey = 0x5E77_1E3E_0004;
    public const long CheckpointSignerKey = 0x5E77_1E3E_0005;
    public const long OcpiRelayKey = 0x5E77_1E3E_0006;
    public const long CdrIssuerKey = 0x5E77_1E3E_0010;
    public const long SiteBalancerKey = 0x5E77_1E3E_0024;
    public const long SelfHealerKey = 0x5E77_1E3E_0025;
    public const long RolloutRunnerKey = 0x5E77_1E3E_0026;

    public static async Task<bool> TryTakeAsync(NpgsqlConnection connection, long key, CancellationToken ct)
    {
        await using var attempt = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
        attempt.Parameters.AddWithValue("key", key);
        return await attempt.ExecuteScalarAsync(ct) is true;
    }

    /// <summary>Unlocks and closes the session that holds the lock.</summary>
    public static async Task ReleaseAsync(NpgsqlConnection connection, long key)
    {
        // A connection that broke has already closed: its session, and the lock with it, are gone.
        if (connection.State == System.Data.ConnectionState.Open)
            await UnlockAsync(connection, key);
        await connection.DisposeAsync();
    }

    private static async Task UnlockAsync(NpgsqlConnection connection, long key)
    {
        try
        {
            // A pooled connection outlives this Close; unlocking explicitly hands over now, not at its reuse.
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
            unlock.Parameters.AddWithValue("key", key);
            await unlock.ExecuteScalarAsync();
        }
        catch (DbException)
        {
            // The session is gone, and the lock with it.
        }
    }
}
