using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Kpis;
using static Settlement.Tests.Kpis.KpiGiven;

namespace Settlement.Tests.Kpis;

public sealed class port_timeline_tests
{
    private static readonly Instant Until = At(3, 2);

    [Fact]
    public void a_charger_without_facts_has_every_port_up_and_free_from_its_registration()
    {
        var ports = PortTimelines.Of(Charger, [], Until);

        Assert.Equal(["CP-1/1", "CP-1/2"], ports.Select(port => port.Port.ToString()));
        Assert.All(ports, port => Assert.Equal((LongAgo, 0, 0), (port.OperationalFrom, port.Down.Count, port.Occupied.Count)));
    }

    [Fact]
    public void causes_that_follow_each_other_without_a_break_are_one_downtime_with_every_cause()
    {
        var port = Port(1, Until,
            WentOffline(At(3, 1, 10)), FaultRaised(At(3, 1, 10, 30), 1), CameOnline(At(3, 1, 11)), FaultCleared(At(3, 1, 12), 1));

        Assert.Equal([new Downtime(new Interval(At(3, 1, 10), At(3, 1, 12)), DownReasons.Offline | DownReasons.Faulted)], port.Down);
    }

    [Fact]
    public void a_session_is_occupied_from_preparing_to_finishing_and_delivering_while_charging()
    {
        var port = Port(1, Until,
            Status(At(3, 1, 8), 1, ConnectorStatus.Preparing),
            Status(At(3, 1, 8, 5), 1, ConnectorStatus.Charging),
            Status(At(3, 1, 9), 1, ConnectorStatus.SuspendedEV),
            Status(At(3, 1, 9, 10), 1, ConnectorStatus.Finishing),
            Status(At(3, 1, 9, 20), 1, ConnectorStatus.Available));

        Assert.Equal([new Interval(At(3, 1, 8), At(3, 1, 9, 20))], port.Occupied);
        Assert.Equal([new Interval(At(3, 1, 8, 5), At(3, 1, 9))], port.Delivering);
    }

    [Fact]
    public void a_reserved_port_is_not_occupied()
    {
        var port = Port(1, Until, Status(At(3, 1, 8), 1, ConnectorStatus.Reserved), Status(At(3, 1, 9), 1, ConnectorStatus.Available));

        Assert.Empty(port.Occupied);
    }

    [Fact]
    public void an_offline_port_is_down_and_neither_occupied_nor_delivering()
    {
        var port = Port(1, Until, Status(At(3, 1, 8), 1, ConnectorStatus.Charging), WentOffline(At(3, 1, 9)), CameOnline(At(3, 1, 10)));

        Assert.Equal([new Interval(At(3, 1, 8), At(3, 1, 9)), new Interval(At(3, 1, 10), Until)], port.Delivering);
        Assert.Equal([new Downtime(new Interval(At(3, 1, 9), At(3, 1, 10)), DownReasons.Offline)], port.Down);
    }

    [Fact]
    public void excluded_windows_of_evse_0_belong_to_every_port_and_a_cancelled_maintenance_to_none()
    {
        ChargerFact[] facts =
        [
            CauseTagged(0, At(3, 1, 1), At(3, 1, 2), OutageCause.NaturalDisaster, "storm"),
            CauseTagged(2, At(3, 1, 3), At(3, 1, 4), OutageCause.Vandalism),
            MaintenancePlanned("M-9", 0, At(3, 1, 5), At(3, 1, 6)), MaintenanceEnded("M-9", At(3, 1, 4)),
        ];

        Assert.Equal([new ExcludedWindow(new Interval(At(3, 1, 1), At(3, 1, 2)), OutageCause.NaturalDisaster, "storm")], Port(1, Until, facts).Excluded);
        Assert.Equal([OutageCause.NaturalDisaster, OutageCause.Vandalism], Port(2, Until, facts).Excluded.Select(window => window.Cause));
    }

    [Fact]
    public void a_state_open_at_the_horizon_ends_there()
    {
        var port = Port(2, Until, Status(At(3, 1, 20), 0, ConnectorStatus.Unavailable));

        Assert.Equal([new Downtime(new Interval(At(3, 1, 20), Until), DownReasons.Unavailable)], port.Down);
    }
}
