using Npgsql;

namespace Settlement.Ledger.Store;

/// <summary>
/// The database itself refuses to change or remove a recorded event, whatever client connects:
/// an application bug or a hand-typed UPDATE cannot rewrite history.
/// </summary>
internal static class AppendOnlyGuard
{
    public static async Task InstallAsync(NpgsqlDataSource dataSource, string schema, CancellationToken ct)
    {
        var sql = $"""
            CREATE OR REPLACE FUNCTION "{schema}".settle_refuse_event_change() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'the ledger is append-only: % on %.% is refused', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
                    USING ERRCODE = 'restrict_violation',
                          HINT = 'Correct history by appending a new event (e.g. a credit note), never by editing one.';
            END
            $$;
            """ + string.Concat(LedgerPrivileges.AppendOnlyTables.Select(table => $"""
            CREATE OR REPLACE TRIGGER settle_events_refuse_update_delete
                BEFORE UPDATE OR DELETE ON "{schema}".{table}
                FOR EACH ROW EXECUTE FUNCTION "{schema}".settle_refuse_event_change();
            CREATE OR REPLACE TRIGGER settle_events_refuse_truncate
                BEFORE TRUNCATE ON "{schema}".{table}
                FOR EACH STATEMENT EXECUTE FUNCTION "{schema}".settle_refuse_event_change();
            """));
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(ct);
    }
}
