using System.Text;
using System.Text.Json;
using Settlement.Documents.Reports;
using Settlement.Domain.Reports;
using Snapshooter.Xunit;
using static Settlement.Tests.Reports.NeviReports;

namespace Settlement.Tests.Reports;

/// <summary>NEVI reports as JSON, byte for byte, and their schemas.</summary>
public sealed class nevi_json_tests
{
    [Fact]
    public void charging_sessions_a_failed_one_and_a_port_without_sessions() =>
        Snapshot.Match(Encoding.UTF8.GetString(NeviJson.Render(ChargingSessions())));

    [Fact]
    public void uptime_of_a_port_and_of_one_not_yet_operational_for_a_year() =>
        Snapshot.Match(Encoding.UTF8.GetString(NeviJson.Render(Uptime())));

    [Fact]
    public void an_excluded_outage_a_counted_one_and_a_port_without_outages() =>
        Snapshot.Match(Encoding.UTF8.GetString(NeviJson.Render(Outages())));

    [Fact]
    public void a_stations_maintenance_cost_for_a_year() =>
        Snapshot.Match(Encoding.UTF8.GetString(NeviJson.Render(MaintenanceCosts())));

    public static TheoryData<NeviModule> Modules =>
        [NeviModule.ChargingSessions, NeviModule.Uptime, NeviModule.Outages, NeviModule.MaintenanceCosts];

    [Theory]
    [MemberData(nameof(Modules))]
    public void every_rendered_report_validates_against_its_modules_schema(NeviModule module)
    {
        var problems = CommittedSchemas.Problems(SchemaFile(module), Rendered(module));

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Theory]
    [MemberData(nameof(Modules))]
    public void the_report_points_to_the_schema_it_follows(NeviModule module)
    {
        using var json = JsonDocument.Parse(Rendered(module));
        using var schema = JsonDocument.Parse(CommittedSchemas.Read(SchemaFile(module)));

        Assert.Equal(schema.RootElement.GetProperty("$id").GetString(), json.RootElement.GetProperty("$schema").GetString());
    }

    [Fact]
    public void a_session_without_a_payment_method_is_refused_by_the_schema_as_by_ev_chart()
    {
        var report = ChargingSessions();
        var unpaid = report with { Rows = [report.Rows[0] with { Session = report.Rows[0].Session! with { PaymentMethod = "" } }] };

        Assert.NotEmpty(CommittedSchemas.Problems("reports/nevi-module-2.v1.json", NeviJson.Render(unpaid)));
        Assert.Equal(
            ["row 2: Required value for \"payment_method\" is missing"],
            EvChartValidator.Validate(NeviModule.ChargingSessions, Encoding.UTF8.GetString(NeviCsv.Render(unpaid))));
    }

    [Fact]
    public void an_outage_without_an_exclusion_reason_is_counted_in_uptime()
    {
        var report = Outages();
        var counted = report.Rows[1];

        using var json = JsonDocument.Parse(NeviJson.Render(report with { Rows = [counted] }));
        var row = json.RootElement.GetProperty("rows")[0];

        Assert.False(row.GetProperty("excluded_outage").GetBoolean());
        Assert.Equal(JsonValueKind.Null, row.GetProperty("excluded_outage_reason").ValueKind);
    }

    private static string SchemaFile(NeviModule module) => $"reports/nevi-module-{(int)module}.v1.json";

    private static byte[] Rendered(NeviModule module) => module switch
    {
        NeviModule.ChargingSessions => NeviJson.Render(ChargingSessions()),
        NeviModule.Uptime => NeviJson.Render(Uptime()),
        NeviModule.Outages => NeviJson.Render(Outages()),
        _ => NeviJson.Render(MaintenanceCosts()),
    };
}
