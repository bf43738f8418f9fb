using Weasel.Core;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace Settlement.Ledger.Audit;

/// <summary>
/// The hash chain's tables beside the events. Both are append-only like the events themselves.
/// <see cref="Links"/>: one row per event in ledger order; <c>previous_seq</c> names the event it links to,
/// so a sequence number that was never committed (a rolled-back append) is a visible, deliberate skip.
/// <see cref="Checkpoints"/>: the operator's signatures over the chain head.
/// </summary>
public static class ChainTables
{
    public const string Links = "chain_links";
    public const string Checkpoints = "chain_checkpoints";

    public static IEnumerable<Table> Define(string schema)
    {
        var links = new Table(new PostgresqlObjectName(schema, Links, SchemaUtils.IdentifierUsage.General));
        links.AddColumn<long>("seq_id").AsPrimaryKey();
        links.AddColumn<long>("previous_seq").NotNull();
        links.AddColumn("digest", "bytea").NotNull();
        links.AddColumn("hash", "bytea").NotNull();
        links.AddColumn("chained_at", "timestamptz").NotNull().DefaultValueByExpression("now()");
        yield return links;

        var checkpoints = new Table(new PostgresqlObjectName(schema, Checkpoints, SchemaUtils.IdentifierUsage.General));
        checkpoints.AddColumn<long>("seq_id").AsPrimaryKey();
        checkpoints.AddColumn<long>("from_seq").NotNull();
        checkpoints.AddColumn<long>("event_count").NotNull();
        checkpoints.AddColumn("hash", "bytea").NotNull();
        checkpoints.AddColumn("merkle_root", "bytea").NotNull();
        checkpoints.AddColumn("signed_at", "timestamptz").NotNull();
        checkpoints.AddColumn<string>("key_id").NotNull();
        checkpoints.AddColumn<string>("public_key").NotNull();
        checkpoints.AddColumn("signature", "bytea").NotNull();
        yield return checkpoints;
    }
}
