using System.Net.Sockets;
using System.Text.RegularExpressions;
using Npgsql;

namespace Settlement.Ledger.Database;

/// <summary>
/// The PostgreSQL server the engine works against: the one configured, else the embedded local cluster.
/// </summary>
public sealed partial class DatabaseServer : IAsyncDisposable
{
    public const string ConnectionVariable = "SETTLE_CONNECTION";
    const string MaintenanceDatabase = "postgres";

    readonly string connectionString;
    readonly IAsyncDisposable? embedded;

    DatabaseServer(string connectionString, string description, IAsyncDisposable? embedded)
    {
        this.connectionString = connectionString;
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
    public static async Task<DatabaseServer> ConnectAsync(string? configuredConnectionString, Action<string> report, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(configuredConnectionString))
        {
            if (OperatingSystem.IsWindows())
                throw new DatabaseServerException(
                    $"there is no embedded PostgreSQL on Windows; set {ConnectionVariable} or --connection to an existing server.");
            var local = await LocalPostgres.StartAsync(report, ct);
            return new DatabaseServer(local.AdminConnectionString, local.Description, local);
        }

        NpgsqlConnectionStringBuilder configured;
        try
        {
            configured = new NpgsqlConnectionStringBuilder(configuredConnectionString);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new DatabaseServerException($"the configured connection string is not valid: {e.Message}", e);
        }
        if (string.IsNullOrWhiteSpace(configured.Host))
            throw new DatabaseServerException("the configured connection string names no server (Host=...)");

        var address = $"{configured.Host}:{configured.Port}";
        var server = new DatabaseServer(configured.ConnectionString, $"PostgreSQL at {address}", embedded: null);
        try
        {
            await using var connection = await server.OpenMaintenanceConnectionAsync(ct);
        }
        catch (Exception e) when (e is NpgsqlException or ArgumentException)
        {
            throw new DatabaseServerException($"cannot reach PostgreSQL at {address}: {Reason(e)}", e);
        }
        report($"using {server.Description}");
        return server;
    }

    static string Reason(Exception e) => e switch
    {
        PostgresException postgres => $"{postgres.MessageText} ({postgres.SqlState})",
        { InnerException: SocketException or TimeoutException } => e.InnerException.Message,
        _ => e.Message,
    };

    /// <summary>The server's connection string pointed at <paramref name="database"/>.</summary>
    public string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Database = ValidName(database) }.ConnectionString;

    /// <summary>Creates the database unless it exists.</summary>
    public async Task EnsureDatabaseAsync(string database, CancellationToken ct)
    {
        ValidName(database);
        await using var connection = await OpenMaintenanceConnectionAsync(ct);
        await using var exists = new NpgsqlCommand("select 1 from pg_database where datname = $1", connection)
        {
            Parameters = { new NpgsqlParameter { Value = database } },
        };
        if (await exists.ExecuteScalarAsync(ct) is not null)
            return;
        try
        {
            await ExecuteAsync(connection, $"CREATE DATABASE {Quoted(database)}", ct);
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
            await ExecuteAsync(connection, $"CREATE DATABASE {Quoted(database)}", ct);
        }
        // Pooled connections to the old database were cut off by FORCE; handing one out would fail.
        await using var pooled = new NpgsqlConnection(ConnectionStringFor(database));
        NpgsqlConnection.ClearPool(pooled);
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
        await using var pooled = new NpgsqlConnection(ConnectionStringFor(database));
        NpgsqlConnection.ClearPool(pooled);
    }

    public async ValueTask DisposeAsync()
    {
        if (embedded is not null)
            await embedded.DisposeAsync();
    }

    // Administration is rare; unpooled, it leaves no idle sessions on the maintenance database.
    Task<NpgsqlConnection> OpenMaintenanceConnectionAsync(CancellationToken ct) =>
        new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString)
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
