using Settlement.Ledger.Audit;

namespace Settlement.Tests.Audit;

[Collection(LedgerCollection.Name)]
public sealed class hash_chain_tests(LedgerDatabase db)
{
    [Fact]
    public async Task a_clean_history_verifies_event_by_event()
    {
        await using var ledger = await ChainedLedger.CreateAsync(db, "chain_clean");
        await ledger.AppendSessionsAsync(30);

        var head = await ledger.Writer.CatchUpAsync();
        var result = await ledger.VerifyAsync();

        Assert.Null(result.Problem);
        Assert.Equal(60, result.EventsVerified);
        Assert.Equal(0, result.EventsNotYetChained);
        Assert.Equal(head.Sequence, result.Head.Sequence);
        Assert.Equal(head.Hash, result.Head.Hash);
    }

    [Theory]
    [InlineData("UPDATE ledger.mt_events SET data = jsonb_set(data, '{meterStopWh}', '9001') WHERE seq_id = @victim", "payload")]
    [InlineData("UPDATE ledger.mt_events SET headers = jsonb_set(headers, '{actor}', '\"operator:mallory\"') WHERE seq_id = @victim", "headers")]
    [InlineData("UPDATE ledger.mt_events SET correlation_id = 'forged' WHERE seq_id = @victim", "correlation")]
    [InlineData("UPDATE ledger.mt_events SET timestamp = timestamp - interval '1 day' WHERE seq_id = @victim", "recorded time")]
    public async Task an_edited_event_is_found_at_its_exact_position(string tampering, string what)
    {
        await using var ledger = await ChainedLedger.CreateAsync(db, "chain_edit");
        await ledger.AppendSessionsAsync(20);
        await ledger.Writer.CatchUpAsync();
        var victim = await ledger.ScalarAsync("SELECT seq_id FROM ledger.mt_events WHERE type = 'session_stopped_v1' ORDER BY seq_id OFFSET 7 LIMIT 1");

        await ledger.TamperAsync(tampering.Replace("@victim", victim.ToString()));
        var result = await ledger.VerifyAsync();

        Assert.True(result.Problem is { Kind: "event-altered" }, $"{what}: {result.Problem}");
        Assert.Equal(victim, result.Problem!.Sequence);
    }

    [Fact]
    public async Task swapped_events_are_found_at_the_first_of_the_two_positions()
    {
        await using var ledger = await ChainedLedger.CreateAsync(db, "chain_swap");
        await ledger.AppendSessionsAsync(10);
        await ledger.Writer.CatchUpAsync();

        await ledger.TamperAsync("""
            UPDATE ledger.mt_events SET seq_id = -1 WHERE seq_id = 5;
            UPDATE ledger.mt_events SET seq_id = 5 WHERE seq_id = 12;
            UPDATE ledger.mt_events SET seq_id = 12 WHERE seq_id = -1;
            """);
        var result = await ledger.VerifyAsync();

        Assert.Equal(("event-altered", 5L), (result.Problem?.Kind, result.Problem?.Sequence));
    }

    [Fact]
    public async Task a_deleted_event_is_found_at_its_position()
    {
        await using var ledger = await ChainedLedger.CreateAsync(db, "chain_delete");
        await ledger.AppendSessionsAsync(10);
        await ledger.Writer.CatchUpAsync();

        await ledger.TamperAsync("DELETE FROM ledger.mt_events WHERE seq_id = 9");
        var result = await ledger.VerifyAsync();

        Assert.Equal(("event-missing", 9L), (result.Problem?.Kind, result.Problem?.Sequence));
    }

    [Fact]
    public async Task a_rolled_back_sequence_number_is_linked_past_and_an_event_forged_into_it_is_found()
    {
        await using var ledger = await ChainedLedger.CreateAsync(db, "chain_gap");
        await ledger.AppendSessionsAsync(5);
        var burnt = await ledger.ScalarAsync("SELECT nextval('ledger.mt_events_sequence')");
        await ledger.AppendSessionsAsync(5);
        await ledger.Writer.CatchUpAsync();
        var clean = await ledger.VerifyAsync();

        await ledger.TamperAsync($"""
            INSERT INTO ledger.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, headers)
            SELECT {burnt}, gen_random_uuid(), stream_id, 99, data, type, timestamp, tenant_id, mt_dotnet_type, headers
            FROM ledger.mt_events WHERE seq_id = 1
            """);
        var forged = await ledger.VerifyAsync();

        Assert.Null(clean.Problem);
        Assert.Equal((20L, 1L), (clean.EventsVerified, clean.SequencesNeverCommitted));
        Assert.Equal(("event-unchained", burnt), (forged.Problem?.Kind, forged.Problem?.Sequence));
    }

    [Fact]
    public async Task events_after_the_chain_head_are_counted_as_not_yet_chained_not_as_tampering()
    {
        await using var ledger = await ChainedLedger.CreateAsync(db, "chain_tail");
        await ledger.AppendSessionsAsync(5);
        await ledger.Writer.CatchUpAsync();
        await ledger.AppendSessionsAsync(3);

        var result = await ledger.VerifyAsync();

        Assert.Null(result.Problem);
        Assert.Equal((10L, 6L), (result.EventsVerified, result.EventsNotYetChained));
    }
}
