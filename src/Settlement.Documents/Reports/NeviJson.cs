using System.Globalization;
using System.Text.Json;
using Settlement.Domain.Reports;

namespace Settlement.Documents.Reports;

/// <summary>
/// A NEVI report as JSON, schemas/reports/nevi-module-{2,3,4,5}.v1.json: the module, the period, the ledger
/// events it was computed from, and its rows under EV-ChART's column names with the values the CSV holds.
/// Decimals are strings ("31.50"), so no JSON reader turns them into floats; an empty cell is null.
/// </summary>
public static class NeviJson
{
    public static string SchemaId(NeviModule module) =>
        $"https://settlement.dev/schemas/reports/nevi-module-{((int)module).ToString(CultureInfo.InvariantCulture)}.v1.json";

    public static byte[] Render(NeviReport<ChargingSessionRow> report) => Render(report, NeviModule.ChargingSessions, NeviColumns.ChargingSessions);

    public static byte[] Render(NeviReport<UptimeRow> report) => Render(report, NeviModule.Uptime, NeviColumns.Uptime);

    public static byte[] Render(NeviReport<OutageRow> report) => Render(report, NeviModule.Outages, NeviColumns.Outages);

    public static byte[] Render(NeviReport<MaintenanceCostRow> report) => Render(report, NeviModule.MaintenanceCosts, NeviColumns.MaintenanceCosts);

    private static byte[] Render<TRow>(NeviReport<TRow> report, NeviModule module, NeviColumn<TRow>[] columns)
    {
        NeviColumns.RequireModule(report, module);
        return DocumentJson.Write(json =>
        {
            json.WriteStartObject();
            json.WriteString("$schema", SchemaId(module));
            json.WriteNumber("module", (int)module);
            json.WriteString("periodFrom", NeviValues.Timestamp(report.PeriodFrom));
            json.WriteString("periodUntil", NeviValues.Timestamp(report.PeriodUntil));
            ReportJson.WriteSource(json, report.Source);

            json.WriteStartArray("rows");
            foreach (var row in report.Rows)
            {
                json.WriteStartObject();
                foreach (var column in columns)
                    WriteCell(json, column.Field, column.Value(row));
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        });
    }

    private static void WriteCell(Utf8JsonWriter json, EvChartField field, object? value)
    {
        json.WritePropertyName(field.Name);
        switch (value)
        {
            case null:
                json.WriteNullValue();
                break;
            case bool flag:
                json.WriteBooleanValue(flag);
                break;
            case int code:
                json.WriteNumberValue(code);
                break;
            default:
                json.WriteStringValue(NeviValues.Text(field, value));
                break;
        }
    }
}
