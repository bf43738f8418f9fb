using System.Text;

namespace Settlement.Domain.Reports;

/// <summary>A record of a CSV file: its 1-based position (the header is 1, as a spreadsheet numbers rows) and its cells.</summary>
internal sealed record CsvRecord(int Row, IReadOnlyList<string> Cells, bool HasUnclosedQuote)
{
    public bool IsBlank => Cells.All(cell => cell.Length == 0);
}

/// <summary>
/// Splits RFC 4180 text into records: comma separated, CRLF, LF or CR between records, a cell in double
/// quotes may hold commas, line breaks and doubled quotes. Like Python's csv reader (which EV-ChART uses),
/// a quote inside an unquoted cell is an ordinary character.
/// </summary>
internal static class CsvRecords
{
    public static IReadOnlyList<CsvRecord> Parse(string text)
    {
        var records = new List<CsvRecord>();
        var cells = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        var position = 0;

        void EndCell()
        {
            cells.Add(cell.ToString());
            cell.Clear();
        }

        void EndRecord(bool unclosed)
        {
            EndCell();
            records.Add(new CsvRecord(records.Count + 1, cells.ToArray(), unclosed));
            cells.Clear();
        }

        while (position < text.Length)
        {
            var c = text[position++];
            if (quoted)
            {
                if (c != '"')
                    cell.Append(c);
                else if (position < text.Length && text[position] == '"')
                {
                    cell.Append('"');
                    position++;
                }
                else
                    quoted = false;
            }
            else if (c == '"' && cell.Length == 0)
                quoted = true;
            else if (c == ',')
                EndCell();
            else if (c is '\r' or '\n')
            {
                if (c == '\r' && position < text.Length && text[position] == '\n')
                    position++;
                EndRecord(unclosed: false);
            }
            else
                cell.Append(c);
        }

        // A file ending in a line break has no record after it; one ending without has its last record still open.
        if (quoted || cell.Length > 0 || cells.Count > 0)
            EndRecord(unclosed: quoted);
        return records;
    }
}
