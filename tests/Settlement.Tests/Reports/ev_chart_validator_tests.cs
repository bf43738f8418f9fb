using Settlement.Domain.Reports;

namespace Settlement.Tests.Reports;

/// <summary>EV-ChART's upload rules, one at a time, on small files of our own.</summary>
public sealed class ev_chart_validator_tests
{
    private const string SessionHeader =
        "station_id,network_provider,port_id,session_id,session_start,session_end,session_error,energy_kwh,power_kw,payment_method";
    private const string Session = "ST-1,acme,P-1,S-1,2026-01-05T08:00:00Z,2026-01-05T08:40:00Z,NONE,31.50,148.20,VISA";
    private const string OutageHeader = "station_id,network_provider,port_id,outage_id,outage_duration,excluded_outage,excluded_outage_reason";

    private static string File(params string[] lines) => string.Join("\r\n", lines) + "\r\n";

    private static IReadOnlyList<string> Sessions(params string[] rows) =>
        EvChartValidator.Validate(NeviModule.ChargingSessions, File([SessionHeader, .. rows]));

    private static IReadOnlyList<string> Outages(params string[] rows) =>
        EvChartValidator.Validate(NeviModule.Outages, File([OutageHeader, .. rows]));

    [Fact]
    public void a_complete_session_row_is_accepted() => Assert.Empty(Sessions(Session));

    [Fact]
    public void a_byte_order_mark_before_the_header_is_ignored() =>
        Assert.Empty(EvChartValidator.Validate(NeviModule.ChargingSessions, "\uFEFF" + File(SessionHeader, Session)));

    [Fact]
    public void the_templates_data_type_and_required_rows_under_the_header_are_not_data() =>
        Assert.Empty(Sessions(
            "String(50),String(30),String(36),String(36),DateTime,DateTime,String(255),\"Decimal (7,2)\",\"Decimal (7,2)\",String(255)",
            "Required,Required,Required,Required,Required,Required,Required,Required,Required,Required",
            Session));

    [Fact]
    public void blank_lines_are_skipped_and_a_file_of_only_a_header_has_no_data()
    {
        Assert.Empty(Sessions(",,,,,,,,,", Session, ""));
        Assert.Equal([EvChartValidator.NoData], Sessions());
    }

    [Fact]
    public void columns_must_be_known_once_each_and_the_required_ones_present()
    {
        var problems = EvChartValidator.Validate(NeviModule.ChargingSessions, File(
            "station_id,port_id,port_id,session_id,session_start,session_end,session_error,energy_kwh,power_kw,payment_method,kwh",
            "ST-1,P-1,P-1,S-1,2026-01-05T08:00:00Z,2026-01-05T08:40:00Z,NONE,31.50,148.20,VISA,31.5"));

        Assert.Equal(
            ["Duplicate column \"port_id\"", "Unknown column \"kwh\"", "Required column \"network_provider\" is missing"],
            problems);
    }

    [Theory]
    [InlineData("2026-01-05T08:00:00Z")]
    [InlineData("2026-01-05T08:00:00")]
    [InlineData("2026-01-05T08:00:00.250Z")]
    [InlineData("2028-02-29T23:59:59Z")]
    public void a_timestamp_is_a_utc_date_and_time_with_seconds(string start) =>
        Assert.Empty(Sessions(Session.Replace("2026-01-05T08:00:00Z", start)));

    [Theory]
    [InlineData("2026-01-05T09:00:00+01:00")]
    [InlineData("2026-01-05 08:00:00Z")]
    [InlineData("2026-01-05T08:00Z")]
    [InlineData("2026-02-29T08:00:00Z")]
    [InlineData("2026-01-05T24:00:00Z")]
    [InlineData("05/01/2026 08:00")]
    public void a_timestamp_with_an_offset_another_layout_or_an_impossible_date_is_refused(string start) =>
        Assert.Equal(
            ["row 2: \"session_start\" must be an RFC 3339 timestamp like 2024-01-31T13:45:00Z, without a UTC offset"],
            Sessions(Session.Replace("2026-01-05T08:00:00Z", start)));

    [Theory]
    [InlineData("99999.99", null)]
    [InlineData("0", null)]
    [InlineData("7.5", null)]
    [InlineData("100000.00", "\"energy_kwh\" has more than 5 digits before the decimal point")]
    [InlineData("31.505", "\"energy_kwh\" has more than 2 decimal places")]
    [InlineData("-0.01", "\"energy_kwh\" is below its minimum 0")]
    [InlineData("\"31,50\"", "\"energy_kwh\" must be a decimal number")]
    [InlineData("3.15e1", "\"energy_kwh\" must be a decimal number")]
    [InlineData(" 31.50", "\"energy_kwh\" must be a decimal number")]
    [InlineData("NULL", "\"energy_kwh\" must be a decimal number")]
    public void a_decimal_fits_its_columns_precision_and_minimum(string energy, string? problem) =>
        Assert.Equal(problem is null ? [] : [$"row 2: {problem}"], Sessions(Session.Replace("31.50", energy)));

