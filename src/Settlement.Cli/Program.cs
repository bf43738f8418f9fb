using System.CommandLine;
using Settlement.Cli.Commands;

var root = new RootCommand("settle: the Settlement ledger and settlement engine for EV charge point operators.")
{
    SchemasCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
