using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Firmware;
using Settlement.Domain.Sessions;
using Xunit;

namespace Settlement.Tests.Firmware;

public sealed class charger_health_gate_tests
{
    private static readonly Instant T0 = Rollouts.T0;
    private static readonly Interval FourHours = new(T0, T0 + Duration.FromHours(4));

    private static Instant H(double hours) => T0 + Duration.FromSeconds(hours * 3_600);

    private static (object, Instant) At(double hours, object e) => (e, H(hours));

    [Fact]
    public void figures_count_boots_faults_reconnects_sessions_and_offline_time_inside_the_window_only()
    {
        IReadOnlyList<(object, Instant)> events =
        [
            At(-2, new FaultReported("C1", 1, 1, "GroundFailure", null, null, H(-2))),
            At(-1, new ChargerWentOffline("C1", H(-1), H(-0.9))),
            At(0.5, new ChargerCameBackOnline("C1", H(0.5))),
            At(1, new ChargerBooted("C1", "Acme", "X1", null, "2.0.0", BootReason.FirmwareUpdate, H(1))),
            At(1.5, new FaultReported("C1", 1, 1, "OverCurrentFailure", null, null, H(1.5))),
            At(2, new SessionStartedV2("s1", "C1", 1, 1, "t1", null, 1_000, H(2))),
            At(2.5, new SessionStopped("s1", 11_000, StopReason.Local, H(2.5))),
            At(2.6, new SessionStartedV2("s2", "C1", 1, 1, "t2", null, 5_000, H(2.6))),
            At(2.7, new SessionStopped("s2", 5_000, StopReason.EVDisconnected, H(2.7))),
            At(2.8, new SessionStartedV2("s3", "C1", 1, 1, "t3", null, 5_000, H(2.8))),
            At(3, new ChargerWentOffline("C1", H(3), H(3.1))),
            At(3.5, new ChargerCameBackOnline("C1", H(3.5))),
            At(4, new FaultReported("C1", 1, 1, "after the window", null, null, H(4))),
        ];

        var figures = ChargerHealth.Measure(events, FourHours);

        // Offline from the window's start to 0.5 h and from 3 h to 3.5 h: 1 of 4 hours. One session of two ended with energy.
        Assert.Equal(new HealthFigures(4m, true, 0.25m, 0.5m, 50m, 75m), figures);
    }

    [Fact]
    public void a_quiet_window_is_fully_up_with_no_boot_and_no_charge_success()
    {
        Assert.Equal(new HealthFigures(4m, null, 0m, 0m, null, 100m), ChargerHealth.Measure([], FourHours));
    }

    [Fact]
    public void a_charger_offline_since_before_the_window_and_never_back_has_no_uptime()
    {
        var figures = ChargerHealth.Measure([At(-5, new ChargerWentOffline("C1", H(-5), H(-4.9)))], FourHours);

        Assert.Equal(0m, figures.UptimePercent);
    }

    [Fact]
    public void each_gate_beyond_its_allowance_is_a_failure_in_words()
    {
        var baseline = new HealthFigures(48m, true, 0.5m, 0.25m, 95m, 99.5m);
        var since = new HealthFigures(48m, null, 2m, 0.5m, 80m, 96m);

        var failures = ChargerHealth.Failures(baseline, since, RolloutPlanning.DefaultGates);

        Assert.Equal(
            [
                "no accepted boot on the new firmware",
                "faults per hour rose by 1.5 (at most 1)",
                "charge success fell by 15 points (at most 5)",
                "uptime fell by 3.5 points (at most 2)",
            ],
            failures);
    }

    [Fact]
    public void figures_within_every_allowance_pass_and_missing_charge_success_is_not_held_against_the_charger()
    {
        var baseline = new HealthFigures(48m, true, 0.5m, 0.25m, 95m, 99.5m);
        var since = new HealthFigures(48m, true, 1.5m, 1.25m, null, 97.5m);

        Assert.Empty(ChargerHealth.Failures(baseline, since, RolloutPlanning.DefaultGates));
    }
}
