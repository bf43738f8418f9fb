using NodaTime;
using Settlement.Domain.Sessions;
using Settlement.Domain.Tariffs;
using static Settlement.Tests.Tariffs.Tariffs;

namespace Settlement.Tests.Tariffs;

public sealed class session_pricing_tests
{
    private const decimal Night = 0.30m, Day = 0.50m;

    /// <summary>Night rate 22:00-06:00 wraps past midnight; the day rate covers the rest.</summary>
    private static readonly TariffPublished NightAndDay = Tariff("EUR",
        Element(Restrict(start: "22:00", end: "06:00"), Energy(Night)),
        Element(Restrict(start: "06:00", end: "22:00"), Energy(Day)));

    public static TheoryData<string, string, LocalDateTime, LocalDateTime, decimal, decimal> TimeOfUse => new()
    {
        // zone, what, local start, local stop, kWh at night, kWh by day (10 kW throughout)
        { "Europe/Berlin", "into the night rate", new(2026, 6, 10, 21, 0), new(2026, 6, 10, 23, 0), 10m, 10m },
        { "Europe/Berlin", "spring forward: 01:00 CET to 07:00 CEST is 5 h", new(2026, 3, 29, 1, 0), new(2026, 3, 29, 7, 0), 40m, 10m },
        { "Europe/Berlin", "fall back: 01:00 CEST to 07:00 CET is 7 h", new(2026, 10, 25, 1, 0), new(2026, 10, 25, 7, 0), 60m, 10m },
        { "America/Los_Angeles", "spring forward", new(2026, 3, 8, 1, 0), new(2026, 3, 8, 7, 0), 40m, 10m },
        { "America/Los_Angeles", "fall back: 00:30 PDT to 07:00 PST is 7.5 h", new(2026, 11, 1, 0, 30), new(2026, 11, 1, 7, 0), 65m, 10m },
        { "America/Los_Angeles", "out of the night rate", new(2026, 7, 4, 5, 0), new(2026, 7, 4, 8, 0), 10m, 20m },
    };

    [Theory]
    [MemberData(nameof(TimeOfUse))]
    public void energy_is_priced_by_the_sites_local_time_of_use_band(
        string zone, string what, LocalDateTime start, LocalDateTime stop, decimal nightKwh, decimal dayKwh)
    {
        var tz = Zone(zone);
        var session = Steady(start.InZoneStrictly(tz).ToInstant(), stop.InZoneStrictly(tz).ToInstant(), kw: 10m);

        var price = SessionPricer.Price(session, [Always(NightAndDay)], tz);

        Assert.True(nightKwh * 1000m == Wh(price, Night), $"{what}: night {Wh(price, Night)} Wh");
        Assert.True(dayKwh * 1000m == Wh(price, Day), $"{what}: day {Wh(price, Day)} Wh");
        Assert.Equal(nightKwh * Night + dayKwh * Day, price.TotalExclVat.Amount);
    }

    [Fact]
    public void a_band_that_starts_in_the_repeated_hour_of_a_fall_back_applies_both_times()
    {
        // 01:30 happens twice in Los Angeles on 2026-11-01: 00:00-01:30 PDT A, 01:30-02:00 PDT B,
        // 01:00-01:30 PST A again, then B.
        var tariff = Tariff("USD",
            Element(Restrict(start: "00:00", end: "01:30"), Energy(0.20m)),
            Element(null, Energy(0.40m)));
        var session = Steady(Instant.FromUtc(2026, 11, 1, 7, 0), Instant.FromUtc(2026, 11, 1, 11, 0), kw: 10m);

        var price = SessionPricer.Price(session, [Always(tariff)], Zone("America/Los_Angeles"));

        Assert.Equal(20_000m, Wh(price, 0.20m));
        Assert.Equal(20_000m, Wh(price, 0.40m));
        Assert.Equal([0.20m, 0.40m, 0.20m, 0.40m], price.Lines.Select(l => l.UnitPrice));
    }

