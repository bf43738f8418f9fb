using System.CommandLine;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using NodaTime;
using Npgsql;
using Settlement.Domain.Chargers;
using Settlement.Domain.Deciding;
using Settlement.Domain.Events;
using Settlement.Domain.LoadBalancing;
using Settlement.Host.LoadBalancing;
using Settlement.Ledger.Database;
using Settlement.Ledger.Store;
using Settlement.Ocpp.Framing;
using Settlement.Projections;
using Settlement.Workbench.CommandLine;
using Settlement.Workbench.Demo;
using Settlement.Workbench.Simulation;
using Spectre.Console;

namespace Settlement.Workbench.Bench;

/// <summary>
/// <c>settle bench balancing</c>: one site of simulated EVSEs that could draw twice its grid limit, all charging, and a
/// throttling signal: the time from the signal's append to the last EVSE taking its lowered profile, against the same
/// number of profiles sent at once, unordered, through the host's command API, and one profile's round trip.
/// </summary>
internal sealed class BalancingBench(DatabaseServer server, string database, int chargers, int runs)
{
    private const string SiteId = "BENCH-DLB";
    private const int Voltage = 230;
    private const decimal EvseMaxAmps = 32m;
    private const decimal ThrottlePercent = 60m;
    private const decimal BaselineAmps = 20m;
    private const int ConnectConcurrency = 100;
    private static readonly TimeSpan Target = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private static readonly IReadOnlyList<GridPhase> ThreePhases = [GridPhase.L1, GridPhase.L2, GridPhase.L3];

