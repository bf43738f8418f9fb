using System.Globalization;
using System.Security;
using System.Text;
using System.Text.RegularExpressions;
using PdfSharp.Pdf;
using PdfSharp.Pdf.IO;
using Settlement.Domain.Invoicing;

namespace Settlement.Documents.EInvoices;

/// <summary>
/// Factur-X 1.0 / ZUGFeRD 2, profile EN 16931: the invoice's PDF (as <see cref="InvoicePdf"/> draws it) made a PDF/A-3b
/// carrying its CII XML (<see cref="CiiInvoice"/>) as <c>factur-x.xml</c>. PDFsharp has no PDF/A-3 support, so the parts
/// the standard asks for are added to the rendered PDF as plain PDF objects: the embedded file with its file
/// specification (AFRelationship Alternative: the XML is the same invoice as the pages), listed in the catalog's /AF
/// and /Names; an sRGB output intent (ColorProfile/sRGB.icc); XMP metadata declaring PDF/A-3 conformance B and the
/// Factur-X extension schema. The fonts are embedded by <see cref="InvoicePdf"/> already. Same document, same bytes.
/// </summary>
public static partial class FacturXPdf
{
    public const string AttachmentName = "factur-x.xml";
    private const string FacturXNamespace = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#";

    /// <exception cref="InvalidOperationException">The document is not an EN 16931 document (see <see cref="En16931Invoice.Refusal"/>).</exception>
    public static byte[] Render(InvoiceDocument invoice)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        var xml = CiiInvoice.Render(invoice);
        var pages = InvoicePdf.Render(invoice);

        using var document = PdfReader.Open(new MemoryStream(pages), PdfDocumentOpenMode.Modify);
        // PDF/A-3 is built on PDF 1.7 (ISO 32000-1).
        document.Version = 17;
        var issued = invoice.IssuedAt.ToDateTimeUtc();
        document.Info.CreationDate = issued;
        document.Info.ModificationDate = issued;
        document.Options.CompressContentStreams = false;
        var id = StablePdf.FileId(Seed(invoice));
        document.Internals.FirstDocumentID = id;
        document.Internals.SecondDocumentID = id;

        var catalog = document.Internals.Catalog;
        // The pages' own XMP goes: a PDF/A file has one, written below.
        if (catalog.Elements.GetReference("/Metadata") is { Value: { } pagesMetadata })
        {
            catalog.Elements.Remove("/Metadata");
            document.Internals.RemoveObject(pagesMetadata);
        }
        var fileSpec = Attach(document, xml, issued);
        catalog.Elements["/AF"] = new PdfArray(document, fileSpec.Reference!);
        var embeddedFiles = new PdfDictionary(document);
        embeddedFiles.Elements["/Names"] = new PdfArray(document, new PdfString(AttachmentName), fileSpec.Reference!);
        var names = new PdfDictionary(document);
        names.Elements["/EmbeddedFiles"] = embeddedFiles;
        catalog.Elements["/Names"] = names;
        catalog.Elements["/OutputIntents"] = new PdfArray(document, OutputIntent(document));
        var xmp = Xmp(document, invoice);

