using Settlement.Domain.Events;
using System.Text;
using System.Text.Json;

namespace Settlement.Host.Audit;

/// <summary>Where two renderings of one document differ, and how each reads there.</summary>
public sealed record DocumentDifference(string Kind, string Document, string Where, string Live, string Replay);

/// <summary>
/// Finds where two renderings of a document differ: JSON leaf by leaf (path = value, keys in ordinal
/// order, so formatting and key order do not count), text line by line, anything else by its first
/// differing byte.
/// </summary>
public static class DocumentDiff
{
    public enum Form { Json, Text, Binary }

    /// <summary>Differences listed per document before the rest are summed up in one line.</summary>
    public const int MostPerDocument = 10;

    public static bool Same(Form form, byte[] live, byte[] replay) =>
        form == Form.Json ? Canonical(live).SequenceEqual(Canonical(replay)) : live.AsSpan().SequenceEqual(replay);

    public static IReadOnlyList<DocumentDifference> Between(string kind, string document, Form form, byte[] live, byte[] replay)
    {
        var found = form switch
        {
            Form.Json => Lines(Canonical(live).ToList(), Canonical(replay).ToList(), keyed: true),
            Form.Text => Lines(TextLines(live), TextLines(replay), keyed: false),
            _ => [FirstByte(live, replay)],
        };
        if (form == Form.Json && found.Count == 0 && !live.AsSpan().SequenceEqual(replay))
            found = [FirstByte(live, replay)];
        var differences = found.Take(MostPerDocument)
            .Select(d => new DocumentDifference(kind, document, d.Where, Shown(d.Where, d.Live), Shown(d.Where, d.Replay))).ToList();
        if (found.Count > MostPerDocument)
            differences.Add(new DocumentDifference(kind, document, "…", $"{found.Count - MostPerDocument} more differences", ""));
        return differences;
    }

    /// <summary>A read model's credential hash (a charger's password hash, a key's verifier) differs, but is never shown.</summary>
    private static string Shown(string where, string value) =>
        where.LastIndexOf('.') is var dot and >= 0 && Ledger.SecretRedaction.SecretNames.Contains(where[(dot + 1)..]) ? SecretAttribute.Marker : value;

    /// <summary>One line per JSON leaf, "path = value", in path order: equal for equal JSON however it is formatted.</summary>
    public static IEnumerable<string> Canonical(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var lines = new List<string>();
        Flatten(document.RootElement, "$", lines);
        return lines;
    }

    private static void Flatten(JsonElement element, string path, List<string> lines)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var properties = element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
                if (properties.Count == 0) lines.Add($"{path} = {{}}");
                foreach (var property in properties) Flatten(property.Value, $"{path}.{property.Name}", lines);
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray()) Flatten(item, $"{path}[{index++}]", lines);
                if (index == 0) lines.Add($"{path} = []");
                break;
            default:
                lines.Add($"{path} = {element.GetRawText()}");
                break;
        }
    }

    private static List<string> TextLines(byte[] text) => [.. Encoding.UTF8.GetString(text).Split('\n').Select(l => l.TrimEnd('\r'))];

    /// <summary>
    /// Keyed: lines are "path = value", matched by path (a leaf only one side has is a difference of its own).
    /// Otherwise lines are matched by number.
    /// </summary>
    private static List<(string Where, string Live, string Replay)> Lines(List<string> live, List<string> replay, bool keyed)
    {
        var found = new List<(string, string, string)>();
        if (!keyed)
        {
            for (var i = 0; i < Math.Max(live.Count, replay.Count); i++)
            {
                var (left, right) = (i < live.Count ? live[i] : "(no line)", i < replay.Count ? replay[i] : "(no line)");
                if (left != right) found.Add(($"line {i + 1}", left, right));
            }
            return found;
        }
        var liveByPath = live.ToDictionary(PathOf, ValueOf);
        var replayByPath = replay.ToDictionary(PathOf, ValueOf);
        foreach (var path in liveByPath.Keys.Union(replayByPath.Keys).Order(StringComparer.Ordinal))
        {
            var (left, right) = (liveByPath.GetValueOrDefault(path, "(absent)"), replayByPath.GetValueOrDefault(path, "(absent)"));
            if (left != right) found.Add((path, left, right));
        }
        return found;
    }

    private static string PathOf(string line) => line[..line.IndexOf(" = ", StringComparison.Ordinal)];

    private static string ValueOf(string line) => line[(line.IndexOf(" = ", StringComparison.Ordinal) + 3)..];

    private static (string, string, string) FirstByte(byte[] live, byte[] replay)
    {
        var at = live.AsSpan().CommonPrefixLength(replay);
        return ($"byte {at} (of {live.Length:N0} live, {replay.Length:N0} replayed)", Excerpt(live, at), Excerpt(replay, at));
    }

    private static string Excerpt(byte[] bytes, int at) =>
        at >= bytes.Length ? "(end)" : Convert.ToHexString(bytes, at, Math.Min(16, bytes.Length - at));
}
