using CsCheck;
using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.Roaming;
using Settlement.Domain.Tariffs;
using static Settlement.Tests.Tariffs.Tariffs;

namespace Settlement.Tests.Roaming;

/// <summary>A CDR restates its priced session: the same totals to the cent, the same energy and times, cut into periods.</summary>
public sealed class cdr_issuing_tests
{
    private static readonly Instant Start = Instant.FromUtc(2026, 10, 12, 16, 30);
    private static readonly RoamedSessionAuthorisation Session = new("NL-EMS", "S-1", "drv_" + new string('a', 32), "RFID", "COMMAND", "AUTH-1");
    private static readonly CdrLocation Location = new("SITE-1", "Test site", "Hauptstr. 1", "München", "80331", null, "DEU", 48.14m, 11.58m,
        "CHG-1-1", "DE*STL*ECHG1*1", "1", "IEC_62196_T2_COMBO", "CABLE", "DC");

    /// <summary>Charging and idle stretches (seconds, Wh per second; 0 is plugged in, not charging).</summary>
    private static readonly Gen<(int Seconds, int WhPerSecond)[]> Stretches =
        Gen.Select(Gen.Int[60, 7_200], Gen.OneOf(Gen.Const(0), Gen.Int[1, 42])).Array[1, 6];

    private static readonly Gen<decimal> Prices = Gen.Int[0, 400].Select(cents => cents / 100m);
    private static readonly Gen<decimal?> Vat = Gen.Int[0, 2].Select(i => i switch { 0 => (decimal?)null, 1 => 19m, _ => 7.7m });

    /// <summary>Tariffs with every component, some by time of day, so lines start and end inside sessions.</summary>
    private static readonly Gen<TariffPublished> Tariffs = Gen.Select(Prices, Prices, Prices, Prices, Vat, Gen.Bool, Gen.Int[1, 600])
        .Select((energy, time, parking, flat, vat, byTimeOfDay, step) => Tariff("EUR",
            byTimeOfDay
                ? [Element(Restrict(start: "18:00", end: "22:00"), Energy(energy + 0.11m, vat: vat), Parking(parking * 2, stepSeconds: step, vat: vat)),
                   Element(null, Energy(energy, stepWh: step, vat: vat), Time(time, vat: vat), Parking(parking, vat: vat), Flat(flat, vat: vat))]
                : [Element(null, Energy(energy, vat: vat), Time(time, stepSeconds: step, vat: vat), Parking(parking, vat: vat), Flat(flat, vat: vat))]));

    private static readonly Gen<(SessionUsage Usage, TariffPublished Tariff)> Sessions =
        Gen.Select(Stretches, Gen.Int[0, 86_400], Gen.Long[0, 1_000_000], Tariffs).Select((stretches, offset, meterStart, tariff) =>
        {
            var at = Start + Duration.FromSeconds(offset);
            var (from, wh) = (at, meterStart);
            var readings = new List<RegisterReading>();
            foreach (var (seconds, rate) in stretches)
            {
                (from, wh) = (from + Duration.FromSeconds(seconds), wh + (long)seconds * rate);
                readings.Add(new RegisterReading(from, wh));
            }
            return (new SessionUsage(at, meterStart, readings[..^1], from, wh), tariff);
        });

    [Fact]
    public void a_cdrs_totals_and_breakdown_are_the_priced_sessions_to_the_cent_and_its_periods_add_up_to_the_session() =>
        Sessions.Sample((usage, tariff) =>
        {
            var price = SessionPricer.Price(usage, [Always(tariff)], Zone("Europe/Berlin"));

            var cdr = Cdrs.Issue(Session, usage, price, Location, Start);

            var volumes = cdr.ChargingPeriods.SelectMany(p => p.Dimensions).ToLookup(d => d.Type, d => d.Volume);
            var hourRounding = cdr.ChargingPeriods.Count * 0.0000005m;
            return cdr.TotalCost == new CdrCost(price.TotalExclVat.Amount, price.TotalInclVat.Amount)
                && ToTheCent(cdr.TotalEnergyCost, price.Energy) && ToTheCent(cdr.TotalTimeCost, price.Time)
                && ToTheCent(cdr.TotalParkingCost, price.Parking) && ToTheCent(cdr.TotalFixedCost, price.Flat)
                && cdr.TotalEnergyKwh == price.EnergyWh / 1000m && volumes[CdrDimensionType.Energy].Sum() == cdr.TotalEnergyKwh
                && cdr.TotalTimeHours == Cdrs.Hours(price.ChargingSeconds) && Math.Abs(volumes[CdrDimensionType.Time].Sum() - cdr.TotalTimeHours) <= hourRounding
                && cdr.TotalParkingTimeHours == Cdrs.Hours(price.ParkingSeconds)
                && Math.Abs(volumes[CdrDimensionType.ParkingTime].Sum() - cdr.TotalParkingTimeHours!.Value) <= hourRounding
                && cdr.ChargingPeriods.Zip(cdr.ChargingPeriods.Skip(1)).All(pair => pair.First.StartedAt < pair.Second.StartedAt);
        }, iter: 1_000);

