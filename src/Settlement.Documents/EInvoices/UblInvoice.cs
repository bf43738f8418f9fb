using System.Xml.Linq;
using Settlement.Domain.Invoicing;

namespace Settlement.Documents.EInvoices;

/// <summary>
/// An issued invoice as a UBL 2.1 <c>Invoice</c> (380) or <c>CreditNote</c> (381, referring to the invoice it credits) in
/// the Peppol BIS Billing 3.0 customisation of EN 16931, from the document alone: the same document always gives the
/// same bytes.
/// </summary>
public static class UblInvoice
{
    private static readonly XNamespace InvoiceNs = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
    private static readonly XNamespace CreditNoteNs = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2";
    private static readonly XNamespace Cac = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
    private static readonly XNamespace Cbc = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";

    /// <exception cref="InvalidOperationException">The document is not an EN 16931 document (see <see cref="En16931Invoice.Refusal"/>).</exception>
    public static byte[] Render(InvoiceDocument document) => EInvoiceXml.Bytes(Build(En16931Invoice.Of(document)));

    private static XDocument Build(En16931Invoice invoice)
    {
        var creditNote = invoice.IsCreditNote;
        XNamespace root = creditNote ? CreditNoteNs : InvoiceNs;
        var currency = invoice.Currency;
        XElement Money(string name, decimal value) => new(Cbc + name, new XAttribute("currencyID", currency), invoice.Amount(value));

        // Element order is the UBL 2.1 schema's; Peppol allows a single document-level note, so the notes are one.
        return new XDocument(new XElement(root + (creditNote ? "CreditNote" : "Invoice"),
            new XAttribute(XNamespace.Xmlns + "cac", Cac),
            new XAttribute(XNamespace.Xmlns + "cbc", Cbc),
            new XElement(Cbc + "CustomizationID", En16931Invoice.PeppolCustomization),
            new XElement(Cbc + "ProfileID", En16931Invoice.PeppolProfile),
            new XElement(Cbc + "ID", invoice.Number),
            new XElement(Cbc + "IssueDate", En16931Invoice.IsoDate(invoice.IssueDate)),
            !creditNote && invoice.DueDate is { } due ? new XElement(Cbc + "DueDate", En16931Invoice.IsoDate(due)) : null,
            // A credit note has its tax point before its type code, an invoice after its notes.
            creditNote ? TaxPoint(invoice) : null,
            new XElement(Cbc + (creditNote ? "CreditNoteTypeCode" : "InvoiceTypeCode"), invoice.TypeCode),
            invoice.Notes.Count > 0 ? new XElement(Cbc + "Note", string.Join("\n", invoice.Notes)) : null,
            creditNote ? null : TaxPoint(invoice),
            new XElement(Cbc + "DocumentCurrencyCode", currency),
            new XElement(Cbc + "BuyerReference", invoice.BuyerReference),
            invoice.PeriodStart is { } start && invoice.PeriodEnd is { } end ? Period(start, end) : null,
            invoice.PrecedingInvoice is { } preceding
                ? new XElement(Cac + "BillingReference", new XElement(Cac + "InvoiceDocumentReference", new XElement(Cbc + "ID", preceding)))
                : null,
            new XElement(Cac + "AccountingSupplierParty", Party(invoice.Seller)),
            new XElement(Cac + "AccountingCustomerParty", Party(invoice.Buyer)),
            PaymentMeans(invoice, creditNote),
            new XElement(Cac + "PaymentTerms", new XElement(Cbc + "Note", invoice.PaymentTerms)),
            new XElement(Cac + "TaxTotal",
                Money("TaxAmount", invoice.TaxTotal),
                invoice.Vat.Select(vat => new XElement(Cac + "TaxSubtotal",
                    Money("TaxableAmount", vat.TaxableAmount),
                    Money("TaxAmount", vat.TaxAmount),
                    TaxCategory("TaxCategory", vat.Category, vat.VatPercent, vat.ExemptionReasonCode, vat.ExemptionReason)))),
            new XElement(Cac + "LegalMonetaryTotal",
                Money("LineExtensionAmount", invoice.LineTotal),
                Money("TaxExclusiveAmount", invoice.TaxExclusiveTotal),
                Money("TaxInclusiveAmount", invoice.TaxInclusiveTotal),
                invoice.PrepaidAmount != 0m ? Money("PrepaidAmount", invoice.PrepaidAmount) : null,
                Money("PayableAmount", invoice.PayableAmount)),
            invoice.Lines.Select(line => new XElement(Cac + (creditNote ? "CreditNoteLine" : "InvoiceLine"),
                new XElement(Cbc + "ID", line.Id),
                new XElement(Cbc + (creditNote ? "CreditedQuantity" : "InvoicedQuantity"), new XAttribute("unitCode", line.UnitCode), En16931Invoice.Plain(line.Quantity)),
                Money("LineExtensionAmount", line.NetAmount),
                Period(line.PeriodStart, line.PeriodEnd),
                new XElement(Cac + "Item",
                    line.Description is { } description ? new XElement(Cbc + "Description", description) : null,
                    new XElement(Cbc + "Name", line.Name),
                    TaxCategory("ClassifiedTaxCategory", line.Category, line.VatPercent, null, null)),
                // A price keeps the decimals it was set with (0.4275 EUR/kWh); only amounts are in whole minor units.
                new XElement(Cac + "Price",
                    new XElement(Cbc + "PriceAmount", new XAttribute("currencyID", currency), En16931Invoice.Plain(line.NetPrice)))))));
    }

