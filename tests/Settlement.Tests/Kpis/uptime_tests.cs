using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Kpis;
using static Settlement.Tests.Kpis.KpiGiven;

namespace Settlement.Tests.Kpis;

public sealed class uptime_tests
{
    // March 2026 has 31 days: 44,640 minutes.
    private static readonly Instant March = At(3, 1);
    private static readonly Instant April = At(4, 1);
    private const decimal MarchMinutes = 44_640m;

    [Fact]
    public void a_communication_drop_counts_as_outage_from_the_last_message_heard()
    {
        var port = Port(1, April, WentOffline(At(3, 10, 10)), CameOnline(At(3, 10, 12)));

        var uptime = Uptime.For(port, March, April);

        Assert.Equal((MarchMinutes, 120m, 0m), (uptime.Minutes, uptime.OutageMinutes, uptime.ExcludedMinutes));
        Assert.Equal(99.7312m, Math.Round(uptime.Percent!.Value, 4)); // (44,640 − 120) / 44,640
    }

    [Fact]
    public void downtime_in_a_scheduled_maintenance_window_is_excluded()
    {
        var port = Port(1, April,
            MaintenancePlanned("M-1", 0, At(3, 10, 2), At(3, 10, 4), "firmware swap"),
            Status(At(3, 10, 2), 0, ConnectorStatus.Unavailable),
            Status(At(3, 10, 4), 0, ConnectorStatus.Available));

        var uptime = Uptime.For(port, March, April);

        Assert.Equal((120m, 120m), (uptime.OutageMinutes, uptime.ExcludedMinutes));
        Assert.Equal(100m, uptime.Percent);
    }

    [Fact]
    public void maintenance_ended_early_excludes_only_until_it_ended()
    {
        var port = Port(1, April,
            MaintenancePlanned("M-1", 1, At(3, 10, 2), At(3, 10, 6)),
            Status(At(3, 10, 2), 1, ConnectorStatus.Unavailable),
            MaintenanceEnded("M-1", At(3, 10, 3)),
            Status(At(3, 10, 4), 1, ConnectorStatus.Available));

        var uptime = Uptime.For(port, March, April);

        Assert.Equal((120m, 60m), (uptime.OutageMinutes, uptime.ExcludedMinutes));
    }

    [Fact]
    public void an_outage_across_the_month_end_is_split_at_it()
    {
        var port = Port(1, At(5, 1), Status(At(3, 31, 23), 1, ConnectorStatus.Faulted), Status(At(4, 1, 1), 1, ConnectorStatus.Available));

        Assert.Equal(60m, Uptime.For(port, March, April).OutageMinutes);
        Assert.Equal(60m, Uptime.For(port, April, At(5, 1)).OutageMinutes);
    }

    [Fact]
    public void overlapping_causes_and_overlapping_exclusions_count_each_minute_once()
    {
        // Offline 10–14 with a fault 11–12 inside it; maintenance 09–12 and a utility interruption 11–13 overlap.
        var port = Port(1, April,
            WentOffline(At(3, 10, 10)), FaultRaised(At(3, 10, 11), 1), FaultCleared(At(3, 10, 12), 1), CameOnline(At(3, 10, 14)),
            MaintenancePlanned("M-1", 1, At(3, 10, 9), At(3, 10, 12)),
            CauseTagged(1, At(3, 10, 11), At(3, 10, 13), OutageCause.UtilityInterruption));

        var uptime = Uptime.For(port, March, April);

        Assert.Equal(240m, uptime.OutageMinutes);   // 10–14, not 240 + 60
        Assert.Equal(180m, uptime.ExcludedMinutes); // 10–13: excluded only where the port was down, once
    }

    [Fact]
    public void a_fault_on_evse_0_downs_every_port_and_a_fault_on_one_evse_only_that_port()
    {
        ChargerFact[] facts =
        [
            FaultRaised(At(3, 10, 10), 0, "PowerMeterFailure"), FaultCleared(At(3, 10, 10, 30), 0, "PowerMeterFailure"),
            FaultRaised(At(3, 11, 10), 2, "ConnectorLockFailure"), FaultCleared(At(3, 11, 11), 2, "ConnectorLockFailure"),
        ];

        Assert.Equal(30m, Uptime.For(Port(1, April, facts), March, April).OutageMinutes);
        Assert.Equal(90m, Uptime.For(Port(2, April, facts), March, April).OutageMinutes);
    }

    [Fact]
    public void a_port_without_facts_in_the_period_keeps_the_state_it_had_before()
    {
        ChargerFact[] facts = [Status(At(2, 20), 1, ConnectorStatus.Faulted), Status(At(4, 3), 1, ConnectorStatus.Available)];

        Assert.Equal(0m, Uptime.For(Port(1, April, facts), March, April).Percent);
        Assert.Equal(100m, Uptime.For(Port(2, April, facts), March, April).Percent);
    }

