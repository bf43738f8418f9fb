using Settlement.Domain.Events;
using Settlement.Ledger;
using Settlement.Ledger.Drivers;
using static Settlement.Tests.Ledger.Events;

namespace Settlement.Tests.Audit;

[Collection(LedgerCollection.Name)]
public sealed class shredding_chain_tests(LedgerDatabase db)
{
    [Fact]
    public async Task erasing_a_driver_leaves_every_chained_event_verifiable_and_its_token_unreadable()
    {
        await using var ledger = await ChainedLedger.CreateAsync(db, "chain_shredding");
        const string token = "RFID-SHRED-0001";
        var sealedToken = await ledger.Ledger.Drivers.SealTokenAsync(token);
        var sessionId = NewSessionId();
        await ledger.Ledger.AppendAsync(StreamAppend.New(StreamIds.Session(sessionId),
            Pending(Started(sessionId) with { IdToken = sealedToken }), Pending(Stopped(sessionId, 9_000))));
        await ledger.AppendSessionsAsync(3);
        var chainedBefore = (await ledger.Writer.CatchUpAsync()).Sequence;

        await ledger.Ledger.EraseTokenAsync(token, "GDPR art. 17 request", new Actor(ActorKind.Operator, "dpo"), Noon);
        await ledger.Writer.CatchUpAsync();
        var result = await ledger.VerifyAsync();

        Assert.Null(result.Problem);
        Assert.Equal(chainedBefore + 1, result.EventsVerified);
        Assert.Null(await ledger.Ledger.Drivers.UnsealAsync(sealedToken));
        Assert.Equal(0, await ledger.ScalarAsync($"SELECT count(*) FROM ledger.mt_events WHERE data::text LIKE '%{token}%' OR headers::text LIKE '%{token}%'"));
    }
}
