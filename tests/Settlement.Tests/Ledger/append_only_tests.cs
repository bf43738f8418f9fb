using Npgsql;
using Settlement.Domain.Events;
using Settlement.Ledger;
using static Settlement.Tests.Ledger.Events;

namespace Settlement.Tests.Ledger;

[Collection(LedgerCollection.Name)]
public sealed class append_only_tests(LedgerDatabase db)
{
    [Theory]
    [InlineData("UPDATE ledger.mt_events SET data = '{}'::jsonb WHERE stream_id = @stream")]
    [InlineData("DELETE FROM ledger.mt_events WHERE stream_id = @stream")]
    [InlineData("TRUNCATE ledger.mt_events")]
    public async Task the_database_refuses_to_change_or_remove_a_recorded_event(string sql)
    {
        var sessionId = NewSessionId();
        var stream = StreamIds.Session(sessionId);
        await db.Ledger.AppendAsync(StreamAppend.New(stream, Pending(Started(sessionId))));
        var before = await db.Ledger.ReadStreamAsync(stream);

        // As the tables' owner: the application role is refused before the trigger is asked (least_privilege_tests).
        await using var connection = new NpgsqlConnection(db.Server.MigrationConnectionStringFor(db.Name));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("stream", stream);
        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        Assert.Contains("append-only", error.MessageText);
        var after = await db.Ledger.ReadStreamAsync(stream);
        Assert.Equal(before.Select(e => e.Data), after.Select(e => e.Data));
    }
}