    [Fact]
    public void a_port_counts_only_from_its_operational_start()
    {
        var charger = Charger with { RegisteredAt = At(3, 16) };
        var port = Port(charger, 1, April, WentOffline(At(3, 20, 8)), CameOnline(At(3, 20, 9)));

        var uptime = Uptime.For(port, March, April);

        Assert.Equal((23_040m, 60m, false), (uptime.Minutes, uptime.OutageMinutes, uptime.OperationalThroughout)); // 16 days
        Assert.Equal(99.7396m, Math.Round(uptime.Percent!.Value, 4));
    }

    [Fact]
    public void the_trailing_year_sums_twelve_months_over_525600_minutes()
    {
        var port = Port(1, April,
            WentOffline(At(3, 31, 22)), CameOnline(At(3, 31, 23)),                                     // March 2026: 60
            Status(At(2, 10, 8), 1, ConnectorStatus.Unavailable), Status(At(2, 10, 10), 1, ConnectorStatus.Available),
            MaintenancePlanned("M-1", 1, At(2, 10, 9), At(2, 10, 10)),                                 // February: 120, 60 excluded
            WentOffline(Instant.FromUtc(2025, 3, 31, 20, 0)), CameOnline(Instant.FromUtc(2025, 3, 31, 23, 0))); // before the year

        var year = Uptime.TrailingYear(port, new YearMonth(2026, 3), DateTimeZone.Utc);

        Assert.Equal((Instant.FromUtc(2025, 4, 1, 0, 0), April), (year.From, year.Until));
        Assert.Equal((525_600m, 180m, 60m, true), (year.Minutes, year.OutageMinutes, year.ExcludedMinutes, year.OperationalThroughout));
        Assert.Equal(99.97717m, Math.Round(year.Percent!.Value, 5)); // (525,600 − (180 − 60)) / 525,600
        Assert.True(year.AboveNeviMinimum);
    }

    [Fact]
    public void a_trailing_year_with_29_february_still_has_the_rules_525600_minutes()
    {
        var charger = Charger with { RegisteredAt = Instant.FromUtc(2022, 1, 1, 0, 0) };
        var port = Port(charger, 1, Instant.FromUtc(2024, 3, 1, 0, 0));

        var year = Uptime.TrailingYear(port, new YearMonth(2024, 2), DateTimeZone.Utc);

        Assert.Equal(525_600m, year.Minutes);
        Assert.Equal(527_040m, Uptime.For(port, year.From, year.Until).Minutes);
    }

    [Fact]
    public void a_port_in_service_for_part_of_the_year_is_measured_over_its_service()
    {
        var charger = Charger with { RegisteredAt = At(1, 1) };
        var port = Port(charger, 1, April, WentOffline(At(2, 1)), CameOnline(At(2, 1, 12)));

        var year = Uptime.TrailingYear(port, new YearMonth(2026, 3), DateTimeZone.Utc);

        Assert.Equal((129_600m, 720m, false), (year.Minutes, year.OutageMinutes, year.OperationalThroughout)); // 90 days
        Assert.Equal(99.44444m, Math.Round(year.Percent!.Value, 5));
    }

    [Fact]
    public void exactly_97_percent_is_not_above_the_nevi_minimum()
    {
        var oneDay = Port(1, At(3, 2), WentOffline(At(3, 1, 0)), CameOnline(At(3, 1, 0, 43, 12))); // 43.2 of 1,440 minutes

        var uptime = Uptime.For(oneDay, At(3, 1), At(3, 2));

        Assert.Equal(97m, uptime.Percent);
        Assert.False(uptime.AboveNeviMinimum);
    }

    [Fact]
    public void the_outage_list_has_one_row_per_outage_cut_to_the_quarter()
    {
        var quarter = (From: At(1, 1), Until: April);
        var port = Port(1, April,
            WentOffline(Instant.FromUtc(2025, 12, 31, 23, 30)), CameOnline(At(1, 1, 0, 15)),
            Status(At(2, 5, 10), 1, ConnectorStatus.Faulted), Status(At(2, 5, 11, 30, 30), 1, ConnectorStatus.Available),
            CauseTagged(0, At(2, 5, 10, 30), At(2, 5, 11), OutageCause.Vandalism, "cable cut"),
            CauseTagged(1, At(2, 5, 11), At(2, 5, 11, 10), OutageCause.UtilityInterruption));

        var rows = Uptime.Outages(port, quarter.From, quarter.Until);

        Assert.Equal(
            [
                new PortOutage(port.Port, At(1, 1), At(1, 1, 0, 15), DownReasons.Offline, 15m, 0m, null, null),
                new PortOutage(port.Port, At(2, 5, 10), At(2, 5, 11, 30, 30), DownReasons.Faulted, 90.5m, 40m, OutageCause.Vandalism, "cable cut"),
            ],
            rows);
        Assert.Equal([false, true], rows.Select(row => row.Excluded));
        Assert.Equal("CP-1/1", rows[0].Port.ToString());
    }
}
