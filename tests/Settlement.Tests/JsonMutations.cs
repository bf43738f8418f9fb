using System.Text.Json.Nodes;

namespace Settlement.Tests;

/// <summary>Small changes to valid JSON documents, for checking that fast validators never accept what a schema refuses.</summary>
internal static class JsonMutations
{
    /// <summary>Replaces a value anywhere in the document (kind 0), drops a property (1) or adds an unknown one (2).</summary>
    public static void Mutate(JsonNode document, int position, JsonNode? replacement, int kind)
    {
        var nodes = Descendants(document).ToList();
        var target = nodes[position % nodes.Count];
        switch (kind)
        {
            case 1 when target.Parent is JsonObject parent:
                parent.Remove(target.GetPropertyName());
                break;
            case 2 when target is JsonObject obj:
                obj["unexpectedField"] = replacement;
                break;
            default:
                switch (target.Parent)
                {
                    case JsonObject parent: parent[target.GetPropertyName()] = replacement; break;
                    case JsonArray array: array[target.GetElementIndex()] = replacement; break;
                }
                break;
        }
    }

    public static IEnumerable<JsonNode> Descendants(JsonNode node)
    {
        yield return node;
        var children = node switch
        {
            JsonObject obj => obj.Select(p => p.Value),
            JsonArray array => array.AsEnumerable(),
            _ => [],
        };
        foreach (var child in children.OfType<JsonNode>())
            foreach (var descendant in Descendants(child))
                yield return descendant;
    }
}
