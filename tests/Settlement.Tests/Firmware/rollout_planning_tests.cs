using Settlement.Domain.Chargers;
using Settlement.Domain.Deciding;
using Settlement.Domain.Firmware;
using Xunit;

namespace Settlement.Tests.Firmware;

public sealed class rollout_planning_tests
{
    private static readonly IReadOnlyList<FleetCharger> MixedFleet =
    [
        Rollouts.Charger("A1", site: "S1"),
        Rollouts.Charger("A2", site: "S1", firmware: "2.0.0"),
        Rollouts.Charger("A3", site: "S1", model: "X2"),
        Rollouts.Charger("B1", site: "S2", vendor: "Other"),
        Rollouts.Charger("B2", site: "S2", firmware: "0.9.0"),
        Rollouts.Charger("C1", site: "S3", country: "FR", protocol: OcppVersion.Ocpp16),
        Rollouts.Charger("A4", site: "S1"),
    ];

    private static RolloutPlanned Plan(PlanRollout command) =>
        Assert.IsType<RolloutPlanned>(Assert.Single(RolloutPlanning.Plan(command, false, MixedFleet, Rollouts.T0).Events));

    [Fact]
    public void every_charger_not_yet_on_the_version_is_a_target_taken_site_by_site_in_turn_the_canary_first()
    {
        var planned = Plan(Rollouts.Command());

        Assert.Equal(["A1", "B1", "C1", "A3", "B2", "A4"], planned.Chargers.Select(c => c.ChargerId));
        Assert.Equal(["A1"], planned.CanaryChargerIds);
        Assert.Equal(OcppVersion.Ocpp16, planned.Chargers.Single(c => c.ChargerId == "C1").Protocol);
        Assert.Equal("1.0.0", planned.Chargers[0].FirmwareBefore);
        Assert.Equal(900, planned.UpdateTimeoutSeconds);
        Assert.Equal(Rollouts.T0, planned.PlannedAt);
    }

    [Fact]
    public void the_target_narrows_by_vendor_model_firmware_site_and_country()
    {
        Assert.Equal(["A1", "B2", "A3", "A4"], Plan(Rollouts.Command() with { Target = new RolloutTarget(["acme"], [], [], ["S1", "S2"], ["DE"]) }).Chargers.Select(c => c.ChargerId));
        Assert.Equal(["A3"], Plan(Rollouts.Command() with { Target = new RolloutTarget([], ["X2"], [], [], []) }).Chargers.Select(c => c.ChargerId));
        Assert.Equal(["B2"], Plan(Rollouts.Command() with { Target = new RolloutTarget([], [], ["0.9.0"], [], []) }).Chargers.Select(c => c.ChargerId));
        Assert.Equal(["C1"], Plan(Rollouts.Command() with { Target = new RolloutTarget([], [], [], [], ["FR"]) }).Chargers.Select(c => c.ChargerId));
    }

    [Fact]
    public void named_canaries_go_first_in_the_order_given()
    {
        var planned = Plan(Rollouts.Command() with { CanaryChargerIds = ["C1", "B2"] });

        Assert.Equal(["C1", "B2"], planned.CanaryChargerIds);
        Assert.Equal(["C1", "B2", "A1", "B1", "A3", "A4"], planned.Chargers.Select(c => c.ChargerId));
    }

    [Fact]
    public void canaries_that_are_not_targets_are_refused_by_name()
    {
        var decision = RolloutPlanning.Plan(Rollouts.Command() with { CanaryChargerIds = ["A2", "ZZ"] }, false, MixedFleet, Rollouts.T0);

        DeciderSpecs.Refused(decision, RefusalKind.Unprocessable, "canaryChargerIds: A2, ZZ are not among the rollout's targets");
    }

    [Fact]
    public void a_target_that_leaves_nothing_to_update_is_refused()
    {
        var decision = RolloutPlanning.Plan(Rollouts.Command() with { Target = new RolloutTarget([], [], ["2.0.0"], [], []) }, false, MixedFleet, Rollouts.T0);

        DeciderSpecs.Refused(decision, RefusalKind.Unprocessable, "target: no charger matches it");
    }

    [Fact]
    public void a_rollout_planned_twice_is_a_conflict()
    {
        DeciderSpecs.Refused(RolloutPlanning.Plan(Rollouts.Command(), true, MixedFleet, Rollouts.T0), RefusalKind.Conflict, "rolloutId: rollout R1 already exists");
    }

    [Fact]
    public void every_invalid_field_is_named_and_nothing_is_planned()
    {
        var command = Rollouts.Command() with
        {
            Name = "",
            Image = new FirmwareImage("", "file:///etc/passwd", "c2ln", null),
            RollbackImage = Rollouts.Image,
            CanaryCount = 0,
            CanarySoakSeconds = -1,
            UpdateTimeoutSeconds = 4,
            Gates = RolloutPlanning.DefaultGates with { MaxUptimeDropPoints = 101m },
            Waves = new WavePlan(0, 0.5m, 0, -5),
            Abort = new AbortCriteria(120m, 0),
            Target = new RolloutTarget([.. Enumerable.Repeat("Acme", 51)], [], [], [], []),
        };

        var refusal = Assert.IsType<Refusal>(RolloutPlanning.Plan(command, false, MixedFleet, Rollouts.T0).Refusal);

        Assert.Equal(RefusalKind.Invalid, refusal.Kind);
        Assert.Equal(
            [
                "name:", "image.version:", "image.location:", "image:", "target.vendors:", "canaryCount:",
                "canarySoakSeconds:", "updateTimeoutSeconds:", "gates.maxUptimeDropPoints:", "waves.firstWaveSize:", "waves.growth:",
                "waves.maxConcurrency:", "waves.soakSecondsBetweenWaves:", "abort.maxFailedPercent:", "abort.minSample:",
            ],
            refusal.Problems.Select(p => p[..(p.IndexOf(':') + 1)]));
    }

    [Fact]
    public void a_rollback_image_of_the_same_version_is_refused()
    {
        DeciderSpecs.Refused(RolloutPlanning.Plan(Rollouts.Command() with { RollbackImage = Rollouts.Image }, false, MixedFleet, Rollouts.T0),
            RefusalKind.Invalid, "rollbackImage.version: must differ from image.version");
    }

    [Fact]
    public void wave_sizes_grow_by_the_ceiling_of_the_growth()
    {
        var waves = new WavePlan(3, 1.5m, 5, 0);

        Assert.Equal([3, 5, 8, 12], Enumerable.Range(1, 4).Select(stage => RolloutProcess.WaveSize(waves, stage)));
    }
}
