using Npgsql;

namespace Settlement.Ledger.Database;

internal static class OpenedConnections
{
    /// <summary>
    /// Opens a connection made outside a data source's pool handling; one that cannot be opened is disposed, so a
    /// failed open leaves nothing behind for the caller to clean up.
    /// </summary>
    public static async Task<NpgsqlConnection> OpenedAsync(this NpgsqlConnection connection, CancellationToken ct)
    {
        try
        {
            await connection.OpenAsync(ct);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
