using Settlement.Projections;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NodaTime;
using Settlement.Domain.Events;
using Settlement.Ledger;
using Settlement.Ledger.Audit;
using Settlement.Ledger.Store;
using Settlement.Workbench.Demo;
using static Settlement.Tests.Ledger.Events;

namespace Settlement.Tests.Audit;

[Collection(LedgerCollection.Name)]
public sealed class chain_writer_tests(LedgerDatabase db)
{
    [Fact]
    public async Task an_event_still_being_committed_below_later_events_is_waited_for_and_linked_in_order()
    {
        await using var ledger = await ChainedLedger.CreateAsync(db, "chain_in_flight");
        await ledger.AppendSessionsAsync(2);
        await using var slow = await ledger.DataSource.OpenConnectionAsync();
        await using var transaction = await slow.BeginTransactionAsync();
        long inFlight;
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO ledger.mt_events (seq_id, id, stream_id, version, data, type, tenant_id, mt_dotnet_type, headers)
            SELECT nextval('ledger.mt_events_sequence'), gen_random_uuid(), stream_id, 3, data, type, tenant_id, mt_dotnet_type, headers
            FROM ledger.mt_events WHERE seq_id = 1
            RETURNING seq_id
            """, slow, transaction))
            inFlight = (long)(await insert.ExecuteScalarAsync())!;
        await ledger.AppendSessionsAsync(2);

        var catchingUp = ledger.Writer.CatchUpAsync();
        await Task.Delay(ChainWriter.GapSettle * 3);
        var headWhileOpen = await ChainHead.ReadAsync(ledger.Ledger, CancellationToken.None);
        await transaction.CommitAsync();
        await catchingUp;
        var result = await ledger.VerifyAsync();

        Assert.False(catchingUp.IsFaulted);
        Assert.Equal(inFlight - 1, headWhileOpen.Sequence);
        Assert.Null(result.Problem);
        Assert.Equal((9L, 0L), (result.EventsVerified, result.SequencesNeverCommitted));
    }

    [Fact]
    public async Task another_node_takes_over_the_chain_where_the_first_stopped()
    {
        await using var ledger = await ChainedLedger.CreateAsync(db, "chain_failover");
        await using var second = new ChainWriter(ledger.Ledger, NullLogger.Instance);
        await ledger.Writer.StartAsync(CancellationToken.None);
        await second.StartAsync(CancellationToken.None);
        await ledger.AppendSessionsAsync(5);
        await WaitUntilAsync(async () => (await ChainHead.ReadAsync(ledger.Ledger, CancellationToken.None)).Sequence == 10);
        var firstWrote = ledger.Writer.IsWriter;

        await ledger.Writer.StopAsync(CancellationToken.None);
        await ledger.AppendSessionsAsync(5);
        await WaitUntilAsync(async () => (await ChainHead.ReadAsync(ledger.Ledger, CancellationToken.None)).Sequence == 20);
        var result = await ledger.VerifyAsync();

        Assert.True(firstWrote, "the node started first took the chain");
        Assert.True(second.IsWriter, "the other node took over");
        Assert.Null(result.Problem);
        Assert.Equal(20, result.EventsVerified);
    }

    [Fact]
    public async Task batches_committed_each_in_one_transaction_by_several_hosts_are_all_linked_while_the_writer_follows()
    {
        await using var ledger = await ChainedLedger.CreateAsync(db, "chain_batches");
        var history = DemoNetwork.Generate(new DemoOptions(Seed: 5, new LocalDate(2026, 10, 1), Days: 2));
        await ledger.Ledger.Drivers.RegisterAsync(history.Drivers);
        var connectionString = db.Server.ConnectionStringFor(ledger.DatabaseName);
        var hosts = new List<Settlement.Ledger.Ledger>();
        for (var i = 0; i < 3; i++) hosts.Add(await LedgerStore.OpenAsync(connectionString, SettlementReadModels.All));
        await ledger.Writer.StartAsync(CancellationToken.None);

        // Each host owns the streams that hash to it and appends them 40 events per call, several streams per
        // call, each call one transaction that holds its sequence numbers until it commits: the hosts commit
        // out of sequence order, so the writer keeps meeting gaps whose events are still being committed.
        var appending = history.GroupBy(e => (int)((uint)e.StreamId.GetHashCode() % hosts.Count)).Select(share => Task.Run(async () =>
        {
            foreach (var batch in share.Chunk(40))
                await hosts[share.Key].AppendAsync(batch.GroupBy(e => e.StreamId)
                    .Select(g => new StreamAppend(g.Key, g.Select(e => new PendingEvent(e.Data, e.Metadata)).ToList())).ToList());
        }));
        var refusals = Task.Run(async () =>
        {
            // A batch refused after its first stream's events took their sequence numbers leaves a gap for good.
            for (var i = 0; i < 5; i++)
            {
                var existing = (await ledger.AppendSessionsAsync(1))[0];
                var fresh = NewSessionId();
                await Assert.ThrowsAsync<StreamConcurrencyException>(() => ledger.Ledger.AppendAsync(
                [
                    StreamAppend.New(StreamIds.Session(fresh), Pending(Started(fresh)), Pending(Stopped(fresh, 9_000))),
                    StreamAppend.New(existing, Pending(Started(NewSessionId()))),
                ]));
            }
        });
        await Task.WhenAll([.. appending, refusals]);
        foreach (var host in hosts) await host.DisposeAsync();
        var head = await ledger.Writer.CatchUpAsync();
        var result = await ledger.VerifyAsync();
        var committed = await ledger.ScalarAsync("SELECT count(*) FROM ledger.mt_events");

        Assert.Null(result.Problem);
        Assert.Equal(await ledger.ScalarAsync("SELECT max(seq_id) FROM ledger.mt_events"), head.Sequence);
        Assert.Equal(committed, result.EventsVerified);
        Assert.Equal(head.Sequence - committed, result.SequencesNeverCommitted);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The chain did not get there within 20 s.");
            await Task.Delay(100);
        }
    }
}