    [Fact]
    public void a_band_starting_in_the_skipped_hour_of_a_spring_forward_starts_when_the_clocks_jump()
    {
        // 02:30 does not exist in Los Angeles on 2026-03-08: clocks go from 02:00 PST to 03:00 PDT (10:00Z).
        var tariff = Tariff("USD",
            Element(Restrict(start: "00:00", end: "02:30"), Energy(0.20m)),
            Element(null, Energy(0.40m)));
        var session = Steady(Instant.FromUtc(2026, 3, 8, 8, 0), Instant.FromUtc(2026, 3, 8, 12, 0), kw: 10m);

        var price = SessionPricer.Price(session, [Always(tariff)], Zone("America/Los_Angeles"));

        Assert.Equal(20_000m, Wh(price, 0.20m));
        Assert.Equal(Instant.FromUtc(2026, 3, 8, 10, 0), price.Lines.Single(l => l.UnitPrice == 0.40m).From);
    }

    [Fact]
    public void a_session_over_midnight_into_saturday_pays_the_weekend_rate_from_midnight()
    {
        var tariff = Tariff("EUR",
            Element(Restrict(days: [IsoDayOfWeek.Monday, IsoDayOfWeek.Tuesday, IsoDayOfWeek.Wednesday, IsoDayOfWeek.Thursday, IsoDayOfWeek.Friday]), Energy(0.40m)),
            Element(Restrict(days: [IsoDayOfWeek.Saturday, IsoDayOfWeek.Sunday]), Energy(0.25m)));
        var session = Steady(Local("Europe/Berlin", 2026, 11, 27, 23), Local("Europe/Berlin", 2026, 11, 28, 1), kw: 10m);

        var price = SessionPricer.Price(session, [Always(tariff)], Zone("Europe/Berlin"));

        Assert.Equal(10_000m, Wh(price, 0.40m));
        Assert.Equal(10_000m, Wh(price, 0.25m));
        Assert.Equal(6.50m, price.TotalExclVat.Amount);
        Assert.Equal(new LocalDateTime(2026, 11, 28, 0, 0), price.Lines[1].LocalFrom);
    }

    [Fact]
    public void idle_time_after_charging_is_parking_not_charging_time()
    {
        var tariff = Tariff("EUR", Element(null, Energy(0.40m), Time(1.20m), Parking(6.00m)));
        var start = Instant.FromUtc(2026, 5, 4, 9, 0);
        // Charging for 30 minutes, then the car stays plugged in, full, for another 30.
        var session = new SessionUsage(start, 0,
            [Reading(start, 15, 2_500), Reading(start, 30, 5_000), Reading(start, 45, 5_000)],
            start + Duration.FromMinutes(60), 5_000);

        var price = SessionPricer.Price(session, [Always(tariff)], DateTimeZone.Utc);

        Assert.Equal(1_800m, price.ChargingSeconds);
        Assert.Equal(1_800m, price.ParkingSeconds);
        Assert.Equal(new ComponentCost(0.60m, 0.60m), price.Time);
        Assert.Equal(new ComponentCost(3.00m, 3.00m), price.Parking);
        Assert.Equal(5.60m, price.TotalExclVat.Amount);
    }

    [Fact]
    public void a_pause_before_charging_resumes_is_charging_time_not_parking()
    {
        var tariff = Tariff("EUR", Element(null, Energy(0.40m), Time(1.20m), Parking(6.00m)));
        var start = Instant.FromUtc(2026, 5, 4, 9, 0);
        // Held back by load management for 20 minutes, then 20 minutes of charging, then 10 idle.
        var session = new SessionUsage(start, 0,
            [Reading(start, 10, 0), Reading(start, 20, 0), Reading(start, 40, 5_000)], start + Duration.FromMinutes(50), 5_000);

        var price = SessionPricer.Price(session, [Always(tariff)], DateTimeZone.Utc);

        Assert.Equal(2_400m, price.ChargingSeconds);
        Assert.Equal(600m, price.ParkingSeconds);
        Assert.Equal(new ComponentCost(1.00m, 1.00m), price.Parking);
    }

