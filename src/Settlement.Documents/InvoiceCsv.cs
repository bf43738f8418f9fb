using Settlement.Domain.Invoicing;
using Settlement.Domain.Monetary;

namespace Settlement.Documents;

/// <summary>
/// An issued invoice or credit note as one CSV row per line, for spreadsheets and bookkeeping imports.
/// Each row repeats the document's number, kind, date and currency, and the events it was derived from,
/// so a row still says where it belongs once it is copied elsewhere.
/// </summary>
public static class InvoiceCsv
{
    private static readonly string[] Header =
    [
        "invoice_number", "kind", "issue_date", "currency", "credits_invoice",
        "line_no", "description", "session_id", "site_id", "supply_date", "quantity", "unit", "unit_price",
        "jurisdiction", "vat_percent", "treatment", "net_amount", "vat_amount", "gross_amount", "derived_from",
    ];

    public static byte[] Render(InvoiceDocument invoice)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        var currency = Currency.FromCode(invoice.Currency);
        var derivedFrom = string.Join("; ", invoice.Sources.Select(s => $"{s.StreamId}@{s.Version} {s.EventType}"));
        return Csv.Render(Header, csv =>
        {
            foreach (var line in invoice.Lines)
            {
                csv.WriteField(invoice.Number);
                csv.WriteField(invoice.Kind.ToString());
                csv.WriteField(DocumentDates.Date(invoice.IssueDate));
                csv.WriteField(currency.Code);
                csv.WriteField(invoice.CreditsInvoice);
                csv.WriteField(line.LineNo, "");
                csv.WriteField(line.Description);
                csv.WriteField(line.SessionId);
                csv.WriteField(line.SiteId);
                csv.WriteField(DocumentDates.Date(line.SupplyDate));
                csv.WritePlain(line.Quantity);
                csv.WriteField(line.Unit);
                csv.WriteField(line.UnitPrice, DocumentNumbers.UnitPriceFormat(currency));
                csv.WriteField(line.Jurisdiction);
                csv.WritePlain(line.VatPercent);
                csv.WriteField(line.Treatment.ToString());
                csv.WriteMoney(line.NetAmount, currency);
                csv.WriteMoney(line.VatAmount, currency);
                csv.WriteMoney(line.GrossAmount, currency);
                csv.WriteField(derivedFrom);
                csv.EndRecord();
            }
        });
    }
}
