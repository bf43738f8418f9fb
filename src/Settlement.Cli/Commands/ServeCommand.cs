using System.CommandLine;
using Microsoft.Extensions.Hosting;
using Settlement.Host;
using Settlement.Ledger.Store;
using Spectre.Console;

namespace Settlement.Cli.Commands;

internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string[]>("--urls")
        {
            Description = "Addresses to listen on.",
            DefaultValueFactory = _ => ["http://127.0.0.1:5080"],
            AllowMultipleArgumentsPerToken = true,
        };
        var database = new DatabaseOptions("settlement", "Database to serve (default: the connection string's, else 'settlement'; the demo writes 'settlement_demo').");
        var command = new Command("serve", "Run the host: REST API (health, chargers, streams) over the ledger.") { urls };
        database.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            await using var server = await database.ConnectAsync(parse, Report, ct);
            var name = database.DatabaseName(parse);
            await server.EnsureDatabaseAsync(name, ct);
            await using var ledger = await LedgerStore.OpenAsync(server.ConnectionStringFor(name), ct);
            var app = SettlementHost.Build(ledger, $"{server.Description}, database {name}", parse.GetValue(urls)!);
            await app.StartAsync(ct);
            AnsiConsole.MarkupLineInterpolated($"[green]Serving[/] {string.Join(", ", app.Urls)} over {server.Description}, database [bold]{name}[/]. Ctrl+C stops.");
            await app.WaitForShutdownAsync(ct);
            return 0;
        });
        return command;
    }

    private static void Report(string message) => AnsiConsole.MarkupLineInterpolated($"[grey]{message}[/]");
}
