using NodaTime;
using Settlement.Domain.LoadBalancing;
using Xunit;

namespace Settlement.Tests.LoadBalancing;

/// <summary>The allocator on small sites whose right answer can be worked out by hand.</summary>
public sealed class allocation_examples_tests
{
    private static readonly Instant Now = Instant.FromUtc(2026, 12, 6, 14, 0);
    private static readonly IReadOnlyList<GridPhase> ThreePhases = [GridPhase.L1, GridPhase.L2, GridPhase.L3];

    private static BalancingPolicy Equal(bool reclaim = false) => new(SharingPolicy.EqualShare, reclaim, new Dictionary<string, int>(), 30);

    private static SitePowerModel Site(decimal gridAmps, int evses, decimal min = 6m, decimal max = 32m, BalancingPolicy? policy = null, SiteBattery? battery = null) =>
        new(230, [new PowerCircuit("grid", null, gridAmps, null)],
            [.. Enumerable.Range(1, evses).Select(i => new BalancedEvse($"CP{i}", 1, "grid", ThreePhases, min, max, ChargingRateUnit.A))],
            battery, policy ?? Equal());

    private static SessionDemand Session(int charger, decimal? measured = null, decimal? previous = null, bool responsive = true,
        Instant? chargingSince = null, Instant? suspendedSince = null, string? group = null) =>
        new($"S{charger}", $"CP{charger}", 1, group, Now - Duration.FromMinutes(charger), measured, null, previous, responsive, chargingSince, suspendedSince);

    private static Allocation Allocate(SitePowerModel site, IReadOnlyList<SessionDemand> sessions, IReadOnlyList<GridSignal>? signals = null, decimal? soc = null) =>
        Allocator.Allocate(new AllocationInput(site, signals ?? [], soc, sessions, Now));

    private static decimal Limit(Allocation allocation, int charger) => allocation.Sessions.Single(s => s.Session.ChargerId == $"CP{charger}").LimitAmps;

    [Fact]
    public void three_cars_under_a_63_amp_connection_share_it_equally()
    {
        var allocation = Allocate(Site(63m, 3), [Session(1), Session(2), Session(3)]);

        Assert.All(allocation.Sessions, s => Assert.Equal(21m, s.LimitAmps));
        Assert.Equal([63m, 63m, 63m], allocation.Circuits.Single().AllocatedAmps);
    }

    [Fact]
    public void a_car_that_fits_at_its_maximum_leaves_the_rest_to_the_others()
    {
        var site = Site(100m, 2) with
        {
            Evses = [new("CP1", 1, "grid", ThreePhases, 6m, 16m, ChargingRateUnit.A), new("CP2", 1, "grid", ThreePhases, 6m, 125m, ChargingRateUnit.A)],
        };

        var allocation = Allocate(site, [Session(1), Session(2)]);

        Assert.Equal(16m, Limit(allocation, 1));
        Assert.Equal(AllocationStatus.AtMaximum, allocation.Sessions[0].Status);
        Assert.Equal(84m, Limit(allocation, 2));
    }

    [Fact]
    public void when_minimums_do_not_fit_the_newest_session_waits_at_zero()
    {
        var allocation = Allocate(Site(15m, 3), [Session(1, chargingSince: Now - Duration.FromMinutes(5)), Session(2, chargingSince: Now - Duration.FromMinutes(5)), Session(3)]);

        Assert.Equal(7.5m, Limit(allocation, 1));
        Assert.Equal(7.5m, Limit(allocation, 2));
        Assert.Equal(0m, Limit(allocation, 3));
        Assert.Equal(AllocationStatus.Suspended, allocation.Sessions[2].Status);
    }

    [Fact]
    public void a_suspended_session_takes_the_turn_of_one_that_charged_a_whole_turn()
    {
        var allocation = Allocate(Site(11m, 2), [Session(1, chargingSince: Now - Duration.FromMinutes(20)), Session(2, suspendedSince: Now - Duration.FromMinutes(20))]);

        Assert.Equal(0m, Limit(allocation, 1));
        Assert.Equal(11m, Limit(allocation, 2));
    }

    [Fact]
    public void a_throttle_to_60_percent_caps_the_connection()
    {
        var signal = new GridSignal("dso-1", GridSignalKind.Throttle, null, 60m, null, Now - Duration.FromMinutes(1), Now + Duration.FromHours(4));

        var allocation = Allocate(Site(100m, 4), [Session(1), Session(2), Session(3), Session(4)], [signal]);

        Assert.All(allocation.Sessions, s => Assert.Equal(15m, s.LimitAmps));
        Assert.Equal(["dso-1"], allocation.SignalsInForce);
    }

