using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Kpis;
using static Settlement.Tests.Kpis.KpiGiven;

namespace Settlement.Tests.Kpis;

public sealed class utilisation_tests
{
    private static readonly DateTimeZone Berlin = DateTimeZoneProviders.Tzdb["Europe/Berlin"];

    private static SiteUtilisation ComputedFor(LocalDate day, params ChargerFact[] facts) =>
        Utilisation.ForSite("SITE-1", PortTimelines.Of(Charger, facts, At(12, 31)), Berlin, new DateInterval(day, day));

    [Fact]
    public void the_day_clocks_go_forward_has_23_hours_of_port_time_and_no_0200()
    {
        // 29 March 2026 in Berlin: 02:00 CET becomes 03:00 CEST. Port 1 charges 10:00–13:00 CEST, finishes until 13:30.
        var site = ComputedFor(new LocalDate(2026, 3, 29),
            Status(At(3, 29, 8), 1, ConnectorStatus.Charging),
            Status(At(3, 29, 11), 1, ConnectorStatus.Finishing),
            Status(At(3, 29, 11, 30), 1, ConnectorStatus.Available));

        var day = Assert.Single(site.ByDay);
        Assert.Equal(Duration.FromHours(23), day.Length);
        Assert.Equal(new UtilisationShare(2_760m, 210m, 180m), day.Share);         // 2 ports × 23 h
        Assert.Equal(7.6087m, Math.Round(day.Share.OccupiedPercent!.Value, 4));     // 210 / 2,760
        Assert.DoesNotContain(site.ByHour, hour => hour.HourOfDay == 2);
        Assert.Equal(23, site.ByHour.Count);
        Assert.Equal(new UtilisationShare(120m, 60m, 60m), site.ByHour.Single(hour => hour.HourOfDay == 10).Share);
        Assert.Equal(new UtilisationShare(120m, 30m, 0m), site.ByHour.Single(hour => hour.HourOfDay == 13).Share);
    }

    [Fact]
    public void the_day_clocks_go_back_counts_the_repeated_hour_twice()
    {
        var site = ComputedFor(new LocalDate(2026, 10, 25));

        Assert.Equal(Duration.FromHours(25), Assert.Single(site.ByDay).Length);
        Assert.Equal(240m, site.ByHour.Single(hour => hour.HourOfDay == 2).Share.PortMinutes);
        Assert.Equal(3_000m, site.Total.PortMinutes);
    }

    [Fact]
    public void a_site_occupied_half_the_time_is_below_breakeven_and_a_busier_one_is_not()
    {
        // Both ports occupied 06:00–18:00 local (CET): 50% of the day. Then one port stays on until 20:00.
        ChargerFact[] halfDay =
        [
            Status(At(1, 15, 5), 1, ConnectorStatus.Occupied), Status(At(1, 15, 5), 2, ConnectorStatus.Occupied),
            Status(At(1, 15, 17), 1, ConnectorStatus.Available), Status(At(1, 15, 17), 2, ConnectorStatus.Available),
        ];

        var half = ComputedFor(new LocalDate(2026, 1, 15), halfDay);
        var busier = ComputedFor(new LocalDate(2026, 1, 15), [.. halfDay[..^1], Status(At(1, 15, 19), 2, ConnectorStatus.Available)]);

        Assert.Equal(50m, half.Total.OccupiedPercent);
        Assert.True(half.BelowBreakeven);
        Assert.Equal(54.1667m, Math.Round(busier.Total.OccupiedPercent!.Value, 4));
        Assert.False(busier.BelowBreakeven);
    }

    [Fact]
    public void port_time_starts_when_the_charger_became_operational()
    {
        var charger = Charger with { RegisteredAt = At(1, 15, 11) }; // 12:00 CET

        var site = Utilisation.ForSite("SITE-1", PortTimelines.Of(charger, [], At(2, 1)), Berlin, new DateInterval(new LocalDate(2026, 1, 15), new LocalDate(2026, 1, 15)));

        Assert.Equal(1_440m, site.Total.PortMinutes); // 2 ports × 12 h
        Assert.Equal(0m, site.ByHour.Single(hour => hour.HourOfDay == 11).Share.PortMinutes);
    }
}
