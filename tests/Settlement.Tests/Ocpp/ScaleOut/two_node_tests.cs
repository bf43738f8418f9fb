using Settlement.Projections;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Settlement.Domain.Chargers;
using Settlement.Ledger.Store;
using Settlement.Ocpp.Framing;
using Settlement.Tests.Ocpp;
using Settlement.Workbench.Simulation;

namespace Settlement.Tests.Ocpp.ScaleOut;

/// <summary>Two hosts, each with its own store, on one database: the way an operator scales out.</summary>
[Collection(LedgerCollection.Name)]
public sealed class two_node_tests(LedgerDatabase db) : IAsyncLifetime
{
    private static readonly SessionProfile Quick = new(TimeSpan.Zero, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(30), 3, 3, TimeScale: 60);
    private static readonly TimeSpan Takeover = AsyncProjections.RetryInterval * 3;

    private readonly List<Settlement.Ledger.Ledger> _ledgers = [];
    private TestHost _a = null!;
    private TestHost _b = null!;

    public async Task InitializeAsync()
    {
        _a = await NodeAsync();
        _b = await NodeAsync();
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        foreach (var ledger in _ledgers) await ledger.DisposeAsync();
    }

    private async Task<TestHost> NodeAsync()
    {
        var ledger = await LedgerStore.OpenAsync(db.ConnectionString, SettlementReadModels.All);
        _ledgers.Add(ledger);
        return await new TestHost(db, ledger: ledger).StartAsync();
    }

    private static AsyncProjections Projections(TestHost node) => node.Services.GetRequiredService<AsyncProjections>();

    [Fact]
    public async Task a_command_posted_to_one_node_reaches_a_charger_connected_to_the_other_and_is_recorded_once()
    {
        var id = await _b.RegisterChargerAsync(OcppVersion.Ocpp201);
        await using var charger = new SimulatedCharger(new ChargerDefinition(id, TestHost.Password, OcppProtocol.Ocpp201), _b.Endpoint,
            new SimulatorOptions { ValidatePayloads = true, CallTimeout = TimeSpan.FromSeconds(10), RemoteSessions = Quick });
        await charger.ConnectAsync(CancellationToken.None);
        await charger.BootAsync(CancellationToken.None);

        var response = await _a.Http.PostAsJsonAsync($"/api/chargers/{id}/commands/remote-start", new { evseId = 2, idToken = "REMOTE-1" });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        await charger.WhenFollowUpsDoneAsync();

        Assert.Equal((HttpStatusCode.OK, "Answered", "Accepted"),
            (response.StatusCode, body.GetProperty("outcome").GetString(), body.GetProperty("status").GetString()));
        var received = charger.Counters.Snapshot();
        Assert.True(received.Errors == 0, received.LastError);
        Assert.Equal(1, received.ServerCalls);
        Assert.Equal(1, received.SessionsStopped);
        var recorded = (await _a.ChargerEventsAsync(id)).Select(e => e.Data).ToList();
        Assert.Equal("RequestStartTransaction", Assert.Single(recorded.OfType<CommandIssuedV2>()).Action);
        Assert.Equal(CommandOutcome.Answered, Assert.Single(recorded.OfType<CommandCompleted>()).Outcome);
    }

    [Fact]
    public async Task a_command_too_large_for_a_notify_reaches_the_other_node_through_the_table_and_orphans_there_are_cleared()
    {
        var orphan = Guid.NewGuid();
        await Sql.ScalarAsync(db.ConnectionString, $"INSERT INTO ledger.relayed_messages (id, body, stored_at) VALUES ('{orphan}', '{{}}', now() - interval '2 hours')");
        var id = await _b.RegisterChargerAsync(OcppVersion.Ocpp201);
        await using var charger = new SimulatedCharger(new ChargerDefinition(id, TestHost.Password, OcppProtocol.Ocpp201), _b.Endpoint,
            new SimulatorOptions { ValidatePayloads = true, CallTimeout = TimeSpan.FromSeconds(10) });
        await charger.ConnectAsync(CancellationToken.None);
        await charger.BootAsync(CancellationToken.None);
        // A day of quarter-hour limits: about 30 KB, far past NOTIFY's 8,000 bytes.
        var periods = Enumerable.Range(0, 96 * 6).Select(i => new { startPeriod = i * 150, limit = 11000.5 + i % 7, numberPhases = 3 }).ToArray();
        var profile = new
        {
            id = 7, stackLevel = 0, chargingProfilePurpose = "TxDefaultProfile", chargingProfileKind = "Absolute",
            chargingSchedule = new[] { new { id = 1, chargingRateUnit = "W", chargingSchedulePeriod = periods } },
        };

        var response = await _a.Http.PostAsJsonAsync($"/api/chargers/{id}/commands/set-charging-profile", new { evseId = 1, profile });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal((HttpStatusCode.OK, "Answered", "Accepted"),
            (response.StatusCode, body.GetProperty("outcome").GetString(), body.GetProperty("status").GetString()));
        Assert.Equal(1, charger.Counters.Snapshot().ServerCalls);
        var issued = Assert.Single((await _a.ChargerEventsAsync(id)).Select(e => e.Data).OfType<CommandIssuedV2>());
        Assert.Equal(periods.Length, System.Text.Json.Nodes.JsonNode.Parse(issued.PayloadJson)!["chargingProfile"]!["chargingSchedule"]![0]!["chargingSchedulePeriod"]!.AsArray().Count);
        // Taken by the node that sent the CALL, and the orphan cleared by the node that stored the message.
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM ledger.relayed_messages"));
    }

