using NodaTime;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Invoicing.Accounting;
using Settlement.Domain.Invoicing.SalesTax;
using Settlement.Domain.Tariffs;
using static Settlement.Tests.Invoicing.Drafting.Drafts;
using static Settlement.Tests.Invoicing.SalesTax.SalesTaxRates;
using static Settlement.Tests.Tariffs.Tariffs;

namespace Settlement.Tests.Invoicing.SalesTax;

public sealed class sales_tax_drafting_tests
{
    private static readonly LocalDateTime Morning = new(2026, 10, 12, 9, 0);

    private static InvoicedSession InAurora(string id, SessionPrice price) =>
        new(id, "SITE-AURORA", "Aurora Park & Ride", price, SupplyTax.Sales("US-CO", Aurora),
            [new SourceEvent("session:" + id, 7, "session_stopped_v1"), new SourceEvent("salestax:SITE-AURORA", 1, "site_sales_tax_defined_v1")]);

    /// <summary>20 kWh at 0.50 USD: 10.00 net.</summary>
    private static SessionPrice TwentyKwh() => Priced(Tariff("USD", Element(null, Energy(0.50m))), "America/Denver", Morning, 1, 20m);

    [Fact]
    public void a_colorado_invoice_charges_each_level_on_the_net_and_adds_them_up()
    {
        var invoice = InvoiceDrafting.ForSession(Header(1), InAurora("S-1", TwentyKwh()));

        var line = Assert.Single(invoice.Lines);
        Assert.Equal((TaxKind.SalesTax, 8m, VatTreatment.Standard), (line.TaxKind, line.VatPercent, line.Treatment));
        // Each authority's tax rounded on its own: 0.29 + 0.03 (0.025) + 0.38 (0.375) + 0.10 + 0.01, not 8 % of 10.00.
        Assert.Equal(
            [
                (TaxLevel.State, "Colorado", 2.9m, 0.29m), (TaxLevel.County, "Arapahoe County", 0.25m, 0.03m), (TaxLevel.City, "Aurora", 3.75m, 0.38m),
                (TaxLevel.SpecialDistrict, "RTD", 1m, 0.10m), (TaxLevel.SpecialDistrict, "SCFD", 0.1m, 0.01m),
            ],
            invoice.Vat.Select(v => (v.Level!.Value, v.Authority!, v.VatPercent, v.VatAmount)));
        Assert.All(invoice.Vat, v => Assert.Equal((TaxKind.SalesTax, "US-CO", 10.00m), (v.TaxKind, v.Jurisdiction, v.NetAmount)));
        Assert.Equal((10.00m, 0.81m, 10.81m), (invoice.TotalNet, invoice.TotalVat, invoice.TotalGross));
        Assert.Equal(0.81m, line.SalesTaxLevels!.Sum(l => l.Amount));
    }

    [Fact]
    public void notes_say_sales_tax_and_never_vat_and_a_european_buyer_is_not_reverse_charged()
    {
        var europeanBusiness = new InvoiceParty("Flotte GmbH", "Berlin", "DE", "DE811111111");

        var invoice = InvoiceDrafting.ForSession(Header(1, europeanBusiness), InAurora("S-1", TwentyKwh()));

        Assert.Contains(invoice.Notes, n => n.Contains("Sales tax: Colorado (state) 2.9%, Arapahoe County (county) 0.25%, Aurora (city) 3.75%, RTD (special district) 1%, SCFD (special district) 0.1%: 8.00% in total"));
        Assert.DoesNotContain(invoice.Notes, n => n.Contains("VAT"));
        Assert.All(invoice.Lines, l => Assert.Equal(VatTreatment.Standard, l.Treatment));
        Assert.Equal(0.81m, invoice.TotalVat);
    }

    [Fact]
    public void the_pdf_names_the_tax_sales_tax_and_each_authority_in_its_breakdown()
    {
        var text = Documents.PdfText.Extract(Settlement.Documents.InvoicePdf.Render(InvoiceDrafting.ForSession(Header(1), InAurora("S-1", TwentyKwh()))));

        Assert.Contains("Sales tax breakdown", text);
        Assert.Contains("Arapahoe", text);
        Assert.Contains("Total sales tax", text);
        Assert.DoesNotContain("VAT rate", text);
        Assert.DoesNotContain("Total VAT", text);
    }

    [Fact]
    public void a_credit_note_of_some_lines_reverses_their_levels_exactly()
    {
        var price = Priced(EnergyTimeAndFee("USD", 0.48m, 1.20m, 1.00m), "America/Denver", Morning, 1.5, 47m);
        var invoice = InvoiceDrafting.ForSession(Header(1), InAurora("S-1", price));

        var credit = InvoiceDrafting.CreditNote(Header(1, series: "CN"), invoice, [2], "Goodwill");

        var credited = invoice.Lines.Single(l => l.LineNo == 2);
        Assert.Equal(-credited.VatAmount, credit.TotalVat);
        Assert.Equal(credit.TotalVat, credit.Vat.Sum(v => v.VatAmount));
        Assert.Equal(credited.SalesTaxLevels!.Select(l => -l.Amount), credit.Vat.Select(v => v.VatAmount));
    }

    [Fact]
    public void the_vat_report_and_journal_keep_each_authority_apart_and_count_the_net_once()
    {
        var first = InvoiceDrafting.ForSession(Header(1), InAurora("S-1", TwentyKwh()));
        var raised = new InvoicedSession("S-2", "SITE-AURORA", "Aurora Park & Ride", TwentyKwh(), SupplyTax.Sales("US-CO", AuroraWithCityAt(4m)), []);
        var second = InvoiceDrafting.ForSession(Header(2), raised);
        var day = first.IssueDate;

        // Reported by issue date, the day both were issued (by tax point they fall on their supply dates).
        var report = VatReport.For([first, second], day, day, ReportingBasis.IssueDate);
        var journal = Journal.For([first, second], day, day, ReportingBasis.IssueDate);

        Assert.Equal(6, report.Rows.Count);
        var state = report.Rows.Single(r => r.Level == TaxLevel.State);
        Assert.Equal(("Colorado", 20.00m, 0.58m, 2), (state.Authority, state.TaxableNet, state.Vat, state.Invoices));
        Assert.Equal([(3.75m, 0.38m), (4m, 0.40m)], report.Rows.Where(r => r.Level == TaxLevel.City).Select(r => (r.VatPercent, r.Vat)));
        Assert.Equal(("US-CO", 20.00m, 1.64m), (report.Totals.Single().Jurisdiction, report.Totals.Single().TaxableNet, report.Totals.Single().Vat));
        var aurora = journal.Entries[1].Lines.Single(l => l.SubAccount == "US-CO Aurora");
        Assert.Equal(("2210", 0.40m), (aurora.Account.Number, aurora.Credit));
        Assert.DoesNotContain(journal.Entries.SelectMany(e => e.Lines), l => l.Account.Number == "2200");
    }
}
