using Settlement.Projections;
using System.CommandLine;
using System.Diagnostics;
using NodaTime;
using NodaTime.Text;
using Settlement.Domain.Events;
using Settlement.Domain.Sessions;
using Settlement.Ledger;
using Settlement.Ledger.Audit;
using Settlement.Ledger.Store;
using Settlement.Workbench.CommandLine;
using Settlement.Workbench.Simulation;
using Spectre.Console;

namespace Settlement.Workbench.Demo;

/// <summary>Appends generated history in time order, a transaction per batch, as live traffic would arrive.</summary>
public static class DemoHistoryWriter
{
    public const int DefaultBatchSize = 2_000;

    public static async Task AppendAsync(Ledger.Ledger ledger, GeneratedHistory history, Action<int> appended, CancellationToken ct,
        int batchSize = DefaultBatchSize)
    {
        await ledger.Drivers.RegisterAsync(history.Drivers, ct);
        await ledger.AppendInOrderAsync(history.Chunk(batchSize).Select(ByStream),
            batch => appended(batch.Sum(append => append.Events.Count)), ct);
    }

    /// <summary>One append per stream, keeping each stream's events in their order.</summary>
    private static List<StreamAppend> ByStream(IEnumerable<DemoEvent> batch) =>
        batch.GroupBy(e => e.StreamId)
            .Select(g => new StreamAppend(g.Key, g.Select(e => new PendingEvent(e.Data, e.Metadata)).ToList()))
            .ToList();
}

