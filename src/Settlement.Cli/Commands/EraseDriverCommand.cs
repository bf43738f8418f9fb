using Settlement.Projections;
using System.CommandLine;
using NodaTime;
using Settlement.Domain.Events;
using Settlement.Ledger.Drivers;
using Settlement.Ledger.Store;
using Spectre.Console;
using Settlement.Workbench.CommandLine;

namespace Settlement.Cli.Commands;

/// <summary><c>settle erase-driver</c>: a GDPR erasure by crypto-shredding the driver's key.</summary>
internal static class EraseDriverCommand
{
    public static Command Create()
    {
        var token = new Option<string?>("--token") { Description = "The driver's token (idTag, idToken or roaming token uid)." };
        var driverRef = new Option<string?>("--driver-ref") { Description = "The driver's pseudonym (drv_ and 32 hex digits), instead of --token." };
        var reason = new Option<string>("--reason") { Description = "Why, for the record.", DefaultValueFactory = _ => "GDPR Art. 17 erasure request" };
        var database = new DatabaseOptions("settlement", "Database whose driver to erase (the demo writes 'settlement_demo').");
        var command = new Command("erase-driver",
            "Erase a driver's personal data: delete their key and token link (crypto-shredding) and record driver_data_erased. No event is changed.")
        {
            token, driverRef, reason,
        };
        database.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var (givenToken, givenRef) = (parse.GetValue(token), parse.GetValue(driverRef));
            if (string.IsNullOrEmpty(givenToken) == string.IsNullOrEmpty(givenRef))
            {
                AnsiConsole.MarkupLine("[red]Name the driver by exactly one of --token or --driver-ref.[/]");
                return 2;
            }
            await using var server = await database.ConnectAsync(parse, m => AnsiConsole.MarkupLineInterpolated($"[grey]{m}[/]"), ct);
            await using var ledger = await server.OpenLedgerAsync(database.DatabaseName(parse), SettlementReadModels.All, ct);
            var operatorActor = new Actor(ActorKind.Operator, "cli");
            var now = SystemClock.Instance.GetCurrentInstant();
            try
            {
                var erased = givenToken is { Length: > 0 }
                    ? await ledger.EraseTokenAsync(givenToken, parse.GetValue(reason)!, operatorActor, now, ct)
                    : await ledger.EraseDriverAsync(givenRef!, parse.GetValue(reason)!, operatorActor, now, ct);
                AnsiConsole.MarkupLineInterpolated(
                    $"Erased [bold]{erased.DriverRef}[/]: key and token link deleted, driver_data_erased recorded. Their events stay as written, unreadable where sealed.");
                return 0;
            }
            catch (Exception e) when (e is UnknownDriverException or ArgumentException)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]{e.Message}[/]");
                return 1;
            }
        });
        return command;
    }
}
