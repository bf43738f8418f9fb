using Settlement.Projections;
using JasperFx;
using Marten;
using Settlement.Domain.Events;
using Settlement.Ledger.Store;

namespace Settlement.Tests.Ledger
{
    using Versions;

    [Collection(LedgerCollection.Name)]
    public sealed class upcasting_tests(LedgerDatabase db)
    {
        [Fact]
        public async Task an_event_stored_under_v1_is_read_as_v2_and_its_stored_row_is_untouched()
        {
            var stream = "test:" + Guid.NewGuid().ToString("N");
            using (var before = new DocumentStore(LedgerStore.Configure(new StoreOptions(), db.ConnectionString, AutoCreate.None, SettlementReadModels.All,
                       new EventCatalogue([new EventType(typeof(ChargingLimitSet), EventFamily.Sessions)]))))
            await using (var session = before.LightweightSession())
            {
                session.Events.StartStream(stream, new ChargingLimitSet("S-1", LimitKw: 22));
                await session.SaveChangesAsync();
            }

            using var after = new DocumentStore(LedgerStore.Configure(new StoreOptions(), db.ConnectionString, AutoCreate.None, SettlementReadModels.All,
                new EventCatalogue(
                [
                    new EventType(typeof(ChargingLimitSet), EventFamily.Sessions),
                    new EventType(typeof(ChargingLimitSetV2), EventFamily.Sessions),
                ]),
                new ChargingLimitSetUpcaster()));
            await using var query = after.QuerySession();
            var read = Assert.Single(await query.Events.FetchStreamAsync(stream));

            Assert.Equal(new ChargingLimitSetV2("S-1", LimitW: 22_000), read.Data);
            Assert.Equal("charging_limit_set_v1", read.EventTypeName);
        }
    }
}

namespace Settlement.Tests.Ledger.Versions
{
    // v1 stored the limit in kW; v2 means watts. The meaning changed, so it is a new version.
    public sealed record ChargingLimitSet(string SessionId, int LimitKw);

    public sealed record ChargingLimitSetV2(string SessionId, int LimitW);

    public sealed class ChargingLimitSetUpcaster : VersionUpcaster<ChargingLimitSet, ChargingLimitSetV2>
    {
        protected override ChargingLimitSetV2 Upcast(ChargingLimitSet old) => new(old.SessionId, old.LimitKw * 1_000);
    }
}