        using var pdf = new MemoryStream();
        document.Save(pdf, closeStream: false);
        return WithMetadata(StablePdf.Stabilise(pdf.ToArray(), Seed(invoice)), xmp);
    }

    /// <summary>
    /// PDFsharp writes its own XMP on every save (declaring no PDF/A, or PDF/A-1a), as the last object before the
    /// cross-reference table, and no option turns that off. So its stream is replaced by ours after saving: only the
    /// start of the cross-reference table moves, since nothing follows that object.
    /// </summary>
    private static byte[] WithMetadata(byte[] pdf, byte[] xmp)
    {
        var text = Encoding.Latin1.GetString(pdf);
        var reference = MetadataReference().Match(text);
        var header = $"\n{reference.Groups["object"].Value} 0 obj\n";
        var start = text.IndexOf(header, StringComparison.Ordinal) + 1;
        var xref = text.LastIndexOf("\nxref\n", StringComparison.Ordinal) + 1;
        if (!reference.Success || start == 0 || xref < start || text.IndexOf(" 0 obj\n", start + header.Length, xref - start - header.Length, StringComparison.Ordinal) >= 0)
            throw new InvalidOperationException("PDFsharp no longer writes its XMP metadata as the last object; FacturXPdf must place the PDF/A metadata another way.");
        var metadata = $"{reference.Groups["object"].Value} 0 obj\n<</Type/Metadata/Subtype/XML/Length {xmp.Length}>>\nstream\n{Encoding.Latin1.GetString(xmp)}\nendstream\nendobj\n";
        var tail = StartXref().Replace(text[xref..], $"startxref\n{start + metadata.Length}\n");
        return Encoding.Latin1.GetBytes(text[..start] + metadata + tail);
    }

    [GeneratedRegex(@"/Type/Catalog[^\n]*?/Metadata (?<object>\d+) 0 R")]
    private static partial Regex MetadataReference();

    [GeneratedRegex(@"startxref\n\d+\n")]
    private static partial Regex StartXref();

    private static string Seed(InvoiceDocument invoice) => $"{invoice.IssuerId}/{invoice.Number}/factur-x";

    private static PdfDictionary Attach(PdfDocument document, byte[] xml, DateTime issued)
    {
        var file = new PdfDictionary(document);
        file.Elements["/Type"] = new PdfName("/EmbeddedFile");
        file.Elements["/Subtype"] = new PdfName("/text/xml");
        var parameters = new PdfDictionary(document);
        parameters.Elements["/ModDate"] = new PdfDate(issued);
        parameters.Elements["/Size"] = new PdfInteger(xml.Length);
        file.Elements["/Params"] = parameters;
        file.CreateStream(xml);
        document.Internals.AddObject(file);

        var streams = new PdfDictionary(document);
        streams.Elements["/F"] = file.Reference;
        streams.Elements["/UF"] = file.Reference;

        var spec = new PdfDictionary(document);
        spec.Elements["/Type"] = new PdfName("/Filespec");
        spec.Elements["/F"] = new PdfString(AttachmentName);
        spec.Elements["/UF"] = new PdfString(AttachmentName);
        spec.Elements["/Desc"] = new PdfString("Factur-X invoice (EN 16931)");
        spec.Elements["/AFRelationship"] = new PdfName("/Alternative");
        spec.Elements["/EF"] = streams;
        document.Internals.AddObject(spec);
        return spec;
    }

    private static PdfDictionary OutputIntent(PdfDocument document)
    {
        var profile = new PdfDictionary(document);
        profile.Elements["/N"] = new PdfInteger(3);
        profile.CreateStream(ColorProfile());
        document.Internals.AddObject(profile);

        var intent = new PdfDictionary(document);
        intent.Elements["/Type"] = new PdfName("/OutputIntent");
        intent.Elements["/S"] = new PdfName("/GTS_PDFA1");
        intent.Elements["/OutputConditionIdentifier"] = new PdfString("sRGB IEC61966-2.1");
        intent.Elements["/Info"] = new PdfString("sRGB IEC61966-2.1");
        intent.Elements["/DestOutputProfile"] = profile.Reference;
        return intent;
    }

    private static byte[] ColorProfile()
    {
        using var profile = typeof(FacturXPdf).Assembly.GetManifestResourceStream("Settlement.Documents.EInvoices.sRGB.icc")
            ?? throw new InvalidOperationException("The sRGB colour profile is not embedded in Settlement.Documents (EInvoices/ColorProfile/sRGB.icc).");
        using var bytes = new MemoryStream();
        profile.CopyTo(bytes);
        return bytes.ToArray();
    }

    /// <summary>
    /// XMP saying what the document info says (PDF/A requires the two to agree), that it is PDF/A-3b, and the Factur-X
    /// properties with the extension schema describing them (PDF/A admits only described properties).
    /// </summary>
    private static byte[] Xmp(PdfDocument document, InvoiceDocument invoice)
    {
        var info = document.Info;
        var instant = invoice.IssuedAt.ToDateTimeUtc().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        static string X(string? value) => SecurityElement.Escape(value ?? "");
        var xmp = $"""
            <?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
            <x:xmpmeta xmlns:x="adobe:ns:meta/">
              <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
                <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
                  <pdfaid:part>3</pdfaid:part>
                  <pdfaid:conformance>B</pdfaid:conformance>
                </rdf:Description>
                <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
                  <dc:format>application/pdf</dc:format>
                  <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{X(info.Title)}</rdf:li></rdf:Alt></dc:title>
                  <dc:creator><rdf:Seq><rdf:li>{X(info.Author)}</rdf:li></rdf:Seq></dc:creator>
                  <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{X(info.Subject)}</rdf:li></rdf:Alt></dc:description>
                </rdf:Description>
                <rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
                  <pdf:Producer>{X(info.Producer)}</pdf:Producer>
                </rdf:Description>
                <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
                  <xmp:CreatorTool>{X(info.Creator)}</xmp:CreatorTool>
                  <xmp:CreateDate>{instant}</xmp:CreateDate>
                  <xmp:ModifyDate>{instant}</xmp:ModifyDate>
                </rdf:Description>
                <rdf:Description rdf:about="" xmlns:fx="{FacturXNamespace}">
                  <fx:DocumentType>INVOICE</fx:DocumentType>
                  <fx:DocumentFileName>{AttachmentName}</fx:DocumentFileName>
                  <fx:Version>1.0</fx:Version>
                  <fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>
                </rdf:Description>
                <rdf:Description rdf:about=""
                    xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
                    xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
                    xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
                  <pdfaExtension:schemas>
                    <rdf:Bag>
                      <rdf:li rdf:parseType="Resource">
                        <pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>
                        <pdfaSchema:namespaceURI>{FacturXNamespace}</pdfaSchema:namespaceURI>
                        <pdfaSchema:prefix>fx</pdfaSchema:prefix>
                        <pdfaSchema:property>
                          <rdf:Seq>
                            {Property("DocumentFileName", "The name of the embedded XML document")}
                            {Property("DocumentType", "The type of the hybrid document in capital letters, e.g. INVOICE or ORDER")}
                            {Property("Version", "The actual version of the standard applying to the embedded XML document")}
                            {Property("ConformanceLevel", "The conformance level of the embedded XML document")}
                          </rdf:Seq>
                        </pdfaSchema:property>
                      </rdf:li>
                    </rdf:Bag>
                  </pdfaExtension:schemas>
                </rdf:Description>
              </rdf:RDF>
            </x:xmpmeta>
            <?xpacket end="w"?>
            """;

        return Encoding.UTF8.GetBytes(xmp.ReplaceLineEndings("\n"));
    }

    private static string Property(string name, string description) =>
        $"<rdf:li rdf:parseType=\"Resource\"><pdfaProperty:name>{name}</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category><pdfaProperty:description>{description}</pdfaProperty:description></rdf:li>";
}
