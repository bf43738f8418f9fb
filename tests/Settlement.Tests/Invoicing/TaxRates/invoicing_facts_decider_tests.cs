using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Invoicing.Jurisdictions;
using Xunit;

namespace Settlement.Tests.Invoicing.TaxRates;

/// <summary>What finance may record for invoices to derive from: issuers, jurisdiction overrides, tax rates.</summary>
public sealed class invoicing_facts_decider_tests
{
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 2, 8, 0);

    private sealed record SiteRegistered;

    private static readonly DeciderSpec<bool, OverrideJurisdiction> Overrides =
        new(false, (registered, e) => registered || e is SiteRegistered, (registered, command) => InvoiceIssuing.Decide(registered, command, Now));

    private static readonly DeciderSpec<object?, SetTaxRate> Rates = new(null, (state, _) => state, (_, command) => InvoiceIssuing.Decide(command, Now));

    private static readonly DeciderSpec<object?, RegisterIssuer> Issuers = new(null, (state, _) => state, (_, command) => InvoiceIssuing.Decide(command, Now));

    private static readonly DeciderSpec<object?, (decimal Latitude, decimal Longitude)> Locating = new(null, (state, _) => state,
        (_, position) => InvoiceIssuing.ResolveJurisdiction("SITE-1", position.Latitude, position.Longitude, JurisdictionResolver.Bundled, Now));

    [Fact]
    public void a_site_is_taxed_where_its_position_lies_by_the_bundled_boundaries()
    {
        var resolved = Assert.IsType<SiteJurisdictionResolved>(Assert.Single(Locating.Given().When((52.52m, 13.40m)).Decision.Events));

        Assert.Equal(("SITE-1", "DE", "DE", JurisdictionMethod.Boundaries, null as string, Now),
            (resolved.SiteId, resolved.Jurisdiction, resolved.CountryCode, resolved.Method, resolved.Note, resolved.ResolvedAt));
    }

    [Fact]
    public void a_site_out_at_sea_needs_an_operators_override() =>
        Locating.Given().When((0m, 0m)).ThenRefused(RefusalKind.Unprocessable, "lies in no jurisdiction of the bundled boundaries", "POST /api/sites/SITE-1/jurisdiction");

    [Fact]
    public void an_issuer_is_registered_with_its_details() =>
        Issuers.Given().When(new RegisterIssuer("cpo", "Settlement Charging GmbH", "Hauptstr. 1", "DE", "DE300000002"))
            .Then(new InvoiceIssuerRegisteredV2("cpo", "Settlement Charging GmbH", "Hauptstr. 1", "DE", [new VatRegistration("DE", "DE300000002")], null, null, Now));

    [Fact]
    public void an_override_records_the_operators_jurisdiction_and_reason()
    {
        var decision = Overrides.Given(new SiteRegistered()).When(new OverrideJurisdiction("SITE-1", "DE-BY", "Confirmed by the tax office")).Decision;

        var resolved = Assert.IsType<SiteJurisdictionResolved>(Assert.Single(decision.Events));
        Assert.Equal(("SITE-1", "DE-BY", "DE", JurisdictionMethod.Override, "operator", "Confirmed by the tax office", Now),
            (resolved.SiteId, resolved.Jurisdiction, resolved.CountryCode, resolved.Method, resolved.Source, resolved.Note, resolved.ResolvedAt));
        Assert.Empty(resolved.NearBorderWith);
    }

    [Fact]
    public void an_override_needs_a_registered_site() =>
        Overrides.Given().When(new OverrideJurisdiction("SITE-1", "DE", "because")).ThenRefused(RefusalKind.NotFound, "Site SITE-1 is not registered.");

    [Fact]
    public void an_override_needs_a_reason() =>
        Overrides.Given(new SiteRegistered()).When(new OverrideJurisdiction("SITE-1", "DE", "  "))
            .ThenRefused(RefusalKind.Unprocessable, "An override needs a reason");

    [Fact]
    public void a_rate_is_set_for_its_validity() =>
        Rates.Given().When(new SetTaxRate("CH", 9.1m, new LocalDate(2026, 10, 1), new LocalDate(2026, 10, 31), "Test"))
            .Then(new TaxRateSet("CH", 9.1m, new LocalDate(2026, 10, 1), new LocalDate(2026, 10, 31), "Test", Now));

    [Fact]
    public void a_rate_valid_through_before_it_starts_is_refused() =>
        Rates.Given().When(new SetTaxRate("CH", 9.1m, new LocalDate(2026, 10, 31), new LocalDate(2026, 10, 1), "Test"))
            .ThenRefused(RefusalKind.Unprocessable, "is before validFrom");
}
