using Settlement.Domain.Invoicing.Jurisdictions;

namespace Settlement.Tests.Invoicing.Jurisdictions;

public sealed class jurisdiction_resolver_tests
{
    private static readonly JurisdictionResolver Resolver = JurisdictionResolver.Bundled;

    public static TheoryData<string, decimal, decimal, string, string> SitesInland => new()
    {
        { "Berlin, Alexanderplatz", 52.5219m, 13.4132m, "DE", "DE" },
        { "Munich, Marienplatz", 48.1374m, 11.5755m, "DE", "DE" },
        { "Paris, Hôtel de Ville", 48.8566m, 2.3522m, "FR", "FR" },
        { "Lyon, Part-Dieu", 45.7606m, 4.8594m, "FR", "FR" },
        { "Amsterdam, Dam", 52.3731m, 4.8926m, "NL", "NL" },
        { "Oslo, Karl Johans gate", 59.9127m, 10.7461m, "NO", "NO" },
        { "Zürich, Hauptbahnhof", 47.3779m, 8.5403m, "CH", "CH" },
        { "London, Trafalgar Square", 51.5080m, -0.1281m, "GB", "GB" },
        { "Los Angeles, City Hall", 34.0537m, -118.2427m, "US-CA", "US" },
        { "Portland, Pioneer Square", 45.5189m, -122.6793m, "US-OR", "US" },
    };

    [Theory]
    [MemberData(nameof(SitesInland))]
    public void Given_a_site_well_inside_a_jurisdiction_when_resolved_then_it_is_that_jurisdiction_with_no_border_to_confirm(
        string site, decimal latitude, decimal longitude, string jurisdiction, string country)
    {
        var match = Resolver.Resolve(latitude, longitude);

        Assert.NotNull(match);
        Assert.Equal((jurisdiction, country), (match.Jurisdiction, match.CountryCode));
        Assert.True(match.NearBorderWith.Count == 0, $"{site} is flagged near {string.Join(", ", match.NearBorderWith)}");
    }

    public static TheoryData<string, decimal, decimal, string> CoastalSites => new()
    {
        { "Bergen, Bryggen", 60.3975m, 5.3242m, "NO" },
        { "Hammerfest harbour", 70.6634m, 23.6821m, "NO" },
        { "Bodø, which Russia's outline claimed while it still wrapped the antimeridian", 67.2804m, 14.4049m, "NO" },
        { "Edinburgh, Leith", 55.9756m, -3.1720m, "GB" },
        { "Washington, the Mall", 38.8895m, -77.0353m, "US-DC" },
    };

    [Theory]
    [MemberData(nameof(CoastalSites))]
    public void Given_a_coastal_or_small_jurisdiction_site_when_resolved_then_it_is_still_that_jurisdiction(
        string site, decimal latitude, decimal longitude, string jurisdiction)
    {
        Assert.True(Resolver.Resolve(latitude, longitude)?.Jurisdiction == jurisdiction, $"{site} should resolve to {jurisdiction}");
    }

    public static TheoryData<string, decimal, decimal, string> UnitsNaturalEarthGivesNoIsoNumber => new()
    {
        { "Pristina", 42.6629m, 21.1655m, "XK" },
        { "Kyrenia, in Northern Cyprus", 35.3364m, 33.3199m, "CY" },
        { "Hargeisa, in Somaliland", 9.5600m, 44.0650m, "SO" },
    };

    [Theory]
    [MemberData(nameof(UnitsNaturalEarthGivesNoIsoNumber))]
    public void Given_a_site_in_a_unit_without_an_iso_number_in_natural_earth_when_resolved_then_it_gets_the_mapped_code(
        string site, decimal latitude, decimal longitude, string jurisdiction)
    {
        Assert.True(Resolver.Resolve(latitude, longitude)?.Jurisdiction == jurisdiction, $"{site} should resolve to {jurisdiction}");
    }

    [Fact]
    public void Given_a_site_at_the_german_dutch_belgian_tripoint_when_resolved_then_the_other_two_are_named_for_an_override()
    {
        var match = Resolver.Resolve(50.7543m, 6.0207m);

        Assert.NotNull(match);
        Assert.Equal(["BE", "DE", "NL"], [.. match.NearBorderWith.Append(match.Jurisdiction).Order(StringComparer.Ordinal)]);
    }

