using System.Text.Json;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Monetary;
using static Settlement.Documents.DocumentNumbers;

namespace Settlement.Documents;

/// <summary>
/// The public JSON of an issued invoice or credit note, schemas/documents/invoice.v1.json. Written
/// field by field rather than serialised, so the published shape cannot drift with the domain record.
/// </summary>
public static class InvoiceJson
{
    public const string SchemaId = "https://settlement.dev/schemas/documents/invoice.v1.json";

    /// <summary>UTF-8, indented, camelCase; decimals as strings (see the schema for why).</summary>
    public static byte[] Render(InvoiceDocument invoice)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        var currency = Currency.FromCode(invoice.Currency);
        return DocumentJson.Write(json =>
        {
            json.WriteStartObject();
            json.WriteString("$schema", SchemaId);
            json.WriteString("number", invoice.Number);
            json.WriteString("kind", invoice.Kind.ToString());
            json.WriteString("issuerId", invoice.IssuerId);
            json.WriteString("series", invoice.Series);
            json.WriteNumber("sequenceNumber", invoice.SequenceNumber);
            json.WriteString("issueDate", DocumentDates.Date(invoice.IssueDate));
            json.WriteString("issuedAt", DocumentDates.Instant(invoice.IssuedAt));
            json.WriteString("currency", currency.Code);
            WriteParty(json, "seller", invoice.Seller);
            WriteParty(json, "buyer", invoice.Buyer);
            json.WriteString("partnerId", invoice.PartnerId);
            json.WriteString("periodFrom", invoice.PeriodFrom is { } from ? DocumentDates.Date(from) : null);
            json.WriteString("periodThrough", invoice.PeriodThrough is { } through ? DocumentDates.Date(through) : null);
            json.WriteString("creditsInvoice", invoice.CreditsInvoice);
            json.WriteString("reason", invoice.Reason);
            json.WriteString("taxPoint", invoice.TaxPoint is { } taxPoint ? DocumentDates.Date(taxPoint) : null);
            json.WriteString("dueDate", invoice.DueDate is { } due ? DocumentDates.Date(due) : null);
            json.WriteString("paymentTerms", invoice.PaymentTerms);
            if (invoice.PayTo is { } account)
            {
                json.WriteStartObject("payTo");
                json.WriteString("iban", account.Iban);
                json.WriteString("bic", account.Bic);
                json.WriteString("accountHolder", account.AccountHolder);
                json.WriteEndObject();
            }
            else json.WriteNull("payTo");
            json.WriteString("paymentReference", invoice.PaymentReference);
            json.WriteString("buyerReference", invoice.BuyerReference);

            json.WriteStartArray("lines");
            foreach (var line in invoice.Lines) WriteLine(json, line, currency);
            json.WriteEndArray();

            json.WriteStartArray("vat");
            foreach (var vat in invoice.Vat)
            {
                json.WriteStartObject();
                json.WriteString("jurisdiction", vat.Jurisdiction);
                json.WriteString("vatPercent", Plain(vat.VatPercent));
                json.WriteString("treatment", vat.Treatment.ToString());
                json.WriteString("netAmount", Money(vat.NetAmount, currency));
                json.WriteString("vatAmount", Money(vat.VatAmount, currency));
                json.WriteString("taxKind", vat.TaxKind.ToString());
                json.WriteString("level", vat.Level?.ToString());
                json.WriteString("authority", vat.Authority);
                json.WriteEndObject();
            }
            json.WriteEndArray();

            json.WriteString("totalNet", Money(invoice.TotalNet, currency));
            json.WriteString("totalVat", Money(invoice.TotalVat, currency));
            json.WriteString("totalGross", Money(invoice.TotalGross, currency));
            json.WriteString("commissionPercent", invoice.CommissionPercent is { } percent ? Plain(percent) : null);
            json.WriteString("commissionAmount", invoice.CommissionAmount is { } commission ? Money(commission, currency) : null);

            json.WriteStartArray("notes");
            foreach (var note in invoice.Notes) json.WriteStringValue(note);
            json.WriteEndArray();

            json.WriteStartArray("derivedFrom");
            foreach (var source in invoice.Sources)
            {
                json.WriteStartObject();
                json.WriteString("streamId", source.StreamId);
                json.WriteNumber("version", source.Version);
                json.WriteString("eventType", source.EventType);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        });
    }

    private static void WriteParty(Utf8JsonWriter json, string name, InvoiceParty party)
    {
        json.WriteStartObject(name);
        json.WriteString("name", party.Name);
        json.WriteString("address", party.Address);
        json.WriteString("countryCode", party.CountryCode);
        json.WriteString("vatId", party.VatId);
        json.WriteEndObject();
    }

    private static void WriteLine(Utf8JsonWriter json, InvoiceLine line, Currency currency)
    {
        json.WriteStartObject();
        json.WriteNumber("lineNo", line.LineNo);
        json.WriteString("description", line.Description);
        json.WriteString("sessionId", line.SessionId);
        json.WriteString("siteId", line.SiteId);
        json.WriteString("supplyDate", DocumentDates.Date(line.SupplyDate));
        json.WriteString("quantity", Plain(line.Quantity));
        json.WriteString("unit", line.Unit);
        json.WriteString("unitPrice", UnitPrice(line.UnitPrice, currency));
        json.WriteString("jurisdiction", line.Jurisdiction);
        json.WriteString("vatPercent", Plain(line.VatPercent));
        json.WriteString("treatment", line.Treatment.ToString());
        json.WriteString("netAmount", Money(line.NetAmount, currency));
        json.WriteString("vatAmount", Money(line.VatAmount, currency));
        json.WriteString("grossAmount", Money(line.GrossAmount, currency));
        json.WriteString("taxPoint", DocumentDates.Date(line.TaxPointOrSupplyDate()));
        json.WriteString("taxKind", line.TaxKind.ToString());
        json.WriteString("evseId", line.EvseId);
        json.WriteString("localStart", line.LocalStart is { } start ? DocumentDates.LocalDateTime(start) : null);
        json.WriteString("localEnd", line.LocalEnd is { } end ? DocumentDates.LocalDateTime(end) : null);
        json.WriteString("timeZone", line.TimeZone);
        json.WriteString("energyKwh", line.EnergyKwh is { } kwh ? Plain(kwh) : null);
        json.WriteEndObject();
    }
}
