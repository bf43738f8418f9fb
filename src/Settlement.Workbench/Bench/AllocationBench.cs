using System.Diagnostics;
using NodaTime;
using Settlement.Domain.LoadBalancing;
using Spectre.Console;

namespace Settlement.Workbench.Bench;

/// <summary>
/// <c>settle bench allocation</c>: whole-site allocation decisions on one thread for a site of --evses EVSEs, every one
/// with a session, against a baseline measured in the same run: a plain equal split of the grid limit over the same
/// sessions (no circuits, minimums or signals). The inputs are built before the clock starts.
/// </summary>
public sealed class AllocationBench(int evses, TimeSpan duration, int runs)
{
    public const double TargetDecisionsPerSecond = 10_000;
    private const int Variants = 64;
    private const int Feeders = 4;
    private const int BoardsPerFeeder = 4;
    private static readonly Instant At = Instant.FromUtc(2026, 12, 6, 15, 0);
    private static readonly GridPhase[] ThreePhases = [GridPhase.L1, GridPhase.L2, GridPhase.L3];

    public sealed record Run(double DecisionsPerSecond, double BaselineDecisionsPerSecond);

    public sealed record Result(int Evses, int Circuits, TimeSpan Duration, IReadOnlyList<Run> Runs, int SessionsSuspended, int SessionsShared)
    {
        public double DecisionsPerSecond => Median(Runs.Select(r => r.DecisionsPerSecond));
        public double BaselineDecisionsPerSecond => Median(Runs.Select(r => r.BaselineDecisionsPerSecond));
        public double LimitsPerSecond => DecisionsPerSecond * Evses;
    }

    public Result Measure(Action<string> progress)
    {
        var model = Site(evses);
        var inputs = Inputs(model);
        var gridAmps = model.Root.MaxAmpsPerPhase!.Value;
        var sample = Allocator.Allocate(inputs[0]);

        progress("Warming up");
        Repeat(TimeSpan.FromSeconds(1), i => Allocator.Allocate(inputs[i % Variants]).Sessions.Count);
        Repeat(TimeSpan.FromSeconds(1), i => EqualSplit(gridAmps, inputs[i % Variants]).Length);
        var measured = new List<Run>();
        for (var run = 1; run <= runs; run++)
        {
            progress($"Run {run} of {runs}");
            var decisions = Repeat(duration, i => Allocator.Allocate(inputs[i % Variants]).Sessions.Count);
            var baseline = Repeat(duration, i => EqualSplit(gridAmps, inputs[i % Variants]).Length);
            measured.Add(new Run(decisions, baseline));
        }
        return new Result(evses, model.Circuits.Count, duration, measured,
            sample.Sessions.Count(s => s.Status == AllocationStatus.Suspended), sample.Sessions.Count(s => s.Status == AllocationStatus.Shared));
    }

