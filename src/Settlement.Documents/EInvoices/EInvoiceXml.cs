using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Settlement.Documents.EInvoices;

/// <summary>How every e-invoice is written: UTF-8 without a byte order mark, indented, "\n" line ends on every platform.</summary>
internal static class EInvoiceXml
{
    private static readonly XmlWriterSettings Settings = new()
    {
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        Indent = true,
        IndentChars = "  ",
        NewLineChars = "\n",
        NewLineHandling = NewLineHandling.Entitize,
    };

    public static byte[] Bytes(XDocument document)
    {
        using var bytes = new MemoryStream();
        using (var writer = XmlWriter.Create(bytes, Settings)) document.Save(writer);
        return bytes.ToArray();
    }
}
