using NodaTime;
using Settlement.Domain.Events;
using Settlement.Domain.Sessions;
using Settlement.Ledger;
using static Settlement.Tests.Ledger.Events;

namespace Settlement.Tests.Ledger;

[Collection(LedgerCollection.Name)]
public sealed class append_and_read_tests(LedgerDatabase db)
{
    [Fact]
    public async Task an_event_round_trips_with_its_metadata_and_both_times()
    {
        var sessionId = NewSessionId();
        var started = Started(sessionId);
        var occurredAt = Noon.Minus(Duration.FromSeconds(3));
        var metadata = new EventMetadata("corr-42", "cmd-7", Actor.Charger("DE-MUC-01"), occurredAt)
        {
            SourceMessage = """[2,"19223201","StartTransaction",{"connectorId":1,"idTag":"RFID-0001","meterStart":1000,"timestamp":"2026-10-12T11:59:57Z"}]""",
        };

        await db.Ledger.AppendAsync(StreamAppend.New(StreamIds.Session(sessionId), new PendingEvent(started, metadata)));

        var recorded = Assert.Single(await db.Ledger.ReadStreamAsync(StreamIds.Session(sessionId)));
        Assert.Equal(started, recorded.Data);
        Assert.Equal(metadata, recorded.Metadata);
        Assert.Equal("session_started_v2", recorded.StoredType);
        Assert.Equal(1, recorded.Version);
        Assert.True(recorded.Sequence > 0);
        // The recorded time is the database's clock at append, not the source's.
        Assert.InRange(recorded.RecordedAt, SystemClock.Instance.GetCurrentInstant() - Duration.FromMinutes(5),
            SystemClock.Instance.GetCurrentInstant() + Duration.FromMinutes(5));
    }

    [Fact]
    public async Task events_of_one_batch_land_in_their_streams_in_order()
    {
        var first = NewSessionId();
        var second = NewSessionId();

        await db.Ledger.AppendAsync(
        [
            StreamAppend.New(StreamIds.Session(first), Pending(Started(first)), Pending(Stopped(first, 9_000))),
            StreamAppend.New(StreamIds.Session(second), Pending(Started(second))),
        ]);

        var firstStream = await db.Ledger.ReadStreamAsync(StreamIds.Session(first));
        Assert.Equal([typeof(SessionStartedV2), typeof(SessionStopped)], firstStream.Select(e => e.Data.GetType()));
        Assert.Equal([1L, 2L], firstStream.Select(e => e.Version));
        Assert.Single(await db.Ledger.ReadStreamAsync(StreamIds.Session(second)));
    }
}
