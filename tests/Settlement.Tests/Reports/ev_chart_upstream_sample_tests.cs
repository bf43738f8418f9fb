using System.Text.Json.Nodes;
using Settlement.Domain.Reports;

namespace Settlement.Tests.Reports;

/// <summary>
/// The validator against EV-ChART's own sample uploads and the outcomes its tests expect, and its field
/// rules against EV-ChART's configuration: the reference data's <c>ev-chart/</c> (sample_data/*.csv,
/// EXPECTED_validation_outcomes.csv, definitions/database_central_config.json; FIELDS.md there says
/// where each comes from), read in place and skipped without it. Six <c>invalid_module_4_*excluded_outage*</c>
/// samples are refused for an incidental reason (the header <c>" excluded_outage"</c> is an unknown column),
/// so <c>ev_chart_validator_tests</c> checks those rules on files of its own.
/// </summary>
public sealed class ev_chart_upstream_sample_tests
{
    /// <summary>
    /// Samples whose upstream test checks less, or under other settings, than an upload goes through today.
    /// Here the validator follows the upload (and ev-chart/FIELDS.md); each entry holds the problems it finds instead.
    /// </summary>
    private static readonly Dictionary<string, string[]> Departures = new()
    {
        // Listed as valid by a test of the data-validation stage alone; the row rule of the next stage
        // (validate_m2.validate_empty_session) refuses a session row with one required cell empty.
        ["energy_kwh_empty_value_mod_2.csv"] = ["row 2: Required value for \"energy_kwh\" is missing"],
        ["payment_method_empty_value_mod_2.csv"] = ["row 2: Required value for \"payment_method\" is missing"],
        ["power_kw_empty_value_mod_2.csv"] = ["row 2: Required value for \"power_kw\" is missing"],
        // Listed as invalid by a test run without the module's "no data" setting, under which an empty
        // uptime or total cost is an error. Today it is a "no data" statement: the same rows as
        // valid_m3_biz_magic.csv and valid_mod5_biz_magic.csv, which upstream accepts. (The two module 5
        // files are named for maintenance_report_end but leave maintenance_cost_total empty.)
        ["evchart_empty__value_for_uptime_mod_3.csv"] = [],
        ["uptime_empty_value_mod_3.csv"] = [],
        ["evchart_empty_value_for_maintenance_report_end_mod_5.csv"] = [],
        ["maintenance_report_end__empty_value_mod_5.csv"] = [],
    };

    // Empty without the reference data, whose absence skips the theory before its data is asked for.
    public static TheoryData<string> Agreed => RepositoryFiles.MissingReference(RepositoryFiles.EvChartFolder) is null
        ? [.. UpstreamOutcome.All.Select(o => o.File).Where(file => !Departures.ContainsKey(file))]
        : [];

    public static TheoryData<string> Departed => [.. Departures.Keys];

    [ReferenceDataTheory(RepositoryFiles.EvChartFolder)]
    [MemberData(nameof(Agreed))]
    public void the_validator_accepts_and_refuses_the_samples_as_ev_charts_own_tests_expect(string file)
    {
        var sample = UpstreamOutcome.All.Single(o => o.File == file);

        var problems = EvChartValidator.Validate(sample.Module, sample.Csv);

        Assert.True(sample.Valid == (problems.Count == 0),
            $"{file} ({sample.UpstreamList}) expected {(sample.Valid ? "accepted" : "refused")}; problems: {string.Join("; ", problems)}");
    }

    [ReferenceDataTheory(RepositoryFiles.EvChartFolder)]
    [MemberData(nameof(Departed))]
    public void where_an_upstream_test_checked_under_other_settings_the_validator_follows_todays_upload(string file)
    {
        var sample = UpstreamOutcome.All.Single(o => o.File == file);

        var problems = EvChartValidator.Validate(sample.Module, sample.Csv);

        Assert.Equal(Departures[file], problems);
    }

    [ReferenceDataFact(RepositoryFiles.EvChartFolder)]
    public void every_departure_names_a_sample_that_upstream_lists() =>
        Assert.All(Departures.Keys, file => Assert.Contains(UpstreamOutcome.All, o => o.File == file));

