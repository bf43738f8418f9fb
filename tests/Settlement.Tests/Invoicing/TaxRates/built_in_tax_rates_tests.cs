using System.Text.RegularExpressions;
using NodaTime;
using NodaTime.Text;
using Settlement.Domain.Invoicing.Jurisdictions;
using Settlement.Domain.Invoicing.TaxRates;

namespace Settlement.Tests.Invoicing.TaxRates;

public sealed class built_in_tax_rates_tests
{
    private static readonly LocalDate Today = new(2026, 11, 25);

    private static readonly string[] EuMemberStates =
    [
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    ];

    public static TheoryData<string> CoveredJurisdictions => new([.. EuMemberStates, "GB", "NO", "CH"]);

    [Theory]
    [MemberData(nameof(CoveredJurisdictions))]
    public void Given_a_covered_jurisdiction_when_asked_for_todays_rate_then_a_built_in_one_is_in_force(string jurisdiction)
    {
        var rate = TaxRateTable.BuiltIn.RateOn(jurisdiction, Today);

        Assert.NotNull(rate);
        Assert.Null(rate.SetBy);
    }

    [Theory]
    [InlineData("DE", "2020-06-30", 19.0)]
    [InlineData("DE", "2020-07-01", 16.0)]
    [InlineData("DE", "2020-12-31", 16.0)]
    [InlineData("DE", "2021-01-01", 19.0)]
    [InlineData("IE", "2020-08-31", 23.0)]
    [InlineData("IE", "2020-09-01", 21.0)]
    [InlineData("IE", "2021-02-28", 21.0)]
    [InlineData("IE", "2021-03-01", 23.0)]
    [InlineData("LU", "2022-12-31", 17.0)]
    [InlineData("LU", "2023-01-01", 16.0)]
    [InlineData("LU", "2023-12-31", 16.0)]
    [InlineData("LU", "2024-01-01", 17.0)]
    [InlineData("EE", "2023-12-31", 20.0)]
    [InlineData("EE", "2024-01-01", 22.0)]
    [InlineData("EE", "2025-06-30", 22.0)]
    [InlineData("EE", "2025-07-01", 24.0)]
    [InlineData("FI", "2024-08-31", 24.0)]
    [InlineData("FI", "2024-09-01", 25.5)]
    [InlineData("SK", "2024-12-31", 20.0)]
    [InlineData("SK", "2025-01-01", 23.0)]
    [InlineData("CH", "2023-12-31", 7.7)]
    [InlineData("CH", "2024-01-01", 8.1)]
    [InlineData("RO", "2025-07-31", 19.0)]
    [InlineData("RO", "2025-08-01", 21.0)]
    public void Given_a_rate_change_when_asked_either_side_of_it_then_each_day_gets_the_rate_then_in_force(
        string jurisdiction, string supplyDate, double ratePercent)
    {
        var rate = TaxRateTable.BuiltIn.RateOn(jurisdiction, LocalDatePattern.Iso.Parse(supplyDate).Value);

        Assert.Equal((decimal)ratePercent, rate?.Rate.RatePercent);
    }

    [Theory]
    [InlineData("US-CO")]
    [InlineData("US-OR")]
    public void Given_a_us_state_when_asked_then_no_built_in_rate_is_in_force_since_its_sales_tax_is_defined_per_site(string jurisdiction)
    {
        Assert.Null(TaxRateTable.BuiltIn.RateOn(jurisdiction, Today));
    }

    [Fact]
    public void Given_a_date_before_the_table_begins_when_asked_then_there_is_no_built_in_rate()
    {
        Assert.Null(TaxRateTable.BuiltIn.RateOn("DE", new LocalDate(2019, 12, 31)));
    }

    [Fact]
    public void Given_every_built_in_rate_when_inspected_then_it_names_its_source_and_is_a_valid_rate_of_an_iso_jurisdiction()
    {
        var isoJurisdiction = new Regex("^[A-Z]{2}(-[A-Z0-9]{1,3})?$");

        Assert.All(BuiltInTaxRates.All, rate =>
        {
            Assert.False(string.IsNullOrWhiteSpace(rate.Source), $"{rate} has no source");
            Assert.Matches(isoJurisdiction, rate.Jurisdiction);
            Assert.InRange(rate.RatePercent, 0m, 100m);
        });
    }

    [Fact]
    public void Given_each_jurisdictions_built_in_rates_when_laid_end_to_end_then_they_run_from_2020_without_gap_or_overlap_to_an_open_end()
    {
        foreach (var rates in BuiltInTaxRates.All.GroupBy(rate => rate.Jurisdiction))
        {
            var inOrder = rates.OrderBy(rate => rate.ValidFrom).ToList();

            Assert.Equal(new LocalDate(2020, 1, 1), inOrder[0].ValidFrom);
            foreach (var (earlier, later) in inOrder.Zip(inOrder.Skip(1)))
                Assert.True(earlier.ValidThrough?.PlusDays(1) == later.ValidFrom, $"{rates.Key}: {earlier} is not followed the next day by {later}");
            Assert.Null(inOrder[^1].ValidThrough);
        }
    }

    public static TheoryData<string, decimal, decimal> EuropeanCapitals => new()
    {
        { "Vienna", 48.2082m, 16.3738m }, { "Brussels", 50.8467m, 4.3525m }, { "Sofia", 42.6977m, 23.3219m },
        { "Nicosia", 35.1856m, 33.3823m }, { "Prague", 50.0755m, 14.4378m }, { "Berlin", 52.5200m, 13.4050m },
        { "Copenhagen", 55.6761m, 12.5683m }, { "Tallinn", 59.4370m, 24.7536m }, { "Athens", 37.9838m, 23.7275m },
        { "Madrid", 40.4168m, -3.7038m }, { "Helsinki", 60.1699m, 24.9384m }, { "Paris", 48.8566m, 2.3522m },
        { "Zagreb", 45.8150m, 15.9819m }, { "Budapest", 47.4979m, 19.0402m }, { "Dublin", 53.3498m, -6.2603m },
        { "Rome", 41.9028m, 12.4964m }, { "Vilnius", 54.6872m, 25.2797m }, { "Luxembourg", 49.6116m, 6.1319m },
        { "Riga", 56.9496m, 24.1052m }, { "Valletta", 35.8989m, 14.5146m }, { "Amsterdam", 52.3676m, 4.9041m },
        { "Warsaw", 52.2297m, 21.0122m }, { "Lisbon", 38.7223m, -9.1393m }, { "Bucharest", 44.4268m, 26.1025m },
        { "Stockholm", 59.3293m, 18.0686m }, { "Ljubljana", 46.0569m, 14.5058m }, { "Bratislava", 48.1486m, 17.1077m },
        { "London", 51.5074m, -0.1278m }, { "Oslo", 59.9139m, 10.7522m }, { "Bern", 46.9480m, 7.4474m },
    };

    [Theory]
    [MemberData(nameof(EuropeanCapitals))]
    public void Given_a_site_in_a_european_capital_when_its_jurisdiction_is_resolved_then_a_built_in_rate_is_in_force_there(
        string capital, decimal latitude, decimal longitude)
    {
        var jurisdiction = JurisdictionResolver.Bundled.Resolve(latitude, longitude)?.Jurisdiction;

        Assert.True(jurisdiction is not null && TaxRateTable.BuiltIn.RateOn(jurisdiction, Today) is not null,
            $"{capital} resolves to {jurisdiction ?? "nothing"}, which has no built-in rate");
    }
}
