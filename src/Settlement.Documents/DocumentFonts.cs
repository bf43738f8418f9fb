using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;

namespace Settlement.Documents;

/// <summary>
/// The fonts of every PDF, embedded in this assembly (Fonts/, DejaVu licence alongside), so a PDF
/// looks and measures the same on every machine, including containers without any fonts installed.
/// </summary>
internal sealed class DocumentFonts : IFontResolver
{
    public const string Family = "DejaVu Sans";

    private const string RegularFace = "DejaVuSans";
    private const string BoldFace = "DejaVuSans-Bold";

    // Glyphs are embedded with their Unicode mapping, so any name DejaVu Sans can draw prints correctly
    // (not only Windows-1252) and the text stays searchable and extractable.
    private static readonly XPdfFontOptions Embedded = new(PdfFontEncoding.Unicode);

    private static readonly object Gate = new();

    private DocumentFonts() { }

    /// <summary>A font of the bundled family. The only way documents get fonts, so none is made before the resolver is in place.</summary>
    public static XFont Create(double size, bool bold)
    {
        EnsureInstalled();
        return new XFont(Family, size, bold ? XFontStyleEx.Bold : XFontStyleEx.Regular, Embedded);
    }

    /// <summary>
    /// PDFsharp takes one global resolver, settable only before its first font operation, so renderers
    /// on several threads must agree on who sets it: whoever gets the lock first.
    /// </summary>
    /// <exception cref="InvalidOperationException">Someone else installed another resolver.</exception>
    private static void EnsureInstalled()
    {
        lock (Gate)
        {
            switch (GlobalFontSettings.FontResolver)
            {
                case null:
                    GlobalFontSettings.FontResolver = new DocumentFonts();
                    break;
                case DocumentFonts:
                    break;
                case var other:
                    throw new InvalidOperationException(
                        $"PDFsharp already uses the font resolver {other.GetType().FullName}; Settlement.Documents needs its own to embed {Family}");
            }
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
        // No oblique face is bundled: documents never use italics, so none is faked either.
        string.Equals(familyName, Family, StringComparison.OrdinalIgnoreCase) && !italic
            ? new FontResolverInfo(bold ? BoldFace : RegularFace)
            : null;

    public byte[]? GetFont(string faceName)
    {
        using var font = typeof(DocumentFonts).Assembly.GetManifestResourceStream($"Settlement.Documents.Fonts.{faceName}.ttf");
        if (font is null) return null;
        using var bytes = new MemoryStream();
        font.CopyTo(bytes);
        return bytes.ToArray();
    }
}
