using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.LoadBalancing;
using Xunit;

namespace Settlement.Tests.LoadBalancing;

/// <summary>The site power deciders: the model checked against the site registry, grid signals, withdrawals and battery reports.</summary>
public sealed class site_power_decider_tests
{
    private const string SiteId = "SITE-DLB";
    private static readonly Instant Now = Instant.FromUtc(2026, 12, 6, 14, 0);
    private static readonly IReadOnlyList<GridPhase> ThreePhases = [GridPhase.L1, GridPhase.L2, GridPhase.L3];

    private static readonly SiteFacts Registered = new(true, 100m, 160m, new HashSet<(string, int)> { ("CP1", 1), ("CP1", 2), ("CP2", 1) });

    private static SitePowerState Evolve(SitePowerState state, object @event) => SitePower.Evolve(state, @event, state.ModelVersion + 1);

    private static DeciderSpec<SitePowerState, DefineSitePowerModel> Models(SiteFacts site) => new(SitePowerState.Empty, Evolve, (state, command) => SitePower.Decide(state, site, command, Now));

    private static readonly DeciderSpec<SitePowerState, DefineSitePowerModel> Model = Models(Registered);
    private static readonly DeciderSpec<SitePowerState, IssueGridSignal> Signals = new(SitePowerState.Empty, Evolve, (state, command) => SitePower.Decide(state, command, Now));
    private static readonly DeciderSpec<SitePowerState, WithdrawGridSignal> Withdrawals = new(SitePowerState.Empty, Evolve, (state, command) => SitePower.Decide(state, command, Now));
    private static readonly DeciderSpec<SitePowerState, ReportBatteryState> Batteries = new(SitePowerState.Empty, Evolve, (state, command) => SitePower.Decide(state, command, Now));

    private static DefineSitePowerModel Define(IReadOnlyList<PowerCircuit>? circuits = null, IReadOnlyList<BalancedEvse>? evses = null, SiteBattery? battery = null,
        IReadOnlyDictionary<string, int>? weights = null) =>
        new(SiteId, 230,
            circuits ?? [new PowerCircuit("grid", null, 160m, 100m), new PowerCircuit("board-a", "grid", 63m, null)],
            evses ?? [new BalancedEvse("CP1", 1, "board-a", ThreePhases, 6m, 32m, ChargingRateUnit.A), new BalancedEvse("CP2", 1, "grid", [GridPhase.L2], 6m, 16m, ChargingRateUnit.A)],
            battery,
            new BalancingPolicy(SharingPolicy.Priority, true, weights ?? new Dictionary<string, int> { ["fleet"] = 3 }, 30));

    private static SitePowerModelDefined Defined(DefineSitePowerModel m) => new(m.SiteId, m.NominalVoltage, m.Circuits, m.Evses, m.Battery, m.Policy, Now - Duration.FromHours(1));

    private static IssueGridSignal Throttle(string id = "dso-1", decimal? percent = 60m, decimal? kw = null, string? circuit = null, GridSignalKind kind = GridSignalKind.Throttle,
        Instant? from = null, Instant? until = null) =>
        new(SiteId, id, kind, circuit, percent, kw, from ?? Now + Duration.FromHours(1), until ?? Now + Duration.FromHours(4), "DSO");

    private static GridSignalIssued Issued(IssueGridSignal s) => new(s.SiteId, s.SignalId, s.Kind, s.CircuitId, s.CapPercent, s.CapKw, s.From, s.Until, s.Source, Now - Duration.FromMinutes(5));

    // Events hold the command's own lists: records compare lists by reference, so each test states one command.
    [Fact]
    public void a_valid_model_is_defined_from_now()
    {
        var command = Define();

        Model.Given().When(command).Then(Defined(command) with { DefinedAt = Now });
    }

    [Fact]
    public void a_model_for_a_site_that_is_not_registered_is_refused_as_not_found() =>
        Models(Registered with { Registered = false }).Given().When(Define()).ThenRefused(RefusalKind.NotFound, "not registered");

    [Fact]
    public void the_same_model_again_in_new_lists_appends_nothing() =>
        Model.Given(Defined(Define())).When(Define(
            circuits: [.. Define().Circuits.Select(c => c with { })],
            evses: [.. Define().Evses.Select(e => e with { Phases = [.. e.Phases] })],
            weights: new Dictionary<string, int> { ["fleet"] = 3 })).Then();

