using System.Text.Json.Nodes;
using Json.Schema;

namespace Settlement.Tests.Invoicing.Documents;

/// <summary>The committed schemas of the public documents, schemas/documents/ at the repository root.</summary>
public static class DocumentSchemas
{
    /// <summary>What is wrong with <paramref name="json"/> against the schema in <paramref name="file"/>; empty when it is valid.</summary>
    public static IReadOnlyList<string> Problems(string file, byte[] json)
    {
        // A fresh schema and options per call: JsonSchema.Net caches per schema and options pair, and test
        // classes run in parallel.
        var schema = JsonSchema.FromText(File.ReadAllText(Path.Combine(Folder(), file)));
        var result = schema.Evaluate(JsonNode.Parse(json), new EvaluationOptions
        {
            OutputFormat = OutputFormat.List,
            RequireFormatValidation = true,
        });
        return result.IsValid
            ? []
            : (result.Details ?? [])
                .Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))
                .ToList();
    }

    public static string Read(string file) => File.ReadAllText(Path.Combine(Folder(), file));

    private static string Folder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Settlement.sln")))
                return Path.Combine(dir.FullName, "schemas", "documents");
        throw new InvalidOperationException($"no folder above {AppContext.BaseDirectory} contains Settlement.sln");
    }
}
