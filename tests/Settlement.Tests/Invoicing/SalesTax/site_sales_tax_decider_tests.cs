using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Invoicing.SalesTax;
using Settlement.Domain.Tariffs;
using static Settlement.Tests.Invoicing.SalesTax.SalesTaxRates;

namespace Settlement.Tests.Invoicing.SalesTax;

public sealed class site_sales_tax_decider_tests
{
    private static readonly Instant Now = Instant.FromUtc(2026, 9, 20, 9, 0);
    private static readonly LocalDate October = new(2026, 10, 1);

    private static SiteJurisdictionResolved In(string jurisdiction) =>
        new("SITE-1", jurisdiction, jurisdiction[..2], JurisdictionMethod.Boundaries, "test boundaries", [], null, Now);

    [Fact]
    public void a_us_site_records_its_levels_from_a_date()
    {
        var decision = SiteSalesTax.Decide(Define("SITE-1", Aurora, October), In("US-CO"), SiteSalesTaxHistory.Empty, Now);

        var defined = Assert.IsType<SiteSalesTaxDefined>(Assert.Single(decision.Events));
        Assert.Equal((8m, October, Now), (defined.CombinedPercent(), defined.ValidFrom, defined.DefinedAt));
    }

    [Fact]
    public void a_site_where_vat_applies_is_refused_and_told_where_its_rate_is_set()
    {
        var decision = SiteSalesTax.Decide(Define("SITE-1", Aurora, October), In("DE"), SiteSalesTaxHistory.Empty, Now);

        Assert.Equal(RefusalKind.Unprocessable, decision.Refusal!.Kind);
        Assert.Contains("POST /api/tax-rates", decision.Refusal.Message);
    }

    [Fact]
    public void an_unregistered_site_is_not_found() =>
        Assert.Equal(RefusalKind.NotFound, SiteSalesTax.Decide(Define("SITE-1", Aurora, October), null, SiteSalesTaxHistory.Empty, Now).Refusal!.Kind);

    [Fact]
    public void every_problem_is_named_by_its_field_at_once()
    {
        var command = new DefineSiteSalesTax("SITE-1",
            [new(TaxLevel.State, "Colorado", 2.9m), new(TaxLevel.State, "Kansas", 6.5m), new(TaxLevel.City, " ", 4.123456m), new(TaxLevel.City, "Denver", -1m)],
            October, October.PlusDays(-1), "");

        var problems = SiteSalesTax.Decide(command, In("US-CO"), SiteSalesTaxHistory.Empty, Now).Refusal!.Problems;

        Assert.Contains(problems, p => p.StartsWith("components[2].authority:"));
        Assert.Contains(problems, p => p.StartsWith("components[2].ratePercent:"));
        Assert.Contains(problems, p => p.StartsWith("components[3].ratePercent:"));
        Assert.Contains(problems, p => p.StartsWith("components: at most one State level"));
        Assert.Contains(problems, p => p.StartsWith("validThrough:"));
        Assert.Contains(problems, p => p.StartsWith("source:"));
    }

    [Fact]
    public void no_components_is_refused_since_the_engine_never_invents_a_rate()
    {
        var problems = SiteSalesTax.Decide(Define("SITE-1", [], October), In("US-CO"), SiteSalesTaxHistory.Empty, Now).Refusal!.Problems;

        Assert.Contains(problems, p => p.StartsWith("components: at least one"));
    }

    [Fact]
    public void repeating_the_last_definition_records_nothing()
    {
        var first = (SiteSalesTaxDefined)SiteSalesTax.Decide(Define("SITE-1", Aurora, October), In("US-CO"), SiteSalesTaxHistory.Empty, Now).Events[0];

        var again = SiteSalesTax.Decide(Define("SITE-1", Aurora, October), In("US-CO"), SiteSalesTaxHistory.Empty.Apply(first, 1), Now);

        Assert.False(again.Refused);
        Assert.Empty(again.Events);
    }

    [Fact]
    public void a_later_definition_wins_on_the_dates_it_covers_and_the_earlier_one_stays_in_force_before()
    {
        var mid = new LocalDate(2026, 10, 16);
        var history = SiteSalesTaxHistory.Empty
            .Apply(new SiteSalesTaxDefined("SITE-1", Aurora, October, null, "lookup", Now), 1)
            .Apply(new SiteSalesTaxDefined("SITE-1", AuroraWithCityAt(4m), mid, null, "notice of change", Now), 2);

        Assert.Null(history.On(October.PlusDays(-1)));
        Assert.Equal((8m, 1L), (history.On(mid.PlusDays(-1))!.Definition.CombinedPercent(), history.On(mid.PlusDays(-1))!.StreamVersion));
        Assert.Equal((8.25m, 2L), (history.On(mid)!.Definition.CombinedPercent(), history.On(mid)!.StreamVersion));
    }

    [Theory]
    [InlineData(true, null)]
    [InlineData(false, 8.0)]
    public void a_tariff_stating_prices_with_tax_cannot_price_a_us_supply(bool pricesIncludeVat, double? vatPercent)
    {
        var tariff = new TariffPublished("T-US", 3, "USD", pricesIncludeVat,
            [new TariffElement([new PriceComponent(PriceComponentType.Energy, 0.48m, (decimal?)vatPercent, 1)], null)], Now, null, Now);

        Assert.Contains("publish a version with pricesIncludeVat false and no vatPercent", SiteSalesTax.TariffProblem("S-1", tariff));
        Assert.Null(SiteSalesTax.TariffProblem("S-1", tariff with { PricesIncludeVat = false, Elements = [new TariffElement([new PriceComponent(PriceComponentType.Energy, 0.48m, null, 1)], null)] }));
    }
}
