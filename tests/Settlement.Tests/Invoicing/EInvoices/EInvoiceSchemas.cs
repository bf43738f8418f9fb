using System.Collections.Concurrent;
using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;

namespace Settlement.Tests.Invoicing.EInvoices;

/// <summary>
/// The UBL 2.1 and CII D16B schemas, read in place from the public reference data (<c>../shared/reference/en16931</c>),
/// compiled once per run: an e-invoice is checked against the schema of its root element.
/// </summary>
public static class EInvoiceSchemas
{
    public const string Folder = "en16931";

    private static readonly ConcurrentDictionary<string, XmlSchemaSet> Compiled = new();

    private static string PathOf(string relative) => Path.Combine(RepositoryFiles.ReferenceFolder(Folder), relative);

    public static string Example(string relative) => PathOf(Path.Combine("examples", relative));

    /// <summary>Every schema error of <paramref name="xml"/>, with its line; empty when it is valid.</summary>
    public static IReadOnlyList<string> Errors(byte[] xml)
    {
        var root = XDocument.Load(new MemoryStream(xml)).Root!.Name.LocalName;
        var schema = root switch
        {
            "Invoice" => "ubl-2.1-schemas/xsdrt/maindoc/UBL-Invoice-2.1.xsd",
            "CreditNote" => "ubl-2.1-schemas/xsdrt/maindoc/UBL-CreditNote-2.1.xsd",
            "CrossIndustryInvoice" => "cii-d16b-schemas/D16B/CrossIndustryInvoice_100pD16B.xsd",
            _ => throw new ArgumentException($"no schema for a root element {root}", nameof(xml)),
        };
        var errors = new List<string>();
        var settings = new XmlReaderSettings { ValidationType = ValidationType.Schema, Schemas = Compiled.GetOrAdd(schema, Compile) };
        settings.ValidationEventHandler += (_, e) => errors.Add($"line {e.Exception.LineNumber}: {e.Message}");
        using var reader = XmlReader.Create(new MemoryStream(xml), settings);
        while (reader.Read()) { }
        return errors;
    }

    private static XmlSchemaSet Compile(string relative)
    {
        var set = new XmlSchemaSet { XmlResolver = new XmlUrlResolver() };
        // UBL's copy of the XML signature schema declares its namespace in a DTD, which the schema set's own reader of an
        // import refuses: it is read first, with the DTD, so the import finds it loaded.
        if (relative.StartsWith("ubl-", StringComparison.Ordinal)) Add(set, "ubl-2.1-schemas/xsdrt/common/UBL-xmldsig-core-schema-2.1.xsd");
        Add(set, relative);
        set.Compile();
        return set;
    }

    private static void Add(XmlSchemaSet set, string relative)
    {
        using var reader = XmlReader.Create(PathOf(relative), new XmlReaderSettings { DtdProcessing = DtdProcessing.Parse, XmlResolver = new XmlUrlResolver() });
        set.Add(null, reader);
    }
}