public static class DemoCommand
{
    public static Command Create()
    {
        var seed = new Option<int>("--seed") { Description = "Random seed: the same seed gives the same history.", DefaultValueFactory = _ => 2026 };
        var from = new Option<string>("--from") { Description = "First day (yyyy-MM-dd, each site's local date).", DefaultValueFactory = _ => "2026-10-01" };
        var days = new Option<int>("--days") { Description = "Number of days of history.", DefaultValueFactory = _ => 31 };
        var live = new Option<int>("--live-seconds")
        {
            Description = "Then run the host and let the 15 chargers talk OCPP to it for this long (0 skips the live part).",
            DefaultValueFactory = _ => 15,
        };
        var documents = new Option<DirectoryInfo>("--documents")
        {
            Description = "Folder the demo writes one invoice's JSON, PDF and CSV, the journal, the VAT report and the NEVI site's EV-ChART files to.",
            DefaultValueFactory = _ => new DirectoryInfo(Path.Combine(Path.GetTempPath(), "settlement-demo-documents")),
        };
        var noDashboard = new Option<bool>("--no-dashboard") { Description = "End after the live part instead of serving the dashboard on the demo's data (scripts and tests)." };
        var dashboardUrl = new Option<string>("--dashboard-url")
        {
            Description = "Where the demo then serves the dashboard until Ctrl+C (a free port when this one is taken).",
            DefaultValueFactory = _ => DemoDashboard.DefaultUrl,
        };
        var anchors = AnchorsOption.Create("Root of the anchor logs the demo's signed checkpoint is appended to");
        var database = new DatabaseOptions("settlement_demo", "Database the demo recreates and fills (default 'settlement_demo'; never your ledger database unless you name it).");
        var command = new Command("demo", "Generate a seeded month of a 3-site, 30-EVSE network and append it through the real event store, price and invoice it, then watch its chargers talk OCPP to the host live.")
        {
            seed, from, days, live, documents, anchors, noDashboard, dashboardUrl,
        };
        database.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var firstDay = LocalDatePattern.Iso.Parse(parse.GetValue(from)!);
            if (!firstDay.Success)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]--from must be a date like 2026-10-01, not '{parse.GetValue(from)}'.[/]");
                return 2;
            }
            if (parse.GetValue(days) is < 1 or > 366)
            {
                AnsiConsole.MarkupLine("[red]--days must be between 1 and 366.[/]");
                return 2;
            }
            if (parse.GetValue(live) is < 0 or > 3_600)
            {
                AnsiConsole.MarkupLine("[red]--live-seconds must be between 0 and 3600.[/]");
                return 2;
            }
            var dashboard = parse.GetValue(noDashboard) ? null : parse.GetValue(dashboardUrl)!;
            if (dashboard is not null && DemoDashboard.Check(dashboard) is { } wrongUrl)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]{wrongUrl}[/]");
                return 2;
            }
            var options = new DemoOptions(parse.GetValue(seed), firstDay.Value, parse.GetValue(days));
            return await RunAsync(options, TimeSpan.FromSeconds(parse.GetValue(live)), parse.GetValue(documents)!.FullName,
                AnchorLog.For(database.DatabaseName(parse), parse.GetValue(anchors)?.FullName), dashboard, database, parse, ct);
        });
        return command;
    }

    /// <param name="dashboard">Where to serve the dashboard once the demo is done; null ends the demo there.</param>
    private static async Task<int> RunAsync(DemoOptions options, TimeSpan live, string documents, AnchorLog anchors, string? dashboard,
        DatabaseOptions database, ParseResult parse, CancellationToken ct)
    {
        var total = Stopwatch.StartNew();
        await using var server = await database.ConnectAsync(parse, m => AnsiConsole.MarkupLineInterpolated($"[grey]{m}[/]"), ct);
        var name = database.ScratchDatabaseName(parse);
        AnsiConsole.MarkupLineInterpolated($"Recreating database [bold]{name}[/] on {server.Description}");
        await database.RecreateScratchAsync(server, name, ct);
        DemoAudit.StartAfresh(anchors);
        await using var ledger = await server.OpenLedgerAsync(name, SettlementReadModels.All, ct);

        var generation = Stopwatch.StartNew();
        var history = DemoNetwork.Generate(options);
        generation.Stop();
        AnsiConsole.MarkupLineInterpolated($"Generated {history.Count:N0} events (seed {options.Seed}, {options.Days} days from {options.From:yyyy-MM-dd}) in {generation.Elapsed.TotalSeconds:F1} s");

        var appending = Stopwatch.StartNew();
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask("Appending events", maxValue: history.Count);
                await DemoHistoryWriter.AppendAsync(ledger, history, appended => task.Increment(appended), ct);
            });
        appending.Stop();

        PrintSummary(history, name, server.Description, appending.Elapsed, total.Elapsed);
        var sessions = history.Count(e => e.Data is SessionStartedV2);
        if (!await DemoPricing.RunAsync(ledger, sessions, ct))
            AnsiConsole.MarkupLine("[yellow]Some sessions could not be priced; their problem is above.[/]");
        await DemoInvoicing.RunAsync(ledger, options, documents, ct);
        // Created before the projections catch up, so the reports the demo leaves are as of the ledger's last event.
        var operatorKey = await DemoAccess.CreateOperatorKeyAsync(ledger, ct);
        await LedgerCatchUp.ProjectionsAsync(ledger, ct);
        await KpiTables.PrintAsync(ledger, site: null, options.From, options.From.PlusDays(options.Days - 1), ct, perPort: false);
        var reportsPass = await DemoReports.WriteNeviAsync(ledger, options, documents, ct);
        await DemoAudit.RunAsync(ledger, anchors, ct);
        // With the dashboard, the keys are the demo's last lines instead.
        if (dashboard is null) DemoAccess.Print(operatorKey, name);
        if (!reportsPass) AnsiConsole.MarkupLine("[red]A NEVI file above breaks EV-ChART's upload rules.[/]");
        var description = $"{server.Description}, database {name}";
        var livePassed = live == TimeSpan.Zero || await LiveDemo.RunAsync(ledger, name, description, history, live, operatorKey, ct);
        if (dashboard is not null) await DemoDashboard.ServeAsync(ledger, description, dashboard, operatorKey, ct);
        return livePassed && reportsPass ? 0 : 1;
    }

    private static void PrintSummary(IReadOnlyList<DemoEvent> history, string database, string server, TimeSpan appending, TimeSpan total)
    {
        var catalogue = EventCatalogue.Current;
        var table = new Table().Title("Appended to the ledger").AddColumns("Family", "Event", "Count");
        foreach (var group in history.GroupBy(e => catalogue.For(e.Data.GetType()))
                     .OrderBy(g => g.Key.Family).ThenByDescending(g => g.Count()))
            table.AddRow(group.Key.Family.ToString(), group.Key.StoredName, group.Count().ToString("N0"));
        AnsiConsole.Write(table);

        var started = history.Select(e => e.Data).OfType<SessionStartedV2>().ToDictionary(s => s.SessionId);
        var energyWh = history.Select(e => e.Data).OfType<SessionStopped>()
            .Sum(s => s.MeterStopWh - started[s.SessionId].MeterStartWh);
        var streams = history.Select(e => e.StreamId).Distinct().ToList();
        var perSecond = history.Count / Math.Max(appending.TotalSeconds, 0.001);

        AnsiConsole.MarkupLineInterpolated($"""
            [bold]{history.Count:N0}[/] events in [bold]{streams.Count:N0}[/] streams ({string.Join(", ", streams.GroupBy(s => s[..s.IndexOf(':')]).Select(g => $"{g.Count():N0} {g.Key}"))})
            [bold]{started.Count:N0}[/] charging sessions delivered [bold]{energyWh / 1_000_000m:N2} MWh[/]
            Appended in {appending.TotalSeconds:F1} s ({perSecond:N0} events/s); total {total.TotalSeconds:F1} s
            Database: {database} on {server}
            Next: [bold]./settle serve --database {database}[/] and open /api/chargers or /api/streams/charger:DE-MUC-01 with the operator key printed at the end
            """);
    }
}