    private static XElement? TaxPoint(En16931Invoice invoice) =>
        invoice.TaxPointDate is { } taxPoint ? new XElement(Cbc + "TaxPointDate", En16931Invoice.IsoDate(taxPoint)) : null;

    private static XElement Period(NodaTime.LocalDate start, NodaTime.LocalDate end) =>
        new(Cac + "InvoicePeriod",
            new XElement(Cbc + "StartDate", En16931Invoice.IsoDate(start)),
            new XElement(Cbc + "EndDate", En16931Invoice.IsoDate(end)));

    private static XElement Party(En16931Party party) =>
        new(Cac + "Party",
            new XElement(Cac + "PostalAddress",
                party.AddressLine is { } line ? new XElement(Cbc + "StreetName", line) : null,
                new XElement(Cac + "Country", new XElement(Cbc + "IdentificationCode", party.CountryCode))),
            party.VatId is { } vatId
                ? new XElement(Cac + "PartyTaxScheme", new XElement(Cbc + "CompanyID", vatId), new XElement(Cac + "TaxScheme", new XElement(Cbc + "ID", "VAT")))
                : null,
            new XElement(Cac + "PartyLegalEntity", new XElement(Cbc + "RegistrationName", party.Name)));

    /// <summary>
    /// BG-16: a SEPA credit transfer (58) to the issuer's account when the document names one; otherwise "not defined" (1),
    /// since a credit transfer without an account is refused (BR-61). A credit note's due date travels here in UBL.
    /// </summary>
    private static XElement PaymentMeans(En16931Invoice invoice, bool creditNote) =>
        new(Cac + "PaymentMeans",
            new XElement(Cbc + "PaymentMeansCode", invoice.PayTo is null ? "1" : "58"),
            creditNote && invoice.DueDate is { } due ? new XElement(Cbc + "PaymentDueDate", En16931Invoice.IsoDate(due)) : null,
            invoice.PaymentReference is { } reference ? new XElement(Cbc + "PaymentID", reference) : null,
            invoice.PayTo is { } account
                ? new XElement(Cac + "PayeeFinancialAccount",
                    new XElement(Cbc + "ID", account.Iban),
                    new XElement(Cbc + "Name", account.AccountHolder),
                    account.Bic is { } bic ? new XElement(Cac + "FinancialInstitutionBranch", new XElement(Cbc + "ID", bic)) : null)
                : null);

    private static XElement TaxCategory(string name, VatCategory category, decimal percent, string? reasonCode, string? reason) =>
        new(Cac + name,
            new XElement(Cbc + "ID", En16931Invoice.CodeOf(category)),
            new XElement(Cbc + "Percent", En16931Invoice.Plain(percent)),
            reasonCode is not null ? new XElement(Cbc + "TaxExemptionReasonCode", reasonCode) : null,
            reason is not null ? new XElement(Cbc + "TaxExemptionReason", reason) : null,
            new XElement(Cac + "TaxScheme", new XElement(Cbc + "ID", "VAT")));
}
