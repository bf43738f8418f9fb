using System.Text;
using Settlement.Documents;
using Snapshooter.Xunit;
using static Settlement.Tests.Invoicing.Documents.IssuedDocuments;

namespace Settlement.Tests.Invoicing.Documents;

/// <summary>The line-per-row CSV of issued documents, byte for byte.</summary>
public sealed class invoice_csv_tests
{
    [Fact]
    public void a_german_session_invoice_one_row_per_line() =>
        Snapshot.Match(Encoding.UTF8.GetString(InvoiceCsv.Render(GermanSessionInvoice())));

    [Fact]
    public void a_partner_invoice_keeps_each_lines_jurisdiction_and_treatment() =>
        Snapshot.Match(Encoding.UTF8.GetString(InvoiceCsv.Render(PartnerInvoice())));

    [Fact]
    public void a_yen_credit_note_has_negative_amounts_without_decimals() =>
        Snapshot.Match(Encoding.UTF8.GetString(InvoiceCsv.Render(
            CreditNoteFor(JapaneseSessionInvoice(), 9, new(2026, 11, 30), "Wrong tariff applied"))));

    [Fact]
    public void a_description_a_spreadsheet_would_run_as_a_formula_is_written_as_text_while_negative_amounts_stay_numbers()
    {
        var credit = GermanCreditNote();
        var hostile = credit with { Lines = [credit.Lines[0] with { Description = "=HYPERLINK(\"http://example.test\")" }] };

        var row = Encoding.UTF8.GetString(InvoiceCsv.Render(hostile)).Split("\r\n")[1];

        Assert.Contains("\"'=HYPERLINK(\"\"http://example.test\"\")\"", row);
        Assert.Contains(",-9.45,-1.80,-11.25,", row);
    }
}
