using Settlement.Projections;
using Npgsql;
using NodaTime;
using Settlement.Domain.Events;
using Settlement.Ledger;
using Settlement.Ledger.Store;
using static Settlement.Tests.Ledger.Events;

namespace Settlement.Tests.Ledger;

[Collection(LedgerCollection.Name)]
public sealed class recorded_time_tests(LedgerDatabase db)
{
    [Fact]
    public async Task events_are_recorded_at_the_database_clocks_instant_even_on_a_server_set_to_another_time_zone()
    {
        var name = db.Scratch("recorded_time");
        await db.Server.RecreateDatabaseAsync(name, CancellationToken.None);
        await using (var admin = new NpgsqlConnection(db.Server.AdministrationConnectionStringFor("postgres")))
        {
            await admin.OpenAsync();
            await using var zone = new NpgsqlCommand($"ALTER DATABASE {name} SET timezone TO 'Pacific/Auckland'", admin);
            await zone.ExecuteNonQueryAsync();
        }
        await using var ledger = await db.Server.OpenLedgerAsync(name, SettlementReadModels.All, CancellationToken.None);
        var (first, second) = (NewSessionId(), NewSessionId());
        var before = SystemClock.Instance.GetCurrentInstant();

        await ledger.AppendAsync(
        [
            StreamAppend.New(StreamIds.Session(first), Pending(Started(first)), Pending(Stopped(first, 9_000))),
            StreamAppend.New(StreamIds.Session(second), Pending(Started(second))),
        ]);

        var recorded = (await ledger.ReadStreamAsync(StreamIds.Session(first))).Concat(await ledger.ReadStreamAsync(StreamIds.Session(second)))
            .Select(e => e.RecordedAt).ToList();
        // The database clock, read in UTC whatever the server's time zone: not 13 hours off.
        Assert.All(recorded, at => Assert.InRange(at, before - Duration.FromSeconds(30), SystemClock.Instance.GetCurrentInstant() + Duration.FromSeconds(30)));
    }
}
