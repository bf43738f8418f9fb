using Settlement.Projections;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Npgsql;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Ledger;
using Settlement.Ledger.Store;
using Settlement.Ocpp.Connections;

namespace Settlement.Tests.Ocpp;

/// <summary>
/// Outages recorded whatever happens to the host or the database. A scratch database of its own, since these
/// tests leave a dead host's presence behind and take the database away.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class ocpp_outage_tests(LedgerDatabase db) : IAsyncLifetime
{
    private const string Purpose = "outages";
    private readonly List<Settlement.Ledger.Ledger> _ledgers = [];
    private string _connectionString = null!;

    public async Task InitializeAsync()
    {
        _ledgers.Add(await db.ScratchLedgerAsync(Purpose));
        _connectionString = db.Server.ConnectionStringFor(db.Scratch(Purpose));
    }

    public async Task DisposeAsync()
    {
        await SetConnectionsAllowedAsync(true);
        foreach (var ledger in _ledgers) await ledger.DisposeAsync();
    }

    /// <summary>A host of the cluster, with a ledger (and so a connection pool) of its own.</summary>
    private async Task<TestHost> HostAsync() => await new TestHost(db, ledger: await LedgerAsync()).StartAsync();

    private async Task<Settlement.Ledger.Ledger> LedgerAsync()
    {
        var ledger = await LedgerStore.OpenAsync(_connectionString, SettlementReadModels.All);
        _ledgers.Add(ledger);
        return ledger;
    }

    [Fact]
    public async Task hosts_starting_after_a_crash_record_the_dead_hosts_charger_offline_once_from_when_it_was_last_heard()
    {
        await using var survivor = await HostAsync();
        var connected = await survivor.RegisterChargerAsync(OcppVersion.Ocpp16);
        await using var client = await RawOcppClient.ConnectAsync(survivor.Endpoint, connected, "ocpp1.6");
        await client.CallAsync("BootNotification", new JsonObject { ["chargePointVendor"] = "Acme", ["chargePointModel"] = "Fast 150" });
        var stranded = await survivor.RegisterChargerAsync(OcppVersion.Ocpp16);
        var lastHeardAt = Instant.FromUnixTimeSeconds(SystemClock.Instance.GetCurrentInstant().ToUnixTimeSeconds()) - Duration.FromMinutes(10);
        await ReportAsync(survivor.Ledger, stranded,
            (new ChargerBooted(stranded, "Acme", "Fast 150", null, "1.0", BootReason.PowerUp, lastHeardAt - Duration.FromMinutes(1)), lastHeardAt - Duration.FromMinutes(1)),
            (new ConnectorStatusChanged(stranded, 1, 1, ConnectorStatus.Charging, lastHeardAt), lastHeardAt));
        await LeavePresenceOfADeadHostAsync(stranded);

        var (one, other) = (await LedgerAsync(), await LedgerAsync());
        var restarted = await Task.WhenAll(new TestHost(db, ledger: one).StartAsync(), new TestHost(db, ledger: other).StartAsync());
        await using var first = restarted[0];
        await using var second = restarted[1];

        var offline = await ocpp_connection_tests.Eventually(async () =>
            (await survivor.ChargerEventsAsync(stranded)).Select(e => e.Data).OfType<ChargerWentOffline>().FirstOrDefault());
        Assert.Equal(lastHeardAt, offline.LastSeenAt);
        // Both hosts swept at start; let the slower one finish before counting.
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Single((await survivor.ChargerEventsAsync(stranded)).Select(e => e.Data).OfType<ChargerWentOffline>());
        Assert.Equal(0L, await Sql.ScalarAsync(_connectionString, $"SELECT count(*) FROM ledger.charger_presence WHERE charger_id = '{stranded}'"));
        Assert.DoesNotContain(await survivor.ChargerEventsAsync(connected), e => e.Data is ChargerWentOffline);
    }

    [Fact]
    public async Task a_charger_reconnecting_to_a_surviving_host_after_its_host_died_gets_the_missed_outage_and_its_return()
    {
        await using var survivor = await HostAsync();
        var charger = await survivor.RegisterChargerAsync(OcppVersion.Ocpp16);
        var lastHeardAt = Instant.FromUnixTimeSeconds(SystemClock.Instance.GetCurrentInstant().ToUnixTimeSeconds()) - Duration.FromMinutes(3);
        await ReportAsync(survivor.Ledger, charger,
            (new ChargerBooted(charger, "Acme", "Fast 150", null, "1.0", BootReason.PowerUp, lastHeardAt), lastHeardAt));
        await LeavePresenceOfADeadHostAsync(charger);

        await using var client = await RawOcppClient.ConnectAsync(survivor.Endpoint, charger, "ocpp1.6");
        await client.CallAsync("Heartbeat", []);

        var presence = (await survivor.ChargerEventsAsync(charger)).Select(e => e.Data).Where(e => e is ChargerWentOffline or ChargerCameBackOnline).ToList();
        Assert.Equal(2, presence.Count);
        Assert.Equal(lastHeardAt, Assert.IsType<ChargerWentOffline>(presence[0]).LastSeenAt);
        Assert.True(Assert.IsType<ChargerCameBackOnline>(presence[1]).ReconnectedAt > lastHeardAt);
    }

    [Fact]
    public async Task an_outage_that_could_not_be_written_while_the_database_was_down_is_written_once_it_returns()
    {
        await using var host = await HostAsync();
        var (charger, lastHeardAt) = await ConnectAndLoseTheDatabaseAsync(host);

        await SetConnectionsAllowedAsync(true);

        var offline = await EventuallyAsync(async () => (await host.ChargerEventsAsync(charger)).Select(e => e.Data).OfType<ChargerWentOffline>().FirstOrDefault());
        Assert.InRange(offline.LastSeenAt, lastHeardAt - Duration.FromSeconds(2), lastHeardAt);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Single((await host.ChargerEventsAsync(charger)).Select(e => e.Data).OfType<ChargerWentOffline>());
    }

    [Fact]
    public async Task a_charger_reconnecting_as_the_database_returns_gets_its_outage_recorded_before_its_return()
    {
        await using var host = await HostAsync();
        var (charger, lastHeardAt) = await ConnectAndLoseTheDatabaseAsync(host);

        await SetConnectionsAllowedAsync(true);
        await using var again = await ReconnectAsync(host.Endpoint, charger);

        var presence = await EventuallyAsync(async () =>
        {
            var events = (await host.ChargerEventsAsync(charger)).Select(e => e.Data).Where(e => e is ChargerWentOffline or ChargerCameBackOnline).ToList();
            return events.Count >= 2 ? events : null;
        });
        Assert.Equal(2, presence.Count);
        var offline = Assert.IsType<ChargerWentOffline>(presence[0]);
        var back = Assert.IsType<ChargerCameBackOnline>(presence[1]);
        Assert.InRange(offline.LastSeenAt, lastHeardAt - Duration.FromSeconds(2), lastHeardAt);
        Assert.True(back.ReconnectedAt > offline.LastSeenAt);
    }

    /// <summary>A booted charger whose connection ends while the host cannot reach the database.</summary>
    private async Task<(string ChargerId, Instant LastHeardAt)> ConnectAndLoseTheDatabaseAsync(TestHost host)
    {
        var charger = await host.RegisterChargerAsync(OcppVersion.Ocpp201);
        var client = await RawOcppClient.ConnectAsync(host.Endpoint, charger, "ocpp2.0.1");
        await client.CallAsync("BootNotification", new JsonObject
            { ["reason"] = "PowerUp", ["chargingStation"] = new JsonObject { ["model"] = "X", ["vendorName"] = "Acme" } });
        var lastHeardAt = SystemClock.Instance.GetCurrentInstant();

        await SetConnectionsAllowedAsync(false);
        await client.DisposeAsync();
        var registry = host.Services.GetRequiredService<ConnectionRegistry>();
        for (var i = 0; i < 100 && registry.Find(charger) is not null; i++) await Task.Delay(50);
        // Long enough for the host to try to record the outage, and fail.
        await Task.Delay(TimeSpan.FromSeconds(1));
        return (charger, lastHeardAt);
    }

    /// <summary>Longer than the usual wait: a host retrying with backoff first meets the connections the outage broke.</summary>
    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe) where T : class
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (await probe() is { } found) return found;
            await Task.Delay(200);
        }
        throw new TimeoutException("the expected events never arrived");
    }

    /// <summary>Appends what a charger reported, each at its own time of occurrence, as its connection would have.</summary>
    private static async Task ReportAsync(Settlement.Ledger.Ledger ledger, string chargerId, params (object Event, Instant At)[] reported)
    {
        foreach (var (e, at) in reported)
            await ledger.AppendAsync(new StreamAppend(StreamIds.Charger(chargerId),
                [new PendingEvent(e, new EventMetadata($"ocpp:{chargerId}", null, Actor.Charger(chargerId), at))]));
    }

    /// <summary>A presence row as a host that crashed leaves it: owned by a listening session that no longer exists.</summary>
    private async Task LeavePresenceOfADeadHostAsync(string chargerId)
    {
        int pid;
        DateTime started;
        // Without pooling, closing the connection ends its session, as a crash would.
        await using (var gone = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_connectionString) { Pooling = false }.ConnectionString))
        {
            await gone.OpenAsync();
            await using var whoAmI = new NpgsqlCommand("SELECT pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()", gone);
            await using var row = await whoAmI.ExecuteReaderAsync();
            await row.ReadAsync();
            (pid, started) = (row.GetInt32(0), row.GetDateTime(1));
        }
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var insert = new NpgsqlCommand(
            "INSERT INTO ledger.charger_presence (charger_id, node_pid, node_started, protocol) VALUES (@charger, @pid, @started, 'Ocpp16')", connection);
        insert.Parameters.AddWithValue("charger", chargerId);
        insert.Parameters.AddWithValue("pid", pid);
        insert.Parameters.AddWithValue("started", started);
        await insert.ExecuteNonQueryAsync();
    }

    /// <summary>Takes the scratch database away from every host (its sessions ended, new ones refused), or gives it back.</summary>
    private async Task SetConnectionsAllowedAsync(bool allowed)
    {
        var name = db.Scratch(Purpose);
        var admin = db.Server.AdministrationConnectionStringFor("postgres");
        await Sql.ScalarAsync(admin, $"ALTER DATABASE {name} ALLOW_CONNECTIONS {(allowed ? "true" : "false")}");
        if (!allowed)
            await Sql.ScalarAsync(admin, $"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '{name}'");
    }

    /// <summary>
    /// As a charger does, until a heartbeat is answered: the first attempts after the database returns may meet
    /// the host's connections that its outage broke.
    /// </summary>
    private static async Task<RawOcppClient> ReconnectAsync(Uri endpoint, string chargerId)
    {
        for (var attempt = 1; ; attempt++)
        {
            RawOcppClient? client = null;
            try
            {
                client = await RawOcppClient.ConnectAsync(endpoint, chargerId, "ocpp2.0.1");
                await client.CallAsync("Heartbeat", []);
                return client;
            }
            // A connection the host ended answers nothing (an empty frame) or breaks off.
            catch (Exception dropped) when (dropped is WebSocketException or System.Text.Json.JsonException && attempt < 20)
            {
                if (client is not null) await client.DisposeAsync();
                await Task.Delay(250);
            }
        }
    }
}