    [Fact]
    public void time_is_charging_time_and_the_idle_hour_after_it_is_parking_time()
    {
        // One hour at 11 kW, then an hour plugged in and idle.
        var usage = new SessionUsage(Start, 0, [new RegisterReading(Start + Duration.FromHours(1), 11_000)], Start + Duration.FromHours(2), 11_000);
        var tariff = Tariff("EUR", Element(null, Energy(0.40m), Time(1.00m), Parking(6.00m)));
        var price = SessionPricer.Price(usage, [Always(tariff)], Zone("Europe/Berlin"));

        var cdr = Cdrs.Issue(Session, usage, price, Location, Start);

        Assert.Equal((11m, 1m, 1m), (cdr.TotalEnergyKwh, cdr.TotalTimeHours, cdr.TotalParkingTimeHours!.Value));
        Assert.Equal(new CdrCost(4.40m, 4.40m), cdr.TotalEnergyCost);
        Assert.Equal(new CdrCost(1.00m, 1.00m), cdr.TotalTimeCost);
        Assert.Equal(new CdrCost(6.00m, 6.00m), cdr.TotalParkingCost);
        Assert.Null(cdr.TotalFixedCost);
        Assert.Equal(new CdrCost(11.40m, 11.40m), cdr.TotalCost);
        var idle = cdr.ChargingPeriods.Single(p => p.Dimensions.Any(d => d.Type == CdrDimensionType.ParkingTime));
        Assert.Equal(Start + Duration.FromHours(1), idle.StartedAt);
        Assert.DoesNotContain(idle.Dimensions, d => d.Type == CdrDimensionType.Time);
        Assert.All(cdr.ChargingPeriods, p => Assert.Equal("T", p.TariffId));
    }

    [Fact]
    public void the_same_session_always_gets_the_same_cdr_id_within_ocpis_length()
    {
        Assert.Equal(Cdrs.CdrIdOf("S-1"), Cdrs.CdrIdOf("S-1"));
        Assert.NotEqual(Cdrs.CdrIdOf("S-1"), Cdrs.CdrIdOf("S-2"));
        Assert.InRange(Cdrs.CdrIdOf("S-1").Length, 1, 36);
        Assert.InRange(Cdrs.CreditIdOf(Cdrs.CdrIdOf("S-1")).Length, 1, 36);
    }

    [Fact]
    public void a_credit_cdr_negates_every_cost_names_the_cdr_it_credits_and_keeps_the_volumes()
    {
        var cdr = IssuedCdr();

        var decision = Cdrs.DecideCredit(cdr.CdrId, cdr, creditIssued: false, " Wrong connector metered ", Start);

        var credit = Assert.IsType<CdrIssuedV2>(Assert.Single(decision.Events));
        Assert.True(credit.Credit);
        Assert.Equal((cdr.CdrId, "Wrong connector metered"), (credit.CreditReferenceId, credit.CreditReason));
        Assert.Equal(Cdrs.CreditIdOf(cdr.CdrId), credit.CdrId);
        Assert.Equal(new CdrCost(-cdr.TotalCost.ExclVat, -cdr.TotalCost.InclVat), credit.TotalCost);
        Assert.Equal(-cdr.TotalEnergyCost!.ExclVat, credit.TotalEnergyCost!.ExclVat);
        Assert.Equal(cdr.TotalEnergyKwh, credit.TotalEnergyKwh);
        Assert.Equal(cdr.ChargingPeriods, credit.ChargingPeriods);
    }

    [Fact]
    public void a_cdr_is_credited_once_with_a_reason_and_a_credit_cdr_not_at_all()
    {
        var cdr = IssuedCdr();
        var credit = (CdrIssuedV2)Cdrs.DecideCredit(cdr.CdrId, cdr, false, "wrong", Start).Events.Single();

        Assert.Equal(RefusalKind.Conflict, Cdrs.DecideCredit(cdr.CdrId, cdr, creditIssued: true, "again", Start).Refusal!.Kind);
        Assert.Equal(RefusalKind.Invalid, Cdrs.DecideCredit(cdr.CdrId, cdr, false, "  ", Start).Refusal!.Kind);
        Assert.Equal(RefusalKind.Invalid, Cdrs.DecideCredit(cdr.CdrId, cdr, false, new string('x', 501), Start).Refusal!.Kind);
        Assert.Equal(RefusalKind.Invalid, Cdrs.DecideCredit(credit.CdrId, credit, false, "credit the credit", Start).Refusal!.Kind);
        Assert.Equal(RefusalKind.NotFound, Cdrs.DecideCredit("CDR-NONE", null, false, "nothing", Start).Refusal!.Kind);
        // Every problem at once.
        Assert.Equal(2, Cdrs.DecideCredit(cdr.CdrId, cdr, creditIssued: true, "", Start).Refusal!.Problems.Count);
    }

    private static CdrIssuedV2 IssuedCdr()
    {
        var usage = new SessionUsage(Start, 0, [], Start + Duration.FromHours(1), 7_000);
        var price = SessionPricer.Price(usage, [Always(Tariff("EUR", Element(null, Energy(0.50m, vat: 19m), Flat(1m, vat: 19m))))], Zone("Europe/Berlin"));
        return Cdrs.Issue(Session, usage, price, Location, Start);
    }

    /// <summary>A breakdown left out is one nothing was charged for; one stated is the price's, rounded to the cent.</summary>
    private static bool ToTheCent(CdrCost? stated, ComponentCost priced) => stated is null
        ? priced == ComponentCost.Zero
        : stated == new CdrCost(decimal.Round(priced.ExclVat, 2, MidpointRounding.AwayFromZero), decimal.Round(priced.InclVat, 2, MidpointRounding.AwayFromZero));
}
