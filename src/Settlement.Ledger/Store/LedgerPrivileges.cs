using Hangfire.PostgreSql;
using Npgsql;

namespace Settlement.Ledger.Store;

/// <summary>
/// What the application role may do to the ledger's schema: read and append events, chain links and checkpoints,
/// and keep its own read models, presence and job tables. It owns nothing, so it can neither switch the
/// append-only triggers off nor edit or drop what they guard; only the owner's migration changes the schema.
/// </summary>
public static class LedgerPrivileges
{
    /// <summary>The history and what vouches for it: appended to and read, never changed.</summary>
    internal static readonly string[] AppendOnlyTables = ["mt_events", Audit.ChainTables.Links, Audit.ChainTables.Checkpoints];

    /// <summary>Hangfire's own installer, run by the owner: the application role could not create its tables.</summary>
    internal static async Task InstallJobSchemaAsync(NpgsqlDataSource ownerDataSource, CancellationToken ct)
    {
        await using var connection = await ownerDataSource.OpenConnectionAsync(ct);
        PostgreSqlObjectsInstaller.Install(connection, LedgerStore.JobSchema);
    }

    /// <summary>
    /// Grants afresh on every migration, since a migration may have added tables: everything in the ledger's schema
    /// but the append-only tables, whose rows can only be added, and <c>mt_streams</c>, whose versions an append moves
    /// on but whose rows are never removed. One transaction, so no session ever sees the broader grant.
    /// </summary>
    internal static async Task GrantAsync(NpgsqlDataSource ownerDataSource, string applicationRole, CancellationToken ct)
    {
        var role = QuotedIdentifier(applicationRole);
        var appendOnly = string.Join(", ", AppendOnlyTables.Select(table => $"{LedgerStore.Schema}.{table}"));
        await using var grant = ownerDataSource.CreateCommand($"""
            GRANT USAGE ON SCHEMA {LedgerStore.Schema}, {LedgerStore.JobSchema} TO {role};
            GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA {LedgerStore.Schema} TO {role};
            REVOKE UPDATE, DELETE, TRUNCATE ON {appendOnly} FROM {role};
            REVOKE DELETE, TRUNCATE ON {LedgerStore.Schema}.mt_streams FROM {role};
            GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {LedgerStore.Schema} TO {role};
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {LedgerStore.JobSchema} TO {role};
            GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {LedgerStore.JobSchema} TO {role};
            """);
        await grant.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// What the connected role can do that the application should not be able to: say, a superuser or the tables'
    /// owner, which can switch the append-only triggers off and rewrite history. Empty for a proper application role.
    /// </summary>
    public static Task<IReadOnlyList<string>> ExcessAsync(Ledger ledger, CancellationToken ct) => ExcessAsync(ledger.DataSource, ct);

    /// <summary>As <see cref="ExcessAsync(Ledger, CancellationToken)"/>, for a connection no ledger is opened on, e.g. the schema owner's.</summary>
    public static async Task<IReadOnlyList<string>> ExcessAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT current_user, r.rolsuper, r.rolcreaterole, r.rolcreatedb,
                   coalesce((SELECT array_agg(c.relname::text ORDER BY c.relname)
                             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                             WHERE n.nspname = '{LedgerStore.Schema}' AND c.relname = ANY(@appendOnly)
                               AND pg_has_role(current_user, c.relowner, 'USAGE')), ARRAY[]::text[]),
                   coalesce((SELECT array_agg(c.relname::text ORDER BY c.relname)
                             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                             WHERE n.nspname = '{LedgerStore.Schema}' AND c.relname = ANY(@appendOnly)
                               AND has_table_privilege(c.oid, 'UPDATE, DELETE, TRUNCATE')), ARRAY[]::text[])
            FROM pg_roles r WHERE r.rolname = current_user
            """);
        command.Parameters.AddWithValue("appendOnly", AppendOnlyTables);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var user = reader.GetString(0);
        var excess = new List<string>();
        if (reader.GetBoolean(1)) excess.Add($"{user} is a superuser");
        if (reader.GetBoolean(2)) excess.Add($"{user} may create roles");
        if (reader.GetBoolean(3)) excess.Add($"{user} may create databases");
        var owned = reader.GetFieldValue<string[]>(4);
        if (owned.Length > 0)
            excess.Add($"{user} owns {Listed(owned)} (or acts as their owner), so it can switch their append-only triggers off");
        var editable = reader.GetFieldValue<string[]>(5).Except(owned).ToArray();
        if (editable.Length > 0)
            excess.Add($"{user} may update, delete or truncate {Listed(editable)}");
        return excess;
    }

    private static string Listed(IEnumerable<string> tables) => string.Join(", ", tables.Select(table => $"{LedgerStore.Schema}.{table}"));

    private static string QuotedIdentifier(string name) => $"\"{name.Replace("\"", "\"\"")}\"";
}
