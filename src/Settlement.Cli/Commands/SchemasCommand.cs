using System.CommandLine;
using Settlement.Domain.Events;
using Settlement.Ledger.Schemas;
using Spectre.Console;

namespace Settlement.Cli.Commands;

internal static class SchemasCommand
{
    public static Command Create()
    {
        var writeMissing = new Option<bool>("--write-missing")
        {
            Description = "Write schemas for new event types. Existing schemas are never overwritten: a stored event keeps its meaning.",
        };
        var directory = new Option<DirectoryInfo?>("--dir")
        {
            Description = "The schemas folder (default: schemas/ of the repository containing the current directory).",
        };
        var command = new Command("schemas", "Check that every event record matches its committed JSON Schema.")
        {
            writeMissing, directory,
        };
        command.SetAction(parse =>
        {
            var folder = parse.GetValue(directory)?.FullName ?? Path.Combine(Repository.Root(), "schemas");
            var audits = EventSchemas.Audit(EventCatalogue.Current, folder);
            var table = new Table().AddColumns("Event", "Stored as", "Schema", "Status");
            foreach (var audit in audits)
            {
                if (audit.Status == SchemaStatus.Missing && parse.GetValue(writeMissing))
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(audit.Path)!);
                    File.WriteAllText(audit.Path, audit.GeneratedSchema);
                    table.AddRow(audit.Type.ClrType.Name, audit.Type.StoredName, audit.Type.SchemaPath, "[green]written[/]");
                    continue;
                }
                var status = audit.Status switch
                {
                    SchemaStatus.Matches => "[green]matches[/]",
                    SchemaStatus.Missing => "[yellow]missing[/] (use --write-missing)",
                    _ => "[red]drifted[/]: add a V" + (audit.Type.Version + 1) + " record and an upcaster",
                };
                table.AddRow(audit.Type.ClrType.Name, audit.Type.StoredName, audit.Type.SchemaPath, status);
            }
            AnsiConsole.Write(table);
            var failing = audits.Count(a => a.Status == SchemaStatus.Drifted
                || (a.Status == SchemaStatus.Missing && !parse.GetValue(writeMissing)));
            return failing == 0 ? 0 : 1;
        });
        return command;
    }
}
