using System.Text;
using Settlement.Documents.Reports;
using Settlement.Domain.Reports;
using Snapshooter.Xunit;
using static Settlement.Tests.Reports.NeviReports;

namespace Settlement.Tests.Reports;

/// <summary>NEVI reports as EV-ChART upload files, byte for byte, and what EV-ChART says of them.</summary>
public sealed class nevi_csv_tests
{
    [Fact]
    public void charging_sessions_a_failed_one_and_a_port_without_sessions() =>
        Snapshot.Match(Encoding.UTF8.GetString(NeviCsv.Render(ChargingSessions())));

    [Fact]
    public void uptime_of_a_port_and_of_one_not_yet_operational_for_a_year() =>
        Snapshot.Match(Encoding.UTF8.GetString(NeviCsv.Render(Uptime())));

    [Fact]
    public void an_excluded_outage_a_counted_one_and_a_port_without_outages() =>
        Snapshot.Match(Encoding.UTF8.GetString(NeviCsv.Render(Outages())));

    [Fact]
    public void a_stations_maintenance_cost_for_a_year() =>
        Snapshot.Match(Encoding.UTF8.GetString(NeviCsv.Render(MaintenanceCosts())));

    public static TheoryData<NeviModule> Modules =>
        [NeviModule.ChargingSessions, NeviModule.Uptime, NeviModule.Outages, NeviModule.MaintenanceCosts];

    [Theory]
    [MemberData(nameof(Modules))]
    public void every_rendered_file_passes_ev_charts_upload_rules(NeviModule module)
    {
        var csv = Rendered(module);

        Assert.Empty(EvChartValidator.Validate(module, Encoding.UTF8.GetString(csv)));
    }

    [Theory]
    [MemberData(nameof(Modules))]
    public void the_header_names_every_column_of_the_module_in_order_and_lines_end_in_crlf_without_a_byte_order_mark(NeviModule module)
    {
        var csv = Rendered(module);

        Assert.False(csv is [0xEF, 0xBB, 0xBF, ..]);
        var text = Encoding.UTF8.GetString(csv);
        Assert.StartsWith(string.Join(",", EvChartFields.Of(module).Select(f => f.Name)) + "\r\n", text);
        Assert.EndsWith("\r\n", text);
    }

    [Fact]
    public void text_starting_like_a_formula_is_written_as_the_row_has_it()
    {
        var report = ChargingSessions();
        var session = report.Rows[1].Session! with { ErrorOther = "=SUM(A1)", PaymentOther = "+1 card" };
        var hostile = report with { Rows = [report.Rows[1] with { Session = session }] };

        var line = Encoding.UTF8.GetString(NeviCsv.Render(hostile)).Split("\r\n")[1];

        Assert.Contains(",=SUM(A1),", line);
        Assert.EndsWith(",+1 card", line);
    }

    [Fact]
    public void a_value_with_more_decimal_places_than_its_column_is_refused_rather_than_rounded()
    {
        var report = Uptime();
        var finer = report with { Rows = [report.Rows[0] with { UptimePercent = 99.1438m }] };

        var refused = Assert.Throws<ArgumentException>(() => NeviCsv.Render(finer));

        Assert.Contains("uptime 99.1438 has more than the column's 2 decimal places", refused.Message);
    }

    [Fact]
    public void the_same_report_renders_to_the_same_bytes_however_its_decimals_are_scaled()
    {
        var report = MaintenanceCosts();
        var rescaled = report with { Rows = [report.Rows[0] with { TotalCost = 12_480.5500m, FederalCost = 9_360.410m }] };

        Assert.Equal(NeviCsv.Render(report), NeviCsv.Render(rescaled));
    }

    [Fact]
    public void a_report_claiming_another_module_than_its_rows_is_refused()
    {
        var mislabelled = Outages() with { Module = NeviModule.Uptime };

        var refused = Assert.Throws<ArgumentException>(() => NeviCsv.Render(mislabelled));

        Assert.Contains("a report of OutageRows is module 4, not 3", refused.Message);
    }

    private static byte[] Rendered(NeviModule module) => module switch
    {
        NeviModule.ChargingSessions => NeviCsv.Render(ChargingSessions()),
        NeviModule.Uptime => NeviCsv.Render(Uptime()),
        NeviModule.Outages => NeviCsv.Render(Outages()),
        _ => NeviCsv.Render(MaintenanceCosts()),
    };
}
