using System.Net.Sockets;
using System.Text.RegularExpressions;
using Npgsql;
using Settlement.Ledger.Store;

namespace Settlement.Ledger.Database;

/// <summary>
/// The PostgreSQL server the engine works against: the one configured, else the embedded local cluster.
/// </summary>
/// <remarks>
/// Three connections, which may be one: the administration one creates and drops databases, the migration one owns
/// and changes the ledger's schema, and the application one does everything else, unable to edit history
/// (see <see cref="LedgerPrivileges"/>). The embedded cluster has a role for each; a configured server has the
/// application connection, and the migration one when <see cref="MigrationConnectionVariable"/> names it.
/// </remarks>
public sealed partial class DatabaseServer : IAsyncDisposable
{
    public const string ConnectionVariable = "SETTLE_CONNECTION";
    public const string MigrationConnectionVariable = "SETTLE_MIGRATION_CONNECTION";
    const string MaintenanceDatabase = "postgres";

    readonly string administration;
    readonly string migration;
    readonly string application;
    readonly IAsyncDisposable? embedded;

    DatabaseServer(string administration, string migration, string application, string description, IAsyncDisposable? embedded)
    {
        this.administration = administration;
        this.migration = migration;
        this.application = application;
        this.embedded = embedded;
        Description = description;
    }

    /// <summary>"embedded PostgreSQL 15 on 127.0.0.1:54321 (data …)" or "PostgreSQL at host:port".</summary>
    public string Description { get; }
    public bool IsEmbedded => embedded is not null;