    [Fact]
    public void a_changed_model_is_defined_again()
    {
        var changed = Define(weights: new Dictionary<string, int> { ["fleet"] = 4 });

        Model.Given(Defined(Define())).When(changed).Then(Defined(changed) with { DefinedAt = Now });
    }

    [Fact]
    public void two_roots_are_refused() =>
        Model.Given().When(Define(circuits: [new("grid", null, 160m, null), new("second", null, 100m, null)]))
            .ThenRefused(RefusalKind.Invalid, "circuits: exactly one circuit without parentId (the grid connection), not 2");

    [Fact]
    public void parents_that_loop_are_refused() =>
        Model.Given().When(Define(circuits: [new("grid", null, 160m, null), new("a", "b", 63m, null), new("b", "a", 63m, null)],
                evses: [new BalancedEvse("CP1", 1, "a", ThreePhases, 6m, 32m, ChargingRateUnit.A)]))
            .ThenRefused(RefusalKind.Invalid, "circuits: the parents form a loop");

    [Fact]
    public void an_unknown_parent_is_refused_with_its_circuit() =>
        Model.Given().When(Define(circuits: [new("grid", null, 160m, null), new("board-a", "nowhere", 63m, null)]))
            .ThenRefused(RefusalKind.Invalid, "circuits[1].parentId: nowhere is not a circuit");

    [Fact]
    public void a_circuit_without_any_limit_and_a_circuit_listed_twice_are_both_named() =>
        Model.Given().When(Define(circuits: [new("grid", null, 160m, null), new("board-a", "grid", null, null), new("board-a", "grid", 10m, null)]))
            .ThenRefused(RefusalKind.Invalid, "circuits[1]: maxAmpsPerPhase and/or maxKw", "circuits[2].circuitId: board-a appears twice");

    [Fact]
    public void a_root_above_the_sites_registered_grid_capacity_is_refused_naming_its_field() =>
        Model.Given().When(Define(circuits: [new("grid", null, 200m, 150m), new("board-a", "grid", 63m, null)]))
            .ThenRefused(RefusalKind.Invalid, "circuits[grid].maxKw: 150 kW is more than the site's registered grid capacity of 100 kW",
                "circuits[grid].maxAmpsPerPhase: 200 A is more than the site's registered 160 A per phase");

    [Fact]
    public void an_evse_not_on_the_site_two_phases_and_a_minimum_above_the_maximum_are_all_named() =>
        Model.Given().When(Define(evses:
            [
                new BalancedEvse("CP9", 1, "grid", ThreePhases, 6m, 32m, ChargingRateUnit.A),
                new BalancedEvse("CP1", 2, "board-a", [GridPhase.L1, GridPhase.L2], 6m, 32m, ChargingRateUnit.A),
                new BalancedEvse("CP2", 1, "board-b", [GridPhase.L1], 20m, 16m, ChargingRateUnit.A),
            ]))
            .ThenRefused(RefusalKind.Invalid, "evses[0]: CP9 EVSE 1 is not an EVSE of a charger registered on site SITE-DLB",
                "evses[1].phases: one phase", "evses[2].circuitId: board-b is not a circuit", "evses[2].minAmps: amperes per phase from 0 to maxAmps (16)");

    [Fact]
    public void three_phases_named_twice_are_not_three_phases() =>
        Model.Given().When(Define(evses: [new BalancedEvse("CP1", 1, "grid", [GridPhase.L1, GridPhase.L1, GridPhase.L2], 6m, 32m, ChargingRateUnit.A)]))
            .ThenRefused(RefusalKind.Invalid, "evses[0].phases");

    [Fact]
    public void weights_outside_one_to_ten_and_blank_groups_are_refused() =>
        Model.Given().When(Define(weights: new Dictionary<string, int> { ["fleet"] = 11, ["premium"] = 0, [" "] = 2 }))
            .ThenRefused(RefusalKind.Invalid, "policy.priorityWeights[fleet]: a weight from 1 to 10, not 11", "policy.priorityWeights[premium]: a weight from 1 to 10, not 0",
                "policy.priorityWeights: customer groups of 1 to 64 characters");

    [Fact]
    public void a_battery_on_an_unknown_circuit_is_refused() =>
        Model.Given().When(Define(battery: new SiteBattery("cellar", 100m, 50m, 50m, 10m)))
            .ThenRefused(RefusalKind.Invalid, "battery.circuitId: cellar is not a circuit");

