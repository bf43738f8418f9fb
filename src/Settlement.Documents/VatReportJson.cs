using System.Text.Json;
using Settlement.Domain.Invoicing.Accounting;
using Settlement.Domain.Monetary;
using static Settlement.Documents.DocumentNumbers;

namespace Settlement.Documents;

/// <summary>A period's VAT report as JSON, schemas/documents/vat-report.v1.json, laid out like the invoice JSON.</summary>
public static class VatReportJson
{
    public const string SchemaId = "https://settlement.dev/schemas/documents/vat-report.v1.json";

    public static byte[] Render(VatReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return DocumentJson.Write(json =>
        {
            json.WriteStartObject();
            json.WriteString("$schema", SchemaId);
            json.WriteString("periodFrom", DocumentDates.Date(report.From));
            json.WriteString("periodThrough", DocumentDates.Date(report.Through));
            json.WriteString("basis", VatReportCsv.BasisName(report.Basis));
            if (report.AsOf is { } asOf)
            {
                json.WriteStartObject("asOf");
                json.WriteNumber("ledgerPosition", asOf.Sequence);
                json.WriteString("readAt", DocumentDates.Instant(asOf.ReadAt));
                json.WriteEndObject();
            }

            json.WriteStartArray("rows");
            foreach (var row in report.Rows)
            {
                var currency = Currency.FromCode(row.Currency);
                json.WriteStartObject();
                json.WriteString("jurisdiction", row.Jurisdiction);
                json.WriteString("currency", currency.Code);
                json.WriteString("vatPercent", Plain(row.VatPercent));
                json.WriteString("treatment", row.Treatment.ToString());
                if (row.TaxKind == Domain.Invoicing.TaxKind.SalesTax)
                {
                    json.WriteString("taxKind", row.TaxKind.ToString());
                    if (row.Level is { } level) json.WriteString("level", level.ToString());
                    if (row.Authority is { } authority) json.WriteString("authority", authority);
                }
                WriteAmounts(json, row.TaxableNet, row.Vat, row.Invoices, row.CreditNotes, currency);
                json.WriteEndObject();
            }
            json.WriteEndArray();

            json.WriteStartArray("jurisdictionTotals");
            foreach (var total in report.Totals)
            {
                var currency = Currency.FromCode(total.Currency);
                json.WriteStartObject();
                json.WriteString("jurisdiction", total.Jurisdiction);
                json.WriteString("currency", currency.Code);
                WriteAmounts(json, total.TaxableNet, total.Vat, total.Invoices, total.CreditNotes, currency);
                json.WriteEndObject();
            }
            json.WriteEndArray();

            json.WriteStartArray("documents");
            foreach (var series in report.Documents)
            {
                json.WriteStartObject();
                json.WriteString("issuerId", series.IssuerId);
                json.WriteString("series", series.Series);
                json.WriteString("firstNumber", series.FirstNumber);
                json.WriteString("lastNumber", series.LastNumber);
                json.WriteNumber("count", series.Count);
                json.WriteEndObject();
            }
            json.WriteEndArray();

            json.WriteStartArray("derivedFrom");
            foreach (var stream in report.Sources)
            {
                json.WriteStartObject();
                json.WriteString("streamId", stream.StreamId);
                json.WriteNumber("firstVersion", stream.FirstVersion);
                json.WriteNumber("lastVersion", stream.LastVersion);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        });
    }

    private static void WriteAmounts(Utf8JsonWriter json, decimal taxableNet, decimal vat, int invoices, int creditNotes, Currency currency)
    {
        json.WriteString("taxableNet", Money(taxableNet, currency));
        json.WriteString("vat", Money(vat, currency));
        json.WriteNumber("invoices", invoices);
        json.WriteNumber("creditNotes", creditNotes);
    }
}
