using System.Data.Common;
using Npgsql;

namespace Settlement.Ledger.Store;

/// <summary>
/// A PostgreSQL session-level advisory lock: one node of the cluster holds it, for exactly as long as the
/// session that took it lives, so a node that stops, crashes or loses its connection hands over by itself.
/// </summary>
public static class AdvisoryLock
{
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
