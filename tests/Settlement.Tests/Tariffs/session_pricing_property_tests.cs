using CsCheck;
using NodaTime;
using Settlement.Domain.Sessions;
using Settlement.Domain.Tariffs;
using static Settlement.Tests.Tariffs.Tariffs;

namespace Settlement.Tests.Tariffs;

public sealed class session_pricing_property_tests
{
    private static readonly TariffPublished Everything = Tariff("EUR",
        Element(Restrict(maxKwh: 2m), Energy(0.10m)),
        Element(Restrict(start: "22:00", end: "06:00"), Energy(0.30m), Time(0.60m, stepSeconds: 60), Parking(1.20m)),
        Element(Restrict(minPowerKw: 50m), Energy(0.69m, vat: 20m)),
        Element(Restrict(maxDuration: 1_800), Parking(0m)),
        Element(null, Energy(0.50m, stepWh: 100, vat: 19m), Time(1.20m), Parking(6.00m, stepSeconds: 300), Flat(0.50m, vat: 19m)));

    private static readonly string[] Zones = ["Europe/Berlin", "America/Los_Angeles", "Australia/Lord_Howe", "UTC"];

    // Around DST changes (and one ordinary day) so that sessions often cross them.
    private static readonly Instant[] Anchors =
    [
        Instant.FromUtc(2026, 3, 29, 0, 0), Instant.FromUtc(2026, 10, 24, 22, 0), Instant.FromUtc(2026, 3, 8, 9, 0),
        Instant.FromUtc(2026, 11, 1, 8, 0), Instant.FromUtc(2026, 4, 4, 14, 0), Instant.FromUtc(2026, 7, 17, 20, 0),
    ];

    /// <summary>Constant-power stretches: seconds long, whole Wh per second (0 = plugged in, not charging).</summary>
    private static readonly Gen<(int Seconds, int WhPerSecond)[]> Stretches =
        Gen.Select(Gen.Int[60, 7_200], Gen.OneOf(Gen.Const(0), Gen.Int[1, 42])).Array[1, 8];

    private static readonly Gen<Case> Cases = Gen.Select(
        Gen.OneOf(Zones.Select(Gen.Const).ToArray()), Gen.OneOf(Anchors.Select(Gen.Const).ToArray()), Gen.Int[-14_400, 14_400],
        Gen.Long[0, 100_000_000], Stretches, Gen.Double[0, 1].Array[0, 20])
        .Select((zone, anchor, offset, meterStart, stretches, extra) => new Case(zone, anchor + Duration.FromSeconds(offset), meterStart, stretches, extra));

    private sealed record Case(string Zone, Instant Start, long MeterStartWh, (int Seconds, int WhPerSecond)[] Stretches, double[] ExtraReadings)
    {
        private long MeterStopWh => MeterStartWh + Stretches.Sum(s => (long)s.Seconds * s.WhPerSecond);
        private int TotalSeconds => Stretches.Sum(s => s.Seconds);
        private Instant Stop => Start + Duration.FromSeconds(TotalSeconds);

        private long RegisterAt(int second)
        {
            long wh = MeterStartWh;
            foreach (var (seconds, rate) in Stretches)
            {
                var part = Math.Min(seconds, second);
                wh += (long)part * rate;
                second -= part;
                if (second == 0) break;
            }
            return wh;
        }

        /// <summary>A reading where the power changes: the least a charger could report.</summary>
        public SessionUsage Coarse()
        {
            var seconds = 0;
            var readings = new List<RegisterReading>();
            foreach (var stretch in Stretches[..^1])
            {
                seconds += stretch.Seconds;
                readings.Add(new RegisterReading(Start + Duration.FromSeconds(seconds), RegisterAt(seconds)));
            }
            return new SessionUsage(Start, MeterStartWh, readings, Stop, MeterStopWh);
        }

        /// <summary>The same delivery reported in more, smaller chunks, in any order.</summary>
        public SessionUsage Fine()
        {
            var coarse = Coarse();
            var extra = ExtraReadings.Select(f => (int)(f * TotalSeconds)).Where(s => s > 0)
                .Select(s => new RegisterReading(Start + Duration.FromSeconds(s), RegisterAt(s)));
            return coarse with { Readings = [.. extra.Concat(coarse.Readings).Reverse()] };
        }

        public DateTimeZone TimeZone => Tariffs.Zone(Zone);
        public long MeteredWh => MeterStopWh - MeterStartWh;
    }

    [Fact]
    public void the_apportioned_energy_adds_up_to_the_metered_energy_exactly() =>
        Cases.Sample(c =>
        {
            var price = SessionPricer.Price(c.Fine(), [Always(Everything)], c.TimeZone);
            return price.EnergyWh == c.MeteredWh
                && price.Lines.Where(l => l.Component == PriceComponentType.Energy).Sum(l => l.Volume) == c.MeteredWh
                && price.ChargingSeconds + price.ParkingSeconds == (decimal)(price.Until - price.From).TotalSeconds;
        }, iter: 2_000);

    [Fact]
    public void the_price_does_not_depend_on_how_the_meter_readings_are_chunked() =>
        Cases.Sample(c =>
        {
            var coarse = SessionPricer.Price(c.Coarse(), [Always(Everything)], c.TimeZone);
            var fine = SessionPricer.Price(c.Fine(), [Always(Everything)], c.TimeZone);
            return coarse.Lines.SequenceEqual(fine.Lines)
                && coarse.TotalExclVat == fine.TotalExclVat && coarse.TotalInclVat == fine.TotalInclVat;
        }, iter: 2_000);
}
