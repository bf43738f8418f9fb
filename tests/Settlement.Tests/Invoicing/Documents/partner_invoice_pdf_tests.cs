using System.Text;
using System.Text.RegularExpressions;
using NodaTime;
using Settlement.Documents;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Roaming;
using Settlement.Tests.Invoicing.Drafting;

namespace Settlement.Tests.Invoicing.Documents;

/// <summary>
/// A roaming partner's monthly invoice of 300 CDRs, as its finance team reads it: page one says who, how much, which
/// tax and how to pay; then one short row per CDR with its kWh; then the details.
/// </summary>
public sealed class partner_invoice_pdf_tests
{
    /// <summary>
    /// Page one (parties, breakdown, totals, payment, the first rows), three more of CDR rows (about 95 a page), three of
    /// line details (one text line each) and one of the 1,200 events it was derived from: eight pages with every CDR still
    /// named and traceable, against the 14 it took with the breakdown on page 11.
    /// </summary>
    private const int MostPagesFor300Cdrs = 8;

    private static readonly Lazy<InvoiceDocument> ThreeHundredCdrs = new(() =>
    {
        var agreement = new AgreementTerm(10m, "EUR", SettlementPeriod.Monthly, null, new SourceEvent("partner:FR-RFR", 1, "roaming_partner_invited_v1"));
        var tariff = Drafts.EnergyTimeAndFee("EUR", 0.49m, 0m, 0.50m);
        var cdrs = Enumerable.Range(0, 300).Select(n =>
        {
            var start = new LocalDateTime(2026, 10, 1, 6, 0).PlusMinutes(n * 143);
            var session = Drafts.Session($"S-OCT-{n:D4}", Drafts.Priced(tariff, "Europe/Berlin", start, 1 + n % 3, 7m + n % 5), "DE", 19m)
                with { Sources = [new SourceEvent($"session:S-OCT-{n:D4}", 9, "session_stopped_v1"), new SourceEvent("tariff:T", 1, "tariff_published_v1"), new SourceEvent("site:site-DE", 2, "site_jurisdiction_resolved_v1")] };
            return PartnerCdrs.Of(session, $"CDR-OCT-{n:D4}");
        }).ToList();
        var invoice = InvoiceDrafting.ForPartner(Drafts.Header(1, new InvoiceParty("Ladenetz Süd GmbH", "Leopoldstraße 1, 80802 München", "DE", "DE811907980"), series: "B2B"),
            PartnerCdrs.PartnerId, agreement, new LocalDate(2026, 10, 1), new LocalDate(2026, 10, 31), cdrs, []);
        return invoice with
        {
            DueDate = new LocalDate(2026, 12, 2),
            PaymentTerms = "Payable within 30 days of the issue date.",
            PayTo = new PaymentAccount("DE89370400440532013000", "COBADEFFXXX", "Settlement Charging GmbH"),
            PaymentReference = "B2B-000001",
        };
    });

    private static readonly Lazy<byte[]> Pdf = new(() => InvoicePdf.Render(ThreeHundredCdrs.Value));

    [Fact]
    public void page_one_carries_the_parties_totals_tax_breakdown_amount_due_and_payment_details()
    {
        var invoice = ThreeHundredCdrs.Value;
        var due = invoice.TotalGross - invoice.CommissionAmount!.Value;

        var first = PdfText.Pages(Pdf.Value)[0];

        Assert.Contains("Ladenetz Süd GmbH", first);
        Assert.Contains("VAT breakdown", first);
        Assert.Contains($"DE\nVAT, standard\n19%\n{invoice.TotalNet:F2}\n{invoice.TotalVat:F2}", first);
        Assert.Contains($"Total EUR\n{invoice.TotalGross:F2}", first);
        Assert.Contains($"Amount due EUR\n{due:F2}", first);
        Assert.Contains("Due date\n2026-12-02", first);
        Assert.Contains("IBAN\nDE89 3704 0044 0532 0130 00", first);
        Assert.Contains("Payment reference\nB2B-000001", first);
    }

    [Fact]
    public void three_hundred_cdrs_take_a_handful_of_pages_one_row_each_with_kwh_as_the_quantity()
    {
        var pages = PdfText.Pages(Pdf.Value);
        var text = string.Concat(pages);
        var line = ThreeHundredCdrs.Value.Lines[41];

        Assert.InRange(pages.Count, 2, MostPagesFor300Cdrs);
        Assert.Equal(300, Regex.Matches(text, @"^CDR-OCT-\d{4}$", RegexOptions.Multiline).Count);
        // Line 42: its number, CDR, EVSE, local date, start, end and its kWh alone in the quantity column.
        var start = line.LocalStart!.Value;
        Assert.Contains($"42\nCDR-OCT-0041\n{line.EvseId}\n{start:uuuu-MM-dd}\n{start:HH:mm}\n", text);
        Assert.Contains($"\n{line.Quantity:0.###}\n19% DE\n{line.NetAmount:F2}\n", text);
        Assert.DoesNotContain("1 session", text);
    }

    [Fact]
    public void every_page_says_page_x_of_n()
    {
        var pages = PdfText.Pages(Pdf.Value);

        Assert.All(pages.Select((text, i) => (text, number: i + 1)),
            page => Assert.Contains($"Invoice B2B-000001 – Page {page.number} of {pages.Count}", page.text));
    }

    [Fact]
    public void the_commission_is_stated_one_way_only()
    {
        var invoice = ThreeHundredCdrs.Value;
        var text = PdfText.Extract(Pdf.Value).Replace('\n', ' ');
        var csv = Encoding.UTF8.GetString(InvoiceCsv.Render(invoice));
        var json = Encoding.UTF8.GetString(InvoiceJson.Render(invoice));

        var statement = Assert.Single(invoice.Notes, n => n.Contains("ommission", StringComparison.Ordinal));
        Assert.Contains(statement, text);
        Assert.Contains(statement, csv);
        foreach (var document in new[] { text, csv, json })
        {
            Assert.DoesNotContain("separately", document);
            Assert.DoesNotContain("after commission", document);
            Assert.DoesNotContain("commission settled", document, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void rendering_it_again_gives_the_same_bytes() =>
        Assert.Equal(Pdf.Value, InvoicePdf.Render(ThreeHundredCdrs.Value));
}
