using System.Text.Json.Nodes;
using Json.Schema;

namespace Settlement.Tests.Reports;

/// <summary>The committed schemas of the regulator reports, schemas/reports/ at the repository root.</summary>
internal static class ReportSchemas
{
    /// <summary>What is wrong with <paramref name="json"/> against the schema in <paramref name="file"/>; empty when it is valid.</summary>
    public static IReadOnlyList<string> Problems(string file, byte[] json)
    {
        // A schema built per call: JsonSchema.Net caches evaluation state per schema and options, and test
        // classes run in parallel.
        var schema = JsonSchema.FromText(Read(file));
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

    public static string Read(string file) => File.ReadAllText(RepositoryFiles.Schema(file));
}