    [Fact]
    public void parking_after_a_free_grace_period_is_charged_from_the_end_of_the_grace()
    {
        var tariff = Tariff("EUR",
            Element(Restrict(maxDuration: 3_600), Parking(0m)),
            Element(null, Energy(0.40m), Parking(12.00m)));
        var start = Instant.FromUtc(2026, 5, 4, 9, 0);
        var session = new SessionUsage(start, 0, [Reading(start, 30, 5_000)], start + Duration.FromMinutes(90), 5_000);

        var price = SessionPricer.Price(session, [Always(tariff)], DateTimeZone.Utc);

        Assert.Equal(new ComponentCost(6.00m, 6.00m), price.Parking);
        Assert.Equal(1_800m, Seconds(price, PriceComponentType.ParkingTime, 12.00m));
    }

    [Fact]
    public void step_sizes_round_the_sessions_total_up_once()
    {
        var tariff = Tariff("EUR", Element(null, Energy(0.50m, stepWh: 1_000), Time(2.40m, stepSeconds: 900)));
        var start = Instant.FromUtc(2026, 5, 4, 9, 0);
        var session = Steady(start, start + Duration.FromMinutes(20), kw: 10m);

        var price = SessionPricer.Price(session, [Always(tariff)], DateTimeZone.Utc);

        Assert.Equal(3_333m, price.EnergyWh);
        Assert.Equal(4_000m, price.Lines.Single(l => l.Component == PriceComponentType.Energy).BilledVolume);
        Assert.Equal(1_800m, price.Lines.Single(l => l.Component == PriceComponentType.Time).BilledVolume);
        Assert.Equal(3.20m, price.TotalExclVat.Amount);
    }

    [Fact]
    public void the_first_kwh_is_free_up_to_the_instant_it_is_reached_between_readings()
    {
        var tariff = Tariff("EUR",
            Element(Restrict(maxKwh: 1m), Energy(0m)),
            Element(null, Energy(0.20m)));
        var start = Instant.FromUtc(2026, 5, 4, 9, 0);
        var session = Steady(start, start + Duration.FromMinutes(30), kw: 10m);

        var price = SessionPricer.Price(session, [Always(tariff)], DateTimeZone.Utc);

        Assert.Equal(1_000m, Wh(price, 0m));
        Assert.Equal(4_000m, Wh(price, 0.20m));
        Assert.Equal(start + Duration.FromMinutes(6), price.Lines[1].From);
        Assert.Equal(0.80m, price.TotalExclVat.Amount);
    }

    [Fact]
    public void fast_charging_above_a_power_threshold_has_its_own_price()
    {
        var tariff = Tariff("EUR",
            Element(Restrict(maxPowerKw: 50m), Energy(0.49m)),
            Element(null, Energy(0.69m)));
        var start = Instant.FromUtc(2026, 5, 4, 9, 0);
        // 150 kW for 20 minutes, then 22 kW for 20 minutes as the battery fills.
        var session = new SessionUsage(start, 0, [Reading(start, 20, 50_000)], start + Duration.FromMinutes(40), 57_333);

        var price = SessionPricer.Price(session, [Always(tariff)], DateTimeZone.Utc);

        Assert.Equal(50_000m, Wh(price, 0.69m));
        Assert.Equal(7_333m, Wh(price, 0.49m));
    }

    [Fact]
    public void energy_delivered_after_a_tariff_is_superseded_is_priced_with_the_new_version()
    {
        var v1 = Version("T", 1, "EUR", Element(null, Energy(0.30m)));
        var v2 = Version("T", 2, "EUR", Element(null, Energy(0.45m)));
        var noon = Instant.FromUtc(2026, 5, 4, 12, 0);
        var spans = new[] { new TariffSpan(noon - Duration.FromDays(30), noon, v1, 11), new TariffSpan(noon, noon + Duration.FromDays(30), v2, 12) };
        var session = Steady(noon - Duration.FromHours(1), noon + Duration.FromHours(1), kw: 10m);

        var price = SessionPricer.Price(session, spans, DateTimeZone.Utc);

        Assert.Equal([(1, 10_000m), (2, 10_000m)], price.Lines.Select(l => (l.TariffVersion, l.Volume)));
        Assert.Equal(7.50m, price.TotalExclVat.Amount);
        Assert.Equal([new TariffVersionRef("T", 1, 11), new TariffVersionRef("T", 2, 12)], price.Tariffs);
    }

