using System.CommandLine;
using Settlement.Cli.Commands;
using Settlement.Cli.Demo;

var root = new RootCommand("settle: the Settlement ledger and settlement engine for EV charge point operators.")
{
    DemoCommand.Create(),
    ServeCommand.Create(),
    SchemasCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
