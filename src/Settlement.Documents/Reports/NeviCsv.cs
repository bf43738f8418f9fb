using CsvHelper;
using Settlement.Domain.Reports;

namespace Settlement.Documents.Reports;

/// <summary>
/// A NEVI report as the CSV EV-ChART takes for upload: a header of the module's column names, then one line
/// per row. RFC 4180 (comma, CRLF), UTF-8 without a byte order mark, timestamps in UTC to the second with 'Z',
/// decimals with the column's decimal places, TRUE/FALSE, and an empty cell for a value the row does not
/// have. A port without sessions (module 2) or outages (module 4) is a row with only station, network and
/// port. The report's period and source events are in its JSON form; the upload has no place for them.
/// Run <see cref="EvChartValidator"/> on the result before uploading: the renderer writes what the rows say.
/// </summary>
public static class NeviCsv
{
    // Unlike our invoice CSVs, cells starting with "=", "+", "-" or "@" are not escaped for spreadsheets:
    // EV-ChART stores cells as written, so an escaping quote would end up in the federal record.
    private static readonly CsvWriterOptions Options = CsvWriterOptions.Default;

    public static byte[] Render(NeviReport<ChargingSessionRow> report) => Render(report, NeviModule.ChargingSessions, NeviColumns.ChargingSessions);

    public static byte[] Render(NeviReport<UptimeRow> report) => Render(report, NeviModule.Uptime, NeviColumns.Uptime);

    public static byte[] Render(NeviReport<OutageRow> report) => Render(report, NeviModule.Outages, NeviColumns.Outages);

    public static byte[] Render(NeviReport<MaintenanceCostRow> report) => Render(report, NeviModule.MaintenanceCosts, NeviColumns.MaintenanceCosts);

    private static byte[] Render<TRow>(NeviReport<TRow> report, NeviModule module, NeviColumn<TRow>[] columns)
    {
        NeviColumns.RequireModule(report, module);
        using var buffer = new MemoryStream();
        using (var csv = CsvWriter.Create(buffer, Options, leaveOpen: true))
        {
            csv.WriteHeader(columns.Select(c => c.Field.Name).ToArray());
            foreach (var row in report.Rows)
            {
                foreach (var column in columns)
                    csv.WriteField(NeviValues.Text(column.Field, column.Value(row)));
                csv.EndRecord();
            }
        }
        return buffer.ToArray();
    }
}
