using Settlement.Projections;
using System.Security.Cryptography;
using Npgsql;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Ledger.Store;
using Settlement.Ocpp.Framing;
using Settlement.Tests.Ocpp;
using Settlement.Workbench.Bench;
using Settlement.Workbench.Simulation;

namespace Settlement.Tests.Ocpp.ScaleOut;

/// <summary>
/// A host restarts and all its chargers reconnect at the same moment, against a server that lets the host's
/// database user have only a few connections more than the host's budget (a stock max_connections shared by
/// several hosts, in miniature).
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class reconnect_storm_tests(LedgerDatabase db) : IAsyncLifetime
{
    private const int Chargers = 600;
    private const int Budget = ConnectionBudget.Minimum;
    // PostgreSQL's per-role limit, which it enforces like max_connections for everyone but superusers.
    private const int ServerAllows = Budget + 4;

    private readonly string _database = db.Scratch("storm");
    private readonly string _password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
    private string Admin => db.Server.AdministrationConnectionStringFor("postgres");
    private string Role => _database;

    public async Task InitializeAsync()
    {
        await db.Server.DropDatabaseAsync(_database, CancellationToken.None);
        await Sql.ScalarAsync(Admin, $"DROP ROLE IF EXISTS {Role}");
        await Sql.ScalarAsync(Admin, $"CREATE ROLE {Role} LOGIN PASSWORD '{_password}' CONNECTION LIMIT {ServerAllows}");
        await Sql.ScalarAsync(Admin, $"CREATE DATABASE {_database} OWNER {Role}");
        // The limited role owns this database, so it migrates the ledger too (one connection, as an operator may run it).
        await LedgerStore.MigrateAsync(HostConnection("storm-migration"), applicationRole: null, SettlementReadModels.All);
    }

    public async Task DisposeAsync()
    {
        await db.Server.DropDatabaseAsync(_database, CancellationToken.None);
        await Sql.ScalarAsync(Admin, $"DROP ROLE IF EXISTS {Role}");
    }

    /// <summary>What a host started as <paramref name="name"/> connects with: the limited role, its own application name.</summary>
    private string HostConnection(string name) => new NpgsqlConnectionStringBuilder(db.Server.ConnectionStringFor(_database))
    {
        Username = Role, Password = _password, ApplicationName = name,
    }.ConnectionString;

    [Fact]
    public async Task every_charger_reconnecting_at_once_after_a_restart_is_accepted_and_present_while_the_host_stays_within_its_connection_budget()
    {
        var chargers = Enumerable.Range(1, Chargers)
            .Select(i => new ChargerDefinition($"STORM-{i:D4}", TestHost.Password, i % 2 == 0 ? OcppProtocol.Ocpp16 : OcppProtocol.Ocpp201, EvseCount: 1))
            .ToList();
        var options = new SimulatorOptions { CallTimeout = TimeSpan.FromSeconds(90) };

        int peakBefore;
        await using (var before = await LedgerStore.OpenAsync(HostConnection("storm-host-before"), SettlementReadModels.All, budget: new ConnectionBudget(Budget)))
        {
            await ChargerRegistration.RegisterAsync(before, chargers, "STORM-SITE");
            await using var watch = await ConnectionWatch.StartAsync(Admin, "storm-host-before", CancellationToken.None);
            await using (var host = await new TestHost(db, ledger: before).StartAsync())
            await using (var fleet = new Fleet(host.Endpoint, chargers, options))
            {
                Assert.Equal(Chargers, await fleet.ConnectAsync(maxConcurrency: 100, CancellationToken.None));
                Assert.Equal(Chargers, await fleet.BootAsync(maxConcurrency: 100, CancellationToken.None));
                // The restart: the host goes, its chargers see their connections drop.
            }
            peakBefore = await watch.StopAsync();
        }

        await using var after = await LedgerStore.OpenAsync(HostConnection("storm-host-after"), SettlementReadModels.All, budget: new ConnectionBudget(Budget));
        await using var watchAfter = await ConnectionWatch.StartAsync(Admin, "storm-host-after", CancellationToken.None);
        await using var restarted = await new TestHost(db, ledger: after).StartAsync();
        await using var storm = new Fleet(restarted.Endpoint, chargers, options);

        var connected = await storm.ConnectAsync(maxConcurrency: Chargers, CancellationToken.None);
        var booted = await storm.BootAsync(maxConcurrency: Chargers, CancellationToken.None);
        var peakAfter = await watchAfter.StopAsync();

        var counters = storm.Counters.Snapshot();
        Assert.True(counters.Errors == 0, $"{counters.ConnectFailures} refused, {counters.Disconnects} dropped, {counters.CallErrors} CALLERRORs: {counters.LastError}");
        Assert.Equal((Chargers, Chargers), (connected, booted));
        Assert.Equal(Chargers, await PresentAsync());
        Assert.Equal(Chargers, await CameBackOnlineAsync());
        Assert.True(peakBefore <= Budget && peakAfter <= Budget,
            $"the host held {peakBefore} connections at most before the restart and {peakAfter} after, against a budget of {Budget}");
    }

    /// <summary>Chargers whose presence row names a live host session (as another host locating them would read it).</summary>
    private async Task<long> PresentAsync() => (long)(await Sql.ScalarAsync(db.Server.AdministrationConnectionStringFor(_database), $"""
        SELECT count(*) FROM {LedgerStore.Schema}.charger_presence p
        JOIN pg_stat_activity a ON a.pid = p.node_pid AND a.backend_start = p.node_started
        """))!;

    private async Task<long> CameBackOnlineAsync() => (long)(await Sql.ScalarAsync(db.Server.AdministrationConnectionStringFor(_database), $"""
        SELECT count(DISTINCT stream_id) FROM {LedgerStore.Schema}.mt_events
        WHERE type = '{EventCatalogue.Current.All.Single(t => t.ClrType == typeof(ChargerCameBackOnline)).StoredName}'
        """))!;
}
