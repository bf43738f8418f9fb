using System.Xml.Linq;
using NodaTime;
using Settlement.Domain.Invoicing;

namespace Settlement.Documents.EInvoices;

/// <summary>
/// An issued invoice as a UN/CEFACT Cross Industry Invoice (D16B), invoice 380 or credit note 381, in the EN 16931
/// profile of Factur-X 1.0 / ZUGFeRD 2 (guideline <c>urn:cen.eu:en16931:2017</c>), from the document alone: the same
/// document always gives the same bytes. It is also what a Factur-X PDF carries inside.
/// </summary>
public static class CiiInvoice
{
    private static readonly XNamespace Rsm = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100";
    private static readonly XNamespace Ram = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100";
    private static readonly XNamespace Udt = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100";
    private static readonly XNamespace Qdt = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100";

    /// <exception cref="InvalidOperationException">The document is not an EN 16931 document (see <see cref="En16931Invoice.Refusal"/>).</exception>
    public static byte[] Render(InvoiceDocument document) => EInvoiceXml.Bytes(Build(En16931Invoice.Of(document)));

    private static XDocument Build(En16931Invoice invoice)
    {
        XElement Amount(string name, decimal value) => new(Ram + name, invoice.Amount(value));

        // Element order is the D16B schema's.
        return new XDocument(new XElement(Rsm + "CrossIndustryInvoice",
            new XAttribute(XNamespace.Xmlns + "rsm", Rsm),
            new XAttribute(XNamespace.Xmlns + "qdt", Qdt),
            new XAttribute(XNamespace.Xmlns + "ram", Ram),
            new XAttribute(XNamespace.Xmlns + "udt", Udt),
            new XElement(Rsm + "ExchangedDocumentContext",
                new XElement(Ram + "GuidelineSpecifiedDocumentContextParameter", new XElement(Ram + "ID", En16931Invoice.Specification))),
            new XElement(Rsm + "ExchangedDocument",
                new XElement(Ram + "ID", invoice.Number),
                new XElement(Ram + "TypeCode", invoice.TypeCode),
                new XElement(Ram + "IssueDateTime", DateTime(invoice.IssueDate)),
                invoice.Notes.Select(note => new XElement(Ram + "IncludedNote", new XElement(Ram + "Content", note)))),
            new XElement(Rsm + "SupplyChainTradeTransaction",
                invoice.Lines.Select(line => new XElement(Ram + "IncludedSupplyChainTradeLineItem",
                    new XElement(Ram + "AssociatedDocumentLineDocument", new XElement(Ram + "LineID", line.Id)),
                    new XElement(Ram + "SpecifiedTradeProduct",
                        new XElement(Ram + "Name", line.Name),
                        line.Description is { } description ? new XElement(Ram + "Description", description) : null),
                    new XElement(Ram + "SpecifiedLineTradeAgreement",
                        new XElement(Ram + "NetPriceProductTradePrice", new XElement(Ram + "ChargeAmount", En16931Invoice.Plain(line.NetPrice)))),
                    new XElement(Ram + "SpecifiedLineTradeDelivery",
                        new XElement(Ram + "BilledQuantity", new XAttribute("unitCode", line.UnitCode), En16931Invoice.Plain(line.Quantity))),
                    new XElement(Ram + "SpecifiedLineTradeSettlement",
                        new XElement(Ram + "ApplicableTradeTax",
                            new XElement(Ram + "TypeCode", "VAT"),
                            new XElement(Ram + "CategoryCode", En16931Invoice.CodeOf(line.Category)),
                            new XElement(Ram + "RateApplicablePercent", En16931Invoice.Plain(line.VatPercent))),
                        Period(line.PeriodStart, line.PeriodEnd),
                        new XElement(Ram + "SpecifiedTradeSettlementLineMonetarySummation", Amount("LineTotalAmount", line.NetAmount))))),
                new XElement(Ram + "ApplicableHeaderTradeAgreement",
                    new XElement(Ram + "BuyerReference", invoice.BuyerReference),
                    Party("SellerTradeParty", invoice.Seller),
                    Party("BuyerTradeParty", invoice.Buyer)),
                new XElement(Ram + "ApplicableHeaderTradeDelivery"),
                new XElement(Ram + "ApplicableHeaderTradeSettlement",
                    invoice.PaymentReference is { } reference ? new XElement(Ram + "PaymentReference", reference) : null,
                    new XElement(Ram + "InvoiceCurrencyCode", invoice.Currency),
                    PaymentMeans(invoice),
                    invoice.Vat.Select(vat => new XElement(Ram + "ApplicableTradeTax",
                        Amount("CalculatedAmount", vat.TaxAmount),
                        new XElement(Ram + "TypeCode", "VAT"),
                        vat.ExemptionReason is { } reason ? new XElement(Ram + "ExemptionReason", reason) : null,
                        Amount("BasisAmount", vat.TaxableAmount),
                        new XElement(Ram + "CategoryCode", En16931Invoice.CodeOf(vat.Category)),
                        vat.ExemptionReasonCode is { } code ? new XElement(Ram + "ExemptionReasonCode", code) : null,
                        invoice.TaxPointDate is { } taxPoint ? new XElement(Ram + "TaxPointDate", new XElement(Udt + "DateString", new XAttribute("format", "102"), En16931Invoice.Date102(taxPoint))) : null,
                        new XElement(Ram + "RateApplicablePercent", En16931Invoice.Plain(vat.VatPercent)))),
                    invoice.PeriodStart is { } start && invoice.PeriodEnd is { } end ? Period(start, end) : null,
                    new XElement(Ram + "SpecifiedTradePaymentTerms",
                        new XElement(Ram + "Description", invoice.PaymentTerms),
                        invoice.DueDate is { } due ? new XElement(Ram + "DueDateDateTime", DateTime(due)) : null),
                    new XElement(Ram + "SpecifiedTradeSettlementHeaderMonetarySummation",
                        Amount("LineTotalAmount", invoice.LineTotal),
                        Amount("TaxBasisTotalAmount", invoice.TaxExclusiveTotal),
                        new XElement(Ram + "TaxTotalAmount", new XAttribute("currencyID", invoice.Currency), invoice.Amount(invoice.TaxTotal)),
                        Amount("GrandTotalAmount", invoice.TaxInclusiveTotal),
                        invoice.PrepaidAmount != 0m ? Amount("TotalPrepaidAmount", invoice.PrepaidAmount) : null,
                        Amount("DuePayableAmount", invoice.PayableAmount)),
                    invoice.PrecedingInvoice is { } preceding
                        ? new XElement(Ram + "InvoiceReferencedDocument", new XElement(Ram + "IssuerAssignedID", preceding))
                        : null))));
    }