    [Fact]
    public void a_session_fee_is_charged_once_however_many_periods_it_is_active_in()
    {
        var start = Instant.FromUtc(2026, 5, 4, 21, 0);
        var tariff = Tariff("EUR",
            Element(Restrict(start: "22:00", end: "06:00"), Energy(0.30m), Flat(0.50m)),
            Element(null, Energy(0.50m), Flat(0.50m)));

        var price = SessionPricer.Price(Steady(start, start + Duration.FromHours(2), kw: 10m), [Always(tariff)], DateTimeZone.Utc);

        Assert.Equal(new ComponentCost(0.50m, 0.50m), price.Flat);
        Assert.Equal(8.50m, price.TotalExclVat.Amount);
    }

    [Fact]
    public void vat_inclusive_prices_are_split_into_net_and_vat()
    {
        var tariff = Tariff("EUR", Element(null, Energy(0.595m, vat: 19m))) with { PricesIncludeVat = true };
        var start = Instant.FromUtc(2026, 5, 4, 9, 0);

        var price = SessionPricer.Price(Steady(start, start + Duration.FromHours(1), kw: 10m), [Always(tariff)], DateTimeZone.Utc);

        Assert.Equal(5.95m, price.TotalInclVat.Amount);
        Assert.Equal(5.00m, price.TotalExclVat.Amount);
    }

    [Fact]
    public void a_running_session_is_priced_up_to_its_last_reading()
    {
        var tariff = Tariff("EUR", Element(null, Energy(0.40m)));
        var start = Instant.FromUtc(2026, 5, 4, 9, 0);
        var running = new SessionUsage(start, 1_000, [Reading(start, 15, 3_500)], StoppedAt: null, MeterStopWh: null);

        var price = SessionPricer.Price(running, [Always(tariff)], DateTimeZone.Utc);

        Assert.Equal(start + Duration.FromMinutes(15), price.Until);
        Assert.Equal(1.00m, price.TotalExclVat.Amount);
    }

    [Fact]
    public void a_register_that_goes_backwards_delivers_nothing_until_it_passes_its_maximum()
    {
        var tariff = Tariff("EUR", Element(null, Energy(1m)));
        var start = Instant.FromUtc(2026, 5, 4, 9, 0);
        var usage = new SessionUsage(start, 0, [Reading(start, 10, 4_000), Reading(start, 20, 1_000)], start + Duration.FromMinutes(30), 6_000);

        var price = SessionPricer.Price(usage, [Always(tariff)], DateTimeZone.Utc);

        Assert.Equal(6_000m, price.EnergyWh);
        Assert.All(price.Lines, line => Assert.True(line.Volume >= 0m));
    }

    [Fact]
    public void a_session_partly_outside_any_tariff_is_refused_with_the_instant()
    {
        var noon = Instant.FromUtc(2026, 5, 4, 12, 0);
        var span = new TariffSpan(noon, noon + Duration.FromDays(1), Tariff("EUR", Element(null, Energy(0.30m))), 1);

        var refusal = Assert.Throws<UnpriceableSessionException>(() =>
            SessionPricer.Price(Steady(noon - Duration.FromHours(1), noon + Duration.FromHours(1), kw: 10m), [span], DateTimeZone.Utc));

        Assert.Contains("2026-05-04T11:00:00Z", refusal.Message);
    }

    private static RegisterReading Reading(Instant start, int minute, long wh) => new(start + Duration.FromMinutes(minute), wh);
}
