using CsvHelper;
using Settlement.Domain.Monetary;

namespace Settlement.Documents;

/// <summary>
/// The one CSV layout of every rendered document: RFC 4180 (comma, CRLF), UTF-8 without a byte order
/// mark, invariant culture, a header row.
/// </summary>
internal static class Csv
{
    // Names and descriptions come from drivers and partners, and a spreadsheet would run one starting
    // with "=" as a formula. Numbers are written as numbers, so a negative amount is never mistaken for one.
    private static readonly CsvWriterOptions Options = CsvWriterOptions.Default with { Injection = CsvInjection.Escape };

    public static byte[] Render(string[] header, Action<CsvWriter> writeRecords)
    {
        using var buffer = new MemoryStream();
        using (var csv = CsvWriter.Create(buffer, Options, leaveOpen: true))
        {
            csv.WriteHeader(header);
            writeRecords(csv);
        }
        return buffer.ToArray();
    }

    public static void WriteMoney(this CsvWriter csv, decimal amount, Currency currency) =>
        csv.WriteField(DocumentNumbers.WholeMinorUnits(amount, currency), DocumentNumbers.MoneyFormat(currency));

    public static void WritePlain(this CsvWriter csv, decimal value) =>
        csv.WriteField(value, DocumentNumbers.PlainFormat);
}
