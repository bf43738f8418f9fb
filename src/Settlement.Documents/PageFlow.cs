using PdfSharp;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace Settlement.Documents;

/// <summary>A column of a row: where it starts from the left margin, how wide it is, how its text aligns.</summary>
internal sealed record Column(double X, double Width, XStringAlignment Alignment);

/// <summary>
/// Writes blocks top to bottom onto A4 pages, starting a new page whenever a block would not fit,
/// and wraps text to its column so no figure or word is ever cut off. Every page's footer says
/// "Page X of N": it is drawn when the flow is disposed, once the number of pages is known.
/// </summary>
internal sealed class PageFlow : IDisposable
{
    private const double Margin = 42;
    private const double FooterHeight = 24;

    private readonly PdfDocument _document;
    private readonly string _footer;
    private readonly XFont _footerFont;
    private PdfPage _page = null!;
    private XGraphics _graphics = null!;
    private double _y;

    public PageFlow(PdfDocument document, string footer, XFont footerFont)
    {
        _document = document;
        _footer = footer;
        _footerFont = footerFont;
        StartPage();
    }

    public double Width => _page.Width.Point - 2 * Margin;

    private double Bottom => _page.Height.Point - Margin - FooterHeight;

    public void Gap(double height) => _y += height;

    /// <summary>Text wrapped to the full width, continuing on the next page if it is long.</summary>
    public void Paragraph(string text, XFont font)
    {
        foreach (var line in Wrap(text, font, Width))
            Row([new Column(0, Width, XStringAlignment.Near)], [line], font);
    }

    /// <summary>One row of cells, each wrapped to its column; the row moves to a new page as a whole.</summary>
    public void Row(IReadOnlyList<Column> columns, IReadOnlyList<string> cells, XFont font)
    {
        var wrapped = columns.Zip(cells, (column, cell) => Wrap(cell, font, column.Width)).ToList();
        var lineHeight = font.GetHeight();
        var height = wrapped.Max(lines => lines.Count) * lineHeight;
        if (_y + height > Bottom) StartPage();

        foreach (var (column, lines) in columns.Zip(wrapped))
        {
            var format = new XStringFormat { Alignment = column.Alignment, LineAlignment = XLineAlignment.Near };
            for (var i = 0; i < lines.Count; i++)
                _graphics.DrawString(lines[i], font, XBrushes.Black,
                    new XRect(Margin + column.X, _y + i * lineHeight, column.Width, lineHeight), format);
        }
        _y += height;
    }

    /// <summary>A thin horizontal line across the full width, with a little air below it.</summary>
    public void Rule()
    {
        _graphics.DrawLine(new XPen(XColors.Gray, 0.5), Margin, _y + 1, Margin + Width, _y + 1);
        _y += 4;
    }

    /// <summary>Starts a new page unless <paramref name="height"/> still fits, so a heading stays with what follows.</summary>
    public void KeepTogether(double height)
    {
        if (_y + height > Bottom) StartPage();
    }

    /// <summary>Ends the last page and draws each page's footer, now that their number is known.</summary>
    public void Dispose()
    {
        _graphics.Dispose();
        var count = _document.PageCount;
        for (var number = 1; number <= count; number++)
        {
            var page = _document.Pages[number - 1];
            using var graphics = XGraphics.FromPdfPage(page, XGraphicsPdfPageOptions.Append);
            var height = _footerFont.GetHeight();
            graphics.DrawString($"{_footer} – Page {number} of {count}", _footerFont, XBrushes.Gray,
                new XRect(Margin, page.Height.Point - Margin - height, page.Width.Point - 2 * Margin, height), XStringFormats.TopLeft);
        }
    }

    private void StartPage()
    {
        _graphics?.Dispose();
        _page = _document.AddPage();
        _page.Size = PageSize.A4;
        _graphics = XGraphics.FromPdfPage(_page);
        _y = Margin;
    }

    private List<string> Wrap(string text, XFont font, double width)
    {
        var lines = new List<string>();
        foreach (var paragraph in text.ReplaceLineEndings("\n").Split('\n'))
        {
            var line = "";
            foreach (var word in paragraph.Split(' '))
            {
                var candidate = line.Length == 0 ? word : line + " " + word;
                if (Fits(candidate, font, width))
                {
                    line = candidate;
                    continue;
                }
                if (line.Length > 0) lines.Add(line);
                line = word;
                // A word wider than the column (a long stream id) is broken wherever it must be.
                while (!Fits(line, font, width) && line.Length > 1)
                {
                    var cut = line.Length - 1;
                    while (cut > 1 && !Fits(line[..cut], font, width)) cut--;
                    lines.Add(line[..cut]);
                    line = line[cut..];
                }
            }
            lines.Add(line);
        }
        return lines;
    }

    private bool Fits(string text, XFont font, double width) => _graphics.MeasureString(text, font).Width <= width;
}
