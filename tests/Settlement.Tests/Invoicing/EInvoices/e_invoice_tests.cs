using System.Text;
using System.Xml.Linq;
using Settlement.Documents.EInvoices;
using Settlement.Domain.Invoicing;

namespace Settlement.Tests.Invoicing.EInvoices;

public sealed class e_invoice_tests
{
    private static readonly XNamespace Cbc = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
    private static readonly XNamespace Cac = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
    private static readonly XNamespace Ram = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100";

    [ReferenceDataTheory(EInvoiceSchemas.Folder)]
    [MemberData(nameof(EInvoiceSamples.Names), MemberType = typeof(EInvoiceSamples))]
    public void the_ubl_of_every_document_is_valid_against_the_ubl_2_1_schema(string document) =>
        Assert.Empty(EInvoiceSchemas.Errors(UblInvoice.Render(EInvoiceSamples.All[document]())));

    [ReferenceDataTheory(EInvoiceSchemas.Folder)]
    [MemberData(nameof(EInvoiceSamples.Names), MemberType = typeof(EInvoiceSamples))]
    public void the_cii_of_every_document_is_valid_against_the_cii_d16b_schema(string document) =>
        Assert.Empty(EInvoiceSchemas.Errors(CiiInvoice.Render(EInvoiceSamples.All[document]())));

    [Theory]
    [MemberData(nameof(EInvoiceSamples.Names), MemberType = typeof(EInvoiceSamples))]
    public void ubl_and_cii_keep_the_en16931_business_rules_and_state_the_same_invoice(string document)
    {
        var ubl = En16931Reading.Of(UblInvoice.Render(EInvoiceSamples.All[document]()));
        var cii = En16931Reading.Of(CiiInvoice.Render(EInvoiceSamples.All[document]()));

        Assert.Empty(En16931Rules.Violations(ubl));
        Assert.Empty(En16931Rules.Violations(cii));
        // The two syntaxes differ in their specification identifier (the Peppol customisation in UBL) and date format only.
        Assert.Equal(Scalars(ubl), Scalars(cii));
        Assert.Equal(ubl.Lines, cii.Lines);
        Assert.Equal(ubl.Vat, cii.Vat);
        Assert.Equal(ubl.AllowancesAndCharges, cii.AllowancesAndCharges);
    }

    private static object Scalars(En16931Reading r) => (r.Number, r.TypeCode, r.Currency, r.Seller, r.Buyer,
        (r.LineTotal, r.AllowanceTotal, r.ChargeTotal, r.TaxExclusiveTotal, r.TaxTotal, r.TaxInclusiveTotal, r.PrepaidAmount, r.RoundingAmount, r.PayableAmount));

    [Fact]
    public void a_driver_invoice_names_its_tax_point_due_date_account_reference_and_session()
    {
        var ubl = XDocument.Load(new MemoryStream(UblInvoice.Render(EInvoiceSamples.DriverInvoice()))).Root!;

        Assert.Equal(En16931Invoice.PeppolCustomization, ubl.Element(Cbc + "CustomizationID")!.Value);
        Assert.Equal(("380", "2026-11-20", "2026-12-05"), (ubl.Element(Cbc + "InvoiceTypeCode")!.Value, ubl.Element(Cbc + "TaxPointDate")!.Value, ubl.Element(Cbc + "DueDate")!.Value));
        var means = ubl.Element(Cac + "PaymentMeans")!;
        Assert.Equal(("58", "RF18SES000042", "DE89370400440532013000"),
            (means.Element(Cbc + "PaymentMeansCode")!.Value, means.Element(Cbc + "PaymentID")!.Value, means.Element(Cac + "PayeeFinancialAccount")!.Element(Cbc + "ID")!.Value));
        Assert.Equal("Payable within 14 days of the issue date.", ubl.Element(Cac + "PaymentTerms")!.Element(Cbc + "Note")!.Value);
        // A tax point for the whole document: BT-7, no invoicing period.
        Assert.Null(ubl.Element(Cac + "InvoicePeriod"));
        var lines = ubl.Elements(Cac + "InvoiceLine").ToList();
        Assert.Equal(["KWH", "HUR", "HUR", "C62"], lines.Select(l => l.Element(Cbc + "InvoicedQuantity")!.Attribute("unitCode")!.Value));
        Assert.Equal("Session S-1001, EVSE DE*VLT*E1001*1, 2026-11-20 18:03–2026-11-20 19:40 (Europe/Berlin), 22.5 kWh",
            lines[0].Element(Cac + "Item")!.Element(Cbc + "Description")!.Value);
    }

    [Fact]
    public void a_document_issued_before_tax_points_and_terms_were_recorded_states_its_period_and_is_due_on_receipt()
    {
        var cii = XDocument.Load(new MemoryStream(CiiInvoice.Render(EInvoiceSamples.DriverInvoiceIssuedBefore()))).Root!;
        var settlement = cii.Descendants(Ram + "ApplicableHeaderTradeSettlement").Single();

        Assert.Empty(cii.Descendants(Ram + "TaxPointDate"));
        Assert.Equal(["20261120", "20261120"], settlement.Element(Ram + "BillingSpecifiedPeriod")!.Descendants().Where(e => e.Name.LocalName == "DateTimeString").Select(e => e.Value));
        Assert.Equal(En16931Invoice.DueOnReceipt, settlement.Element(Ram + "SpecifiedTradePaymentTerms")!.Element(Ram + "Description")!.Value);
        // No account recorded: payment means "not defined", since a credit transfer needs the payee's account (BR-61).
        Assert.Equal("1", settlement.Element(Ram + "SpecifiedTradeSettlementPaymentMeans")!.Element(Ram + "TypeCode")!.Value);
    }

