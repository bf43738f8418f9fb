using System.Text.Json;
using System.Text.Json.Nodes;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;

namespace Settlement.Ledger;

/// <summary>
/// Event data as it may leave the ledger (the stream endpoint, the auditor's bundle): every property marked
/// <see cref="SecretAttribute"/> replaced by <see cref="SecretAttribute.Marker"/>, and, in a command issued to a
/// charger, the value of a setting that is a password (<see cref="SecretSettings"/>; commands recorded before
/// those were redacted at recording still hold it).
/// </summary>
public static class SecretRedaction
{
    private static readonly IReadOnlyDictionary<Type, string[]> SecretFields = EventCatalogue.Current.All
        .Select(t => (t.ClrType, Fields: t.ClrType.GetProperties().Where(p => p.IsDefined(typeof(SecretAttribute), inherit: false))
            .Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)).ToArray()))
        .Where(t => t.Fields.Length > 0)
        .ToDictionary(t => t.ClrType, t => t.Fields);

    private static readonly IReadOnlyDictionary<string, Type> ByStoredName = EventCatalogue.Current.All.ToDictionary(t => t.StoredName, t => t.ClrType);

    private static readonly HashSet<Type> CommandsToChargers = [typeof(CommandIssued), typeof(CommandIssuedV2)];

    /// <summary>Every secret property's stored name; read models keep the same fields under the same names.</summary>
    public static IReadOnlySet<string> SecretNames { get; } = SecretFields.Values.SelectMany(f => f).ToHashSet(StringComparer.Ordinal);

    /// <summary>The names of the event type's secret properties, as they are stored (camel case).</summary>
    public static IReadOnlyList<string> SecretFieldsOf(Type eventType) => SecretFields.GetValueOrDefault(eventType) ?? [];

    /// <summary>The event serialised as the ledger stores it, with its secrets redacted.</summary>
    public static JsonNode Redacted(object data)
    {
        var node = JsonSerializer.SerializeToNode(data, data.GetType(), LedgerJson.Options)!;
        if (node is JsonObject fields) Redact(data.GetType(), fields);
        return node;
    }

    /// <summary>
    /// The stored data of an event of the stored type with its secrets redacted, or null when it holds none (the
    /// data then leaves as stored, byte for byte).
    /// </summary>
    public static string? RedactedOrNull(string storedType, string dataJson)
    {
        if (!ByStoredName.TryGetValue(storedType, out var type) || (!SecretFields.ContainsKey(type) && !CommandsToChargers.Contains(type)))
            return null;
        if (JsonNode.Parse(dataJson) is not JsonObject fields || !Redact(type, fields)) return null;
        return fields.ToJsonString();
    }

    /// <returns>Whether anything was redacted.</returns>
    private static bool Redact(Type type, JsonObject fields)
    {
        var redacted = false;
        foreach (var name in SecretFieldsOf(type))
            if (fields[name] is JsonValue)
            {
                fields[name] = SecretAttribute.Marker;
                redacted = true;
            }
        if (CommandsToChargers.Contains(type) && fields["action"]?.GetValue<string>() is { } action && fields["payloadJson"]?.GetValue<string>() is { } payload
            && SecretSettings.Redacted(action, payload) is var withoutSecrets && withoutSecrets != payload)
        {
            fields["payloadJson"] = withoutSecrets;
            redacted = true;
        }
        return redacted;
    }
}
