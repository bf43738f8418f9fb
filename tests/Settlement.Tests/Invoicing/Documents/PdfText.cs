using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using PdfSharp.Pdf;
using PdfSharp.Pdf.Content;
using PdfSharp.Pdf.Content.Objects;
using PdfSharp.Pdf.IO;

namespace Settlement.Tests.Invoicing.Documents;

/// <summary>
/// The text of a PDF as a reader would extract it: each string shown on a page, decoded through its
/// font's ToUnicode map (PDF 32000-1 §9.10.3), one per line, pages in order.
/// </summary>
public static partial class PdfText
{
    public static string Extract(byte[] pdf) => string.Concat(Pages(pdf));

    /// <summary>Each page's text, in page order.</summary>
    public static IReadOnlyList<string> Pages(byte[] pdf)
    {
        using var document = PdfReader.Open(new MemoryStream(pdf), PdfDocumentOpenMode.Import);
        var pages = new List<string>();
        foreach (var page in document.Pages)
        {
            var text = new StringBuilder();
            var fonts = FontMaps(page);
            var font = new Dictionary<int, string>();
            foreach (var op in Operators(ContentReader.ReadContent(page)))
            {
                if (op.Name == "Tf" && op.Operands[0] is CName name)
                    font = fonts.GetValueOrDefault(name.Name) ?? [];
                else if (op.Name == "Tj" && op.Operands[0] is CString shown)
                    text.AppendLine(Decode(shown, font));
                else if (op.Name == "TJ" && op.Operands[0] is CArray parts)
                    text.AppendLine(string.Concat(parts.OfType<CString>().Select(s => Decode(s, font))));
            }
            pages.Add(text.ToString());
        }
        return pages;
    }

    private static IEnumerable<COperator> Operators(CSequence sequence) =>
        sequence.SelectMany(item => item switch
        {
            COperator op => [op],
            CSequence nested => Operators(nested),
            _ => Enumerable.Empty<COperator>(),
        });

    /// <summary>Identity-H: two bytes per glyph id, each char of the parsed string one byte.</summary>
    private static string Decode(CString shown, Dictionary<int, string> font)
    {
        var bytes = shown.Value;
        var text = new StringBuilder();
        for (var i = 0; i + 1 < bytes.Length; i += 2)
            text.Append(font.GetValueOrDefault((bytes[i] << 8) | bytes[i + 1], "\uFFFD"));
        return text.ToString();
    }

    private static Dictionary<string, Dictionary<int, string>> FontMaps(PdfPage page)
    {
        var maps = new Dictionary<string, Dictionary<int, string>>();
        var fonts = page.Resources.Elements.GetDictionary("/Font");
        if (fonts is null) return maps;
        foreach (var key in fonts.Elements.Keys)
        {
            var toUnicode = fonts.Elements.GetDictionary(key)?.Elements.GetDictionary("/ToUnicode");
            if (toUnicode?.Stream is { } stream)
                maps[key] = ParseCMap(Encoding.Latin1.GetString(stream.UnfilteredValue));
        }
        return maps;
    }

    private static Dictionary<int, string> ParseCMap(string cmap)
    {
        var map = new Dictionary<int, string>();
        foreach (Match block in BfChars().Matches(cmap))
            foreach (Match pair in HexPair().Matches(block.Groups["body"].Value))
                map[Hex(pair.Groups["a"].Value)] = Utf16(pair.Groups["b"].Value);
        foreach (Match block in BfRanges().Matches(cmap))
            foreach (Match range in HexRange().Matches(block.Groups["body"].Value))
            {
                var (low, high, first) = (Hex(range.Groups["lo"].Value), Hex(range.Groups["hi"].Value), Hex(range.Groups["dst"].Value));
                for (var code = low; code <= high; code++) map[code] = char.ConvertFromUtf32(first + code - low);
            }
        return map;
    }

    private static int Hex(string hex) => int.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static string Utf16(string hex) =>
        Encoding.BigEndianUnicode.GetString(Convert.FromHexString(hex));

    [GeneratedRegex(@"beginbfchar(?<body>.*?)endbfchar", RegexOptions.Singleline)]
    private static partial Regex BfChars();

    [GeneratedRegex(@"beginbfrange(?<body>.*?)endbfrange", RegexOptions.Singleline)]
    private static partial Regex BfRanges();

    [GeneratedRegex(@"<(?<a>[0-9A-Fa-f]+)>\s*<(?<b>[0-9A-Fa-f]+)>")]
    private static partial Regex HexPair();

    [GeneratedRegex(@"<(?<lo>[0-9A-Fa-f]+)>\s*<(?<hi>[0-9A-Fa-f]+)>\s*<(?<dst>[0-9A-Fa-f]+)>")]
    private static partial Regex HexRange();
}
