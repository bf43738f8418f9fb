using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Settlement.Tests.Cli;

namespace Settlement.Tests.Dashboard;

/// <summary>
/// <c>settle demo</c> as a newcomer runs it: once done, it serves the dashboard on its data and its last lines are the
/// address and a key per role, until Ctrl+C. (That <c>--no-dashboard</c> ends it is what every other demo test relies on.)
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed partial class demo_dashboard_tests(LedgerDatabase db)
{
    [Fact]
    public async Task the_demo_serves_the_dashboard_and_its_printed_operator_key_signs_in_until_ctrl_c()
    {
        var documents = Directory.CreateTempSubdirectory("settle-dashboard-demo-documents-");
        using var demo = await SettleProcess.StartAsync(db, "demo", "--days", "1", "--live-seconds", "0", "--database", db.Scratch("dashboard_demo"),
            "--documents", documents.FullName);
        var output = new List<string>();
        var errors = demo.StandardError.ReadToEndAsync();
        try
        {
            // Given the demo has printed its last lines
            while (output.LastOrDefault()?.StartsWith("Auditor key:", StringComparison.Ordinal) != true)
            {
                var line = await demo.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(3));
                // The error output is awaited only once the demo ended: it has no end while the demo serves.
                if (line is null) Assert.Fail($"the demo ended before serving the dashboard:\n{string.Join('\n', output)}\n{await errors}");
                output.Add(line);
            }
            var last = output[^5..];
            var address = DashboardLine().Match(last[0]);
            Assert.True(address.Success, string.Join('\n', output));
            var keys = last[1..].Select(line => KeyLine().Match(line)).ToDictionary(m => m.Groups["role"].Value, m => m.Groups["key"].Value);
            Assert.Equal(["Operator", "Finance", "Regulator", "Auditor"], keys.Keys);
            using var http = new HttpClient { BaseAddress = new Uri(address.Groups["url"].Value) };
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", keys["Operator"]);

            // When the browser opens the address and signs in with the operator key
            var page = await http.GetAsync("");
            var me = await http.GetFromJsonAsync<JsonElement>("/api/access/me");

            // Then the dashboard is served and the key is the operator's, with every page
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            Assert.Equal("Operator", me.GetProperty("role").GetString());
            Assert.Contains("network", me.GetProperty("pages").EnumerateArray().Select(p => p.GetString()));

            // And Ctrl+C ends it cleanly
            Interrupt(demo);
            await demo.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(demo.ExitCode == 0, $"{string.Join('\n', output)}\n{await demo.StandardOutput.ReadToEndAsync()}\n{await errors}");
        }
        finally
        {
            if (!demo.HasExited) demo.Kill(entireProcessTree: true);
            documents.Delete(recursive: true);
        }
    }

    /// <summary>What Ctrl+C sends: SIGINT, to this process only.</summary>
    private static void Interrupt(Process process)
    {
        using var kill = Process.Start("kill", ["-s", "INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    [GeneratedRegex(@"^Dashboard: (?<url>http://\S+/dashboard/)$")]
    private static partial Regex DashboardLine();

    [GeneratedRegex(@"^(?<role>\w+) key: (?<key>stl_\S+)$")]
    private static partial Regex KeyLine();
}