    /// <summary>
    /// Uses the server in <paramref name="configuredConnectionString"/>, checking that it answers; when none is
    /// configured, starts (or reuses) the embedded local cluster.
    /// </summary>
    /// <param name="migrationConnectionString">
    /// The schema owner's connection to the same server; without it the configured connection migrates too.
    /// </param>
    public static async Task<DatabaseServer> ConnectAsync(
        string? configuredConnectionString, Action<string> report, CancellationToken ct, string? migrationConnectionString = null)
    {
        if (string.IsNullOrWhiteSpace(configuredConnectionString))
        {
            if (!string.IsNullOrWhiteSpace(migrationConnectionString))
                throw new DatabaseServerException(
                    $"a migration connection ({MigrationConnectionVariable}) is configured without the application's ({ConnectionVariable} or --connection)");
            if (OperatingSystem.IsWindows())
                throw new DatabaseServerException(
                    $"there is no embedded PostgreSQL on Windows; set {ConnectionVariable} or --connection to an existing server.");
            var local = await LocalPostgres.StartAsync(report, ct);
            return new DatabaseServer(local.AdminConnectionString, local.OwnerConnectionString, local.ApplicationConnectionString, local.Description, local);
        }

        var configured = Parsed(configuredConnectionString, "the configured connection string");
        var owner = string.IsNullOrWhiteSpace(migrationConnectionString)
            ? configured
            : Parsed(migrationConnectionString, $"the migration connection string ({MigrationConnectionVariable})");
        var address = $"{configured.Host}:{configured.Port}";
        var server = new DatabaseServer(owner.ConnectionString, owner.ConnectionString, configured.ConnectionString, $"PostgreSQL at {address}", embedded: null);
        foreach (var (connection, which) in new[] { (configured, ""), (owner, " (migration connection)") }.DistinctBy(c => c.Item1.ConnectionString))
        {
            try
            {
                await using var opened = await new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connection.ConnectionString)
                {
                    Database = MaintenanceDatabase,
                    Pooling = false,
                }.ConnectionString).OpenedAsync(ct);
            }
            catch (Exception e) when (e is NpgsqlException or ArgumentException)
            {
                throw new DatabaseServerException($"cannot reach PostgreSQL at {connection.Host}:{connection.Port}{which}: {Reason(e)}", e);
            }
        }
        report($"using {server.Description}");
        return server;
    }

    static NpgsqlConnectionStringBuilder Parsed(string connectionString, string what)
    {
        NpgsqlConnectionStringBuilder parsed;
        try
        {
            parsed = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new DatabaseServerException($"{what} is not valid: {e.Message}", e);
        }
        if (string.IsNullOrWhiteSpace(parsed.Host))
            throw new DatabaseServerException($"{what} names no server (Host=...)");
        return parsed;
    }

    static string Reason(Exception e) => e switch
    {
        PostgresException postgres => $"{postgres.MessageText} ({postgres.SqlState})",
        { InnerException: SocketException or TimeoutException } => e.InnerException.Message,
        _ => e.Message,
    };

    /// <summary>The application's connection string pointed at <paramref name="database"/>: what commands and hosts work with.</summary>
    public string ConnectionStringFor(string database) => Pointed(application, database);

    /// <summary>The schema owner's connection string pointed at <paramref name="database"/>.</summary>
    public string MigrationConnectionStringFor(string database) => Pointed(migration, database);

    /// <summary>The connection that creates and drops databases (the embedded cluster's superuser), pointed at <paramref name="database"/>.</summary>
    public string AdministrationConnectionStringFor(string database) => Pointed(administration, database);

    static string Pointed(string connectionString, string database) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Database = ValidName(database) }.ConnectionString;

    /// <summary>The role the application connects as, when it is not the schema's owner; the migration grants it its due.</summary>
    public string? ApplicationRole =>
        UserOf(application) is var user && user != UserOf(migration) ? user : null;

    static string? UserOf(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString).Username;

    /// <summary>Creates or updates the ledger's schema in the (existing) database as its owner, granting the application its due.</summary>
    public async Task MigrateAsync(string database, ReadModelSet readModels, CancellationToken ct)
    {
        if (SeparateOwner is { } owner)
            await HandOverAsync(database, owner, ct);
        await LedgerStore.MigrateAsync(MigrationConnectionStringFor(database), ApplicationRole, readModels, ct);
    }

    /// <summary>The owner role, when the administration connects as someone else (the embedded cluster's superuser).</summary>
    string? SeparateOwner => UserOf(migration) is var owner && owner != UserOf(administration) ? owner : null;

    /// <summary>
    /// Gives the owner role the database and the ledger's schemas with everything in them, as the administration:
    /// a ledger made before the roles were split belongs to the superuser, and the owner could not migrate it.
    /// Sequences that belong to a table column follow their table.
    /// </summary>
    async Task HandOverAsync(string database, string owner, CancellationToken ct)
    {
        await using var connection = await new NpgsqlConnection(new NpgsqlConnectionStringBuilder(AdministrationConnectionStringFor(database))
        {
            Pooling = false,
        }.ConnectionString).OpenedAsync(ct);
        var schemas = $"'{LedgerStore.Schema}', '{LedgerStore.JobSchema}'";
        await ExecuteAsync(connection, $$"""
            DO $$
            DECLARE
                owner constant regrole := '{{QuotedIdentifier(owner)}}';
                item record;
            BEGIN
                IF (SELECT datdba FROM pg_database WHERE datname = current_database()) <> owner THEN
                    EXECUTE format('ALTER DATABASE %I OWNER TO %s', current_database(), owner);
                END IF;
                FOR item IN SELECT nspname FROM pg_namespace WHERE nspname IN ({{schemas}}) AND nspowner <> owner LOOP
                    EXECUTE format('ALTER SCHEMA %I OWNER TO %s', item.nspname, owner);
                END LOOP;
                FOR item IN SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                            WHERE n.nspname IN ({{schemas}}) AND c.relkind IN ('r', 'p', 'v', 'm', 'S') AND c.relowner <> owner
                              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                                                                          AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')) LOOP
                    EXECUTE format('ALTER TABLE %s OWNER TO %s', item.name, owner);
                END LOOP;
                FOR item IN SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                            WHERE n.nspname IN ({{schemas}}) AND p.proowner <> owner LOOP
                    EXECUTE format('ALTER ROUTINE %s OWNER TO %s', item.name, owner);
                END LOOP;
            END
            $$
            """, ct);
    }

    static string QuotedIdentifier(string name) => $"\"{name.Replace("\"", "\"\"")}\"";

    /// <summary>Migrates the existing database (see <see cref="MigrateAsync"/>), then opens the ledger in it as the application.</summary>
    public async Task<Ledger> OpenLedgerAsync(string database, ReadModelSet readModels, CancellationToken ct)
    {
        await MigrateAsync(database, readModels, ct);
        return await LedgerStore.OpenAsync(ConnectionStringFor(database), readModels, ct);
    }

    public async Task<bool> DatabaseExistsAsync(string database, CancellationToken ct)
    {
        await using var connection = await OpenMaintenanceConnectionAsync(ct);
        return await ExistsAsync(connection, database, ct);
    }

    private static async Task<bool> ExistsAsync(NpgsqlConnection connection, string database, CancellationToken ct)
    {
        await using var exists = new NpgsqlCommand("select 1 from pg_database where datname = $1", connection)
        {
            Parameters = { new NpgsqlParameter { Value = database } },
        };
        return await exists.ExecuteScalarAsync(ct) is not null;
    }

    /// <summary>Creates the database unless it exists.</summary>
    public async Task EnsureDatabaseAsync(string database, CancellationToken ct)
    {
        ValidName(database);
        await using var connection = await OpenMaintenanceConnectionAsync(ct);
        if (await ExistsAsync(connection, database, ct))
            return;
        try
        {
            await ExecuteAsync(connection, Create(database), ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // Another process created it between our look and our create: the outcome is the one wanted.
        }
    }

    /// <summary>Drops the database, cutting off anyone connected to it, and creates it empty.</summary>
    public async Task RecreateDatabaseAsync(string database, CancellationToken ct)
    {
        ValidName(database);
        await using (var connection = await OpenMaintenanceConnectionAsync(ct))
        {
            await ExecuteAsync(connection, $"DROP DATABASE IF EXISTS {Quoted(database)} WITH (FORCE)", ct);
            await ExecuteAsync(connection, Create(database), ct);
        }
        ClearPools(database);
    }

    string Create(string database) =>
        SeparateOwner is { } owner ? $"CREATE DATABASE {Quoted(database)} OWNER {QuotedIdentifier(owner)}" : $"CREATE DATABASE {Quoted(database)}";

    /// <summary>Pooled connections to a dropped database were cut off by FORCE; handing one out would fail.</summary>
    void ClearPools(string database)
    {
        foreach (var connectionString in new[] { ConnectionStringFor(database), MigrationConnectionStringFor(database), AdministrationConnectionStringFor(database) })
        {
            using var pooled = new NpgsqlConnection(connectionString);
            NpgsqlConnection.ClearPool(pooled);
        }
    }

    /// <summary>
    /// The comment a database that <see cref="RecreateScratchDatabaseAsync"/> created carries: only such a database,
    /// or one under the command's own name, is ever dropped by it.
    /// </summary>
    public const string ScratchMarker = "settlement scratch: created by settle demo or bench, recreated on their next run";

    /// <summary>
    /// Recreates a database the demo or a bench fills for itself, as <see cref="RecreateDatabaseAsync"/> does, but only
    /// when it is absent, carries <see cref="ScratchMarker"/> or is named <paramref name="ownName"/> (the command's default,
    /// which runs from before the marker left unmarked): a database named through --database that they did not create
    /// (a ledger, <c>postgres</c>) is left as it is.
    /// </summary>
    /// <exception cref="DatabaseServerException">The database exists and is not the command's own.</exception>
    public async Task RecreateScratchDatabaseAsync(string database, CancellationToken ct, string? ownName = null)
    {
        ValidName(database);
        await using (var connection = await OpenMaintenanceConnectionAsync(ct))
        {
            await using var look = new NpgsqlCommand(
                "select coalesce(shobj_description(oid, 'pg_database'), '') from pg_database where datname = $1", connection)
            {
                Parameters = { new NpgsqlParameter { Value = database } },
            };
            if (await look.ExecuteScalarAsync(ct) is string comment && comment != ScratchMarker && database != ownName)
                throw new DatabaseServerException(
                    $"database '{database}' exists and was not created by settle demo or bench, so it is not dropped: " +
                    "leave out --database to use the command's own, or name a database that does not exist yet.");
        }
        await RecreateDatabaseAsync(database, ct);
        await using (var connection = await OpenMaintenanceConnectionAsync(ct))
            await ExecuteAsync(connection, $"COMMENT ON DATABASE {Quoted(database)} IS '{ScratchMarker}'", ct);
    }

    /// <summary>Drops the database if it exists, cutting off anyone connected to it.</summary>
    public async Task DropDatabaseAsync(string database, CancellationToken ct)
    {
        ValidName(database);
        await using (var connection = await OpenMaintenanceConnectionAsync(ct))
            await ExecuteAsync(connection, $"DROP DATABASE IF EXISTS {Quoted(database)} WITH (FORCE)", ct);
        ClearPools(database);
    }

    public async ValueTask DisposeAsync()
    {
        if (embedded is not null)
            await embedded.DisposeAsync();
    }

    // Administration is rare; unpooled, it leaves no idle sessions on the maintenance database.
    Task<NpgsqlConnection> OpenMaintenanceConnectionAsync(CancellationToken ct) =>
        new NpgsqlConnection(new NpgsqlConnectionStringBuilder(administration)
        {
            Database = MaintenanceDatabase,
            Pooling = false,
        }.ConnectionString).OpenedAsync(ct);

    static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    static string ValidName(string database) =>
        DatabaseName().IsMatch(database)
            ? database
            : throw new ArgumentException($"database name '{database}' must be 1 to 63 of a-z, 0-9 and _", nameof(database));

    // Names are validated to [a-z0-9_], so quoting is belt and braces, and keeps names like "2024_q1" legal.
    static string Quoted(string database) => $"\"{database}\"";

    [GeneratedRegex("^[a-z0-9_]{1,63}$")]
    private static partial Regex DatabaseName();
}
