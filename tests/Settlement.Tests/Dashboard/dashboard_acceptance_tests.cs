using System.Net;
using System.Text;
using System.Text.Json;
using Settlement.Domain.Access;
using Xunit.Abstractions;

namespace Settlement.Tests.Dashboard;

/// <summary>A fact of the dashboard's browser run: skipped, naming what to install, where Chromium cannot be had.</summary>
public sealed class DashboardFactAttribute : FactAttribute
{
    public DashboardFactAttribute() => Skip = DashboardBrowser.Unavailable;
}

/// <summary>
/// Issue 27's acceptance, in headless Chromium against the host on loopback with two days of demo data: one browser
/// run for the class (<see cref="DashboardRun"/>), a test per acceptance item asserting on its part of the results.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class dashboard_acceptance_tests(LedgerDatabase db, DashboardRun run, ITestOutputHelper output) : IClassFixture<DashboardRun>
{
    static readonly string[] AllPages = ["network", "kpis", "sessions", "money", "energy", "operations", "evidence"];

    /// <summary>What each page reads (GET, with the demo's period and its Munich site), for checking a refused page's data.</summary>
    static readonly Dictionary<string, string[]> PageData = new()
    {
        ["network"] = ["/api/chargers", "/api/sites"],
        ["kpis"] = ["/api/kpis/uptime?from=2026-10-01&through=2026-10-02", "/api/kpis/charge-success?from=2026-10-01&through=2026-10-02",
            "/api/kpis/utilisation?from=2026-10-01&through=2026-10-02", "/api/kpis/ratings?from=2026-10-01&through=2026-10-02"],
        ["sessions"] = ["/api/sessions"],
        ["money"] = ["/api/invoices", "/api/roaming/cdrs", "/api/exports/vat?from=2026-10-01&through=2026-10-02&format=json",
            "/api/receivables/ageing?by=driver"],
        ["energy"] = ["/api/sites/DE-MUC/power-model", "/api/sites/DE-MUC/allocations/history", "/api/sites/DE-MUC/grid-signals",
            "/api/sites/DE-MUC/power-report?month=2026-10"],
        ["operations"] = ["/api/incidents", "/api/firmware/rollouts"],
        ["evidence"] = ["/api/audit/chain", "/api/audit/checkpoints"],
    };

    async Task<JsonElement> Check(string name)
    {
        var results = await run.ResultsAsync(db);
        Assert.False(results.TryGetProperty("error", out var error), $"the browser run stopped early: {error}");
        return results.GetProperty(name);
    }

    static IReadOnlyList<string> Strings(JsonElement check, string property) =>
        [.. check.GetProperty(property).EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText())];

    static void NoProblems(JsonElement check, string what)
    {
        var problems = Strings(check, "problems");
        Assert.True(problems.Count == 0, $"{what}:{Environment.NewLine}{string.Join(Environment.NewLine, problems)}");
    }

    [DashboardFact]
    public async Task every_page_renders_for_the_roles_that_may_see_it_without_console_errors_or_failed_requests()
    {
        var render = await Check("render");
        // The problems first: a tour that stopped says why there, and its unvisited pages would only say that it did.
        NoProblems(render, "pages that did not render cleanly");

        var visited = Strings(render, "checked");
        foreach (var page in AllPages)
            Assert.Contains($"Operator #/{page}", visited);
        Assert.Contains(visited, v => v.StartsWith("Finance #/", StringComparison.Ordinal));
        Assert.Contains(visited, v => v.StartsWith("Auditor #/", StringComparison.Ordinal));
        Assert.Contains(visited, v => v.StartsWith("Operator #/network/chargers/", StringComparison.Ordinal));
        Assert.Contains(visited, v => v.StartsWith("Operator #/sessions/", StringComparison.Ordinal));
        Assert.Contains(visited, v => v.StartsWith("Operator #/energy/", StringComparison.Ordinal));
    }

    [DashboardFact]
    public async Task the_kpi_money_energy_and_session_figures_equal_the_api_s_at_the_displayed_precision()
    {
        var figures = await Check("figures");

        var shown = Strings(figures, "checked");
        foreach (var (page, names) in new[]
                 {
                     ("#/kpis", new[] { "uptime", "charge-success", "utilisation", "rating" }),
                     ("#/money", ["vat", "ageing"]),
                     ("#/energy/", ["grid-limit", "peak-managed", "peak-unmanaged"]),
                     ("#/sessions/", ["energy-kwh", "total-excl-vat"]),
                 })
            foreach (var name in names)
                Assert.True(shown.Any(f => f.StartsWith("Operator " + page, StringComparison.Ordinal) && f.Contains($" {name}", StringComparison.Ordinal)),
                    $"the page {page} shows no [data-figure=\"{name}\"]; figures shown: {string.Join("; ", shown.Where(f => f.Contains(page, StringComparison.Ordinal)))}");
        NoProblems(figures, "figures that differ from the API");
    }

    [DashboardFact]
    public async Task an_invoice_downloaded_through_the_money_page_is_a_valid_pdf_and_a_valid_csv()
    {
        var downloads = await Check("downloads");

        NoProblems(downloads, "downloads that failed");
        var files = downloads.GetProperty("files").EnumerateArray()
            .ToDictionary(f => f.GetProperty("format").GetString()!, f => f.GetProperty("file").GetString()!);
        Assert.True(files.ContainsKey("pdf") && files.ContainsKey("csv"), $"downloaded: {string.Join(", ", files.Keys)}");

        var pdf = await File.ReadAllBytesAsync(files["pdf"]);
        Assert.True(pdf.AsSpan().StartsWith("%PDF-"u8), $"{files["pdf"]} does not start with %PDF-");
        Assert.True(Encoding.ASCII.GetString(pdf[^Math.Min(pdf.Length, 32)..]).TrimEnd().EndsWith("%%EOF", StringComparison.Ordinal),
            $"{files["pdf"]} does not end with %%EOF");

        var rows = Csv(await File.ReadAllTextAsync(files["csv"]));
        Assert.True(rows.Count >= 2, $"{files["csv"]} has {rows.Count} row(s): a header and at least one line expected");
        Assert.All(rows, (row, i) => Assert.True(row.Count == rows[0].Count,
            $"{files["csv"]} row {i + 1} has {row.Count} columns, the header {rows[0].Count}"));
    }

    [DashboardFact]
    public async Task a_role_without_access_is_refused_its_pages_in_the_browser_and_their_data_by_the_api()
    {
        var refusals = await Check("refusals");

        var refused = refusals.GetProperty("checked").EnumerateArray()
            .Select(r => (Role: Enum.Parse<AccessRole>(r.GetProperty("role").GetString()!), Page: r.GetProperty("page").GetString()!)).ToList();
        Assert.True(refused.Count > 0, "no role was refused any page: every role may see everything?");
        NoProblems(refusals, "refused pages that showed or asked for something");
        // A page is refused when its role may not call every endpoint it reads: at least one of them answers 403.
        foreach (var (role, page) in refused)
        {
            using var client = run.Host.Client(run.Keys[role]);
            var answers = new List<string>();
            foreach (var path in PageData[page])
                answers.Add($"{path} → {(int)(await client.GetAsync(path)).StatusCode}");
            Assert.True(answers.Any(a => a.EndsWith($"→ {(int)HttpStatusCode.Forbidden}", StringComparison.Ordinal)),
                $"{role} is refused {page} in the browser, but the API answers it: {string.Join(", ", answers)}");
        }
    }

    [DashboardFact]
    public async Task a_charger_that_disconnects_turns_offline_on_the_network_page_without_a_reload()
    {
        var live = await Check("live");

        NoProblems(live, $"the live status of {DashboardRun.LiveChargerId}");
        Assert.Contains(Strings(live, "checked"), c => c.StartsWith("Offline ", StringComparison.Ordinal));
    }

    [DashboardFact]
    public async Task every_page_is_saved_as_a_screenshot_at_laptop_and_phone_width()
    {
        var screenshots = await Check("screenshots");
        output.WriteLine($"Screenshots: {DashboardBrowser.OutputFolder}");

        NoProblems(screenshots, "screenshots not taken");
        var files = Strings(screenshots, "files");
        foreach (var page in AllPages)
            foreach (var size in new[] { "1280x800", "375x812" })
                Assert.Contains($"operator-{page}-{size}.png", files.Select(Path.GetFileName));
        Assert.All(files, file => Assert.True(new FileInfo(file).Length > 0, $"{file} is empty"));
    }

    [DashboardFact]
    public async Task axe_finds_no_serious_or_critical_accessibility_violation_on_any_page()
    {
        var accessibility = await Check("accessibility");

        Assert.NotEmpty(Strings(accessibility, "checked"));
        NoProblems(accessibility, "serious or critical accessibility violations");
    }

    /// <summary>RFC 4180 rows: quoted fields may hold commas, quotes (doubled) and line breaks.</summary>
    static List<List<string>> Csv(string text)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { row.Add(field.ToString()); field.Clear(); }
            else if (c is '\r' or '\n')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
                row.Add(field.ToString());
                field.Clear();
                rows.Add(row);
                row = [];
            }
            else field.Append(c);
        }
        if (field.Length > 0 || row.Count > 0)
        {
            row.Add(field.ToString());
            rows.Add(row);
        }
        return rows;
    }
}
