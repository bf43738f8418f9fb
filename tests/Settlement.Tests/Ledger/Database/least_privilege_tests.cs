using Settlement.Projections;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Settlement.Domain.Events;
using Settlement.Ledger;
using Settlement.Ledger.Audit;
using Settlement.Ledger.Store;
using Settlement.Tests.Audit;
using static Settlement.Tests.Ledger.Events;

namespace Settlement.Tests.Ledger.Database;

/// <summary>
/// The ledger's commands and hosts connect as the application role, which can append to history but neither
/// change it nor switch off what refuses changes. Each attempt runs in a transaction that is rolled back, so a
/// role that could do it (the superuser of old) leaves the shared test ledger as it was.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class least_privilege_tests(LedgerDatabase db)
{
    [Theory]
    [InlineData("ALTER TABLE ledger.mt_events DISABLE TRIGGER ALL")]
    [InlineData("ALTER TABLE ledger.chain_links DISABLE TRIGGER settle_events_refuse_update_delete")]
    [InlineData("DROP TRIGGER settle_events_refuse_update_delete ON ledger.chain_checkpoints")]
    [InlineData("CREATE OR REPLACE FUNCTION ledger.settle_refuse_event_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$")]
    [InlineData("SET session_replication_role = replica")]
    public async Task the_application_role_cannot_switch_the_append_only_guard_off(string sql)
    {
        var refused = await AsApplicationAsync(sql);

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused?.SqlState);
    }

    [Theory]
    [InlineData("UPDATE ledger.mt_events SET data = data")]
    [InlineData("DELETE FROM ledger.mt_events")]
    [InlineData("TRUNCATE ledger.mt_events")]
    [InlineData("DROP TABLE ledger.mt_events")]
    [InlineData("UPDATE ledger.chain_links SET hash = digest")]
    [InlineData("DELETE FROM ledger.chain_links")]
    [InlineData("TRUNCATE ledger.chain_links")]
    [InlineData("DROP TABLE ledger.chain_links")]
    [InlineData("UPDATE ledger.chain_checkpoints SET signature = signature")]
    [InlineData("DELETE FROM ledger.chain_checkpoints")]
    [InlineData("TRUNCATE ledger.chain_checkpoints")]
    [InlineData("DROP TABLE ledger.chain_checkpoints")]
    [InlineData("DELETE FROM ledger.mt_streams")]
    public async Task the_application_role_may_not_edit_remove_or_drop_history_or_what_vouches_for_it(string sql)
    {
        var refused = await AsApplicationAsync(sql);

        // Not the trigger's refusal (restrict_violation): the role is refused before any trigger is asked.
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused?.SqlState);
    }

    [Fact]
    public async Task the_application_role_is_no_superuser_owns_no_table_and_creates_neither_roles_nor_databases()
    {
        await using var owner = NpgsqlDataSource.Create(db.Server.MigrationConnectionStringFor(db.Name));

        var application = await LedgerPrivileges.ExcessAsync(db.Ledger.DataSource, CancellationToken.None);
        var migration = await LedgerPrivileges.ExcessAsync(owner, CancellationToken.None);

        Assert.Empty(application);
        Assert.Contains(migration, excess => excess.Contains(" owns ") && excess.Contains("ledger.mt_events"));
    }

    [Fact]
    public async Task appending_projecting_chaining_and_signing_all_work_as_the_application_role()
    {
        await using var ledger = await ChainedLedger.CreateAsync(db, "least_privilege_work");
        using var operatorKey = CheckpointKeys.Create();
        await using var projections = new AsyncProjections(ledger.Ledger, NullLogger.Instance);

        await ledger.AppendSessionsAsync(3);
        var head = await ledger.Writer.CatchUpAsync();
        var signed = await Checkpoints.SignAsync(ledger.Ledger, operatorKey);
        await projections.StartAsync(CancellationToken.None);
        await projections.WaitForNonStaleDataAsync(TimeSpan.FromMinutes(1));
        var verified = await ledger.VerifyAsync(CheckpointKeys.IdOf(operatorKey));

        Assert.Equal(0L, await ledger.ScalarAsync("SELECT count(*) FROM pg_roles WHERE rolname = current_user AND rolsuper"));
        Assert.Equal(6L, head.Sequence);
        Assert.Equal(6L, Assert.Single(signed).Statement.Sequence);
        Assert.True(await ledger.ScalarAsync("SELECT count(*) FROM ledger.mt_event_progression WHERE last_seq_id = 6") > 0);
        Assert.Null(verified.Problem);
    }

    [Fact]
    public async Task a_ledger_made_before_the_roles_were_split_is_handed_to_the_owner_and_opened_as_the_application()
    {
        var name = db.Scratch("least_privilege_legacy");
        await db.Server.RecreateDatabaseAsync(name, CancellationToken.None);
        await using (var administration = new NpgsqlConnection(db.Server.AdministrationConnectionStringFor(name)))
        {
            await administration.OpenAsync();
            await using var unowned = new NpgsqlCommand($"ALTER DATABASE {name} OWNER TO current_user", administration);
            await unowned.ExecuteNonQueryAsync();
        }
        await LedgerStore.MigrateAsync(db.Server.AdministrationConnectionStringFor(name), applicationRole: null, SettlementReadModels.All);

        await using var ledger = await db.Server.OpenLedgerAsync(name, SettlementReadModels.All, CancellationToken.None);
        var sessionId = NewSessionId();
        await ledger.AppendAsync(StreamAppend.New(StreamIds.Session(sessionId), Pending(Started(sessionId))));
        await using var owners = ledger.DataSource.CreateCommand(
            "SELECT string_agg(DISTINCT pg_get_userbyid(relowner), ',') FROM pg_class WHERE relnamespace = 'ledger'::regnamespace");

        Assert.Equal(new NpgsqlConnectionStringBuilder(db.Server.MigrationConnectionStringFor(name)).Username, await owners.ExecuteScalarAsync());
        Assert.Empty(await LedgerPrivileges.ExcessAsync(ledger.DataSource, CancellationToken.None));
    }

    private async Task<PostgresException?> AsApplicationAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(db.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        var refused = await Record.ExceptionAsync(() => command.ExecuteNonQueryAsync());
        await transaction.RollbackAsync();
        return refused as PostgresException;
    }
}
