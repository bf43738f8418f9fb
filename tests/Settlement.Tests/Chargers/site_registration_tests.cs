using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Deciding;
using Settlement.Domain.Invoicing.Jurisdictions;

namespace Settlement.Tests.Chargers;

public sealed class site_registration_tests
{
    private const string Id = "DE-MUC";
    private static readonly Instant Now = Instant.FromUtc(2026, 10, 12, 12, 0);
    private static readonly SiteAddress Marienplatz = new("Marienplatz 8", "80331", "München", "DE");
    private static readonly SiteDetails Munich = new("Munich hub", Marienplatz, 48.1374m, 11.5755m, "Europe/Berlin", 800m);

    private static readonly DeciderSpec<SiteState, RegisterSite> Registering =
        new(SiteState.Unregistered, SiteRegistration.Evolve, (state, command) => SiteRegistration.Decide(state, command, JurisdictionResolver.Bundled, Now));

    private static readonly DeciderSpec<SiteState, ChangeSiteDetails> Changing =
        new(SiteState.Unregistered, SiteRegistration.Evolve, (state, command) => SiteRegistration.Decide(state, command, JurisdictionResolver.Bundled, Now));

    private static SiteRegisteredV2 Registered(SiteDetails? details = null)
    {
        var d = details ?? Munich;
        return new(Id, d.Name, d.Address, d.Address.CountryCode, d.TimeZone, d.Latitude, d.Longitude, d.GridCapacityKw, d.GridCapacityAmpsPerPhase, Now);
    }

    [Fact]
    public void a_new_site_is_registered_with_its_address_position_zone_and_grid_limit() =>
        Registering.Given().When(new RegisterSite(Id, Munich with { GridCapacityAmpsPerPhase = 1_250m }))
            .Then(Registered(Munich with { GridCapacityAmpsPerPhase = 1_250m }));

    [Fact]
    public void a_site_is_registered_once() =>
        Registering.Given(Registered()).When(new RegisterSite(Id, Munich)).ThenRefused(RefusalKind.Conflict, "Site DE-MUC is already registered; change it with PUT /api/sites/DE-MUC.");

    [Fact]
    public void a_zone_of_another_country_than_the_position_is_refused_naming_the_zones_of_that_country() =>
        Registering.Given().When(new RegisterSite(Id, Munich with { TimeZone = "Europe/Paris" }))
            .ThenRefused(RefusalKind.Unprocessable, "timeZone: Europe/Paris is not a time zone of DE, where latitude/longitude lie; use one of Europe/Berlin, Europe/Busingen.");

    [Fact]
    public void an_unknown_zone_id_is_refused_with_the_expected_shape() =>
        Registering.Given().When(new RegisterSite(Id, Munich with { TimeZone = "Mars/Olympus_Mons" }))
            .ThenRefused(RefusalKind.Invalid, "timeZone: an IANA time zone id such as Europe/Berlin, not 'Mars/Olympus_Mons'.");

    [Fact]
    public void an_alias_of_a_zone_of_the_country_is_accepted() =>
        Registering.Given().When(new RegisterSite("US-DEN", new SiteDetails("Denver hub", new("101 W Colfax Ave", "80202", "Denver", "US"),
                39.7392m, -104.9903m, "US/Mountain", 700m)))
            .Then(new SiteRegisteredV2("US-DEN", "Denver hub", new("101 W Colfax Ave", "80202", "Denver", "US"), "US", "US/Mountain",
                39.7392m, -104.9903m, 700m, null, Now));

    [Fact]
    public void an_address_in_another_country_than_the_position_is_refused() =>
        Registering.Given().When(new RegisterSite(Id, Munich with { Address = Marienplatz with { CountryCode = "AT" } }))
            .ThenRefused(RefusalKind.Unprocessable, "address.countryCode: AT is not DE, where latitude/longitude lie.");

    [Fact]
    public void a_position_out_at_sea_is_refused() =>
        Registering.Given().When(new RegisterSite(Id, Munich with { Latitude = 0m, Longitude = 0m }))
            .ThenRefused(RefusalKind.Unprocessable, "latitude/longitude: (0, 0) lies in no country of the bundled boundaries");

    [Fact]
    public void every_problem_of_shape_is_named_at_once_with_its_field() =>
        Registering.Given().When(new RegisterSite(Id, Munich with { Name = "", GridCapacityKw = 0m, GridCapacityAmpsPerPhase = -1m, Latitude = 91m }))
            .ThenRefused(RefusalKind.Invalid, "name: 1 to 200 characters.", "gridCapacityKw: the grid connection's limit in kW, more than 0",
                "gridCapacityAmpsPerPhase: when given, amperes per phase", "latitude: decimal degrees from -90 to 90, not 91.");

    [Fact]
    public void a_site_id_outside_the_id_shape_is_refused() =>
        Registering.Given().When(new RegisterSite("../etc", Munich)).ThenRefused(RefusalKind.Invalid, "siteId: 1 to 64 letters, digits");

    [Fact]
    public void changed_details_are_recorded_in_full() =>
        Changing.Given(Registered()).When(new ChangeSiteDetails(Id, Munich with { Name = "Munich Altstadt hub", GridCapacityKw = 1_000m }))
            .Then(new SiteDetailsChanged(Id, "Munich Altstadt hub", Marienplatz, "DE", "Europe/Berlin", 48.1374m, 11.5755m, 1_000m, null, Now));

    [Fact]
    public void the_same_details_again_change_nothing() =>
        Changing.Given(Registered()).When(new ChangeSiteDetails(Id, Munich)).Then();

    [Fact]
    public void a_change_is_checked_like_a_registration() =>
        Changing.Given(Registered()).When(new ChangeSiteDetails(Id, Munich with { TimeZone = "America/New_York" }))
            .ThenRefused(RefusalKind.Unprocessable, "timeZone: America/New_York is not a time zone of DE");

    [Fact]
    public void an_unregistered_site_cannot_be_changed() =>
        Changing.Given().When(new ChangeSiteDetails(Id, Munich)).ThenRefused(RefusalKind.NotFound, "Site DE-MUC is not registered; register it with POST /api/sites.");

    [Fact]
    public void a_site_registered_without_an_address_gets_one_by_a_change() =>
        Changing.Given(new SiteRegisteredV2(Id, "Munich hub", null, "DE", "Europe/Berlin", 48.1374m, 11.5755m, 800m, null, Now))
            .When(new ChangeSiteDetails(Id, Munich))
            .Then(new SiteDetailsChanged(Id, "Munich hub", Marienplatz, "DE", "Europe/Berlin", 48.1374m, 11.5755m, 800m, null, Now));
}