    [Fact]
    public void a_signal_before_any_model_is_refused() =>
        Signals.Given().When(Throttle()).ThenRefused(RefusalKind.Unprocessable, "has no power model");

    [Fact]
    public void a_signal_is_issued_now_with_its_validity() =>
        Signals.Given(Defined(Define())).When(Throttle()).Then(Issued(Throttle()) with { IssuedAt = Now });

    [Fact]
    public void a_signal_on_an_unknown_circuit_is_refused() =>
        Signals.Given(Defined(Define())).When(Throttle(circuit: "board-z")).ThenRefused(RefusalKind.Invalid, "circuitId: board-z is not a circuit");

    [Fact]
    public void an_outage_with_a_cap_is_refused() =>
        Signals.Given(Defined(Define())).When(Throttle(kind: GridSignalKind.Outage, percent: 50m)).ThenRefused(RefusalKind.Invalid, "capPercent/capKw: an outage has no cap");

    [Fact]
    public void a_throttle_without_a_cap_is_refused() =>
        Signals.Given(Defined(Define())).When(Throttle(percent: null)).ThenRefused(RefusalKind.Invalid, "capPercent/capKw: a Throttle signal caps the circuit");

    [Fact]
    public void a_signal_ending_before_it_starts_is_refused() =>
        Signals.Given(Defined(Define())).When(Throttle(from: Now + Duration.FromHours(2), until: Now + Duration.FromHours(1)))
            .ThenRefused(RefusalKind.Invalid, "until: after from");

    [Fact]
    public void a_signal_already_over_is_refused() =>
        Signals.Given(Defined(Define())).When(Throttle(from: Now - Duration.FromHours(2), until: Now - Duration.FromHours(1)))
            .ThenRefused(RefusalKind.Invalid, "is already past");

    [Fact]
    public void the_same_signal_again_appends_nothing() =>
        Signals.Given(Defined(Define()), Issued(Throttle())).When(Throttle()).Then();

    [Fact]
    public void the_same_signal_id_with_other_values_is_a_conflict() =>
        Signals.Given(Defined(Define()), Issued(Throttle())).When(Throttle(percent: 50m)).ThenRefused(RefusalKind.Conflict, "dso-1 was already issued with other values");

    [Fact]
    public void a_signal_beyond_the_most_in_force_or_ahead_is_refused() =>
        Signals.Given([Defined(Define()), .. Enumerable.Range(0, PowerModelIds.MaxSignalsInForce).Select(i => Issued(Throttle($"dso-{i}")))])
            .When(Throttle("dso-new")).ThenRefused(RefusalKind.Unprocessable, $"already has {PowerModelIds.MaxSignalsInForce} signals in force or ahead");

    [Fact]
    public void a_signal_is_withdrawn_now() =>
        Withdrawals.Given(Defined(Define()), Issued(Throttle())).When(new WithdrawGridSignal(SiteId, "dso-1")).Then(new GridSignalWithdrawn(SiteId, "dso-1", Now));

    [Fact]
    public void withdrawing_a_withdrawn_signal_appends_nothing() =>
        Withdrawals.Given(Defined(Define()), Issued(Throttle(from: Now - Duration.FromHours(1))), new GridSignalWithdrawn(SiteId, "dso-1", Now - Duration.FromMinutes(1)))
            .When(new WithdrawGridSignal(SiteId, "dso-1")).Then();

    [Fact]
    public void withdrawing_an_unknown_signal_is_not_found() =>
        Withdrawals.Given(Defined(Define())).When(new WithdrawGridSignal(SiteId, "dso-9")).ThenRefused(RefusalKind.NotFound, "has no signal dso-9");

    [Fact]
    public void a_battery_report_without_a_battery_in_the_model_is_refused() =>
        Batteries.Given(Defined(Define())).When(new ReportBatteryState(SiteId, 50m)).ThenRefused(RefusalKind.Unprocessable, "has no battery");

    [Fact]
    public void a_battery_report_is_recorded_and_one_above_100_percent_refused()
    {
        var withBattery = Defined(Define(battery: new SiteBattery("grid", 100m, 50m, 50m, 10m)));

        Batteries.Given(withBattery).When(new ReportBatteryState(SiteId, 55.5m)).Then(new BatteryStateReported(SiteId, 55.5m, Now));
        Batteries.Given(withBattery).When(new ReportBatteryState(SiteId, 101m)).ThenRefused(RefusalKind.Invalid, "stateOfChargePercent: from 0 to 100");
    }
}
