using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Settlement.Documents;

/// <summary>
/// Takes the randomness out of a PDF saved by PDFsharp 6.5, which draws two things from Guid.NewGuid()
/// and offers no way to supply them: the six-letter tag of each embedded font subset ("ABCDEF+DejaVu
/// Sans") and the XMP metadata's document and instance UUIDs. Each is replaced by a value of the same
/// length derived from <c>seed</c>, so no byte offset in the file moves and the cross-reference table
/// stays valid.
/// </summary>
internal static partial class StablePdf
{
    public static byte[] Stabilise(byte[] pdf, string seed)
    {
        // Latin-1 maps every byte to one char and back, so the binary parts of the file survive untouched.
        var text = Encoding.Latin1.GetString(pdf);

        // PDFsharp even tags the dictionaries of one subset differently; one tag per face is what the PDF
        // specification means, and it depends only on the face and the document.
        text = SubsetName().Replace(text, m => $"{m.Groups["key"].Value}/{Letters(Hash($"{seed}/font/{m.Groups["face"].Value}"))}+{m.Groups["face"].Value}");

        text = XmpId().Replace(text, m => $"<xmpMM:{m.Groups["kind"].Value}>uuid:{new Guid(Hash($"{seed}/xmp/{m.Groups["kind"].Value}")[..16])}");
        return Encoding.Latin1.GetBytes(text);
    }

    /// <summary>The 16 bytes of the PDF file identifier, as PDFsharp takes them: one char per byte.</summary>
    public static string FileId(string seed) => new(Hash($"{seed}/file")[..16].Select(b => (char)b).ToArray());

    private static byte[] Hash(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));

    private static string Letters(byte[] hash) => new(hash[..6].Select(b => (char)('A' + b % 26)).ToArray());

    [GeneratedRegex(@"(?<key>/BaseFont|/FontName)/[A-Z]{6}\+(?<face>[^\s/\[\]<>()%]+)")]
    private static partial Regex SubsetName();

    [GeneratedRegex("<xmpMM:(?<kind>DocumentID|InstanceID)>uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")]
    private static partial Regex XmpId();
}
