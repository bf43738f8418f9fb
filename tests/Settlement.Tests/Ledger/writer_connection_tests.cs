using Npgsql;
using Settlement.Domain.Events;
using Settlement.Ledger;
using static Settlement.Tests.Ledger.Events;

namespace Settlement.Tests.Ledger;

/// <summary>The group-commit writer keeps one connection open; losing it (a restart, a killed backend) must not stop the ledger.</summary>
[Collection(LedgerCollection.Name)]
public sealed class writer_connection_tests(LedgerDatabase db)
{
    [Fact]
    public async Task after_its_connection_is_cut_the_writer_opens_another_and_a_failed_append_wrote_nothing()
    {
        await using var ledger = await db.ScratchLedgerAsync("writer_connection");
        var before = NewSessionId();
        await ledger.AppendAsync(StreamAppend.New(StreamIds.Session(before), Pending(Started(before))));

        await using (var admin = new NpgsqlConnection(db.Server.AdministrationConnectionStringFor("postgres")))
        {
            await admin.OpenAsync();
            await using var cut = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1", admin)
                { Parameters = { new() { Value = db.Scratch("writer_connection") } } };
            Assert.True((long)(await cut.ExecuteScalarAsync())! > 0);
        }
        var (during, after) = (NewSessionId(), NewSessionId());
        var failed = await Record.ExceptionAsync(() => ledger.AppendAsync(StreamAppend.New(StreamIds.Session(during), Pending(Started(during)))));
        await ledger.AppendAsync(StreamAppend.New(StreamIds.Session(after), Pending(Started(after))));

        Assert.Single(await ledger.ReadStreamAsync(StreamIds.Session(after)));
        Assert.Equal(failed is null ? 1 : 0, (await ledger.ReadStreamAsync(StreamIds.Session(during))).Count);
        Assert.Single(await ledger.ReadStreamAsync(StreamIds.Session(before)));
    }
}
