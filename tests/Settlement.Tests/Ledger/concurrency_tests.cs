using Settlement.Projections;
using Settlement.Domain.Events;
using Settlement.Ledger;
using Settlement.Ledger.Store;
using static Settlement.Tests.Ledger.Events;

namespace Settlement.Tests.Ledger;

[Collection(LedgerCollection.Name)]
public sealed class concurrency_tests(LedgerDatabase db)
{
    [Fact]
    public async Task two_writers_at_the_same_version_one_wins_the_other_is_told()
    {
        var sessionId = NewSessionId();
        var stream = StreamIds.Session(sessionId);
        await db.Ledger.AppendAsync(StreamAppend.New(stream, Pending(Started(sessionId))));

        var writers = Enumerable.Range(0, 2).Select(i =>
            db.Ledger.AppendAsync(new StreamAppend(stream, [Pending(Stopped(sessionId, 5_000 + i))], ExpectedVersion: 1)));
        var outcomes = await Task.WhenAll(writers.Select(async w =>
        {
            try { await w; return null; }
            catch (StreamConcurrencyException e) { return e; }
        }));

        Assert.Single(outcomes, o => o is null);
        var refused = Assert.Single(outcomes, o => o is not null)!;
        Assert.Contains(stream, refused.StreamIds);
        Assert.Equal(2, (await db.Ledger.ReadStreamAsync(stream)).Count);
    }

    [Fact]
    public async Task concurrent_appends_that_name_no_version_all_land_in_order_of_commit()
    {
        var sessionId = NewSessionId();
        var stream = StreamIds.Session(sessionId);
        await db.Ledger.AppendAsync(StreamAppend.New(stream, Pending(Started(sessionId))));

        await Task.WhenAll(Enumerable.Range(1, 20).Select(i => Task.Run(() =>
            db.Ledger.AppendAsync(new StreamAppend(stream, [Pending(Rated(sessionId, $"#{i}", stars: 1 + i % 5))])))));

        var events = await db.Ledger.ReadStreamAsync(stream);
        Assert.Equal(21, events.Count);
        Assert.Equal(Enumerable.Range(1, 21).Select(v => (long)v), events.Select(e => e.Version));
    }

    [Fact]
    public async Task a_stale_batch_committed_alongside_others_fails_alone_and_the_others_land()
    {
        var stale = NewSessionId();
        await db.Ledger.AppendAsync(StreamAppend.New(StreamIds.Session(stale), Pending(Started(stale)), Pending(Stopped(stale, 2_000))));
        var fresh = Enumerable.Range(0, 30).Select(_ => NewSessionId()).ToList();

        var writers = fresh.Select(id => db.Ledger.AppendAsync(StreamAppend.New(StreamIds.Session(id), Pending(Started(id)))))
            .Append(db.Ledger.AppendAsync(new StreamAppend(StreamIds.Session(stale), [Pending(Stopped(stale, 3_000))], ExpectedVersion: 1)))
            .ToList();
        var outcomes = await Task.WhenAll(writers.Select(async w =>
        {
            try { await w; return null; }
            catch (StreamConcurrencyException e) { return e; }
        }));

        Assert.Equal(StreamIds.Session(stale), Assert.Single(outcomes.OfType<StreamConcurrencyException>()).StreamIds.Single());
        foreach (var id in fresh)
            Assert.Single(await db.Ledger.ReadStreamAsync(StreamIds.Session(id)));
        Assert.Equal(2, (await db.Ledger.ReadStreamAsync(StreamIds.Session(stale))).Count);
    }

    [Fact]
    public async Task starting_a_stream_that_exists_is_refused()
    {
        var sessionId = NewSessionId();
        var stream = StreamIds.Session(sessionId);
        await db.Ledger.AppendAsync(StreamAppend.New(stream, Pending(Started(sessionId))));

        await Assert.ThrowsAsync<StreamConcurrencyException>(() =>
            db.Ledger.AppendAsync(StreamAppend.New(stream, Pending(Started(sessionId)))));

        Assert.Single(await db.Ledger.ReadStreamAsync(stream));
    }

