using NodaTime;
using Settlement.Domain.Access;
using Settlement.Domain.Chargers;
using Settlement.Domain.Deciding;
using Settlement.Domain.Invoicing;
using Xunit;

namespace Settlement.Tests.Access;

public sealed class sub_operator_decider_tests
{
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 2, 8, 0);
    private static readonly SiteRegisteredV2 Munich = new("SITE-1", "Munich", null, "DE", "Europe/Berlin", 48.14m, 11.58m, 300m, null, Now);

    private static readonly DeciderSpec<bool, RegisterSubOperator> Registering =
        new(false, SubOperators.Evolve, (registered, command) => SubOperators.Register(registered, command, Now));

    private static DeciderSpec<SiteOwnership, string?> Assigning(bool operatorRegistered) =>
        new(SiteOwnership.None, SubOperators.Evolve, (site, operatorId) => SubOperators.AssignSite(site, "SITE-1", operatorId, operatorRegistered, Now));

    [Fact]
    public void a_sub_operator_is_registered_once() =>
        Registering.Given().When(new RegisterSubOperator("citywatt", " CityWatt ", "CityWatt GmbH"))
            .Then(new SubOperatorRegistered("citywatt", "CityWatt", "CityWatt GmbH", Now));

    [Fact]
    public void registering_the_same_sub_operator_again_is_a_conflict() =>
        Registering.Given(new SubOperatorRegistered("citywatt", "CityWatt", null, Now)).When(new RegisterSubOperator("citywatt", "CityWatt", null))
            .ThenRefused(RefusalKind.Conflict, "citywatt is registered already");

    [Fact]
    public void a_malformed_id_and_an_empty_name_are_both_named() =>
        Registering.Given().When(new RegisterSubOperator("City Watt!", "", null))
            .ThenRefused(RefusalKind.Invalid, "operatorId: 1 to 40 lower-case letters", "name: the brand drivers see");

    [Fact]
    public void a_site_moves_to_a_registered_sub_operator() =>
        Assigning(operatorRegistered: true).Given(Munich).When("citywatt").Then(new SiteOperatorAssigned("SITE-1", "citywatt", Now));

    [Fact]
    public void a_site_moves_back_to_the_top_level_operator() =>
        Assigning(operatorRegistered: false).Given(Munich, new SiteOperatorAssigned("SITE-1", "citywatt", Now)).When(null)
            .Then(new SiteOperatorAssigned("SITE-1", null, Now));

    [Fact]
    public void assigning_a_site_to_its_own_sub_operator_again_records_nothing() =>
        Assigning(operatorRegistered: true).Given(Munich, new SiteOperatorAssigned("SITE-1", "citywatt", Now)).When("citywatt").Then();

    [Fact]
    public void an_unknown_site_or_sub_operator_is_not_found()
    {
        Assigning(operatorRegistered: true).Given().When("citywatt").ThenRefused(RefusalKind.NotFound, "Site SITE-1 is not registered");
        Assigning(operatorRegistered: false).Given(Munich).When("nobody").ThenRefused(RefusalKind.NotFound, "no sub-operator 'nobody'");
    }

    [Fact]
    public void what_a_sub_operators_key_registers_becomes_its_own_and_the_top_levels_stays_unowned()
    {
        Assert.Equal([new SiteOperatorAssigned("SITE-1", "citywatt", Now)], SubOperators.ClaimedBy("citywatt", Munich, Now));
        Assert.Empty(SubOperators.ClaimedBy(null, Munich, Now));
    }

    [Fact]
    public void an_issuer_registered_for_a_sub_operator_is_its_own_from_the_first_registration_only()
    {
        var first = InvoiceIssuing.Decide(new RegisterIssuer("cw", "CityWatt GmbH", "Berlin", "DE", "DE300000002", "citywatt"), Now);
        var again = InvoiceIssuing.Decide(new RegisterIssuer("cw", "CityWatt GmbH", "Berlin", "DE", "DE300000002", "citywatt"), Now, registeredBefore: true);

        Assert.Equal([new InvoiceIssuerRegisteredV2("cw", "CityWatt GmbH", "Berlin", "DE", [new VatRegistration("DE", "DE300000002")], null, null, Now), new IssuerOperatorAssigned("cw", "citywatt", Now)], first.Events);
        Assert.IsType<InvoiceIssuerRegisteredV2>(Assert.Single(again.Events));
    }
}
