using System.Diagnostics;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Kpis;
using static Settlement.Tests.Kpis.KpiGiven;

namespace Settlement.Tests.Kpis;

public sealed class kpi_scale_tests
{
    private static readonly Instant YearStart = Instant.FromUtc(2025, 1, 1, 0, 0);
    private static readonly Instant YearEnd = Instant.FromUtc(2026, 1, 1, 0, 0);

    // Per port and day: ten 55-minute sessions (the first one delivers nothing) and one 10-minute communication drop.
    private static ChargerHistory BusyCharger(int number)
    {
        var profile = Charger with { ChargerId = $"CP-{number}", RegisteredAt = YearStart };
        var facts = new List<ChargerFact>();
        var sessions = new List<SessionFacts>();
        for (var day = 0; day < 365; day++)
        for (var session = 0; session < 10; session++)
        for (var evse = 1; evse <= 2; evse++)
        {
            var plugIn = YearStart + Duration.FromDays(day) + Duration.FromMinutes(session * 140 + evse * 7);
            facts.Add(Status(plugIn, evse, ConnectorStatus.Preparing));
            facts.Add(Status(plugIn + Duration.FromMinutes(2), evse, ConnectorStatus.Charging));
            facts.Add(Status(plugIn + Duration.FromMinutes(50), evse, ConnectorStatus.Finishing));
            facts.Add(Status(plugIn + Duration.FromMinutes(55), evse, ConnectorStatus.Available));
            sessions.Add(Charged($"S-{number}-{day}-{session}-{evse}", evse, plugIn + Duration.FromMinutes(2), plugIn + Duration.FromMinutes(50),
                wh: session == 0 ? 0 : 20_000) with { ChargerId = profile.ChargerId });
            if (session == 3 && evse == 1)
                facts.AddRange([WentOffline(plugIn + Duration.FromMinutes(60)), CameOnline(plugIn + Duration.FromMinutes(70))]);
        }
        return new ChargerHistory(profile, facts, sessions);
    }

    [Fact]
    public void thirty_busy_ports_over_a_year_compute_in_one_sweep()
    {
        var chargers = Enumerable.Range(1, 15).Select(BusyCharger).ToList();
        var watch = Stopwatch.StartNew();

        var ports = chargers.SelectMany(charger => PortTimelines.Of(charger.Profile, charger.Facts, YearEnd)).ToList();
        var years = ports.Select(port => Uptime.TrailingYear(port, new YearMonth(2025, 12), DateTimeZone.Utc)).ToList();
        var outages = ports.SelectMany(port => Uptime.Outages(port, YearStart, YearEnd)).ToList();
        var site = Utilisation.ForSite("SITE-1", ports, DateTimeZoneProviders.Tzdb["Europe/Berlin"],
            new DateInterval(new LocalDate(2025, 1, 1), new LocalDate(2025, 12, 31)));
        var success = ChargeSuccess.For(chargers, YearStart, YearEnd);

        // Measured well under a second warm; the bound only catches a sweep turned quadratic, which would take minutes.
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        Assert.Equal(30 * 365 * 10m, years.Sum(year => year.OutageMinutes));
        Assert.Equal(30 * 365, outages.Count);
        Assert.Equal(365, site.ByDay.Count);
        Assert.Equal(90m, success.Total.RatePercent);
    }
}