    [Fact]
    public async Task a_stale_expected_version_in_a_batch_writes_nothing_of_the_batch()
    {
        var fresh = NewSessionId();
        var stale = NewSessionId();
        await db.Ledger.AppendAsync(StreamAppend.New(StreamIds.Session(stale), Pending(Started(stale)), Pending(Stopped(stale, 2_000))));

        await Assert.ThrowsAsync<StreamConcurrencyException>(() => db.Ledger.AppendAsync(
        [
            StreamAppend.New(StreamIds.Session(fresh), Pending(Started(fresh))),
            new StreamAppend(StreamIds.Session(stale), [Pending(Stopped(stale, 3_000))], ExpectedVersion: 1),
        ]));

        Assert.Empty(await db.Ledger.ReadStreamAsync(StreamIds.Session(fresh)));
        Assert.Equal(2, (await db.Ledger.ReadStreamAsync(StreamIds.Session(stale))).Count);
    }

    [Fact]
    public async Task one_batch_numbers_each_stream_in_its_order_and_the_sequence_in_the_batch_order()
    {
        var first = NewSessionId();
        var second = NewSessionId();
        await db.Ledger.AppendAsync(StreamAppend.New(StreamIds.Session(first), Pending(Started(first))));

        await db.Ledger.AppendAsync(
        [
            new StreamAppend(StreamIds.Session(first), [Pending(Rated(first, "a")), Pending(Rated(first, "b"))]),
            StreamAppend.New(StreamIds.Session(second), Pending(Started(second))),
            new StreamAppend(StreamIds.Session(first), [Pending(Rated(first, "c"))], ExpectedVersion: 3),
        ]);

        var firstEvents = await db.Ledger.ReadStreamAsync(StreamIds.Session(first));
        var secondEvents = await db.Ledger.ReadStreamAsync(StreamIds.Session(second));
        Assert.Equal([1L, 2, 3, 4], firstEvents.Select(e => e.Version));
        Assert.Equal(["a", "b", "c"], firstEvents.Skip(1).Select(e => ((Domain.Sessions.SessionRated)e.Data).Comment));
        Assert.Equal(1, Assert.Single(secondEvents).Version);
        long[] inBatchOrder = [firstEvents[1].Sequence, firstEvents[2].Sequence, secondEvents[0].Sequence, firstEvents[3].Sequence];
        Assert.Equal(inBatchOrder.Order(), inBatchOrder);
        // One transaction, one database clock reading.
        Assert.Single(firstEvents.Skip(1).Append(secondEvents[0]).Select(e => e.RecordedAt).Distinct());
    }

    [Fact]
    public async Task two_hosts_appending_to_one_stream_at_once_queue_behind_each_other_and_neither_is_refused()
    {
        var sessionId = NewSessionId();
        var stream = StreamIds.Session(sessionId);
        await db.Ledger.AppendAsync(StreamAppend.New(stream, Pending(Started(sessionId))));
        await using var otherHost = await LedgerStore.OpenAsync(db.ConnectionString, SettlementReadModels.All);

        await Task.WhenAll(Enumerable.Range(1, 40).Select(i => Task.Run(() =>
            (i % 2 == 0 ? db.Ledger : otherHost).AppendAsync(new StreamAppend(stream, [Pending(Rated(sessionId, $"#{i}"))])))));

        var events = await db.Ledger.ReadStreamAsync(stream);
        Assert.Equal(Enumerable.Range(1, 41).Select(v => (long)v), events.Select(e => e.Version));
        Assert.Equal(40, events.Skip(1).Select(e => ((Domain.Sessions.SessionRated)e.Data).Comment).Distinct().Count());
        Assert.Equal(41, await db.Ledger.StreamVersionAsync(stream));
    }
}
