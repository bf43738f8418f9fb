using Settlement.Projections;
using Npgsql;
using Settlement.Ledger.Database;
using Settlement.Ledger.Store;

namespace Settlement.Tests;

/// <summary>
/// One real PostgreSQL database per test process, bootstrapped the way the engine does it
/// (SETTLE_CONNECTION, and SETTLE_MIGRATION_CONNECTION for the schema's owner, if set; else the embedded cluster),
/// so the tests work as the application role, as the hosts do. Named after the process so that test runs
/// side by side (two developers, CI and a benchmark) never drop each other's data; dropped at the end.
/// Tests keep apart by using fresh stream ids, since the ledger refuses to delete events.
/// </summary>
public sealed class LedgerDatabase : IAsyncLifetime
{
    private const string Prefix = "settlement_tests_";

    public string Name { get; } = Prefix + Environment.ProcessId;
    public DatabaseServer Server { get; private set; } = null!;
    public string ConnectionString { get; private set; } = null!;
    public Settlement.Ledger.Ledger Ledger { get; private set; } = null!;

    /// <summary>A further database for this test process, e.g. for a CLI run; dropped with the others.</summary>
    public string Scratch(string purpose) => $"{Name}_{purpose}";

    /// <summary>A ledger of its own on the scratch database for <paramref name="purpose"/>, recreated empty; the caller disposes it.</summary>
    public async Task<Settlement.Ledger.Ledger> ScratchLedgerAsync(string purpose)
    {
        var name = Scratch(purpose);
        await Server.RecreateDatabaseAsync(name, CancellationToken.None);
        return await Server.OpenLedgerAsync(name, SettlementReadModels.All, CancellationToken.None);
    }

    public async Task InitializeAsync()
    {
        Server = await DatabaseServer.ConnectAsync(Environment.GetEnvironmentVariable(DatabaseServer.ConnectionVariable), _ => { }, CancellationToken.None,
            Environment.GetEnvironmentVariable(DatabaseServer.MigrationConnectionVariable));
        foreach (var stale in await DatabasesAsync(owner => owner is not { } pid || !ProcessAlive(pid)))
            await Server.DropDatabaseAsync(stale, CancellationToken.None);
        await Server.RecreateDatabaseAsync(Name, CancellationToken.None);
        ConnectionString = Server.ConnectionStringFor(Name);
        Ledger = await Server.OpenLedgerAsync(Name, SettlementReadModels.All, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await Ledger.DisposeAsync();
        foreach (var mine in await DatabasesAsync(owner => owner == Environment.ProcessId))
            await Server.DropDatabaseAsync(mine, CancellationToken.None);
        await Server.DisposeAsync();
    }

    /// <summary>Test databases whose owning process id (from the name) matches.</summary>
    private async Task<IReadOnlyList<string>> DatabasesAsync(Func<int?, bool> owner)
    {
        await using var connection = new NpgsqlConnection(Server.ConnectionStringFor("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT datname FROM pg_database WHERE datname LIKE 'settlement\\_tests\\_%'", connection);
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) names.Add(reader.GetString(0));
        return names.Where(n => owner(int.TryParse(n[Prefix.Length..].Split('_')[0], out var pid) ? pid : null)).ToList();
    }

    private static bool ProcessAlive(int pid) => Directory.Exists($"/proc/{pid}");
}

[CollectionDefinition(Name)]
public sealed class LedgerCollection : ICollectionFixture<LedgerDatabase>
{
    public const string Name = "ledger";
}