    [Fact]
    public void Given_a_site_in_basel_when_resolved_then_it_is_swiss_and_germany_and_france_are_near()
    {
        var match = Resolver.Resolve(47.5596m, 7.5886m);

        Assert.NotNull(match);
        Assert.Equal("CH", match.Jurisdiction);
        Assert.Equal(["DE", "FR"], match.NearBorderWith);
    }

    [Fact]
    public void Given_a_site_near_a_state_line_when_resolved_then_the_neighbouring_state_is_near()
    {
        var kansasCityMissouri = Resolver.Resolve(39.0997m, -94.5786m);

        Assert.NotNull(kansasCityMissouri);
        Assert.Equal("US-MO", kansasCityMissouri.Jurisdiction);
        Assert.Contains("US-KS", kansasCityMissouri.NearBorderWith);
    }

    [Fact]
    public void Given_a_seafront_site_the_generalised_coastline_puts_in_the_sea_when_resolved_then_it_is_the_nearest_and_flagged()
    {
        var doverSeafront = Resolver.Resolve(51.1279m, 1.3134m);

        Assert.NotNull(doverSeafront);
        Assert.Equal("GB", doverSeafront.Jurisdiction);
        Assert.Equal(["GB"], doverSeafront.NearBorderWith);
    }

    [Theory]
    [InlineData(30.0, -40.0)]   // mid-Atlantic
    [InlineData(54.5, 8.2)]     // North Sea, some 20 km off Sylt
    [InlineData(45.0, -160.0)]  // North Pacific
    public void Given_a_position_far_from_any_land_when_resolved_then_there_is_no_jurisdiction(double latitude, double longitude)
    {
        Assert.Null(Resolver.Resolve((decimal)latitude, (decimal)longitude));
    }

    [Theory]
    [InlineData(66.0, -175.0)]  // Chukotka, in the western hemisphere
    [InlineData(64.73, 177.5)]  // Anadyr
    public void Given_a_site_in_russias_far_east_either_side_of_the_antimeridian_when_resolved_then_it_is_russia(double latitude, double longitude)
    {
        Assert.Equal("RU", Resolver.Resolve((decimal)latitude, (decimal)longitude)?.Jurisdiction);
    }

    [Fact]
    public void Given_any_match_when_resolved_then_it_names_the_boundary_data_it_came_from()
    {
        var match = Resolver.Resolve(52.5219m, 13.4132m);

        Assert.Equal(Resolver.Source, match?.Source);
        Assert.Contains("Natural Earth", Resolver.Source);
        Assert.Contains("world-atlas", Resolver.Source);
        Assert.Contains("us-atlas", Resolver.Source);
    }

    [Theory]
    [InlineData(90.5, 0.0)]
    [InlineData(-91.0, 0.0)]
    [InlineData(0.0, 180.5)]
    [InlineData(0.0, -181.0)]
    public void Given_a_position_off_the_globe_when_resolved_then_it_is_refused(double latitude, double longitude)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Resolver.Resolve((decimal)latitude, (decimal)longitude));
    }

    [Fact]
    public void Given_many_threads_resolving_at_once_when_compared_then_each_gets_what_one_thread_gets()
    {
        var positions = Enumerable.Range(0, 2000)
            .Select(i => (Latitude: 35m + i % 40 * 0.5m, Longitude: -10m + i / 40 * 0.7m))
            .ToArray();
        var alone = positions.Select(p => Describe(Resolver.Resolve(p.Latitude, p.Longitude))).ToArray();

        var together = new string[positions.Length];
        Parallel.For(0, positions.Length, i => together[i] = Describe(Resolver.Resolve(positions[i].Latitude, positions[i].Longitude)));

        Assert.Equal(alone, together);
    }

    private static string Describe(JurisdictionMatch? match) =>
        match is null ? "-" : $"{match.Jurisdiction}:{string.Join(",", match.NearBorderWith)}";
}
