using System.Text;
using CsCheck;
using NodaTime;
using Settlement.Documents;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Invoicing.Accounting;
using Settlement.Tests.Invoicing.Documents;
using Snapshooter.Xunit;
using static Settlement.Tests.Invoicing.Documents.IssuedDocuments;

namespace Settlement.Tests.Invoicing.Accounting;

/// <summary>What a period's VAT return is filled in from, and what it rests on.</summary>
public sealed class vat_report_tests
{
    private static readonly LocalDate November = new(2026, 11, 1);
    private static readonly LocalDate EndOfDecember = new(2026, 12, 31);

    private static readonly InvoiceDocument[] Period =
        [GermanSessionInvoice(), JapaneseSessionInvoice(), GermanCreditNote(), PartnerInvoice()];

    [Fact]
    public void each_jurisdiction_currency_rate_and_treatment_gets_a_row()
    {
        var report = VatReport.For([GermanSessionInvoice(), PartnerInvoice(), JapaneseSessionInvoice()], November, EndOfDecember);

        Assert.Equal(
        [
            new VatReportRow("AT", "EUR", 0m, VatTreatment.ReverseCharge, 28.80m, 0m, Invoices: 1, CreditNotes: 0),
            new VatReportRow("DE", "EUR", 19m, VatTreatment.Standard, 94.87m, 18.03m, Invoices: 2, CreditNotes: 0),
            new VatReportRow("JP", "JPY", 10m, VatTreatment.Standard, 1384m, 138m, Invoices: 1, CreditNotes: 0),
        ], report.Rows);
        Assert.Equal(
        [
            new VatJurisdictionTotal("AT", "EUR", 28.80m, 0m, 1, 0),
            new VatJurisdictionTotal("DE", "EUR", 94.87m, 18.03m, 2, 0),
            new VatJurisdictionTotal("JP", "JPY", 1384m, 138m, 1, 0),
        ], report.Totals);
    }

    [Fact]
    public void an_invoice_and_its_credit_note_net_to_zero_and_both_are_counted()
    {
        var report = VatReport.For([GermanSessionInvoice(), GermanCreditNote()], November, EndOfDecember);

        Assert.Equal(new VatReportRow("DE", "EUR", 19m, VatTreatment.Standard, 0m, 0m, Invoices: 1, CreditNotes: 1), Assert.Single(report.Rows));
    }

    [Fact]
    public void a_document_with_several_rates_in_one_jurisdiction_counts_once_in_its_total()
    {
        var invoice = GermanSessionInvoice();
        var twoRates = invoice with
        {
            Vat = [new VatBreakdown("DE", 19m, VatTreatment.Standard, 10.00m, 1.90m), new VatBreakdown("DE", 7m, VatTreatment.Standard, 4.67m, 0.89m)],
        };

        var report = VatReport.For([twoRates], November, EndOfDecember);

        Assert.Equal(2, report.Rows.Count);
        Assert.Equal(new VatJurisdictionTotal("DE", "EUR", 14.67m, 2.79m, 1, 0), Assert.Single(report.Totals));
    }

    [Fact]
    public void the_report_names_the_documents_and_the_event_streams_it_rests_on()
    {
        var report = VatReport.For(Period, November, EndOfDecember);

        Assert.Equal(
        [
            new DocumentSeriesRange("denki", "JP", "JP-000007", "JP-000007", 1),
            new DocumentSeriesRange("voltstrom", "CN", "CN-000005", "CN-000005", 1),
            new DocumentSeriesRange("voltstrom", "PTN", "PTN-000003", "PTN-000003", 1),
            new DocumentSeriesRange("voltstrom", "SES", "SES-000042", "SES-000042", 1),
        ], report.Documents);
        Assert.Contains(new SourceStreamRange("session:S-1001", 1, 10), report.Sources);
        Assert.Contains(new SourceStreamRange("invoices:voltstrom/SES", 42, 42), report.Sources);
    }

    [Fact]
    public void invoices_and_their_credit_notes_always_net_to_zero_and_the_rows_add_up_to_the_documents() =>
        DocumentGen.Invoice.Sample(invoice =>
        {
            var credit = CreditNoteFor(invoice, 1, invoice.IssueDate, "Generated");

            var netted = VatReport.For([invoice, credit], invoice.IssueDate, invoice.IssueDate, ReportingBasis.IssueDate);
            var alone = VatReport.For([invoice], invoice.IssueDate, invoice.IssueDate, ReportingBasis.IssueDate);

            Assert.All(netted.Rows, row => Assert.Equal((0m, 0m), (row.TaxableNet, row.Vat)));
            Assert.Equal(invoice.TotalNet, alone.Rows.Sum(r => r.TaxableNet));
            Assert.Equal(invoice.TotalVat, alone.Totals.Sum(t => t.Vat));
        });

    [Fact]
    public void the_vat_report_of_a_period_as_json() =>
        Snapshot.Match(Encoding.UTF8.GetString(VatReportJson.Render(VatReport.For(Period, November, EndOfDecember))));

    [Fact]
    public void the_vat_report_of_a_period_as_csv() =>
        Snapshot.Match(Encoding.UTF8.GetString(VatReportCsv.Render(VatReport.For(Period, November, EndOfDecember))));

    [Fact]
    public void the_vat_report_json_validates_against_the_published_schema()
    {
        var problems = CommittedSchemas.Problems("documents/vat-report.v1.json", VatReportJson.Render(VatReport.For(Period, November, EndOfDecember)));

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void a_period_that_ends_before_it_starts_is_refused() =>
        Assert.Throws<ArgumentException>(() => VatReport.For(Period, EndOfDecember, November));
}
