using System.Text;
using NodaTime;
using Settlement.Documents;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Roaming;
using Settlement.Tests.Invoicing.Drafting;

namespace Settlement.Tests.Invoicing.Documents;

/// <summary>A partner invoice of CDRs as CSV: each row names its own CDR, and the commission is the last row, without amounts.</summary>
public sealed class partner_invoice_csv_tests
{
    private static readonly InvoicedSession Berlin = Drafts.Session("S-BER", Drafts.Priced(Drafts.EnergyTimeAndFee("EUR", 0.50m, 0m, 0m),
        "Europe/Berlin", new LocalDateTime(2026, 10, 12, 8, 0), 1, 11m), "DE", 19m);

    private static readonly InvoicedSession Hamburg = Drafts.Session("S-HAM", Drafts.Priced(Drafts.EnergyTimeAndFee("EUR", 0.45m, 0m, 0m),
        "Europe/Berlin", new LocalDateTime(2026, 10, 20, 8, 0), 2, 7m), "DE", 19m);

    [Fact]
    public void each_row_names_its_own_cdr_and_the_commission_row_adds_no_amount()
    {
        var agreement = new AgreementTerm(10m, "EUR", SettlementPeriod.Monthly, null, new SourceEvent("partner:FR-RFR", 1, "roaming_partner_invited_v1"));
        var invoice = InvoiceDrafting.ForPartner(Drafts.Header(1, series: "B2B"), PartnerCdrs.PartnerId, agreement,
            new LocalDate(2026, 10, 1), new LocalDate(2026, 10, 31), [PartnerCdrs.Of(Berlin, "CDR-BER"), PartnerCdrs.Of(Hamburg, "CDR-HAM")], []);

        var rows = Encoding.UTF8.GetString(InvoiceCsv.Render(invoice)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(4, rows.Length);
        Assert.Contains("cdr:CDR-BER@1 cdr_issued_v2", rows[1]);
        Assert.DoesNotContain("cdr:CDR-HAM", rows[1]);
        Assert.Contains("cdr:CDR-HAM@1 cdr_issued_v2", rows[2]);
        Assert.Equal("B2B-000001,PartnerInvoice,2026-11-02,EUR,,,"
                     + "\"Commission retained by the partner under its roaming agreement: 10% of the net total, 1.18 EUR; amount due 12.87 EUR.\""
                     + ",,,,,,,,,,,,,,,,,,,,,,", rows[3]);
        // The same words as the invoice's note, so CSV, PDF and JSON say the commission one way.
        Assert.Contains(invoice.Notes, note => rows[3].Contains($"\"{note}\"", StringComparison.Ordinal));
    }
}
