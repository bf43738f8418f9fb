using Settlement.Domain.Invoicing.Accounting;
using Settlement.Domain.Monetary;

namespace Settlement.Documents;

/// <summary>
/// A period's VAT report as CSV: a "rate" row per jurisdiction, currency, rate and treatment, then a
/// "jurisdiction" row with the totals of each jurisdiction and currency (its rate and treatment empty).
/// Every row says the basis the period was taken by and, where known, the ledger position and time it was read
/// at, so a file saved before the period was fully billed says so. The documents and events the report rests on are
/// in its JSON form.
/// </summary>
public static class VatReportCsv
{
    private static readonly string[] Header =
    [
        "period_from", "period_through", "basis", "row", "jurisdiction", "currency", "vat_percent", "treatment",
        "taxable_net", "vat", "invoices", "credit_notes", "tax_kind", "level", "authority", "ledger_position", "read_at",
    ];

    /// <summary>The basis as the API's ?basis= names it.</summary>
    public static string BasisName(ReportingBasis basis) => basis == ReportingBasis.TaxPoint ? "taxPoint" : "issueDate";

    public static byte[] Render(VatReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var from = DocumentDates.Date(report.From);
        var through = DocumentDates.Date(report.Through);
        var basis = BasisName(report.Basis);
        var position = report.AsOf?.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "";
        var readAt = report.AsOf is { } asOf ? DocumentDates.Instant(asOf.ReadAt) : "";
        return Csv.Render(Header, csv =>
        {
            foreach (var row in report.Rows)
            {
                var currency = Currency.FromCode(row.Currency);
                csv.WriteField(from);
                csv.WriteField(through);
                csv.WriteField(basis);
                csv.WriteField("rate");
                csv.WriteField(row.Jurisdiction);
                csv.WriteField(currency.Code);
                csv.WritePlain(row.VatPercent);
                csv.WriteField(row.Treatment.ToString());
                csv.WriteMoney(row.TaxableNet, currency);
                csv.WriteMoney(row.Vat, currency);
                csv.WriteField(row.Invoices, "");
                csv.WriteField(row.CreditNotes, "");
                csv.WriteField(row.TaxKind.ToString());
                csv.WriteField(row.Level?.ToString() ?? "");
                csv.WriteField(row.Authority ?? "");
                csv.WriteField(position);
                csv.WriteField(readAt);
                csv.EndRecord();
            }
            foreach (var total in report.Totals)
            {
                var currency = Currency.FromCode(total.Currency);
                csv.WriteField(from);
                csv.WriteField(through);
                csv.WriteField(basis);
                csv.WriteField("jurisdiction");
                csv.WriteField(total.Jurisdiction);
                csv.WriteField(currency.Code);
                csv.WriteField("");
                csv.WriteField("");
                csv.WriteMoney(total.TaxableNet, currency);
                csv.WriteMoney(total.Vat, currency);
                csv.WriteField(total.Invoices, "");
                csv.WriteField(total.CreditNotes, "");
                csv.WriteField("");
                csv.WriteField("");
                csv.WriteField("");
                csv.WriteField(position);
                csv.WriteField(readAt);
                csv.EndRecord();
            }
        });
    }
}
