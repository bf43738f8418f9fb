using Settlement.Projections;
using System.Diagnostics;
using System.Runtime.Versioning;
using Marten;
using Npgsql;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Domain.Sessions;
using Settlement.Ledger;
using Settlement.Ledger.Database;
using Settlement.Ledger.Store;
using Settlement.Ocpp.Security;
using Settlement.Projections.Sessions;
using Settlement.Tests.Cli;
using Settlement.Tests.Ledger.Database;
using Settlement.Tests.Ocpp.Client;
using Settlement.Workbench.Bench;
using Xunit.Abstractions;

namespace Settlement.Tests.Ocpp;

/// <summary>
/// The trust drill: chargers of both versions charge back to back while the host is killed (SIGKILL) and
/// started again, and PostgreSQL is stopped immediately and started again. Afterwards the ledger must hold
/// every message the chargers had acknowledged, each session once with the chargers' own energy to the Wh,
/// none left open, the crash covered by offline periods, and a chain that verifies. Bounded (about a
/// minute), loopback only, on a private PostgreSQL cluster of its own so the drill stops no one else's.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class ocpp_chaos_tests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int ChargersPerVersion = 6;
    private const string Database = "settlement_chaos";
    private readonly ScratchFolder _folder = new();
    private LocalPostgres _postgres = null!;
    private string _connectionString = null!;

    public async Task InitializeAsync()
    {
        _postgres = await LocalPostgres.StartAsync(output.WriteLine, CancellationToken.None, _folder.DataDirectory);
        await using (var admin = new NpgsqlConnection(_postgres.AdminConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Database} WITH (FORCE); CREATE DATABASE {Database}", admin);
            await create.ExecuteNonQueryAsync();
        }
        _connectionString = new NpgsqlConnectionStringBuilder(_postgres.AdminConnectionString) { Database = Database }.ConnectionString;
        await LedgerStore.MigrateAsync(_connectionString, applicationRole: null, SettlementReadModels.All);
    }

    public async Task DisposeAsync()
    {
        await _postgres.CrashAsync(CancellationToken.None);
        await _postgres.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task every_acknowledged_message_survives_a_host_kill_and_a_database_crash()
    {
        var chargers = await RegisterChargersAsync();
        // The hosts sign and anchor checkpoints every few seconds through the drill, so verify holds the ledger to them.
        var key = Path.Combine(_folder.Root, "operator.pem");
        var anchors = Path.Combine(_folder.Root, "anchors");
        var keys = await SettleProcess.RunAsync("signing-key", "create", "--out", key);
        Assert.True(keys.ExitCode == 0, keys.Output);
        var settings = new Dictionary<string, string>
        {
            ["Ocpp__HeartbeatIntervalSeconds"] = "10",
            ["Ocpp__OfflineGraceSeconds"] = "5",
            ["Audit__CheckpointKeyFile"] = key,
            ["Audit__CheckpointCron"] = "*/4 * * * * *",
            ["Audit__AnchorDirectory"] = anchors,
        };
        var host = await HostProcess.StartAsync(await SettleProcess.BinaryAsync(), Database, _connectionString, CancellationToken.None, settings);
        var endpoint = host.OcppEndpoint;
        var fleet = chargers.Select(c => new ChaosCharger(c.Id, c.Version, TestHost.Password, () => Volatile.Read(ref endpoint))).ToList();

        using var stopStarting = new CancellationTokenSource();
        using var giveUp = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        var charging = fleet.Select(c => c.RunAsync(stopStarting.Token, giveUp.Token)).ToList();
        var drill = Stopwatch.StartNew();

        await Task.Delay(TimeSpan.FromSeconds(8));
        var killedAt = SystemClock.Instance.GetCurrentInstant();
        await host.DisposeAsync();
        output.WriteLine($"{drill.Elapsed.TotalSeconds:N1} s: host killed (SIGKILL)");
        await Task.Delay(TimeSpan.FromSeconds(3));
        host = await HostProcess.StartAsync(await SettleProcess.BinaryAsync(), Database, _connectionString, CancellationToken.None, settings);
        Volatile.Write(ref endpoint, host.OcppEndpoint);
        var restartedAt = SystemClock.Instance.GetCurrentInstant();
        output.WriteLine($"{drill.Elapsed.TotalSeconds:N1} s: host serving again");

        await Task.Delay(TimeSpan.FromSeconds(8));
        await _postgres.CrashAsync(CancellationToken.None);
        output.WriteLine($"{drill.Elapsed.TotalSeconds:N1} s: PostgreSQL stopped immediately");
        await Task.Delay(TimeSpan.FromSeconds(5));
        await _postgres.RestartAsync(CancellationToken.None);
        output.WriteLine($"{drill.Elapsed.TotalSeconds:N1} s: PostgreSQL started again");

        await Task.Delay(TimeSpan.FromSeconds(10));
        stopStarting.Cancel();
        await Task.WhenAll(charging);
        foreach (var charger in fleet) await charger.DisposeAsync();
        output.WriteLine($"{drill.Elapsed.TotalSeconds:N1} s: every charger finished its session and hung up");
        await WaitForOfflineAsync(fleet);
        await host.DisposeAsync();

        await using var ledger = await LedgerStore.OpenAsync(_connectionString, SettlementReadModels.All);
        var report = new DrillReport();
        foreach (var charger in fleet)
            await report.CheckAsync(ledger, charger, killedAt, restartedAt);
        foreach (var line in report.Lines) output.WriteLine(line);

        Assert.All(fleet, c => Assert.Null(c.Undelivered));
        Assert.All(fleet, c => Assert.Empty(c.Refusals));
        Assert.True(report.SessionsAcknowledged >= fleet.Count * 3, $"the drill charged too little to mean anything: {report.SessionsAcknowledged} sessions");
        Assert.Empty(report.Problems);
        Assert.Equal(report.SessionsAcknowledged, report.SessionsRecorded);
        Assert.Equal(report.EnergyAcknowledgedWh, report.EnergyRecordedWh);

        var verify = await SettleProcess.RunAsync("verify", "--connection", _connectionString, "--database", Database,
            "--anchors", anchors, "--public-key", Path.ChangeExtension(key, ".pub.pem"));
        output.WriteLine(verify.Output);
        Assert.True(verify.ExitCode == 0, verify.Output);
        Assert.Matches(@"Anchors: [1-9][\d,]* signed checkpoints", verify.Output);
    }

    /// <summary>The chargers hung up while the host ran: it records them offline before the drill reads the ledger.</summary>
    private async Task WaitForOfflineAsync(IReadOnlyList<ChaosCharger> fleet)
    {
        await using var ledger = await LedgerStore.OpenAsync(_connectionString, SettlementReadModels.All);
        for (var wait = Stopwatch.StartNew(); wait.Elapsed < TimeSpan.FromSeconds(20); await Task.Delay(250))
        {
            var offline = 0;
            foreach (var charger in fleet)
                if ((await ledger.ReadStreamAsync(StreamIds.Charger(charger.Id))).LastOrDefault(e => e.Data is ChargerWentOffline or ChargerCameBackOnline)?.Data is ChargerWentOffline)
                    offline++;
            if (offline == fleet.Count) return;
        }
    }

    private async Task<IReadOnlyList<(string Id, OcppVersion Version)>> RegisterChargersAsync()
    {
        await using var ledger = await LedgerStore.OpenAsync(_connectionString, SettlementReadModels.All);
        var at = SystemClock.Instance.GetCurrentInstant();
        var metadata = new EventMetadata("chaos-setup", null, new Actor(ActorKind.Operator, "tests"), at);
        var chargers = new List<(string, OcppVersion)>();
        foreach (var version in new[] { OcppVersion.Ocpp16, OcppVersion.Ocpp201 })
            for (var i = 1; i <= ChargersPerVersion; i++)
            {
                var id = $"CHAOS-{(version == OcppVersion.Ocpp16 ? "16" : "201")}-{i:00}";
                await ledger.AppendAsync(new StreamAppend(StreamIds.Charger(id),
                [
                    new PendingEvent(new ChargerRegistered(id, "TEST-SITE", "Chaos", "Drill 1", version,
                        [new EvseSpecification(1, [new ConnectorSpecification(1, ConnectorStandard.Ccs2, 150m)])], at), metadata),
                    new PendingEvent(new ChargerCredentialsSet(id, TestHost.PasswordHash, at), metadata),
                ], 0));
                chargers.Add((id, version));
            }
        return chargers;
    }

    /// <summary>Holds the ledger to what each charger had acknowledged, and counts what it finds.</summary>
    private sealed class DrillReport
    {
        public int SessionsAcknowledged, SessionsRecorded, MessagesAcknowledged, Resent, Deferred, Reconnections, OfflinePeriods;
        public long EnergyAcknowledgedWh, EnergyRecordedWh;
        public List<string> Problems { get; } = [];

        public IEnumerable<string> Lines =>
        [
            $"chargers' messages acknowledged: {MessagesAcknowledged} (sent again: {Resent}, of which answered InternalError while the database was away: {Deferred}; reconnections: {Reconnections})",
            $"sessions acknowledged / recorded: {SessionsAcknowledged} / {SessionsRecorded}",
            $"energy acknowledged / recorded: {EnergyAcknowledgedWh:N0} / {EnergyRecordedWh:N0} Wh",
            $"offline periods recorded: {OfflinePeriods}",
            .. Problems.Select(p => "PROBLEM: " + p),
        ];

        public async Task CheckAsync(Settlement.Ledger.Ledger ledger, ChaosCharger charger, Instant killedAt, Instant restartedAt)
        {
            MessagesAcknowledged += charger.Acknowledged;
            Resent += charger.Resent;
            Deferred += charger.Deferred;
            Reconnections += Math.Max(0, charger.Connections - 1);

            await using var query = ledger.Store.QuerySession();
            var recordedSessions = await query.Query<TransactionEntry>()
                .Where(e => e.Id.StartsWith(charger.Id + "|")).Select(e => e.SessionId).ToListAsync();
            SessionsRecorded += recordedSessions.Count;
            foreach (var sessionId in recordedSessions)
            {
                var state = Session.Fold((await ledger.ReadStreamAsync(StreamIds.Session(sessionId))).Select(e => e.Data));
                if (state.Status != SessionStatus.Stopped) Problems.Add($"{sessionId} is still open");
            }

            foreach (var acknowledged in charger.Sessions.Where(s => s.MeterStopWh is not null))
            {
                SessionsAcknowledged++;
                EnergyAcknowledgedWh += acknowledged.EnergyWh;
                var entry = await query.LoadAsync<TransactionEntry>(TransactionEntry.Key(charger.Id, acknowledged.TransactionId));
                if (entry is null)
                {
                    Problems.Add($"{charger.Id}: transaction {acknowledged.TransactionId} was acknowledged but is not in the ledger");
                    continue;
                }
                var events = (await ledger.ReadStreamAsync(StreamIds.Session(entry.SessionId))).Select(e => e.Data).ToList();
                var state = Session.Fold(events);
                EnergyRecordedWh += state.EnergyWh;
                if (events.OfType<SessionStartedV2>().Count() != 1) Problems.Add($"{entry.SessionId}: {events.OfType<SessionStartedV2>().Count()} starts");
                if (state.EnergyWh != acknowledged.EnergyWh) Problems.Add($"{entry.SessionId}: {state.EnergyWh} Wh recorded, the charger delivered {acknowledged.EnergyWh}");
                foreach (var reading in acknowledged.AcknowledgedReadings.Where(r => !state.ReadingTimes.Contains(r)))
                    Problems.Add($"{entry.SessionId}: the reading taken at {reading} was acknowledged but is not in the ledger");
            }

            var presence = (await ledger.ReadStreamAsync(StreamIds.Charger(charger.Id))).Select(e => e.Data).ToList();
            var crashCovered = presence.OfType<ChargerWentOffline>().Any(o => o.LastSeenAt <= killedAt && o.LastSeenAt >= killedAt - Duration.FromSeconds(15))
                               && presence.OfType<ChargerCameBackOnline>().Any(o => o.ReconnectedAt >= restartedAt - Duration.FromSeconds(15));
            if (!crashCovered) Problems.Add($"{charger.Id}: no offline period covers the host's crash at {killedAt}");
            OfflinePeriods += presence.OfType<ChargerWentOffline>().Count();
        }
    }
}
