using Settlement.Domain.Events;
using Settlement.Ledger;
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
            db.Ledger.AppendAsync(new StreamAppend(stream, [Pending(new Domain.Sessions.SessionRated(sessionId, 1 + i % 5, $"#{i}", Noon))])))));

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
}