    /// <summary>Decisions per second while <paramref name="decide"/> runs back to back for the duration; its answers are summed so none is optimised away.</summary>
    private static double Repeat(TimeSpan duration, Func<int, int> decide)
    {
        var started = Stopwatch.GetTimestamp();
        var decisions = 0;
        var checksum = 0L;
        while (Stopwatch.GetElapsedTime(started) < duration)
            for (var i = 0; i < 16; i++) checksum += decide(decisions++);
        GC.KeepAlive(checksum);
        return decisions / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>The baseline: the grid connection's current split equally over every session, capped at each EVSE's maximum.</summary>
    private static decimal[] EqualSplit(decimal gridAmps, AllocationInput input)
    {
        var evses = input.Model.Evses.ToDictionary(e => (e.ChargerId, e.EvseId), e => e.MaxAmps);
        var share = decimal.Floor(gridAmps / input.Sessions.Count * 10m) / 10m;
        var limits = new decimal[input.Sessions.Count];
        for (var i = 0; i < limits.Length; i++) limits[i] = Math.Min(share, evses[(input.Sessions[i].ChargerId, input.Sessions[i].EvseId)]);
        return limits;
    }

    /// <summary>
    /// Grid connection → 4 feeders → 4 boards each; on every board 3-phase AC EVSEs (6-32 A), 1-phase ones on each
    /// phase in turn (6-32 A) and every eighth a DC charger (0-200 A per phase on the grid side). The chargers could
    /// draw about twice what the connection gives; feeders and boards are tighter than their share of it.
    /// </summary>
    public static SitePowerModel Site(int evses)
    {
        var random = new Random(24);
        var list = new List<BalancedEvse>(evses);
        var boards = Feeders * BoardsPerFeeder;
        var wanted = 0m;
        for (var i = 0; i < evses; i++)
        {
            var board = $"board-{i % boards}";
            var evse = (i % 8) switch
            {
                7 => new BalancedEvse($"DC{i:D4}", 1, board, ThreePhases, 0m, 200m, ChargingRateUnit.W),
                2 or 5 => new BalancedEvse($"AC{i:D4}", 1, board, [ThreePhases[i % 3]], 6m, 32m, ChargingRateUnit.A),
                _ => new BalancedEvse($"AC{i:D4}", 1 + random.Next(2), board, ThreePhases, 6m, random.Next(2) == 0 ? 16m : 32m, ChargingRateUnit.A),
            };
            list.Add(evse);
            wanted += evse.MaxAmps * evse.Phases.Count / 3m;
        }
        var grid = decimal.Round(wanted / 2m);
        var circuits = new List<PowerCircuit> { new("grid", null, grid, decimal.Round(grid * 3m * 230m / 1000m * 0.95m, 3)) };
        for (var f = 0; f < Feeders; f++) circuits.Add(new($"feeder-{f}", "grid", decimal.Round(grid / Feeders * 1.2m), null));
        for (var b = 0; b < boards; b++)
            circuits.Add(new($"board-{b}", $"feeder-{b % Feeders}", decimal.Round(grid / boards * 1.3m), b % 3 == 0 ? decimal.Round(grid / boards * 3m * 230m / 1000m, 3) : null));
        return new SitePowerModel(230, circuits, list, null,
            new BalancingPolicy(SharingPolicy.EqualShare, Reclaim: true, new Dictionary<string, int>(), 30));
    }

    /// <summary>One input per decision, in turn: every EVSE's session drawing what the last decision allowed or less, a 60% throttle in force in half of them.</summary>
    private static AllocationInput[] Inputs(SitePowerModel model)
    {
        var random = new Random(2026);
        var throttle = new GridSignal("dso-bench", GridSignalKind.Throttle, null, 60m, null, At - Duration.FromMinutes(5), At + Duration.FromHours(1));
        var inputs = new AllocationInput[Variants];
        for (var v = 0; v < Variants; v++)
        {
            var sessions = model.Evses.Select((e, i) =>
            {
                var previous = decimal.Round(e.MinAmps + (e.MaxAmps - e.MinAmps) * (decimal)random.NextDouble(), 1);
                var measured = random.Next(4) == 0 ? decimal.Round(previous * (decimal)random.NextDouble(), 1) : previous;
                return new SessionDemand($"S{i:D4}", e.ChargerId, e.EvseId, null, At - Duration.FromMinutes(5 + i % 90), measured, 20 + i % 70, previous,
                    Responsive: i % 50 != 49, At - Duration.FromMinutes(i % 20), null);
            }).ToArray();
            random.Shuffle(sessions);
            inputs[v] = new AllocationInput(model, v % 2 == 0 ? [throttle] : [], null, sessions, At);
        }
        return inputs;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static void Print(Result result)
    {
        var table = new Table()
            .Title($"settle bench allocation: {result.Evses:N0} EVSEs on {result.Circuits} circuits, one thread, median of {result.Runs.Count} runs of {result.Duration.TotalSeconds:N0} s")
            .AddColumns("Measure", "Value", "Target", "Result");
        table.AddRow("Whole-site decisions/s", $"{result.DecisionsPerSecond:N0}", $"≥ {TargetDecisionsPerSecond:N0}", Verdict(result.DecisionsPerSecond));
        table.AddRow("Per-session limits decided/s", $"{result.LimitsPerSecond:N0}", $"≥ {TargetDecisionsPerSecond:N0}", Verdict(result.LimitsPerSecond));
        table.AddRow("Time per whole-site decision", $"{1_000_000 / result.DecisionsPerSecond:N1} µs", "", "");
        table.AddRow("Baseline: equal split of the grid limit, decisions/s", $"{result.BaselineDecisionsPerSecond:N0}", "", "");
        table.AddRow("Allocator ÷ baseline", $"{result.DecisionsPerSecond / result.BaselineDecisionsPerSecond:N3}", "", "");
        table.AddRow("Runs (decisions/s)", string.Join(", ", result.Runs.Select(r => $"{r.DecisionsPerSecond:N0}")), "", "");
        table.AddRow("Sessions suspended / shared (first input)", $"{result.SessionsSuspended} / {result.SessionsShared}", "", "");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]Each decision: the whole site's tree, signals, reclaim and turns, every session's limit. The baseline splits the grid limit equally (no circuits, minimums or signals). Input generation is not timed.[/]");
    }

    private static string Verdict(double perSecond) => perSecond >= TargetDecisionsPerSecond ? "[green]PASS[/]" : "[red]FAIL[/]";
}
