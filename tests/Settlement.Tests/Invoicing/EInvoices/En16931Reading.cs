using System.Globalization;
using System.Xml.Linq;

namespace Settlement.Tests.Invoicing.EInvoices;

/// <summary>BG-4 / BG-7 as far as the business rules we check look at them.</summary>
public sealed record ReadParty(string? Name, bool HasPostalAddress, string? CountryCode, string? VatId, string? LegalRegistration);

public sealed record ReadLine(string? Id, decimal? NetAmount, string? Category, decimal? Rate);

/// <summary>BG-20 (allowance) or BG-21 (charge) on document level.</summary>
public sealed record ReadAllowanceCharge(bool IsCharge, decimal Amount, string? Category, decimal? Rate);

public sealed record ReadVatBreakdown(string? Category, decimal? Rate, decimal? TaxableAmount, decimal? TaxAmount, string? ExemptionReason, string? ExemptionReasonCode);

/// <summary>
/// An e-invoice read back into the EN 16931 terms the business rules are written in, from either syntax, so one set of
/// checks (<see cref="En16931Rules"/>) judges UBL and CII alike. Written from the norm's syntax bindings, independently
/// of the renderers, so a renderer's mistake is not read back as intended.
/// </summary>
public sealed record En16931Reading(
    string? Specification, string? Number, string? IssueDate, string? TypeCode, string? Currency,
    ReadParty Seller, ReadParty Buyer,
    decimal? LineTotal, decimal? AllowanceTotal, decimal? ChargeTotal, decimal? TaxExclusiveTotal, decimal? TaxTotal,
    decimal? TaxInclusiveTotal, decimal? PrepaidAmount, decimal? RoundingAmount, decimal? PayableAmount,
    IReadOnlyList<ReadLine> Lines, IReadOnlyList<ReadAllowanceCharge> AllowancesAndCharges, IReadOnlyList<ReadVatBreakdown> Vat)
{
    private static readonly XNamespace Cac = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
    private static readonly XNamespace Cbc = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
    private static readonly XNamespace Rsm = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100";
    private static readonly XNamespace Ram = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100";
    private static readonly XNamespace Udt = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100";

    public static En16931Reading Of(byte[] xml) => Of(XDocument.Load(new MemoryStream(xml)));

    public static En16931Reading Of(XDocument xml) =>
        xml.Root!.Name.Namespace == Rsm ? FromCii(xml.Root) : FromUbl(xml.Root!);

    private static En16931Reading FromUbl(XElement root)
    {
        var currency = Text(root.Element(Cbc + "DocumentCurrencyCode"));
        var totals = root.Element(Cac + "LegalMonetaryTotal");
        var taxTotals = root.Elements(Cac + "TaxTotal").ToList();
        // BT-110 is the TaxTotal in the document currency; a second one (BT-111) would be in the tax currency.
        var taxTotal = taxTotals.FirstOrDefault(t => t.Element(Cbc + "TaxAmount")?.Attribute("currencyID")?.Value == currency);
        var lines = root.Elements(Cac + "InvoiceLine").Concat(root.Elements(Cac + "CreditNoteLine"));
        return new En16931Reading(
            Text(root.Element(Cbc + "CustomizationID")),
            Text(root.Element(Cbc + "ID")),
            Text(root.Element(Cbc + "IssueDate")),
            Text(root.Element(Cbc + "InvoiceTypeCode") ?? root.Element(Cbc + "CreditNoteTypeCode")),
            currency,
            UblParty(root.Element(Cac + "AccountingSupplierParty")?.Element(Cac + "Party")),
            UblParty(root.Element(Cac + "AccountingCustomerParty")?.Element(Cac + "Party")),
            Amount(totals?.Element(Cbc + "LineExtensionAmount")),
            Amount(totals?.Element(Cbc + "AllowanceTotalAmount")),
            Amount(totals?.Element(Cbc + "ChargeTotalAmount")),
            Amount(totals?.Element(Cbc + "TaxExclusiveAmount")),
            Amount(taxTotal?.Element(Cbc + "TaxAmount")),
            Amount(totals?.Element(Cbc + "TaxInclusiveAmount")),
            Amount(totals?.Element(Cbc + "PrepaidAmount")),
            Amount(totals?.Element(Cbc + "PayableRoundingAmount")),
            Amount(totals?.Element(Cbc + "PayableAmount")),
            [.. lines.Select(line => new ReadLine(
                Text(line.Element(Cbc + "ID")),
                Amount(line.Element(Cbc + "LineExtensionAmount")),
                Text(line.Element(Cac + "Item")?.Element(Cac + "ClassifiedTaxCategory")?.Element(Cbc + "ID")),
                Amount(line.Element(Cac + "Item")?.Element(Cac + "ClassifiedTaxCategory")?.Element(Cbc + "Percent"))))],
            [.. root.Elements(Cac + "AllowanceCharge").Select(ac => new ReadAllowanceCharge(
                Text(ac.Element(Cbc + "ChargeIndicator")) == "true",
                Amount(ac.Element(Cbc + "Amount")) ?? 0m,
                Text(ac.Element(Cac + "TaxCategory")?.Element(Cbc + "ID")),
                Amount(ac.Element(Cac + "TaxCategory")?.Element(Cbc + "Percent"))))],
            [.. (taxTotal?.Elements(Cac + "TaxSubtotal") ?? []).Select(sub => new ReadVatBreakdown(
                Text(sub.Element(Cac + "TaxCategory")?.Element(Cbc + "ID")),
                Amount(sub.Element(Cac + "TaxCategory")?.Element(Cbc + "Percent")),
                Amount(sub.Element(Cbc + "TaxableAmount")),
                Amount(sub.Element(Cbc + "TaxAmount")),
                Text(sub.Element(Cac + "TaxCategory")?.Element(Cbc + "TaxExemptionReason")),
                Text(sub.Element(Cac + "TaxCategory")?.Element(Cbc + "TaxExemptionReasonCode"))))]);
    }

    private static ReadParty UblParty(XElement? party) => new(
        Text(party?.Element(Cac + "PartyLegalEntity")?.Element(Cbc + "RegistrationName")),
        party?.Element(Cac + "PostalAddress") is not null,
        Text(party?.Element(Cac + "PostalAddress")?.Element(Cac + "Country")?.Element(Cbc + "IdentificationCode")),
        Text(party?.Elements(Cac + "PartyTaxScheme").FirstOrDefault(s => Text(s.Element(Cac + "TaxScheme")?.Element(Cbc + "ID")) == "VAT")?.Element(Cbc + "CompanyID")),
        Text(party?.Element(Cac + "PartyLegalEntity")?.Element(Cbc + "CompanyID")));

    private static En16931Reading FromCii(XElement root)
    {
        var transaction = root.Element(Rsm + "SupplyChainTradeTransaction");
        var agreement = transaction?.Element(Ram + "ApplicableHeaderTradeAgreement");
        var settlement = transaction?.Element(Ram + "ApplicableHeaderTradeSettlement");
        var totals = settlement?.Element(Ram + "SpecifiedTradeSettlementHeaderMonetarySummation");
        var currency = Text(settlement?.Element(Ram + "InvoiceCurrencyCode"));
        var document = root.Element(Rsm + "ExchangedDocument");
        return new En16931Reading(
            Text(root.Element(Rsm + "ExchangedDocumentContext")?.Element(Ram + "GuidelineSpecifiedDocumentContextParameter")?.Element(Ram + "ID")),
            Text(document?.Element(Ram + "ID")),
            Text(document?.Element(Ram + "IssueDateTime")?.Element(Udt + "DateTimeString")),
            Text(document?.Element(Ram + "TypeCode")),
            currency,
            CiiParty(agreement?.Element(Ram + "SellerTradeParty")),
            CiiParty(agreement?.Element(Ram + "BuyerTradeParty")),
            Amount(totals?.Element(Ram + "LineTotalAmount")),
            Amount(totals?.Element(Ram + "AllowanceTotalAmount")),
            Amount(totals?.Element(Ram + "ChargeTotalAmount")),
            Amount(totals?.Element(Ram + "TaxBasisTotalAmount")),
            Amount(totals?.Elements(Ram + "TaxTotalAmount").FirstOrDefault(t => t.Attribute("currencyID")?.Value == currency)),
            Amount(totals?.Element(Ram + "GrandTotalAmount")),
            Amount(totals?.Element(Ram + "TotalPrepaidAmount")),
            Amount(totals?.Element(Ram + "RoundingAmount")),
            Amount(totals?.Element(Ram + "DuePayableAmount")),
            [.. (transaction?.Elements(Ram + "IncludedSupplyChainTradeLineItem") ?? []).Select(line =>
            {
                var lineSettlement = line.Element(Ram + "SpecifiedLineTradeSettlement");
                var tax = lineSettlement?.Element(Ram + "ApplicableTradeTax");
                return new ReadLine(
                    Text(line.Element(Ram + "AssociatedDocumentLineDocument")?.Element(Ram + "LineID")),
                    Amount(lineSettlement?.Element(Ram + "SpecifiedTradeSettlementLineMonetarySummation")?.Element(Ram + "LineTotalAmount")),
                    Text(tax?.Element(Ram + "CategoryCode")),
                    Amount(tax?.Element(Ram + "RateApplicablePercent")));
            })],
            [.. (settlement?.Elements(Ram + "SpecifiedTradeAllowanceCharge") ?? []).Select(ac => new ReadAllowanceCharge(
                Text(ac.Element(Ram + "ChargeIndicator")?.Element(Udt + "Indicator")) == "true",
                Amount(ac.Element(Ram + "ActualAmount")) ?? 0m,
                Text(ac.Element(Ram + "CategoryTradeTax")?.Element(Ram + "CategoryCode")),
                Amount(ac.Element(Ram + "CategoryTradeTax")?.Element(Ram + "RateApplicablePercent"))))],
            [.. (settlement?.Elements(Ram + "ApplicableTradeTax") ?? []).Select(tax => new ReadVatBreakdown(
                Text(tax.Element(Ram + "CategoryCode")),
                Amount(tax.Element(Ram + "RateApplicablePercent")),
                Amount(tax.Element(Ram + "BasisAmount")),
                Amount(tax.Element(Ram + "CalculatedAmount")),
                Text(tax.Element(Ram + "ExemptionReason")),
                Text(tax.Element(Ram + "ExemptionReasonCode"))))]);
    }

    private static ReadParty CiiParty(XElement? party) => new(
        Text(party?.Element(Ram + "Name")),
        party?.Element(Ram + "PostalTradeAddress") is not null,
        Text(party?.Element(Ram + "PostalTradeAddress")?.Element(Ram + "CountryID")),
        Text(party?.Elements(Ram + "SpecifiedTaxRegistration").Select(r => r.Element(Ram + "ID")).FirstOrDefault(id => id?.Attribute("schemeID")?.Value == "VA")),
        Text(party?.Element(Ram + "SpecifiedLegalOrganization")?.Element(Ram + "ID")));

    private static string? Text(XElement? element) => element?.Value.Trim() is { Length: > 0 } value ? value : null;

    private static decimal? Amount(XElement? element) =>
        Text(element) is { } value ? decimal.Parse(value, NumberStyles.Number, CultureInfo.InvariantCulture) : null;
}
