using System.CommandLine;
using Settlement.Cli.Commands;
using Settlement.Domain.Events;
using Settlement.Ledger;
using Settlement.Ledger.Database;
using Settlement.Ledger.Schemas;
using Settlement.Workbench.Bench;
using Settlement.Workbench.Demo;

var root = new RootCommand("settle: the Settlement ledger and settlement engine for EV charge point operators.")
{
    DemoCommand.Create(),
    ServeCommand.Create(),
    SchemasCommand.Create(),
    BenchCommand.Create(),
    ReportCommand.Create(),
    ReportCommand.RebuildCommand(),
    AuditCommand.Verify(),
    AuditCommand.Checkpoint(),
    AuditCommand.Export(),
    AuditCommand.SigningKey(),
    KeysCommand.Create(),
    PartnersCommand.Create(),
    EraseDriverCommand.Create(),
    ReplayCommand.Create(),
};

try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (e is DatabaseServerException or StreamConcurrencyException or MalformedEventException
                              or UnknownEventException or Npgsql.PostgresException or InvalidDataException)
{
    // These carry a message written for the operator; a stack trace would only hide it.
    Console.Error.WriteLine($"settle: {e.Message}");
    return 1;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("settle: cancelled.");
    return 130;
}