    [ReferenceDataFact(RepositoryFiles.EvChartFolder)]
    public void a_session_row_with_some_but_not_all_of_its_cells_is_refused_and_an_empty_one_states_no_sessions()
    {
        var problems = EvChartValidator.Validate(NeviModule.ChargingSessions, UpstreamOutcome.Sample("biz_magic_not_all_empty_mod_2.csv"));

        Assert.Equal(
        [
            "row 3: Required value for \"session_id\" is missing",
            "row 4: Required value for \"session_start\" is missing",
            "row 5: Required value for \"session_end\" is missing",
            "row 6: Required value for \"session_error\" is missing",
            "row 7: Required value for \"energy_kwh\" is missing",
            "row 8: Required value for \"power_kw\" is missing",
            "row 9: Required value for \"payment_method\" is missing",
            // Row 10 is StationMod9's "no sessions" row. Row 11 names a charger and a session and nothing else.
            "row 11: Required value for \"session_start\" is missing",
            "row 11: Required value for \"session_end\" is missing",
            "row 11: Required value for \"session_error\" is missing",
            "row 11: Required value for \"energy_kwh\" is missing",
            "row 11: Required value for \"power_kw\" is missing",
            "row 11: Required value for \"payment_method\" is missing",
            // StationMod1's port 123-456-7 reports session 10001 twice.
            "row 11: repeats row 2's station_id, network_provider, port_id, session_id",
        ], problems);
    }

    [ReferenceDataFact(RepositoryFiles.EvChartFolder)]
    public void a_session_ending_before_it_starts_is_accepted_as_ev_chart_does() =>
        Assert.Empty(EvChartValidator.Validate(NeviModule.ChargingSessions, UpstreamOutcome.Sample("biz_magic_m2_invalid_start_after_end.csv")));

    public static TheoryData<NeviModule> Modules =>
        [NeviModule.ChargingSessions, NeviModule.Uptime, NeviModule.Outages, NeviModule.MaintenanceCosts];

    [ReferenceDataTheory(RepositoryFiles.EvChartFolder)]
    [MemberData(nameof(Modules))]
    public void every_field_rule_is_the_one_ev_charts_central_configuration_sets(NeviModule module)
    {
        var config = JsonNode.Parse(File.ReadAllText(RepositoryFiles.EvChart(Path.Combine("definitions", "database_central_config.json"))))!;
        var upstream = config[$"module{(int)module}_data_v3"]!["schema"]!.AsObject()
            .Where(column => column.Value!["module_validation"]?["default"] is not null)
            .ToDictionary(column => column.Key, column => column.Value!["module_validation"]!["default"]!);
        var ours = EvChartFields.Of(module)
            .Where(f => f != EvChartFields.StationId && f != EvChartFields.NetworkProvider)
            .ToList();

        Assert.Equal(upstream.Keys.Order(), ours.Select(f => f.Name).Order());
        Assert.All(ours, field =>
        {
            var rule = upstream[field.Name];
            Assert.Equal((string)rule["datatype"]!, field.Type switch
            {
                EvChartType.Text => "string",
                EvChartType.DateTime => "datetime",
                _ => field.Type.ToString().ToLowerInvariant(),
            });
            var required = (bool)rule["required"]!;
            var emptyAllowed = (bool?)rule["required_empty_allowed"] ?? false;
            Assert.Equal(
                !required ? EvChartPresence.Optional : emptyAllowed ? EvChartPresence.RequiredEmptyAllowed : EvChartPresence.Required,
                field.Presence);
            // project_id alone has no length in the configuration; its limit is the database column's (varchar(256)).
            Assert.Equal((int?)rule["max_length"] ?? (field == EvChartFields.ProjectId ? 256 : null), field.MaxLength);
            Assert.Equal((int?)rule["max_precision"] ?? 0, field.Precision);
            Assert.Equal((int?)rule["max_scale"] ?? 0, field.Scale);
            Assert.Equal((decimal?)rule["min_value"], field.Min);
            Assert.Equal((decimal?)rule["max_value"], field.Max);
        });
    }
}
