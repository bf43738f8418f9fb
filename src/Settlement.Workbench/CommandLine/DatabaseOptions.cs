using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Settlement.Ledger.Database;

namespace Settlement.Workbench.CommandLine;

/// <summary>
/// Where the ledger lives. Precedence: --connection, then SETTLE_CONNECTION, then
/// ConnectionStrings:Settlement in appsettings.json; with none of them the embedded cluster is used.
/// The schema owner's connection, for migrations: SETTLE_MIGRATION_CONNECTION, then
/// ConnectionStrings:SettlementMigration; without one the connection above migrates too.
/// </summary>
public sealed class DatabaseOptions
{
    public const string EnvironmentVariable = "SETTLE_CONNECTION";

    private readonly string _defaultDatabase;

    public DatabaseOptions(string defaultDatabase, string databaseHelp)
    {
        _defaultDatabase = defaultDatabase;
        Connection = new Option<string?>("--connection")
        {
            Description = $"PostgreSQL connection string (default: ${EnvironmentVariable}, then appsettings.json, then an embedded local cluster).",
        };
        Database = new Option<string?>("--database") { Description = databaseHelp };
    }

    public Option<string?> Connection { get; }
    public Option<string?> Database { get; }

    public void AddTo(Command command)
    {
        command.Options.Add(Connection);
        command.Options.Add(Database);
    }

    public static string? Configured(string? fromOption) => Configured(
        fromOption,
        Environment.GetEnvironmentVariable(EnvironmentVariable),
        SettingsFiles);

    /// <param name="settingsFiles">appsettings.json files, later ones overriding earlier ones.</param>
    public static string? Configured(string? fromOption, string? fromEnvironment, params string[] settingsFiles) =>
        !string.IsNullOrWhiteSpace(fromOption) ? fromOption : FromEnvironmentOrSettings(fromEnvironment, "Settlement", settingsFiles);

    public static string? ConfiguredMigration() =>
        FromEnvironmentOrSettings(Environment.GetEnvironmentVariable(DatabaseServer.MigrationConnectionVariable), "SettlementMigration", SettingsFiles);

    private static string[] SettingsFiles =>
    [
        Path.Combine(AppContext.BaseDirectory, "appsettings.json"),
        Path.Combine(Environment.CurrentDirectory, "appsettings.json"),
    ];

    private static string? FromEnvironmentOrSettings(string? fromEnvironment, string settingName, string[] settingsFiles)
    {
        if (!string.IsNullOrWhiteSpace(fromEnvironment)) return fromEnvironment;
        var settings = new ConfigurationBuilder();
        foreach (var file in settingsFiles)
            settings.AddJsonFile(file, optional: true);
        return settings.Build().GetConnectionString(settingName) is { Length: > 0 } fromSettings ? fromSettings : null;
    }

    /// <summary>Whether the user named the database: --database, or a connection string that names one.</summary>
    public bool Named(ParseResult parse) => NamedDatabase(parse) is not null;

    /// <summary>The database to use: --database, else the one named in the connection string, else the default.</summary>
    public string DatabaseName(ParseResult parse) => NamedDatabase(parse) ?? _defaultDatabase;

    private string? NamedDatabase(ParseResult parse)
    {
        if (parse.GetValue(Database) is { Length: > 0 } explicitName) return explicitName;
        return Configured(parse.GetValue(Connection)) is { } configured && new NpgsqlConnectionStringBuilder(configured).Database is { Length: > 0 } named
            ? named
            : null;
    }

    /// <summary>
    /// The database a command that recreates its own fills: --database, else its default name. The connection
    /// string's database is never taken: that is the operator's ledger (or <c>postgres</c>), not a scratch one.
    /// </summary>
    public string ScratchDatabaseName(ParseResult parse) =>
        parse.GetValue(Database) is { Length: > 0 } explicitName ? explicitName : _defaultDatabase;

    /// <summary>Recreates <paramref name="name"/>, refusing one that exists and that the demo or bench did not create.</summary>
    public Task RecreateScratchAsync(DatabaseServer server, string name, CancellationToken ct) =>
        server.RecreateScratchDatabaseAsync(name, ct, ownName: _defaultDatabase);

    public Task<DatabaseServer> ConnectAsync(ParseResult parse, Action<string> report, CancellationToken ct) =>
        DatabaseServer.ConnectAsync(Configured(parse.GetValue(Connection)), report, ct, ConfiguredMigration());
}
