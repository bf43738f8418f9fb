using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.Events;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Invoicing.Accounting;
using Settlement.Ledger.Store;
using Settlement.Tests.Invoicing.Issuing;
using static Settlement.Tests.Invoicing.SalesTax.SalesTaxRates;

namespace Settlement.Tests.Invoicing.SalesTax;

[Collection(LedgerCollection.Name)]
public sealed class sales_tax_issuing_tests(LedgerDatabase db) : IAsyncLifetime
{
    private static readonly Instant October12 = Instant.FromUtc(2026, 10, 12, 16, 0);
    private static readonly Instant October20 = Instant.FromUtc(2026, 10, 20, 16, 0);
    private readonly InvoicingDesk _desk = new(db.Ledger);

    public Task InitializeAsync() => _desk.RegisterIssuerAsync();

    public async Task DisposeAsync() => await _desk.DisposeAsync();

    /// <summary>A site in Aurora, Colorado, pricing 20 kWh at 0.50 USD: 10.00 net per session.</summary>
    private Task<(Tariffs.PricedNetwork Network, string SessionId)> SessionInAuroraAsync(Instant startedAt) =>
        _desk.SessionAtAsync(39.7294m, -104.8319m, "America/Denver", "US", startedAt, perKwh: 0.50m, currency: "USD");

    [Fact]
    public async Task a_us_supply_without_site_rates_is_refused_naming_the_site_the_date_and_the_endpoint_to_call()
    {
        var (network, session) = await SessionInAuroraAsync(October12);
        await _desk.PricedAsync();

        var refused = await Assert.ThrowsAsync<RefusedException>(() => _desk.Desk.IssueSessionInvoicesAsync(_desk.IssuerId, [session], buyer: null));

        Assert.Equal(RefusalKind.Unprocessable, refused.Kind);
        Assert.Contains($"No sales tax rates for site {network.SiteId} (US-CO) on 2026-10-12", refused.Message);
        Assert.Contains($"PUT /api/sites/{network.SiteId}/sales-tax", refused.Message);
    }

    [Fact]
    public async Task us_tax_lines_are_named_and_summed_per_level_and_a_rate_change_mid_month_applies_from_its_date()
    {
        var (network, before) = await SessionInAuroraAsync(October12);
        var after = await network.ChargeAsync(October20, readings: 4, whPerReading: 5_000);
        await _desk.Desk.DefineSiteSalesTaxAsync(Define(network.SiteId, Aurora, new LocalDate(2026, 10, 1)), default);
        await _desk.Desk.DefineSiteSalesTaxAsync(Define(network.SiteId, AuroraWithCityAt(4m), new LocalDate(2026, 10, 16)), default);
        await _desk.PricedAsync();

        var invoices = await _desk.Desk.IssueSessionInvoicesAsync(_desk.IssuerId, [before, after], buyer: null);

        Assert.Equal([(8m, 0.81m, 10.81m), (8.25m, 0.83m, 10.83m)],
            invoices.Select(i => (i.Lines.Single().VatPercent, i.TotalVat, i.TotalGross)));
        Assert.All(invoices, invoice =>
        {
            Assert.Equal(TaxKind.SalesTax, invoice.Lines.Single().TaxKind);
            Assert.Equal(["Colorado", "Arapahoe County", "Aurora", "RTD", "SCFD"], invoice.Vat.Select(v => v.Authority));
            Assert.Equal([TaxLevel.State, TaxLevel.County, TaxLevel.City, TaxLevel.SpecialDistrict, TaxLevel.SpecialDistrict], invoice.Vat.Select(v => v.Level!.Value));
            Assert.Equal(invoice.TotalVat, invoice.Vat.Sum(v => v.VatAmount));
            Assert.DoesNotContain(invoice.Notes, n => n.Contains("VAT"));
        });
        // Each invoice names the definition it charged, as the stream version it was recorded at.
        Assert.Equal([1L, 2L], invoices.Select(i => i.Sources.Single(s => s.StreamId == StreamIds.SiteSalesTax(network.SiteId)).Version));
        // By tax point, October's: the month of supply, whenever the invoices were issued.
        var report = VatReport.For(invoices, new LocalDate(2026, 10, 1), new LocalDate(2026, 10, 31));
        Assert.Equal([(3.75m, 0.38m), (4m, 0.40m)], report.Rows.Where(r => r.Level == TaxLevel.City).Select(r => (r.VatPercent, r.Vat)));
        Assert.Equal((20.00m, 0.58m), report.Rows.Where(r => r.Level == TaxLevel.State).Select(r => (r.TaxableNet, r.Vat)).Single());
    }
}
