using Settlement.Projections;
using System.CommandLine;
using NodaTime.Text;
using Settlement.Host.Audit;
using Settlement.Ledger.Audit;
using Settlement.Ledger.Store;
using Spectre.Console;
using Settlement.Workbench.CommandLine;

namespace Settlement.Cli.Commands;

/// <summary>
/// <c>settle replay</c>: every projection rebuilt from zero (or up to a cut) into a separate schema,
/// and with <c>--compare</c> the documents rendered from it compared with the live ones.
/// </summary>
internal static class ReplayCommand
{
    private const int DifferencesShown = 20;

    public static Command Create()
    {
        var position = new Option<long?>("--position") { Description = "Replay up to and including this global position (seq_id)." };
        var asOf = new Option<string?>("--as-of") { Description = "Replay what the ledger had recorded by this instant, e.g. 2026-10-15T00:00:00Z." };
        var schema = new Option<string>("--schema")
        {
            Description = "Schema to replay into; dropped and recreated (never 'ledger').",
            DefaultValueFactory = _ => Replay.DefaultSchema,
        };
        var compare = new Option<bool>("--compare") { Description = "Compare every document rendered from the replay with the live one, line by line." };
        var database = new DatabaseOptions("settlement", "Database whose ledger to replay (the demo writes 'settlement_demo').");
        var command = new Command("replay", "Rebuild every projection from zero, or as of a position or instant, into a separate schema, and compare it with the live read models.")
        {
            position, asOf, schema, compare,
        };
        database.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            if (!TryCut(parse.GetValue(position), parse.GetValue(asOf), out var cut)) return 2;
            await using var server = await database.ConnectAsync(parse, m => AnsiConsole.MarkupLineInterpolated($"[grey]{m}[/]"), ct);
            var name = database.DatabaseName(parse);
            await using var live = await server.OpenLedgerAsync(name, SettlementReadModels.All, ct);

            var started = System.Diagnostics.Stopwatch.StartNew();
            Replay? replay = null;
            try
            {
                await AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                    .StartAsync(async progress =>
                    {
                        var steps = new Dictionary<string, ProgressTask>();
                        // The replay creates a schema of its own, which the application role may not.
                        replay = await Replay.RunAsync(server.MigrationConnectionStringFor(name), SettlementReadModels.All, cut, parse.GetValue(schema)!, report =>
                        {
                            if (!steps.TryGetValue(report.Step, out var step)) steps[report.Step] = step = progress.AddTask(report.Step);
                            step.MaxValue = Math.Max(report.Total, 1);
                            step.Value = report.Total == 0 ? 1 : report.Done;
                        }, ct);
                    });
            }
            catch (ArgumentException invalid)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]{invalid.Message}[/]");
                return 2;
            }
            await using var replayed = replay!;
            AnsiConsole.MarkupLineInterpolated(
                $"Replayed {replayed.Events:N0} events ({cut}, up to position {replayed.Position:N0}) into schema [bold]{replayed.Ledger.Schema}[/] in {started.Elapsed.TotalSeconds:F1} s.");
            if (!parse.GetValue(compare)) return 0;

            var comparison = await AnsiConsole.Status().StartAsync("Comparing the live documents with the replayed ones",
                _ => ReplayComparison.CompareAsync(live, replayed, ct));
            Print(comparison, replayed);
            return comparison.Reproduced ? 0 : 1;
        });
        return command;
    }

    private static bool TryCut(long? position, string? asOf, out ReplayCut cut)
    {
        cut = ReplayCut.Everything;
        if (position is not null && asOf is not null)
        {
            AnsiConsole.MarkupLine("[red]Give --position or --as-of, not both.[/]");
            return false;
        }
        if (position is < 0)
        {
            AnsiConsole.MarkupLine("[red]--position is a global position, 0 or more.[/]");
            return false;
        }
        if (asOf is null)
        {
            cut = new ReplayCut(Position: position);
            return true;
        }
        var instant = InstantPattern.ExtendedIso.Parse(asOf);
        if (!instant.Success)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]--as-of must be an instant like 2026-10-15T00:00:00Z, not '{asOf}'.[/]");
            return false;
        }
        cut = new ReplayCut(AsOf: instant.Value);
        return true;
    }

    private static void Print(ReplayComparison comparison, Replay replay)
    {
        var table = new Table().Title("Live compared with the replay").AddColumns("Document", "Compared", "Identical", "Different", "Changed after the cut");
        foreach (var kind in comparison.Kinds)
            table.AddRow(Markup.Escape(kind.Kind), $"{kind.Compared:N0}", $"{kind.Identical:N0}",
                kind.Different == 0 ? "0" : $"[red]{kind.Different:N0}[/]", $"{kind.AfterCut:N0}");
        AnsiConsole.Write(table);

        PrintDifferences("Differences", comparison.Differences);
        if (replay.ChangedFrom is { } from)
        {
            AnsiConsole.MarkupLineInterpolated(
                $"[grey]Live documents written since {from} (the earliest recorded time past the cut), or in a transaction that appended events past the cut, count as changed after the cut, not as differences.[/]");
            PrintDifferences("Changed after the cut", comparison.AfterCut);
        }
        if (comparison.Reproduced) AnsiConsole.MarkupLineInterpolated($"[green]{comparison.Verdict}[/]");
        else AnsiConsole.MarkupLineInterpolated($"[red]{comparison.Verdict}[/]");
    }

    private static void PrintDifferences(string title, IReadOnlyList<DocumentDifference> differences)
    {
        if (differences.Count == 0) return;
        var table = new Table().Title($"{title} (first {Math.Min(DifferencesShown, differences.Count)} of {differences.Count:N0} lines)")
            .AddColumns("Document", "Where", "Live", "Replay");
        foreach (var difference in differences.Take(DifferencesShown))
            table.AddRow(Markup.Escape($"{difference.Kind} {difference.Document}"), Markup.Escape(difference.Where),
                Markup.Escape(difference.Live), Markup.Escape(difference.Replay));
        AnsiConsole.Write(table);
    }
}
