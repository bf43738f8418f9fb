using Settlement.Domain.Kpis;
using static Settlement.Tests.Kpis.KpiGiven;

namespace Settlement.Tests.Kpis;

public sealed class rating_tests
{
    [Fact]
    public void a_sites_average_counts_the_ratings_given_in_the_period()
    {
        var session = Charged("S", 1, At(3, 2, 10), At(3, 2, 11), wh: 10_000);
        var here = new ChargerHistory(Charger, [],
        [
            Rated(session with { Id = "S1" }, 5, At(3, 2, 12)),
            Rated(session with { Id = "S2" }, 4, At(3, 9, 12)),
            Rated(session with { Id = "S3" }, 4, At(3, 31, 23, 59)),
            Rated(session with { Id = "S4" }, 1, At(4, 1)),
            session with { Id = "S5" },
        ]);
        var elsewhere = new ChargerHistory(Charger with { ChargerId = "CP-2", SiteId = "SITE-2" }, [], []);

        var ratings = Ratings.BySite([here, elsewhere], At(3, 1), At(4, 1));

        Assert.Equal(new RatingSummary(3, 4.33m), ratings["SITE-1"]);
        Assert.Equal(new RatingSummary(0, null), ratings["SITE-2"]);
    }
}