    public static Command Command()
    {
        var chargerCount = new Option<int>("--chargers") { Description = "Simulated chargers of two EVSEs each, half OCPP 1.6 and half 2.0.1.", DefaultValueFactory = _ => 250 };
        var runCount = new Option<int>("--runs") { Description = "Throttles (and baselines) measured; the median is reported.", DefaultValueFactory = _ => 3 };
        var databaseOptions = new DatabaseOptions("settlement_bench_balancing", "Database the bench recreates on every run (default 'settlement_bench_balancing').");
        var command = new Command("balancing", $"""
            One site whose EVSEs (--chargers x 2, 32 A on three phases) could draw twice its grid limit, every EVSE charging
            under the balancer, then a throttle to {ThrottlePercent} %: the time from the signal's append to the last EVSE
            taking its lowered profile (median of --runs). Baseline, same host: the same number of profiles sent at once,
            unordered, through the command API, and one profile's round trip. Target: under {Target.TotalSeconds:N0} s.
            """)
        {
            chargerCount, runCount,
        };
        databaseOptions.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(chargerCount) is < 1 or > 5_000 || parse.GetValue(runCount) is < 1 or > 20)
            {
                AnsiConsole.MarkupLine("[red]--chargers must be from 1 to 5,000 and --runs from 1 to 20.[/]");
                return 2;
            }
            await using var connected = await databaseOptions.ConnectAsync(parse, m => AnsiConsole.MarkupLineInterpolated($"[grey]{m}[/]"), ct);
            var name = databaseOptions.ScratchDatabaseName(parse);
            await databaseOptions.RecreateScratchAsync(connected, name, ct);
            AnsiConsole.MarkupLineInterpolated($"Recreating database [bold]{name}[/] on {connected.Description}");
            try
            {
                await new BalancingBench(connected, name, parse.GetValue(chargerCount), parse.GetValue(runCount)).RunAsync(ct);
                return 0;
            }
            catch (Exception e) when (e is SimulatorException or HttpRequestException or NpgsqlException)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]The bench could not run:[/] {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private async Task RunAsync(CancellationToken ct)
    {
        await server.RecreateScratchDatabaseAsync(database, ct);
        await server.MigrateAsync(database, SettlementReadModels.All, ct);
        var connectionString = server.ConnectionStringFor(database);
        await using var ledger = await LedgerStore.OpenAsync(connectionString, SettlementReadModels.All, ct, budget: new ConnectionBudget(ConnectionBudget.Minimum));
        var definitions = Enumerable.Range(1, chargers).Select(n => new ChargerDefinition($"DLB-{n:D5}", OcppBench.Password,
            n % 2 == 0 ? OcppProtocol.Ocpp16 : OcppProtocol.Ocpp201, EvseCount: 2, Vendor: "Settlement", Model: "Bench", MaxPowerKw: 22.08m)).ToList();
        await ChargerRegistration.RegisterAsync(ledger, definitions, SiteId, ct: ct);
        var key = await DemoAccess.CreateOperatorKeyAsync(ledger, ct);

        var host = await HostProcess.StartAsync(HostProcess.RunningSettle, database, connectionString, ct,
            migrationConnectionString: server.MigrationConnectionStringFor(database));
        var fleet = new Fleet(host.OcppEndpoint, definitions, new SimulatorOptions { CallTimeout = TimeSpan.FromMinutes(1), NominalVoltage = Voltage });
        try
        {
            AnsiConsole.MarkupLineInterpolated($"Host process {host.ProcessId}: connecting and booting {chargers:N0} chargers, starting {2 * chargers:N0} sessions");
            await fleet.ConnectAsync(ConnectConcurrency, ct);
            await fleet.BootAsync(ConnectConcurrency, ct);
            var sessions = await StartEverySessionAsync(fleet, ct);
            var evses = sessions.Select(s => (s.Charger, s.Session.EvseId)).ToList();

            using var http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = Patience };
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            var roundTrips = new List<TimeSpan>();
            var unordered = new List<TimeSpan>();
            for (var run = 0; run < runs; run++)
            {
                var one = sessions[0];
                var single = Stopwatch.StartNew();
                await SendAsync(http, one.Charger, one.Session, BaselineAmps - run - 1, ct);
                roundTrips.Add(single.Elapsed);
                var all = Stopwatch.StartNew();
                await Task.WhenAll(sessions.Select(s => SendAsync(http, s.Charger, s.Session, BaselineAmps - run, ct)));
                unordered.Add(all.Elapsed);
            }

            // The balancer takes over: the site's grid connection carries half of what the EVSEs could draw.
            var gridAmps = evses.Count * EvseMaxAmps / 2;
            var shared = gridAmps / evses.Count;
            await DecideAsync(ledger, state => SitePower.Decide(state,
                new SiteFacts(true, gridAmps * Voltage * 3 / 1000m + 1m, null, definitions.SelectMany(d => new[] { (d.Id, 1), (d.Id, 2) }).ToHashSet()),
                new DefineSitePowerModel(SiteId, Voltage, [new PowerCircuit("grid", null, gridAmps, null)],
                    [.. definitions.SelectMany(d => new[] { 1, 2 }.Select(evse => new BalancedEvse(d.Id, evse, "grid", ThreePhases, 6m, EvseMaxAmps, ChargingRateUnit.A)))],
                    null, new BalancingPolicy(SharingPolicy.EqualShare, false, new Dictionary<string, int>(), 3_600)),
                SystemClock.Instance.GetCurrentInstant()), ct);
            await HoldAsync(evses, shared, ct);

            var throttles = new List<TimeSpan>();
            var decided = new List<TimeSpan>();
            var throttled = Math.Floor(shared * ThrottlePercent / 100m * 10m) / 10m;
            for (var run = 1; run <= runs; run++)
            {
                var signalId = $"bench-throttle-{run}";
                var issuedAt = SystemClock.Instance.GetCurrentInstant();
                await DecideAsync(ledger, state => SitePower.Decide(state, new IssueGridSignal(SiteId, signalId, GridSignalKind.Throttle, null, ThrottlePercent, null,
                    issuedAt, issuedAt + Duration.FromHours(1), "bench"), issuedAt), ct);
                await HoldAsync(evses, throttled, ct);
                var lastTaken = evses.Max(e => e.Charger.ReceivedProfiles.Last(p => p.Accepted && p.EvseId == e.EvseId).ReceivedAt);
                throttles.Add((lastTaken - issuedAt).ToTimeSpan());
                var decision = (await ledger.ReadStreamAsync(StreamIds.SiteAllocations(SiteId), ct)).Last(e => e.Data is LoadAllocationDecided { SignalsInForce.Count: > 0 });
                decided.Add((((LoadAllocationDecided)decision.Data).DecidedAt - issuedAt).ToTimeSpan());
                AnsiConsole.MarkupLineInterpolated($"[grey]Run {run}: throttle to last profile taken {Ms(throttles[^1])}, of which until the decision was recorded {Ms(decided[^1])}[/]");

                await DecideAsync(ledger, state => SitePower.Decide(state, new WithdrawGridSignal(SiteId, signalId), SystemClock.Instance.GetCurrentInstant()), ct);
                await HoldAsync(evses, shared, ct);
            }

            var median = Median(throttles);
            var baseline = Median(unordered);
            var table = new Table().AddColumns("Measurement", "Median", "Runs");
            table.AddRow(Markup.Escape($"Throttle -> last of {evses.Count:N0} EVSEs taking its lower profile (lowers first, ordered)"), Ms(median), Markup.Escape(string.Join(", ", throttles.Select(Ms))));
            table.AddRow("  of which: signal appended -> decision recorded", Ms(Median(decided)), Markup.Escape(string.Join(", ", decided.Select(Ms))));
            table.AddRow(Markup.Escape($"Baseline: the same {evses.Count:N0} profiles sent at once, unordered, via the command API"), Ms(baseline), Markup.Escape(string.Join(", ", unordered.Select(Ms))));
            table.AddRow("Baseline: one SetChargingProfile round trip via the command API", Ms(Median(roundTrips)), Markup.Escape(string.Join(", ", roundTrips.Select(Ms))));
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"Balancer / unordered baseline: [bold]{median / baseline:N2}x[/]; target under {Target.TotalSeconds:N0} s: "
                + (median < Target ? "[green]met[/]" : "[red]missed[/]"));
        }
        finally
        {
            // The host goes first: closing hundreds of sockets normally would have it record as many outages.
            await host.DisposeAsync();
            await fleet.AbortAsync();
        }
    }

    private static async Task<List<(SimulatedCharger Charger, SimulatedSession Session)>> StartEverySessionAsync(Fleet fleet, CancellationToken ct)
    {
        var started = new List<(SimulatedCharger, SimulatedSession)>();
        await Parallel.ForEachAsync(fleet.Chargers, new ParallelOptions { MaxDegreeOfParallelism = ConnectConcurrency, CancellationToken = ct }, async (charger, token) =>
        {
            foreach (var evse in new[] { 1, 2 })
            {
                var session = await charger.StartSessionAsync(evse, $"RFID-DLB-{evse}-{Random.Shared.Next(1_000_000):D6}", token);
                lock (started) started.Add((charger, session));
            }
        });
        return started;
    }

    private static async Task SendAsync(HttpClient http, SimulatedCharger charger, SimulatedSession session, decimal amps, CancellationToken ct)
    {
        var evse = new BalancedEvse(charger.Id, session.EvseId, "grid", ThreePhases, 6m, EvseMaxAmps, ChargingRateUnit.A);
        var version = charger.Protocol == OcppProtocol.Ocpp16 ? OcppVersion.Ocpp16 : OcppVersion.Ocpp201;
        var profile = ChargingProfiles.Tx(version, evse, Voltage, session.TransactionId, amps, [], SystemClock.Instance.GetCurrentInstant());
        using var response = await http.PostAsJsonAsync($"/api/chargers/{charger.Id}/commands/set-charging-profile",
            new { evseId = session.EvseId, profile }, ct);
        var answer = await response.Content.ReadFromJsonAsync<JsonObject>(ct);
        if (!response.IsSuccessStatusCode || answer?["status"]?.GetValue<string>() != "Accepted")
            throw new SimulatorException($"{charger.Id} EVSE {session.EvseId}: the baseline profile was not accepted ({(int)response.StatusCode}: {answer?.ToJsonString()})");
    }

    /// <summary>Waits until every EVSE holds a TxProfile at <paramref name="amps"/>.</summary>
    private static async Task HoldAsync(IReadOnlyList<(SimulatedCharger Charger, int EvseId)> evses, decimal amps, CancellationToken ct)
    {
        var waited = Stopwatch.StartNew();
        while (evses.Count(e => e.Charger.ProfileInForce(e.EvseId) is not { Purpose: "TxProfile" } tx
            || tx.PeriodAt(SystemClock.Instance.GetCurrentInstant()).Limit != amps) is var missing and > 0)
        {
            if (waited.Elapsed > Patience) throw new SimulatorException($"{missing} of {evses.Count} EVSEs did not reach {amps} A within {Patience.TotalSeconds:N0} s");
            await Task.Delay(10, ct);
        }
    }

    private static async Task DecideAsync(Ledger.Ledger ledger, Func<SitePowerState, Decision> decide, CancellationToken ct)
    {
        var decision = await ledger.DecideAsync(StreamIds.SitePower(SiteId), SitePowerState.Empty, (state, e) => SitePower.Evolve(state, e.Data, e.Version), decide,
            new EventMetadata("bench-balancing", null, new Actor(ActorKind.Operator, "bench"), SystemClock.Instance.GetCurrentInstant()), ct);
        if (decision.Refusal is { } refusal) throw new SimulatorException($"the site's power stream refused: {refusal.Message}");
    }

    private static TimeSpan Median(List<TimeSpan> values) => values.Order().ElementAt(values.Count / 2);

    private static string Ms(TimeSpan value) => $"{value.TotalMilliseconds:N0} ms";
}
