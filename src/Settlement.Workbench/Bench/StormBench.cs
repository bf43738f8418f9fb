using Settlement.Projections;
using System.Diagnostics;
using Npgsql;
using Settlement.Ledger.Database;
using Settlement.Ledger.Store;
using Settlement.Ocpp.Framing;
using Settlement.Workbench.Simulation;
using Spectre.Console;

namespace Settlement.Workbench.Bench;

/// <summary>What one reconnect storm came to: the chargers back, the time they took, and the host's peak connections.</summary>
public sealed record StormReport(int Chargers, int MaxConnections, int FirstConnected, int Connected, int Booted, long Refused,
    long Dropped, long Present, TimeSpan ToAllConnected, TimeSpan ToAllBooted, int PeakConnectionsBefore, int PeakConnectionsAfter, string? LastError)
{
    public void Print()
    {
        var table = new Table().AddColumns("reconnect storm", "figure");
        table.AddRow("chargers", $"{Chargers:N0}");
        table.AddRow("connected before the restart", $"{FirstConnected:N0}");
        table.AddRow("reconnected, all at once", $"{Connected:N0}");
        table.AddRow("booted (BootNotification accepted)", $"{Booted:N0}");
        table.AddRow("refused or dropped", $"{Refused + Dropped:N0}");
        table.AddRow("presence recorded", $"{Present:N0}");
        table.AddRow("time to all connected", $"{ToAllConnected.TotalSeconds:N1} s");
        table.AddRow("time to all booted", $"{ToAllBooted.TotalSeconds:N1} s");
        table.AddRow("host's connection budget", $"{MaxConnections}");
        table.AddRow("peak database connections (first connect / storm)", $"{PeakConnectionsBefore} / {PeakConnectionsAfter}");
        AnsiConsole.Write(table);
        if (LastError is not null) AnsiConsole.MarkupLineInterpolated($"[yellow]Last error:[/] {LastError}");
        var kept = Connected == Chargers && Booted == Chargers && Refused + Dropped == 0 && Present == Chargers;
        var within = PeakConnectionsBefore <= MaxConnections && PeakConnectionsAfter <= MaxConnections;
        AnsiConsole.MarkupLine(kept ? "[green]PASS[/] every charger is back and present" : "[red]FAIL[/] chargers were lost");
        AnsiConsole.MarkupLine(within ? "[green]PASS[/] within the connection budget" : "[red]FAIL[/] over the connection budget");
    }
}

/// <summary>
/// <c>settle bench storm</c>: every charger connects and boots, the host process is killed and started again, and
/// every charger reconnects at the same moment, as after a host restart in the field. Counts what came back and
/// the host's connections in pg_stat_activity all along.
/// </summary>
internal sealed class StormBench(DatabaseServer server, string database, int chargers, int maxConnections)
{
    private const string Password = "storm-charger-password-0001";
    // Its own application name, so the connections counted are this host's, whatever else the server serves.
    private readonly string _applicationName = $"settlement-storm-{Environment.ProcessId}";
    private Dictionary<string, string> Budget => new() { [ConnectionBudget.EnvironmentVariable] = maxConnections.ToString() };

    public async Task<StormReport> RunAsync(CancellationToken ct)
    {
        await server.RecreateScratchDatabaseAsync(database, ct);
        await server.MigrateAsync(database, SettlementReadModels.All, ct);
        var connectionString = server.ConnectionStringFor(database);
        var hostConnection = new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = _applicationName }.ConnectionString;
        var definitions = Enumerable.Range(1, chargers)
            .Select(n => new ChargerDefinition($"STORM-{n:D5}", Password, n % 2 == 0 ? OcppProtocol.Ocpp16 : OcppProtocol.Ocpp201, EvseCount: 1))
            .ToList();
        var options = new SimulatorOptions { CallTimeout = TimeSpan.FromMinutes(2) };

        AnsiConsole.MarkupLineInterpolated($"Registering {chargers:N0} chargers in [bold]{database}[/]");
        await using (var ledger = await LedgerStore.OpenAsync(connectionString, SettlementReadModels.All, ct, budget: new ConnectionBudget(ConnectionBudget.Minimum)))
            await ChargerRegistration.RegisterAsync(ledger, definitions, "STORM-SITE", ct: ct);

        int firstConnected, peakBefore;
        AnsiConsole.MarkupLine("Connecting and booting every charger, 200 at a time");
        await using (var watch = await ConnectionWatch.StartAsync(connectionString, _applicationName, ct))
        {
            await using var host = await HostProcess.StartAsync(HostProcess.RunningSettle, database, hostConnection, ct, Budget,
                migrationConnectionString: server.MigrationConnectionStringFor(database));
            await using var fleet = new Fleet(host.OcppEndpoint, definitions, options);
            firstConnected = await fleet.ConnectAsync(200, ct);
            await fleet.BootAsync(200, ct);
            AnsiConsole.MarkupLine("Killing the host with every charger connected");
            await host.DisposeAsync();
            await fleet.AbortAsync();
            peakBefore = await watch.StopAsync();
        }

        AnsiConsole.MarkupLine("Starting the host again; every charger reconnects at once");
        await using var watchAfter = await ConnectionWatch.StartAsync(connectionString, _applicationName, ct);
        await using var restarted = await HostProcess.StartAsync(HostProcess.RunningSettle, database, hostConnection, ct, Budget,
            migrationConnectionString: server.MigrationConnectionStringFor(database));
        await using var storm = new Fleet(restarted.OcppEndpoint, definitions, options);
        var clock = Stopwatch.StartNew();
        var connected = await storm.ConnectAsync(chargers, ct);
        var toConnected = clock.Elapsed;
        var booted = await storm.BootAsync(chargers, ct);
        var toBooted = clock.Elapsed;
        var peakAfter = await watchAfter.StopAsync();
        var present = await PresentAsync(connectionString, ct);
        var counters = storm.Counters.Snapshot();
        await restarted.DisposeAsync();
        await storm.AbortAsync();
        return new StormReport(chargers, maxConnections, firstConnected, connected, booted, counters.ConnectFailures,
            counters.Disconnects + counters.CallErrors + counters.Timeouts, present, toConnected, toBooted, peakBefore, peakAfter, counters.LastError);
    }

    /// <summary>Chargers whose presence row names a live host session, as another host locating them would read it.</summary>
    private static async Task<long> PresentAsync(string connectionString, CancellationToken ct)
    {
        await using var ledger = await LedgerStore.OpenAsync(connectionString, SettlementReadModels.All, ct, budget: new ConnectionBudget(ConnectionBudget.Minimum));
        return await ledger.CountPresentChargersAsync(ct);
    }
}
