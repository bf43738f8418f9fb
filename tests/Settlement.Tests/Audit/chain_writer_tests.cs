using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Settlement.Ledger.Audit;

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
        var headWhileOpen = await ChainHead.ReadAsync(ledger.DataSource, CancellationToken.None);
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
        await using var second = new ChainWriter(ledger.DataSource, NullLogger.Instance);
        await ledger.Writer.StartAsync(CancellationToken.None);
        await second.StartAsync(CancellationToken.None);
        await ledger.AppendSessionsAsync(5);
        await WaitUntilAsync(async () => (await ChainHead.ReadAsync(ledger.DataSource, CancellationToken.None)).Sequence == 10);
        var firstWrote = ledger.Writer.IsWriter;

        await ledger.Writer.StopAsync(CancellationToken.None);
        await ledger.AppendSessionsAsync(5);
        await WaitUntilAsync(async () => (await ChainHead.ReadAsync(ledger.DataSource, CancellationToken.None)).Sequence == 20);
        var result = await ledger.VerifyAsync();

        Assert.True(firstWrote, "the node started first took the chain");
        Assert.True(second.IsWriter, "the other node took over");
        Assert.Null(result.Problem);
        Assert.Equal(20, result.EventsVerified);
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
