using Settlement.Domain.Events;
using Settlement.Ledger;
using Settlement.Ledger.Schemas;
using static Settlement.Tests.Ledger.Events;

namespace Settlement.Tests.Ledger;

/// <summary>An import appends batch after batch: in order, and never past a batch that failed.</summary>
[Collection(LedgerCollection.Name)]
public sealed class in_order_append_tests(LedgerDatabase db)
{
    [Fact]
    public async Task batches_commit_in_their_order_and_each_is_reported_once_committed()
    {
        var sessions = Enumerable.Range(0, 4).Select(_ => NewSessionId()).ToList();
        var batches = sessions.Select(id => (IReadOnlyList<StreamAppend>)
            [StreamAppend.New(StreamIds.Session(id), Pending(Started(id)), Pending(Stopped(id, 4_000)))]).ToList();
        var reported = new List<string>();

        await db.Ledger.AppendInOrderAsync(batches, batch => reported.Add(batch[0].StreamId));

        Assert.Equal(sessions.Select(StreamIds.Session), reported);
        var firstSequences = new List<long>();
        foreach (var id in sessions)
        {
            var stream = await db.Ledger.ReadStreamAsync(StreamIds.Session(id));
            Assert.Equal([1L, 2L], stream.Select(e => e.Version));
            firstSequences.Add(stream[0].Sequence);
        }
        Assert.Equal(firstSequences.Order(), firstSequences);
    }

    [Fact]
    public async Task a_malformed_batch_stops_the_series_after_the_batches_before_it_committed()
    {
        var (before, bad, after) = (NewSessionId(), NewSessionId(), NewSessionId());
        var reported = new List<string>();

        await Assert.ThrowsAsync<MalformedEventException>(() => db.Ledger.AppendInOrderAsync(
        [
            [StreamAppend.New(StreamIds.Session(before), Pending(Started(before)))],
            [StreamAppend.New(StreamIds.Session(bad), Pending(Started(bad)), Pending(Rated(bad, "five stars", stars: 9)))],
            [StreamAppend.New(StreamIds.Session(after), Pending(Started(after)))],
        ], batch => reported.Add(batch[0].StreamId)));

        Assert.Equal([StreamIds.Session(before)], reported);
        Assert.Single(await db.Ledger.ReadStreamAsync(StreamIds.Session(before)));
        Assert.Empty(await db.Ledger.ReadStreamAsync(StreamIds.Session(bad)));
        Assert.Empty(await db.Ledger.ReadStreamAsync(StreamIds.Session(after)));
    }

    [Fact]
    public async Task a_batch_refused_by_the_database_leaves_no_later_batch_written()
    {
        var (taken, after) = (NewSessionId(), NewSessionId());
        await db.Ledger.AppendAsync(StreamAppend.New(StreamIds.Session(taken), Pending(Started(taken))));

        // Valid on its own, so only the database can refuse it: the stream already exists.
        await Assert.ThrowsAsync<StreamConcurrencyException>(() => db.Ledger.AppendInOrderAsync(
        [
            [StreamAppend.New(StreamIds.Session(taken), Pending(Started(taken)))],
            [StreamAppend.New(StreamIds.Session(after), Pending(Started(after)))],
        ]));

        Assert.Single(await db.Ledger.ReadStreamAsync(StreamIds.Session(taken)));
        Assert.Empty(await db.Ledger.ReadStreamAsync(StreamIds.Session(after)));
    }
}
