using System.Net.Http.Headers;
using System.Net.Http.Json;
using NodaTime;
using NodaTime.Text;
using Settlement.Domain.Events;
using Settlement.Domain.LoadBalancing;
using Settlement.Workbench.Demo;
using Spectre.Console;

namespace Settlement.Workbench.Simulation;

/// <summary>
/// The live demo's load balancing: Munich's ten EVSEs could draw twice the grid limit the operator gives the
/// balancer, through the REST API; two thirds of the way in, the grid operator throttles the site to 60 %. At the end
/// the demo reads the balancer's decisions from the ledger and prints the peaks it held under each limit.
/// </summary>
internal sealed class LiveBalancing(HttpClient http, Instant startedAt) : IDisposable
{
    public const string SiteId = "DE-MUC";
    public const string ThrottleId = "demo-dso-throttle";
    public const decimal ThrottlePercent = 60m;
    private const int Volts = 230;
    private const int Phases = 3;

    // A DC EVSE's grid side: its share of the cabinet's power as current per phase; below about 10 kW it does not charge.
    private const decimal MinAmps = 15m;

    // Long enough for the lowered profiles to be acknowledged and the chargers' next meter values to report them.
    private static readonly Duration Settling = Duration.FromSeconds(2);

    private Instant? _throttledAt;

    private static SiteSpec Site => DemoFleet.Sites.Single(s => s.Id == SiteId);

    /// <summary>Each dual-outlet charger shares its cabinet's power between its two EVSEs: half of it each at most.</summary>
    private static decimal EvseMaxKw(ChargerSpec charger) => charger.MaxPowerKw / charger.Evses.Count;

    public static decimal EvsesTogetherKw => Site.Chargers.Sum(c => EvseMaxKw(c) * c.Evses.Count);

    /// <summary>Half of what the EVSEs could draw together: without balancing the site would need twice its connection.</summary>
    public static decimal GridLimitKw => decimal.Round(EvsesTogetherKw / 2m, 0);

