using System.Text;
using PdfSharp.Pdf;
using PdfSharp.Pdf.Advanced;
using PdfSharp.Pdf.IO;

namespace Settlement.Tests.Invoicing.EInvoices;

/// <summary>What a Factur-X reader looks for in the PDF: the catalog's associated file and its bytes, the output intent, the XMP.</summary>
public sealed record FacturXParts(string FileName, string Relationship, string MimeType, byte[] Xml, string OutputIntent, int ProfileComponents, string Xmp, string Version)
{
    public static FacturXParts Of(byte[] pdf)
    {
        using var document = PdfReader.Open(new MemoryStream(pdf), PdfDocumentOpenMode.Import);
        var catalog = document.Internals.Catalog;
        var associated = catalog.Elements.GetArray("/AF")!;
        var spec = (PdfDictionary)((PdfReference)associated.Elements[0]).Value;
        var file = (PdfDictionary)((PdfReference)spec.Elements.GetDictionary("/EF")!.Elements["/F"]!).Value;
        var intent = catalog.Elements.GetArray("/OutputIntents")!.Elements.GetDictionary(0)!;
        var profile = (PdfDictionary)((PdfReference)intent.Elements["/DestOutputProfile"]!).Value;
        var metadata = (PdfDictionary)((PdfReference)catalog.Elements["/Metadata"]!).Value;
        // The embedded file's name as listed in /Names, which is how most readers offer it.
        var listed = catalog.Elements.GetDictionary("/Names")!.Elements.GetDictionary("/EmbeddedFiles")!.Elements.GetArray("/Names")!.Elements.GetString(0);
        return new FacturXParts(
            spec.Elements.GetString("/F") == listed ? listed : $"{spec.Elements.GetString("/F")} (listed as {listed})",
            spec.Elements.GetName("/AFRelationship"),
            file.Elements.GetName("/Subtype"),
            file.Stream.UnfilteredValue,
            intent.Elements.GetName("/S"),
            profile.Elements.GetInteger("/N"),
            Encoding.UTF8.GetString(metadata.Stream.UnfilteredValue),
            Encoding.ASCII.GetString(pdf, 0, 8));
    }
}
