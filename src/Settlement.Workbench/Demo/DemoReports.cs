using System.Text;
using NodaTime;
using Settlement.Domain.Reports;
using Settlement.Host.Kpis;
using Settlement.Host.Reports;
using Spectre.Console;

namespace Settlement.Workbench.Demo;

/// <summary>
/// The regulator's files of the demo's NEVI-funded site, written beside the invoices and checked against EV-ChART's
/// upload rules as the state's submission would be: sessions, uptime, outages and maintenance costs.
/// </summary>
internal static class DemoReports
{
    public const string NeviSite = "US-DEN";

    public static async Task<bool> WriteNeviAsync(Ledger.Ledger ledger, DemoOptions options, string documentsFolder, CancellationToken ct)
    {
        var reports = new RegulatorReports(ledger, new KpiHistories(ledger), SystemClock.Instance);
        var through = options.From.PlusDays(options.Days - 1);
        var table = new Table().Title($"NEVI reports of {NeviSite} (EV-ChART modules)").AddColumns("Module", "File", "Rows", "EV-ChART upload rules");
        var passed = true;
        Directory.CreateDirectory(documentsFolder);
        foreach (var module in Enum.GetValues<NeviModule>())
        {
            var file = $"nevi-module-{(int)module}.csv";
            if (module == NeviModule.Uptime && !WholeMonths(options.From, through))
            {
                // A file of an earlier run for other days must not pass for this one's.
                File.Delete(Path.Combine(documentsFolder, file));
                table.AddRow($"{(int)module} {module}", "-", "-", "[grey]not written: uptime is reported per whole calendar month[/]");
                continue;
            }
            var csv = await reports.NeviDocumentAsync((int)module, NeviSite, ReportEndpoints.DefaultNetworkProvider, options.From, through, csv: true, ct)
                      ?? throw new InvalidOperationException($"No NEVI module {(int)module}.");
            await File.WriteAllBytesAsync(Path.Combine(documentsFolder, file), csv, ct);
            var text = Encoding.UTF8.GetString(csv);
            var problems = EvChartValidator.Validate(module, text);
            passed &= problems.Count == 0;
            table.AddRow($"{(int)module} {module}", file, (CountLines(text) - 1).ToString("N0"),
                problems.Count == 0 ? "[green]pass[/]" : $"[red]{Markup.Escape(string.Join("; ", problems.Take(3)))}[/]");
        }
        AnsiConsole.Write(table);
        return passed;
    }

    private static bool WholeMonths(LocalDate from, LocalDate through) =>
        from.Day == 1 && through.PlusDays(1).Day == 1;

    private static int CountLines(string csv) => csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
}