    /// <summary>Puts the site's power model through the REST API, before the chargers connect, so each gets its TxDefaultProfile at boot.</summary>
    public static async Task<LiveBalancing> StartAsync(Uri baseAddress, string operatorKey, IClock clock, CancellationToken ct)
    {
        var http = new HttpClient { BaseAddress = baseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", operatorKey);
        var model = new
        {
            nominalVoltage = Volts,
            circuits = new[] { new { circuitId = "grid", parentId = (string?)null, maxAmpsPerPhase = (decimal?)null, maxKw = (decimal?)GridLimitKw } },
            evses = Site.Chargers.SelectMany(charger => Enumerable.Range(1, charger.Evses.Count).Select(evse => new
            {
                chargerId = charger.Id,
                evseId = evse,
                circuitId = "grid",
                phases = new[] { "L1", "L2", "L3" },
                minAmps = MinAmps,
                maxAmps = decimal.Round(EvseMaxKw(charger) * 1000m / (Volts * Phases), 1, MidpointRounding.ToZero),
                unit = "W",
            })).ToArray(),
            policy = new { sharing = "EqualShare", reclaim = true, priorityWeights = new Dictionary<string, int>(), rebalanceSeconds = 5 },
        };
        using var response = await http.PutAsJsonAsync($"/api/sites/{SiteId}/power-model", model, ct);
        if (!response.IsSuccessStatusCode)
        {
            var problem = await response.Content.ReadAsStringAsync(ct);
            http.Dispose();
            throw new SimulatorException($"the power model of {SiteId} was refused: HTTP {(int)response.StatusCode} {problem}");
        }
        AnsiConsole.MarkupLineInterpolated(
            $"Load balancing on {SiteId}: its 10 EVSEs could draw [bold]{EvsesTogetherKw:N0} kW[/] together; the balancer shares a [bold]{GridLimitKw:N0} kW[/] grid limit (PUT /api/sites/{SiteId}/power-model)");
        return new LiveBalancing(http, clock.GetCurrentInstant());
    }

    /// <summary>What the grid operator's feed would send: the site capped at 60 % from now for an hour.</summary>
    public async Task ThrottleAsync(IClock clock, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        var signal = new
        {
            signalId = ThrottleId,
            kind = "Throttle",
            capPercent = ThrottlePercent,
            from = InstantPattern.ExtendedIso.Format(now),
            until = InstantPattern.ExtendedIso.Format(now + Duration.FromHours(1)),
            source = "demo: the grid operator's heatwave throttle",
        };
        using var response = await http.PostAsJsonAsync($"/api/sites/{SiteId}/grid-signals", signal, ct);
        if (!response.IsSuccessStatusCode)
            throw new SimulatorException($"the throttle signal was refused: HTTP {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        _throttledAt = now;
    }

    /// <summary>The signal ends with the demo, so a later run or `settle serve` starts from the full limit.</summary>
    public async Task WithdrawAsync(CancellationToken ct)
    {
        if (_throttledAt is null) return;
        using var response = await http.PostAsync($"/api/sites/{SiteId}/grid-signals/{ThrottleId}/withdraw", null, ct);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>
    /// The balancer's decisions of the live part: the peaks allocated and measured under each limit in force. Decisions
    /// taken while a charger had not yet acknowledged a limit (it is counted at its maximum) are left out, and so is
    /// what the chargers drew in the first seconds after a change of limit, while the lowered profiles went out: both
    /// are stated beside the table rather than hidden in it.
    /// </summary>
    public async Task PrintAsync(Ledger.Ledger ledger, CancellationToken ct)
    {
        var decisions = (await ledger.ReadStreamAsync(StreamIds.SiteAllocations(SiteId), ct))
            .Select(e => e.Data).OfType<LoadAllocationDecided>().Where(d => d.DecidedAt >= startedAt).ToList();
        var controlled = decisions.Where(d => d.Sessions.All(s => s.Responsive) && d.IdleEvses.All(e => e.Responsive)).ToList();
        if (controlled.Count == 0)
        {
            AnsiConsole.MarkupLine("[yellow]The balancer recorded no decision with every charger acknowledging its limits.[/]");
            return;
        }
        var table = new Table().Title($"Load balancing on {SiteId}: {decisions.Count:N0} decisions (load_allocation_decided), each with its inputs")
            .AddColumns("Period", "Limit", "Allocated", "Measured", "Unmanaged", "Slowed", "Suspended");
        var throttled = _throttledAt ?? Instant.MaxValue;
        var periods = new[]
        {
            ("Full limit", controlled.Where(d => d.DecidedAt < throttled).ToList(), controlled[0].DecidedAt),
            ($"Throttled {ThrottlePercent:N0} %", controlled.Where(d => d.SignalsInForce.Contains(ThrottleId)).ToList(), throttled),
        };
        var transitions = new List<string>();
        foreach (var (name, inPeriod, changedAt) in periods.Where(p => p.Item2.Count > 0))
        {
            var limit = inPeriod.Min(d => Grid(d).LimitKw ?? 0m);
            var allocated = inPeriod.Max(d => Grid(d).AllocatedKw);
            var settled = inPeriod.Where(d => d.DecidedAt >= changedAt + Settling).ToList();
            var measured = settled.Count > 0 ? Held(settled.Max(MeasuredKw), limit) : "-";
            if (inPeriod.Where(d => d.DecidedAt < changedAt + Settling).Select(MeasuredKw).DefaultIfEmpty(0m).Max() is var early && early > limit)
                transitions.Add($"{name}: in the first {Settling.TotalSeconds:N0} s, while the lowered profiles went out, the chargers still reported {early:N1} kW against {limit:N0} kW.");
            var wished = inPeriod.Max(d => d.Sessions.Sum(s => EvseMaxKw(s.ChargerId)));
            var slowed = inPeriod.SelectMany(d => d.Sessions).Where(s => s.Status is AllocationStatus.Shared or AllocationStatus.Suspended)
                .Select(s => s.SessionId).Distinct().Count();
            var suspended = inPeriod.SelectMany(d => d.Sessions).Where(s => s.Status == AllocationStatus.Suspended).Select(s => s.SessionId).Distinct().Count();
            table.AddRow(name, $"{limit:N0} kW", Held(allocated, limit), measured, $"{wished:N0} kW", $"{slowed}", $"{suspended}");
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]Peaks over the decisions. Allocated: sessions' limits and idle EVSEs' reservations. Measured: the power the chargers last " +
                               $"reported, summed at each decision, from {Settling.TotalSeconds:N0} s after the limit changed. Unmanaged: the live sessions each at its " +
                               "EVSE's maximum. Slowed, suspended: sessions given less than their maximum, or 0.[/]");
        if (decisions.Count > controlled.Count)
            AnsiConsole.MarkupLineInterpolated(
                $"[grey]{decisions.Count - controlled.Count} decisions while chargers were still connecting (each counted at its maximum until it acknowledged a limit) are not in the table.[/]");
        foreach (var line in transitions) AnsiConsole.MarkupLineInterpolated($"[grey]{line}[/]");
        AnsiConsole.MarkupLineInterpolated(
            $"Why a car charged slowly: GET /api/sites/{SiteId}/allocations/history (each decision's inputs), and .../history/{{version}}/replay re-runs it");
    }

    private static CircuitLoadDecided Grid(LoadAllocationDecided decided) => decided.Circuits.Single(c => c.CircuitId == "grid");

    private static decimal MeasuredKw(LoadAllocationDecided decided) =>
        decided.Sessions.Sum(s => (s.MeasuredAmps ?? 0m) * Volts * Phases) / 1000m;

    private static decimal EvseMaxKw(string chargerId) => EvseMaxKw(Site.Chargers.Single(c => c.Id == chargerId));

    private static string Held(decimal kw, decimal limit) =>
        kw <= limit ? $"[green]{kw:N1} kW[/]" : $"[red]{kw:N1} kW (over {limit:N0})[/]";

    public void Dispose() => http.Dispose();
}