    [Fact]
    public void a_charger_that_does_not_acknowledge_is_counted_at_its_maximum()
    {
        var allocation = Allocate(Site(64m, 2), [Session(1, responsive: false), Session(2)]);

        Assert.Equal(32m, Limit(allocation, 1));
        Assert.Equal(AllocationStatus.Uncontrolled, allocation.Sessions[0].Status);
        Assert.Equal(32m, Limit(allocation, 2));
    }

    [Fact]
    public void a_car_drawing_well_below_its_limit_releases_the_rest_and_gets_it_back_when_it_draws_it()
    {
        var site = Site(40m, 2, policy: Equal(reclaim: true));

        var reclaimed = Allocate(site, [Session(1, measured: 8m, previous: 20m), Session(2, measured: 20m, previous: 20m)]);
        Assert.Equal(11m, Limit(reclaimed, 1));
        Assert.Equal(AllocationStatus.Reclaimed, reclaimed.Sessions[0].Status);
        Assert.Equal(29m, Limit(reclaimed, 2));

        var asking = Allocate(site, [Session(1, measured: 11m, previous: 11m), Session(2, measured: 29m, previous: 29m)]);
        Assert.Equal(20m, Limit(asking, 1));
    }

    [Fact]
    public void priority_weights_share_in_proportion()
    {
        var policy = new BalancingPolicy(SharingPolicy.Priority, false, new Dictionary<string, int> { ["fleet"] = 2 }, 30);

        var allocation = Allocate(Site(60m, 2, policy: policy), [Session(1, group: "fleet"), Session(2)]);

        Assert.Equal(32m, Limit(allocation, 1));
        Assert.Equal(28m, Limit(allocation, 2));
    }

    [Fact]
    public void during_an_outage_only_the_battery_supplies_the_site()
    {
        var battery = new SiteBattery("grid", 200m, 50m, 22.08m, 10m);
        var outage = new GridSignal("outage-1", GridSignalKind.Outage, null, null, null, Now - Duration.FromMinutes(1), Now + Duration.FromHours(1));

        var allocation = Allocate(Site(100m, 2, battery: battery), [Session(1), Session(2)], [outage], soc: 80m);

        // 22.08 kW over three phases at 230 V is 32 A per phase: 16 A each.
        Assert.All(allocation.Sessions, s => Assert.Equal(16m, s.LimitAmps));
        Assert.Equal(-22.08m, allocation.BatteryKw);
    }

    [Fact]
    public void idle_evses_reserve_their_minimum_and_the_sessions_share_the_rest()
    {
        var allocation = Allocate(Site(60m, 4), [Session(1), Session(2)]);

        // 60 A less 6 A held for a car at each of CP3 and CP4: 24 A each.
        Assert.Equal(24m, Limit(allocation, 1));
        Assert.Equal(24m, Limit(allocation, 2));
        Assert.Equal([("CP3", 6m), ("CP4", 6m)], allocation.Reservations.Select(r => (r.ChargerId, r.ReservedAmps)));
        Assert.Equal([60m, 60m, 60m], allocation.Circuits.Single().AllocatedAmps);
    }

    [Fact]
    public void an_idle_evse_reserves_nothing_when_its_minimum_does_not_fit_after_the_sessions_minimums()
    {
        var allocation = Allocate(Site(15m, 3), [Session(1), Session(2)]);

        Assert.Equal(7.5m, Limit(allocation, 1));
        Assert.Equal(7.5m, Limit(allocation, 2));
        Assert.Equal(0m, Assert.Single(allocation.Reservations).ReservedAmps);
    }

    [Fact]
    public void an_idle_evse_whose_charger_does_not_acknowledge_is_counted_at_the_default_it_acknowledged_last_or_its_maximum()
    {
        var site = Site(64m, 3);
        var known = new IdleEvseState("CP3", 1, Responsive: false, AppliedDefaultAmps: 16m);

        var atDefault = Allocator.Allocate(new AllocationInput(site, [], null, [Session(1), Session(2)], Now) { IdleEvses = [known] });
        var unknown = Allocator.Allocate(new AllocationInput(site, [], null, [Session(1), Session(2)], Now) { IdleEvses = [known with { AppliedDefaultAmps = null }] });

        Assert.Equal((16m, 24m, 24m), (atDefault.Reservations.Single().ReservedAmps, Limit(atDefault, 1), Limit(atDefault, 2)));
        Assert.Equal((32m, 16m, 16m), (unknown.Reservations.Single().ReservedAmps, Limit(unknown, 1), Limit(unknown, 2)));
    }
}
