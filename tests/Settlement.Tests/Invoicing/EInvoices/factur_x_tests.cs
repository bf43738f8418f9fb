using System.Text;
using Settlement.Documents.EInvoices;

namespace Settlement.Tests.Invoicing.EInvoices;

public sealed class factur_x_tests
{
    [Theory]
    [MemberData(nameof(EInvoiceSamples.Names), MemberType = typeof(EInvoiceSamples))]
    public void the_pdf_carries_the_cii_of_the_same_document_as_factur_x_xml(string document)
    {
        var invoice = EInvoiceSamples.All[document]();

        var parts = FacturXParts.Of(FacturXPdf.Render(invoice));

        Assert.Equal(("factur-x.xml", "/Alternative", "/text/xml"), (parts.FileName, parts.Relationship, parts.MimeType));
        Assert.Equal(CiiInvoice.Render(invoice), parts.Xml);
        Assert.Empty(En16931Rules.Violations(En16931Reading.Of(parts.Xml)));
    }

    [ReferenceDataTheory(EInvoiceSchemas.Folder)]
    [MemberData(nameof(EInvoiceSamples.Names), MemberType = typeof(EInvoiceSamples))]
    public void the_xml_taken_out_of_the_pdf_is_valid_against_the_cii_d16b_schema(string document) =>
        Assert.Empty(EInvoiceSchemas.Errors(FacturXParts.Of(FacturXPdf.Render(EInvoiceSamples.All[document]())).Xml));

    [Fact]
    public void the_pdf_declares_pdf_a_3b_with_an_srgb_output_intent_the_factur_x_schema_and_embedded_fonts()
    {
        var pdf = FacturXPdf.Render(EInvoiceSamples.PartnerInvoiceWithReverseCharge());
        var parts = FacturXParts.Of(pdf);
        var raw = Encoding.Latin1.GetString(pdf);

        Assert.Equal("%PDF-1.7", parts.Version);
        Assert.Equal(("/GTS_PDFA1", 3), (parts.OutputIntent, parts.ProfileComponents));
        Assert.Contains("<pdfaid:part>3</pdfaid:part>", parts.Xmp);
        Assert.Contains("<pdfaid:conformance>B</pdfaid:conformance>", parts.Xmp);
        Assert.Contains("<fx:DocumentType>INVOICE</fx:DocumentType>", parts.Xmp);
        Assert.Contains("<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>", parts.Xmp);
        Assert.Contains("<fx:Version>1.0</fx:Version>", parts.Xmp);
        Assert.Contains("<pdfaSchema:namespaceURI>urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#</pdfaSchema:namespaceURI>", parts.Xmp);
        Assert.Contains("<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">Invoice PTN-000003</rdf:li></rdf:Alt></dc:title>", parts.Xmp);
        Assert.Contains("/FontFile2", raw);
        // One XMP packet: the one declaring PDF/A, not another written by PDFsharp beside it.
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(raw, "<x:xmpmeta"));
    }

    [Fact]
    public void the_same_document_always_renders_to_the_same_pdf() =>
        Assert.Equal(FacturXPdf.Render(EInvoiceSamples.DriverCreditNote()), FacturXPdf.Render(EInvoiceSamples.DriverCreditNote()));

    [Fact]
    public void a_us_sales_tax_document_gets_no_factur_x() =>
        Assert.Throws<InvalidOperationException>(() => FacturXPdf.Render(EInvoiceSamples.UsSalesTaxInvoice()));
}
