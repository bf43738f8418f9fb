using System.Text;
using Settlement.Documents;
using Settlement.Domain.Invoicing;
using static Settlement.Tests.Invoicing.Documents.IssuedDocuments;

namespace Settlement.Tests.Invoicing.Documents;

/// <summary>The printable PDF of issued documents: what a reader finds in it, and that it never changes.</summary>
public sealed class invoice_pdf_tests
{

    [Fact]
    public void a_partner_invoice_prints_who_what_how_much_why_no_vat_and_where_it_came_from()
    {
        var pdf = InvoicePdf.Render(PartnerInvoice());

        Assert.Equal("%PDF", Encoding.ASCII.GetString(pdf, 0, 4));
        var text = PdfText.Extract(pdf);
        Assert.Contains("Invoice", text);
        Assert.Contains("PTN-000003", text);
        Assert.Contains("Voltstrom GmbH", text);
        Assert.Contains("VAT ID NL123456789B01", text);
        Assert.Contains("2026-11-01 – 2026-11-30", text);
        Assert.Contains("0% AT RC", text);
        Assert.Contains("Total EUR\n124.24", text);
        // The commission is said one way: the total bills the charging, the partner retains 10% of the net and pays the rest.
        Assert.Contains("Commission retained (10%)\n10.90", text);
        Assert.Contains("Amount due EUR\n113.34", text);
        Assert.Contains("10% of the net total, 10.90 EUR; amount due 113.34 EUR.", text.Replace('\n', ' '));
        Assert.DoesNotContain("separately", text);
        Assert.Contains("Reverse charge: the recipient accounts for the VAT on the AT supplies", text);
        Assert.Contains("Derived from events", text);
        Assert.Contains("roaming_session_recorded_v1: session:S-1101 @ 8, session:S-1107 @ 7, session:S-1112 @ 9", text.Replace("\n", " ").Replace(",  ", ", "));
    }

    [Fact]
    public void a_credit_note_is_titled_as_one_and_names_the_invoice_it_credits()
    {
        var text = PdfText.Extract(InvoicePdf.Render(GermanCreditNote()));

        Assert.StartsWith("Credit note\nNumber\nCN-000005", text);
        Assert.Contains("Credit note CN-000005 – Page 1 of 1", text);
        Assert.Contains("Credits invoice\nSES-000042", text);
        Assert.Contains("Total EUR\n-17.46", text);
        Assert.Contains("Jana Dvořák", text);
    }

    [Fact]
    public void rendering_twice_gives_the_same_bytes()
    {
        Assert.Equal(InvoicePdf.Render(PartnerInvoice()), InvoicePdf.Render(PartnerInvoice()));
        Assert.Equal(InvoicePdf.Render(JapaneseSessionInvoice()), InvoicePdf.Render(JapaneseSessionInvoice()));
    }

    [Fact]
    public void two_documents_get_different_file_identifiers()
    {
        var first = Encoding.Latin1.GetString(InvoicePdf.Render(GermanSessionInvoice()));
        var second = Encoding.Latin1.GetString(InvoicePdf.Render(GermanCreditNote()));

        Assert.NotEqual(FileId(first), FileId(second));
    }

    [Fact]
    public void a_long_invoice_continues_on_further_pages_and_still_ends_with_its_totals_and_sources()
    {
        var invoice = GermanSessionInvoice();
        var many = invoice with
        {
            Lines = Enumerable.Range(1, 120).Select(n => invoice.Lines[n % 4] with { LineNo = n }).ToList(),
        };

        var text = PdfText.Extract(InvoicePdf.Render(many));

        Assert.Contains("Invoice SES-000042 – Page 3 of 3", text);
        Assert.Contains("Total EUR", text);
        Assert.Contains("tax_rate_set_v1: taxrates:DE @ 1", text);
    }

    private static string FileId(string pdf) => pdf[pdf.LastIndexOf("/ID[", StringComparison.Ordinal)..][..70];
}
