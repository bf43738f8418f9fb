using Microsoft.Extensions.Logging.Abstractions;
using Settlement.Domain.Events;
using Settlement.Ledger;
using Settlement.Ledger.Audit;
using static Settlement.Tests.Ledger.Events;

namespace Settlement.Tests.Audit;

/// <summary>
/// Checkpoints anchored outside the database. Whoever can rewrite the database can rewrite its events, chain and
/// checkpoints together; the anchor log is out of their reach, and verify holds the ledger to it.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class anchored_history_tests(LedgerDatabase db) : IDisposable
{
    private readonly DirectoryInfo _anchors = Directory.CreateTempSubdirectory("settle-anchors-");
    private readonly System.Security.Cryptography.ECDsa _operatorKey = CheckpointKeys.Create();

    [Fact]
    public async Task an_event_rewritten_and_the_chain_relinked_over_it_is_caught_at_that_event()
    {
        await using var ledger = await GivenAnchoredAsync("anchor_relinked", sessions: 10);

        await ledger.TamperAsync("""
            UPDATE ledger.mt_events SET data = jsonb_set(data, '{meterStopWh}', '1') WHERE seq_id = 6;
            DELETE FROM ledger.chain_links WHERE seq_id >= 6;
            DELETE FROM ledger.chain_checkpoints;
            """);
        await RelinkAsync(ledger);
        var result = await VerifyAsync(ledger);

        Assert.Equal(("chain-relinked", 6L), (result.Problem?.Kind, result.Problem?.Sequence));
    }

    [Fact]
    public async Task a_relinked_history_whose_link_times_were_forged_too_still_fails_at_the_anchored_checkpoint()
    {
        await using var ledger = await GivenAnchoredAsync("anchor_forged_times", sessions: 10);

        await ledger.TamperAsync("""
            UPDATE ledger.mt_events SET data = jsonb_set(data, '{meterStopWh}', '1') WHERE seq_id = 6;
            DELETE FROM ledger.chain_links WHERE seq_id >= 6;
            DELETE FROM ledger.chain_checkpoints;
            """);
        await RelinkAsync(ledger);
        await ledger.TamperAsync("UPDATE ledger.chain_links SET chained_at = '2000-01-01' WHERE seq_id >= 6");
        var result = await VerifyAsync(ledger);

        Assert.Equal(("checkpoint-mismatch", 20L), (result.Problem?.Kind, result.Problem?.Sequence));
    }

    [Theory]
    [InlineData("DELETE FROM ledger.chain_checkpoints", "checkpoint-missing")]
    [InlineData("UPDATE ledger.chain_checkpoints SET signed_at = signed_at + interval '1 second'", "checkpoint-replaced")]
    public async Task a_checkpoint_deleted_or_changed_in_the_database_is_tampering(string tampering, string kind)
    {
        await using var ledger = await GivenAnchoredAsync("anchor_checkpoint_row", sessions: 10);

        await ledger.TamperAsync(tampering);
        var result = await VerifyAsync(ledger);

        Assert.Equal((kind, 20L), (result.Problem?.Kind, result.Problem?.Sequence));
    }

    [Theory]
    [InlineData("DELETE FROM ledger.mt_events WHERE seq_id > 14; DELETE FROM ledger.chain_links WHERE seq_id > 14;")]
    [InlineData("DELETE FROM ledger.chain_links WHERE seq_id > 14;")]
    public async Task a_chain_rolled_back_behind_its_anchor_is_tampering_from_the_first_position_removed(string rollback)
    {
        await using var ledger = await GivenAnchoredAsync("anchor_rollback", sessions: 5);
        await ledger.AppendSessionsAsync(5);
        await SignAndAnchorAsync(ledger);

        await ledger.TamperAsync(rollback + "DELETE FROM ledger.chain_checkpoints WHERE seq_id = 20;");
        var result = await VerifyAsync(ledger);

        Assert.Equal(("chain-truncated", 15L), (result.Problem?.Kind, result.Problem?.Sequence));
        Assert.Equal(2, result.CheckpointsAnchored);
    }

    [Fact]
    public async Task an_untouched_ledger_that_grew_past_its_anchor_verifies_against_it()
    {
        await using var ledger = await GivenAnchoredAsync("anchor_clean", sessions: 5);
        await ledger.AppendSessionsAsync(3);
        await ledger.Writer.CatchUpAsync();

        var result = await VerifyAsync(ledger);

        Assert.Null(result.Problem);
        Assert.Equal((16L, 1L, 1L), (result.EventsVerified, result.CheckpointsVerified, result.CheckpointsAnchored));
        var line = Assert.Single(await File.ReadAllLinesAsync(AnchorLog.For(ledger.DatabaseName, _anchors.FullName).FilePath));
        Assert.Empty(CommittedSchemas.Problems("documents/anchored-checkpoint.v1.json", System.Text.Encoding.UTF8.GetBytes(line)));
    }

    [Fact]
    public async Task a_checkpoint_signed_by_another_key_than_the_anchors_is_refused()
    {
        await using var ledger = await GivenAnchoredAsync("anchor_impostor", sessions: 2);
        using var impostor = CheckpointKeys.Create();
        await ledger.AppendSessionsAsync(2);
        await ledger.Writer.CatchUpAsync();
        await Checkpoints.SignAsync(ledger.Ledger, impostor);

        var result = await VerifyAsync(ledger);

        Assert.Equal(("checkpoint-key", 8L), (result.Problem?.Kind, result.Problem?.Sequence));
    }

    [Fact]
    public async Task a_line_of_the_anchor_log_that_is_not_a_checkpoint_is_named_by_file_and_line()
    {
        await using var ledger = await GivenAnchoredAsync("anchor_malformed", sessions: 1);
        var log = AnchorLog.For(ledger.DatabaseName, _anchors.FullName);
        await File.AppendAllTextAsync(log.FilePath, "{\"seq\":\n");

        var refused = Assert.Throws<InvalidDataException>(() => log.Read());

        Assert.StartsWith($"{log.FilePath} line 2 is not a signed checkpoint", refused.Message);
    }

    [Fact]
    public async Task a_problem_found_while_the_next_page_is_still_being_read_is_reported_not_thrown()
    {
        // Three pages (16,384 rows) of each, so the second page is still being read when the first one shows the edit:
        // closing the connection under that read threw an NpgsqlException out of verify in most runs.
        await using var ledger = await ChainedLedger.CreateAsync(db, "anchor_early_stop");
        for (var batch = 0; batch < 25; batch++)
            await ledger.Ledger.AppendAsync(Enumerable.Range(0, 1_000).Select(_ => NewSessionId())
                .Select(id => StreamAppend.New(StreamIds.Session(id), Pending(Started(id)), Pending(Stopped(id, 9_000)))).ToList());
        await ledger.Writer.CatchUpAsync();
        await ledger.TamperAsync("UPDATE ledger.mt_events SET data = jsonb_set(data, '{meterStopWh}', '1') WHERE seq_id = 2");

        for (var run = 0; run < 5; run++)
        {
            var result = await ledger.VerifyAsync();
            Assert.Equal(("event-altered", 2L), (result.Problem?.Kind, result.Problem?.Sequence));
        }
    }

    [Fact]
    public async Task a_value_the_ledger_can_no_longer_read_stops_verification_with_the_position_reached()
    {
        await using var ledger = await ChainedLedger.CreateAsync(db, "anchor_unreadable");
        await ledger.AppendSessionsAsync(3);
        await ledger.Writer.CatchUpAsync();
        await ledger.TamperAsync("UPDATE ledger.mt_events SET timestamp = '20000-01-01' WHERE seq_id = 4");

        var failed = await Assert.ThrowsAsync<VerificationFailedException>(() => ledger.VerifyAsync());

        Assert.Equal(3, failed.ReadThrough);
        Assert.StartsWith("the ledger could not be read past event 3", failed.Message);
    }

    [Fact]
    public async Task an_unreachable_database_stops_verification_with_what_failed()
    {
        await using var unreachable = Npgsql.NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Username=x;Password=y;Timeout=2");

        var failed = await Assert.ThrowsAsync<VerificationFailedException>(() => LedgerVerification.VerifyAsync(unreachable, trustedKeyId: null));

        Assert.Equal(0, failed.ReadThrough);
        Assert.IsAssignableFrom<Npgsql.NpgsqlException>(failed.InnerException);
    }

    /// <summary>Given sessions chained, a checkpoint of them signed with the operator's key and anchored outside the database.</summary>
    private async Task<ChainedLedger> GivenAnchoredAsync(string purpose, int sessions)
    {
        var ledger = await ChainedLedger.CreateAsync(db, purpose);
        await ledger.AppendSessionsAsync(sessions);
        await SignAndAnchorAsync(ledger);
        return ledger;
    }

    private async Task SignAndAnchorAsync(ChainedLedger ledger)
    {
        await ledger.Writer.CatchUpAsync();
        var signed = await Checkpoints.SignAsync(ledger.Ledger, _operatorKey);
        await AnchorLog.For(ledger.DatabaseName, _anchors.FullName).AppendAsync(signed);
    }

    /// <summary>What a host restarted after the tampering does: link whatever the chain lacks.</summary>
    private static async Task RelinkAsync(ChainedLedger ledger)
    {
        await using var writer = new ChainWriter(ledger.Ledger, NullLogger.Instance);
        await writer.CatchUpAsync();
    }

    private Task<VerificationResult> VerifyAsync(ChainedLedger ledger) =>
        LedgerVerification.VerifyAsync(ledger.Ledger, trustedKeyId: null, AnchorLog.For(ledger.DatabaseName, _anchors.FullName).Read());

    public void Dispose()
    {
        _operatorKey.Dispose();
        _anchors.Delete(recursive: true);
    }
}
