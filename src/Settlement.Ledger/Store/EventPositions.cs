using Npgsql;

namespace Settlement.Ledger.Store;

public static class EventPositions
{
    /// <summary>The highest position appended to the schema's events (0 for none); transactions below it may still be open.</summary>
    public static async Task<long> LastAsync(NpgsqlDataSource dataSource, string schema, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await LastAsync(connection, schema, ct);
    }

    public static async Task<long> LastAsync(NpgsqlConnection connection, string schema, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT coalesce(max(seq_id), 0) FROM {schema}.mt_events", connection);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }
}
