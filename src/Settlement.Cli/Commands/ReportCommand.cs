using Settlement.Projections.Kpis;
using Settlement.Projections;
using System.CommandLine;
using NodaTime;
using NodaTime.Text;
using Settlement.Documents.Reports;
using Settlement.Host.Kpis;
using Settlement.Host.Reports;
using Spectre.Console;
using Settlement.Workbench.CommandLine;

namespace Settlement.Cli.Commands;

/// <summary>
/// <c>settle report</c>: KPIs and regulator reports from a ledger, as the API serves them, after
/// bringing the KPI projections up to date; <c>settle rebuild kpis</c>: those projections from zero.
/// </summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var command = new Command("report", "KPIs and regulator reports (NEVI EV-ChART modules, the AFIR feed) from the ledger.");
        command.Subcommands.Add(KpisCommand());
        command.Subcommands.Add(NeviCommand());
        command.Subcommands.Add(AfirCommand());
        return command;
    }

    public static Command RebuildCommand()
    {
        var database = new DatabaseOptions("settlement", "Database whose KPI projections to rebuild (stop its host first).");
        var kpis = new Command("kpis", "Rebuild the KPI projections from zero (KpiRebuild), with progress. Run while no host serves the database.");
        database.AddTo(kpis);
        kpis.SetAction(async (parse, ct) =>
        {
            await using var open = await OpenAsync(database, parse, ct);
            var ledger = open.Ledger;
            KpiRebuild.Result? result = null;
            var started = System.Diagnostics.Stopwatch.StartNew();
            await AnsiConsole.Progress().StartAsync(async progress =>
            {
                var task = progress.AddTask("Replaying the ledger into the KPI projections");
                result = await new KpiRebuild(ledger).RunAsync((done, total) => { task.MaxValue = Math.Max(total, 1); task.Value = done; }, ct);
            });
            AnsiConsole.MarkupLineInterpolated(
                $"Rebuilt from {result!.EventsReplayed:N0} events up to sequence {result.Ceiling:N0}: {result.ChargerMonths:N0} charger-months, {result.Sessions:N0} sessions, in {started.Elapsed.TotalSeconds:F1} s.");
            return 0;
        });
        return new Command("rebuild", "Rebuild projections from zero.") { kpis };
    }

    private static Command KpisCommand()
    {
        var (from, through, site) = PeriodOptions();
        var database = new DatabaseOptions("settlement", "Database to read (the demo writes 'settlement_demo').");
        var command = new Command("kpis", "Uptime (23 CFR 680.116(b)), charge success, utilisation and ratings per site for a period, and each port's uptime.")
        {
            from, through, site,
        };
        database.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            if (!TryPeriod(parse, from, through, out var period)) return 2;
            await using var open = await OpenAsync(database, parse, ct);
            var ledger = open.Ledger;
            await LedgerCatchUp.ProjectionsAsync(ledger, ct);
            await KpiTables.PrintAsync(ledger, parse.GetValue(site), period.From, period.Through, ct);
            return 0;
        });
        return command;
    }

    private static Command NeviCommand()
    {
        var (from, through, site) = PeriodOptions();
        var module = new Option<int>("--module") { Description = "EV-ChART module: 2 sessions, 3 uptime, 4 outages, 5 maintenance costs.", Required = true };
        module.AcceptOnlyFromAmong("2", "3", "4", "5");
        var format = new Option<string>("--format") { Description = "csv (EV-ChART upload) or json.", DefaultValueFactory = _ => "csv" };
        format.AcceptOnlyFromAmong("csv", "json");
        var provider = new Option<string>("--provider") { Description = "network_provider as registered in EV-ChART.", DefaultValueFactory = _ => ReportEndpoints.DefaultNetworkProvider };
        var output = new Option<FileInfo?>("--out") { Description = "File to write (default: standard output)." };
        var database = new DatabaseOptions("settlement", "Database to read (the demo writes 'settlement_demo').");
        var command = new Command("nevi", "A NEVI report (23 CFR 680.112) for EV-ChART: one module for a period, validated against EV-ChART's upload rules.")
        {
            module, from, through, site, format, provider, output,
        };
        database.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            if (!TryPeriod(parse, from, through, out var period)) return 2;
            await using var open = await OpenAsync(database, parse, ct);
            var ledger = open.Ledger;
            await LedgerCatchUp.ProjectionsAsync(ledger, ct);
            var reports = new RegulatorReports(ledger, new KpiHistories(ledger), SystemClock.Instance);
            var csv = parse.GetValue(format) == "csv";
            var number = parse.GetValue(module);
            var document = await AnsiConsole.Status().StartAsync($"Building EV-ChART module {number}", _ =>
                reports.NeviDocumentAsync(number, parse.GetValue(site), parse.GetValue(provider)!, period.From, period.Through, csv, ct));
            if (csv && Domain.Reports.EvChartValidator.Validate((Domain.Reports.NeviModule)number, System.Text.Encoding.UTF8.GetString(document!)) is { Count: > 0 } problems)
                foreach (var problem in problems.Take(10))
                    AnsiConsole.MarkupLineInterpolated($"[yellow]EV-ChART would refuse:[/] {problem}");
            return await WriteAsync(document!, parse.GetValue(output), ct);
        });
        return command;
    }

    private static Command AfirCommand()
    {
        var format = new Option<string>("--format")
        {
            Description = "json (our feed, with the sites withheld and why), datex-table (DATEX II static data) or datex-status (DATEX II dynamic data).",
            DefaultValueFactory = _ => "json",
        };
        format.AcceptOnlyFromAmong("json", "datex-table", "datex-status");
        var output = new Option<FileInfo?>("--out") { Description = "File to write (default: standard output)." };
        var database = new DatabaseOptions("settlement", "Database to read (the demo writes 'settlement_demo').");
        var command = new Command("afir", "The AFIR data (Regulation (EU) 2023/1804 Art. 20, (EU) 2025/655) of every EU/EEA recharging point as of now, for a National Access Point.")
        {
            format, output,
        };
        database.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            await using var open = await OpenAsync(database, parse, ct);
            var ledger = open.Ledger;
            await LedgerCatchUp.ProjectionsAsync(ledger, ct);
            var reports = new RegulatorReports(ledger, new KpiHistories(ledger), SystemClock.Instance);
            var feed = (await reports.AfirAsync(ct)).WhereAfirApplies();
            var document = parse.GetValue(format) switch
            {
                "datex-table" => AfirDatex.RenderTable(feed),
                "datex-status" => AfirDatex.RenderStatus(feed),
                _ => AfirJson.Render(feed),
            };
            return await WriteAsync(document, parse.GetValue(output), ct);
        });
        return command;
    }

    /// <summary>The ledger and the server it is on (an embedded one stops when this is disposed).</summary>
    internal sealed record OpenLedger(Ledger.Database.DatabaseServer Server, Ledger.Ledger Ledger) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Ledger.DisposeAsync();
            await Server.DisposeAsync();
        }
    }

    internal static async Task<OpenLedger> OpenAsync(DatabaseOptions database, ParseResult parse, CancellationToken ct)
    {
        var server = await database.ConnectAsync(parse, m => AnsiConsole.MarkupLineInterpolated($"[grey]{m}[/]"), ct);
        try
        {
            return new OpenLedger(server, await server.OpenLedgerAsync(database.DatabaseName(parse), SettlementReadModels.All, ct));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private static async Task<int> WriteAsync(byte[] document, FileInfo? output, CancellationToken ct)
    {
        if (output is null)
        {
            await using var stdout = Console.OpenStandardOutput();
            await stdout.WriteAsync(document, ct);
            return 0;
        }
        await File.WriteAllBytesAsync(output.FullName, document, ct);
        AnsiConsole.MarkupLineInterpolated($"Wrote [bold]{output.FullName}[/] ({document.Length:N0} bytes).");
        return 0;
    }

    private static (Option<string> From, Option<string> Through, Option<string?> Site) PeriodOptions() => (
        new Option<string>("--from") { Description = "First day (yyyy-MM-dd, each site's local date).", Required = true },
        new Option<string>("--through") { Description = "Last day, inclusive.", Required = true },
        new Option<string?>("--site") { Description = "Only this site (default: all)." });

    private static bool TryPeriod(ParseResult parse, Option<string> from, Option<string> through, out (LocalDate From, LocalDate Through) period)
    {
        var (first, last) = (LocalDatePattern.Iso.Parse(parse.GetValue(from)!), LocalDatePattern.Iso.Parse(parse.GetValue(through)!));
        period = first.Success && last.Success ? (first.Value, last.Value) : default;
        if (first.Success && last.Success && last.Value >= first.Value) return true;
        AnsiConsole.MarkupLine("[red]--from and --through must be dates like 2026-10-01, --through not before --from.[/]");
        return false;
    }

}
