using Npgsql;

namespace Settlement.Tests;

/// <summary>One statement on a connection of its own, for tests that look at or reach into the database directly.</summary>
internal static class Sql
{
    public static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