    private static XElement DateTime(LocalDate date) =>
        new(Udt + "DateTimeString", new XAttribute("format", "102"), En16931Invoice.Date102(date));

    private static XElement Period(LocalDate start, LocalDate end) =>
        new(Ram + "BillingSpecifiedPeriod",
            new XElement(Ram + "StartDateTime", DateTime(start)),
            new XElement(Ram + "EndDateTime", DateTime(end)));

    private static XElement Party(string name, En16931Party party) =>
        new(Ram + name,
            new XElement(Ram + "Name", party.Name),
            new XElement(Ram + "PostalTradeAddress",
                party.AddressLine is { } line ? new XElement(Ram + "LineOne", line) : null,
                new XElement(Ram + "CountryID", party.CountryCode)),
            party.VatId is { } vatId ? new XElement(Ram + "SpecifiedTaxRegistration", new XElement(Ram + "ID", new XAttribute("schemeID", "VA"), vatId)) : null);

    /// <summary>BG-16 as in UBL: SEPA credit transfer (58) to the named account, else "not defined" (1).</summary>
    private static XElement PaymentMeans(En16931Invoice invoice) =>
        new(Ram + "SpecifiedTradeSettlementPaymentMeans",
            new XElement(Ram + "TypeCode", invoice.PayTo is null ? "1" : "58"),
            invoice.PayTo is { } account
                ? new XElement(Ram + "PayeePartyCreditorFinancialAccount",
                    new XElement(Ram + "IBANID", account.Iban),
                    new XElement(Ram + "AccountName", account.AccountHolder))
                : null,
            invoice.PayTo?.Bic is { } bic
                ? new XElement(Ram + "PayeeSpecifiedCreditorFinancialInstitution", new XElement(Ram + "BICID", bic))
                : null);
}