    [Fact]
    public void reverse_charge_is_category_ae_at_zero_with_its_reason_and_both_vat_ids_and_the_commission_is_set_off()
    {
        var reading = En16931Reading.Of(UblInvoice.Render(EInvoiceSamples.PartnerInvoiceWithReverseCharge()));

        Assert.Equal([("S", 19m, 80.20m, 15.24m), ("AE", 0m, 28.80m, 0m)], reading.Vat.Select(v => (v.Category, v.Rate ?? -1, v.TaxableAmount ?? -1, v.TaxAmount ?? -1)));
        Assert.Equal((En16931Invoice.ReverseChargeReason, "VATEX-EU-AE"), (reading.Vat[1].ExemptionReason, reading.Vat[1].ExemptionReasonCode));
        Assert.Equal(("DE123456789", "NL123456789B01"), (reading.Seller.VatId, reading.Buyer.VatId));
        // The commission does not lower the VAT base: it is paid by set-off, leaving what the partner transfers.
        Assert.Equal((109.00m, 124.24m, 10.90m, 113.34m), (reading.TaxExclusiveTotal, reading.TaxInclusiveTotal, reading.PrepaidAmount, reading.PayableAmount));
    }

    [Fact]
    public void a_credit_note_states_positive_amounts_and_names_the_invoice_it_credits()
    {
        var credit = EInvoiceSamples.PartnerCreditNote();
        var ubl = XDocument.Load(new MemoryStream(UblInvoice.Render(credit))).Root!;
        var reading = En16931Reading.Of(UblInvoice.Render(credit));
        var cii = XDocument.Load(new MemoryStream(CiiInvoice.Render(credit))).Root!;

        Assert.Equal(("CreditNote", "381"), (ubl.Name.LocalName, reading.TypeCode));
        Assert.Equal("PTN-000003", ubl.Element(Cac + "BillingReference")!.Element(Cac + "InvoiceDocumentReference")!.Element(Cbc + "ID")!.Value);
        Assert.Equal("PTN-000003", cii.Descendants(Ram + "InvoiceReferencedDocument").Single().Element(Ram + "IssuerAssignedID")!.Value);
        Assert.Equal((124.24m, 10.90m, 113.34m), (reading.TaxInclusiveTotal, reading.PrepaidAmount, reading.PayableAmount));
        Assert.All(reading.Lines, line => Assert.True(line.NetAmount > 0));
    }

    [Fact]
    public void a_credit_cdr_on_an_invoice_is_a_negative_quantity_at_a_positive_price()
    {
        var ubl = XDocument.Load(new MemoryStream(UblInvoice.Render(EInvoiceSamples.PartnerInvoiceWithStandardVat()))).Root!;
        var credit = ubl.Elements(Cac + "InvoiceLine").Last();

        Assert.Equal(("-10", "-4.00", "0.4"), (credit.Element(Cbc + "InvoicedQuantity")!.Value, credit.Element(Cbc + "LineExtensionAmount")!.Value,
            credit.Element(Cac + "Price")!.Element(Cbc + "PriceAmount")!.Value));
    }

    [Fact]
    public void a_us_sales_tax_document_is_no_en16931_document()
    {
        var us = EInvoiceSamples.UsSalesTaxInvoice();

        Assert.Contains("US sales tax, which is not VAT", En16931Invoice.Refusal(us));
        Assert.Throws<InvalidOperationException>(() => UblInvoice.Render(us));
        Assert.Throws<InvalidOperationException>(() => CiiInvoice.Render(us));
        Assert.Null(En16931Invoice.Refusal(EInvoiceSamples.DriverInvoice()));
    }

    [Fact]
    public void our_checks_catch_a_total_that_does_not_add_up()
    {
        var xml = Encoding.UTF8.GetString(UblInvoice.Render(EInvoiceSamples.DriverInvoice()))
            .Replace("<cbc:PayableAmount currencyID=\"EUR\">17.46</cbc:PayableAmount>", "<cbc:PayableAmount currencyID=\"EUR\">17.45</cbc:PayableAmount>");

        Assert.Equal(["BR-CO-16"], En16931Rules.Violations(En16931Reading.Of(Encoding.UTF8.GetBytes(xml))).Select(v => v.Split(':')[0]));
    }

    /// <summary>Official CEN/TC 434 examples using the categories we check: our checks must agree they are valid.</summary>
    [ReferenceDataTheory(EInvoiceSchemas.Folder)]
    [InlineData("ubl/ubl-tc434-example1.xml")]
    [InlineData("ubl/ubl-tc434-example2.xml")]
    [InlineData("ubl/ubl-tc434-example4.xml")]
    [InlineData("ubl/ubl-tc434-creditnote1.xml")]
    [InlineData("cii/CII_example1.xml")]
    [InlineData("cii/CII_example2.xml")]
    [InlineData("cii/CII_example4.xml")]
    public void our_checks_pass_the_official_examples(string example)
    {
        var xml = File.ReadAllBytes(EInvoiceSchemas.Example(example));

        Assert.Empty(EInvoiceSchemas.Errors(xml));
        Assert.Empty(En16931Rules.Violations(En16931Reading.Of(xml)));
    }

    [Fact]
    public void the_same_document_always_renders_to_the_same_bytes()
    {
        Assert.Equal(UblInvoice.Render(EInvoiceSamples.PartnerCreditNote()), UblInvoice.Render(EInvoiceSamples.PartnerCreditNote()));
        Assert.Equal(CiiInvoice.Render(EInvoiceSamples.PartnerCreditNote()), CiiInvoice.Render(EInvoiceSamples.PartnerCreditNote()));
    }
}
