using System.Text.Json.Nodes;
using Json.Schema;

namespace Settlement.Tests;

/// <summary>The committed JSON Schemas of the public documents and reports, under <c>schemas/</c>.</summary>
internal static class CommittedSchemas
{
    /// <summary>What is wrong with <paramref name="json"/> against the schema at <paramref name="path"/> (e.g. "documents/invoice.v1.json"); empty when it is valid.</summary>
    public static IReadOnlyList<string> Problems(string path, byte[] json)
    {
        // A fresh schema and options per call: JsonSchema.Net caches per schema and options pair, and test
        // classes run in parallel.
        var schema = JsonSchema.FromText(Read(path));
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

    public static string Read(string path) => File.ReadAllText(Path.Combine(RepositoryFiles.Schemas, path));
}