    [Fact]
    public async Task a_command_for_a_charger_no_node_holds_is_offline()
    {
        var id = await _b.RegisterChargerAsync(OcppVersion.Ocpp16);

        var response = await _a.Http.PostAsJsonAsync($"/api/chargers/{id}/commands/reset", new { kind = "Soft" });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(CommandOutcome.ChargerOffline, Assert.Single((await _a.ChargerEventsAsync(id)).Select(e => e.Data).OfType<CommandCompleted>()).Outcome);
    }

    [Fact]
    public async Task one_node_runs_the_projections_and_the_other_takes_over_when_it_stops()
    {
        var leaders = new[] { _a, _b }.Where(node => Projections(node).IsLeader).ToList();
        var leader = Assert.Single(leaders);
        var follower = leader == _a ? _b : _a;
        // Operators see which node that is on /health.
        Assert.True((await leader.Http.GetFromJsonAsync<JsonElement>("/health")).GetProperty("runsProjections").GetBoolean());
        Assert.False((await follower.Http.GetFromJsonAsync<JsonElement>("/health")).GetProperty("runsProjections").GetBoolean());
        // A follower waits on the leader's progress as the database records it.
        await SessionOnAsync(follower);
        await Projections(follower).WaitForNonStaleDataAsync(TimeSpan.FromSeconds(30));

        await leader.DisposeAsync();
        var stopped = Stopwatch.StartNew();
        while (!Projections(follower).IsLeader && stopped.Elapsed < Takeover) await Task.Delay(100);

        Assert.True(Projections(follower).IsLeader, $"the remaining node did not take over within {Takeover}");
        await SessionOnAsync(follower);
        await Projections(follower).WaitForNonStaleDataAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task when_the_leader_loses_its_database_session_one_node_leads_again_and_the_projections_catch_up()
    {
        Assert.Single(new[] { _a, _b }, node => Projections(node).IsLeader);

        // What a network cut, a failover proxy or an administrator does to a session: the leadership lock dies with it.
        Assert.Equal(1, await TerminateLeaderLockSessionsAsync());

        // Whichever node wins, it must be one, and it must run: new events reach the async projections.
        var cut = Stopwatch.StartNew();
        while (new[] { _a, _b }.Count(node => Projections(node).IsLeader) != 1 || await LeaderLockSessionsAsync() != 1)
        {
            Assert.True(cut.Elapsed < Takeover * 2, $"no single leader {Takeover * 2} after the leader's session was cut");
            await Task.Delay(100);
        }
        await SessionOnAsync(_a);
        await Projections(_b).WaitForNonStaleDataAsync(TimeSpan.FromSeconds(30));
        Assert.Single(new[] { _a, _b }, node => Projections(node).IsLeader);
    }

    // pg_locks shows a bigint advisory key as its high and low 32 bits.
    private static readonly string LeaderLock =
        $"locktype = 'advisory' AND classid = {AdvisoryLock.ProjectionLeaderKey >> 32} AND objid = {AdvisoryLock.ProjectionLeaderKey & 0xFFFF_FFFF} " +
        "AND objsubid = 1 AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";

    private async Task<int> TerminateLeaderLockSessionsAsync() =>
        await CountAsync($"SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_locks WHERE {LeaderLock}) terminated");

    private async Task<int> LeaderLockSessionsAsync() => await CountAsync($"SELECT count(*) FROM pg_locks WHERE {LeaderLock}");

    private async Task<int> CountAsync(string sql) => Convert.ToInt32(await Sql.ScalarAsync(db.ConnectionString, sql));

    /// <summary>A short session recorded through the node, for the async projections to catch up with.</summary>
    private static async Task SessionOnAsync(TestHost node)
    {
        var id = await node.RegisterChargerAsync(OcppVersion.Ocpp16);
        await using var charger = new SimulatedCharger(new ChargerDefinition(id, TestHost.Password, OcppProtocol.Ocpp16), node.Endpoint);
        await charger.ConnectAsync(CancellationToken.None);
        await charger.BootAsync(CancellationToken.None);
        await charger.RunSessionAsync(1, "RFID-SCALE", Quick, CancellationToken.None);
    }
}
