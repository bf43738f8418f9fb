using CsCheck;
using Settlement.Ledger.Audit;

namespace Settlement.Tests.Audit;

[Collection(LedgerCollection.Name)]
public sealed class checkpoint_tests(LedgerDatabase db)
{
    [Fact]
    public async Task a_signed_checkpoint_pins_history_even_when_the_chain_is_recomputed_after_an_edit()
    {
        await using var ledger = await ChainedLedger.CreateAsync(db, "chain_rewrite");
        using var operatorKey = CheckpointKeys.Create();
        await ledger.AppendSessionsAsync(10);
        await ledger.Writer.CatchUpAsync();
        var signed = await Checkpoints.SignAsync(ledger.Ledger, operatorKey);
        var clean = await ledger.VerifyAsync(CheckpointKeys.IdOf(operatorKey));

        await ledger.TamperAsync("UPDATE ledger.mt_events SET data = jsonb_set(data, '{meterStopWh}', '1') WHERE seq_id = 6; DELETE FROM ledger.chain_links;");
        await using (var rewriter = new ChainWriter(ledger.Ledger, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance))
            await rewriter.CatchUpAsync();
        var rewritten = await ledger.VerifyAsync(CheckpointKeys.IdOf(operatorKey));

        Assert.Equal((20L, 0L, 20L), (signed.Single().Statement.Sequence, signed.Single().Statement.FromSequence, signed.Single().Statement.EventCount));
        Assert.Null(clean.Problem);
        Assert.Equal(1, clean.CheckpointsVerified);
        // Every link was rewritten after the checkpoint was signed: the rewrite is named from the first of them.
        Assert.Equal(("chain-relinked", 1L), (rewritten.Problem?.Kind, rewritten.Problem?.Sequence));
    }

    [Fact]
    public async Task a_checkpoint_signed_by_another_key_than_the_operators_is_refused()
    {
        await using var ledger = await ChainedLedger.CreateAsync(db, "chain_foreign_key");
        using var operatorKey = CheckpointKeys.Create();
        using var impostor = CheckpointKeys.Create();
        await ledger.AppendSessionsAsync(3);
        await ledger.Writer.CatchUpAsync();
        await Checkpoints.SignAsync(ledger.Ledger, impostor);

        var result = await ledger.VerifyAsync(CheckpointKeys.IdOf(operatorKey));

        Assert.Equal(("checkpoint-key", 6L), (result.Problem?.Kind, result.Problem?.Sequence));
    }

    [Fact]
    public async Task the_next_checkpoint_covers_only_what_was_chained_since_the_last_and_nothing_new_signs_nothing()
    {
        await using var ledger = await ChainedLedger.CreateAsync(db, "chain_checkpoints");
        using var operatorKey = CheckpointKeys.Create();
        await ledger.AppendSessionsAsync(2);
        await ledger.Writer.CatchUpAsync();
        await Checkpoints.SignAsync(ledger.Ledger, operatorKey);
        await ledger.AppendSessionsAsync(3);
        await ledger.Writer.CatchUpAsync();

        var second = await Checkpoints.SignAsync(ledger.Ledger, operatorKey);
        var third = await Checkpoints.SignAsync(ledger.Ledger, operatorKey);
        var result = await ledger.VerifyAsync(CheckpointKeys.IdOf(operatorKey));

        Assert.Equal((10L, 4L, 6L), (second.Single().Statement.Sequence, second.Single().Statement.FromSequence, second.Single().Statement.EventCount));
        Assert.Empty(third);
        Assert.Equal(2, result.CheckpointsVerified);
    }

    [Fact]
    public void every_leaf_of_a_merkle_tree_is_proved_by_its_audit_path_and_no_other_digest_is()
    {
        Gen.Int[1, 300].SelectMany(size => Gen.Int[0, size - 1].Select(index => (size, index))).Sample((size, index) =>
        {
            var digests = Enumerable.Range(0, size).Select(i => System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i))).ToList();
            var root = MerkleTree.Root(digests);
            var path = MerkleTree.AuditPath(digests, index);
            var other = digests[(index + 1) % size];

            return MerkleTree.Includes(root, digests[index], index, size, path)
                   && (size == 1 || !MerkleTree.Includes(root, other, index, size, path));
        });
    }
}