    [Theory]
    [InlineData("", "1", null)]
    [InlineData("TRUE", "1", null)]
    [InlineData("true", "6", null)]
    [InlineData("False", "", null)]
    [InlineData("TRUE", "0", "\"excluded_outage_reason\" is below its minimum 1")]
    [InlineData("TRUE", "7", "\"excluded_outage_reason\" is above its maximum 6")]
    [InlineData("TRUE", "2.0", "\"excluded_outage_reason\" must be a whole number")]
    [InlineData("1", "", "\"excluded_outage\" must be TRUE or FALSE")]
    [InlineData("NULL", "", "\"excluded_outage\" must be TRUE or FALSE")]
    public void an_exclusion_is_true_or_false_and_its_reason_a_code_from_1_to_6(string excluded, string reason, string? problem) =>
        Assert.Equal(
            problem is null ? [] : [$"row 2: {problem}"],
            Outages($"ST-1,acme,P-1,2026-02-01T10:00:00Z,45.00,{excluded},{reason}"));

    [Fact]
    public void an_outage_lasts_at_least_a_hundredth_of_a_minute() =>
        Assert.Equal(
            ["row 2: \"outage_duration\" is below its minimum 0.01"],
            Outages("ST-1,acme,P-1,2026-02-01T10:00:00Z,0.00,,"));

    [Fact]
    public void an_outage_has_its_start_and_duration_or_neither()
    {
        Assert.Empty(Outages("ST-1,acme,P-1,,,,"));
        Assert.Equal(["row 2: Required value for \"outage_duration\" is missing"], Outages("ST-1,acme,P-1,2026-02-01T10:00:00Z,,,"));
        Assert.Equal(["row 2: Required value for \"outage_id\" is missing"], Outages("ST-1,acme,P-1,,45.00,,"));
    }

    [Fact]
    public void a_port_without_sessions_is_stated_by_a_row_with_only_station_network_and_port()
    {
        Assert.Empty(Sessions("ST-1,acme,P-1,,,,,,,"));
        Assert.Equal(
        [
            "row 2: Required value for \"session_error\" is missing",
            "row 2: Required value for \"payment_method\" is missing",
        ], Sessions("ST-1,acme,P-1,S-1,2026-01-05T08:00:00Z,2026-01-05T08:40:00Z,,31.50,148.20,"));
    }

    [Fact]
    public void a_port_must_always_be_named_even_on_a_row_without_sessions() =>
        Assert.Equal(["row 2: Required value for \"port_id\" is missing"], Sessions("ST-1,acme,,,,,,,,"));

    [Theory]
    [InlineData(36, null)]
    [InlineData(37, "\"port_id\" is longer than 36 characters")]
    public void an_id_has_at_most_36_characters(int length, string? problem) =>
        Assert.Equal(problem is null ? [] : [$"row 2: {problem}"], Sessions(Session.Replace("P-1", new string('P', length))));

    [Fact]
    public void characters_are_counted_not_utf16_units() =>
        Assert.Empty(Sessions(Session.Replace("P-1", string.Concat(Enumerable.Repeat("🔌", 36)))));

    [Fact]
    public void a_required_cell_of_only_spaces_is_refused() =>
        Assert.Equal(["row 2: \"port_id\" holds only whitespace"], Sessions(Session.Replace("P-1", "   ")));

    [Fact]
    public void cells_in_quotes_may_hold_commas_quotes_and_line_breaks() =>
        Assert.Empty(Sessions(Session.Replace("NONE", "\"E42, \"\"ground fault\"\"\r\nsecond line\"")));

    [Fact]
    public void a_row_must_have_as_many_cells_as_the_header() =>
        Assert.Equal(["row 2: has 11 cells where the header has 10"], Sessions(Session + ",extra"));

    [Fact]
    public void a_row_repeating_an_earlier_rows_key_is_refused_and_timestamps_compare_as_instants()
    {
        var uptime = File(
            "station_id,network_provider,port_id,uptime_reporting_start,uptime_reporting_end,uptime,total_outage,total_outage_excl",
            "ST-1,acme,P-1,2026-01-01T00:00:00Z,2026-03-31T23:59:59Z,99.10,4730.40,120.00",
            "ST-1,acme,P-2,2026-01-01T00:00:00Z,2026-03-31T23:59:59Z,99.80,1051.20,0.00",
            "ST-1,acme,P-1,2026-01-01T00:00:00.000,2026-03-31T23:59:59Z,99.10,4730.40,120.00");

        Assert.Equal(
            ["row 4: repeats row 2's station_id, network_provider, port_id, uptime_reporting_start, uptime_reporting_end"],
            EvChartValidator.Validate(NeviModule.Uptime, uptime));
    }

    [Fact]
    public void an_empty_uptime_is_a_no_data_statement_which_needs_the_stations_registration_to_judge() =>
        Assert.Empty(EvChartValidator.Validate(NeviModule.Uptime, File(
            "station_id,network_provider,port_id,uptime_reporting_start,uptime_reporting_end,uptime,total_outage,total_outage_excl",
            "ST-1,acme,P-1,2026-01-01T00:00:00Z,2026-03-31T23:59:59Z,,0.00,0.00")));

    [Fact]
    public void a_maintenance_cost_may_be_left_empty_but_not_written_as_null()
    {
        const string header = "station_id,network_provider,maintenance_report_start,maintenance_report_end,maintenance_cost_total,maintenance_cost_federal";

        Assert.Empty(EvChartValidator.Validate(NeviModule.MaintenanceCosts,
            File(header, "ST-1,acme,2025-01-01T00:00:00Z,2025-12-31T23:59:59Z,,0.00")));
        Assert.Equal(
            ["row 2: \"maintenance_cost_total\" must be a decimal number"],
            EvChartValidator.Validate(NeviModule.MaintenanceCosts,
                File(header, "ST-1,acme,2025-01-01T00:00:00Z,2025-12-31T23:59:59Z,NULL,0.00")));
    }
}
