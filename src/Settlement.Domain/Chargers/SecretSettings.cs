using System.Text.Json.Nodes;
using Settlement.Domain.Events;

namespace Settlement.Domain.Chargers;

/// <summary>
/// The charger settings that are passwords: OCPP 1.6 <c>AuthorizationKey</c> (security whitepaper, profiles 1
/// and 2) and 2.0.1 <c>SecurityCtrlr/BasicAuthPassword</c>. A command setting one is sent to the charger as given
/// and recorded with the value replaced by <see cref="SecretAttribute.Marker"/>.
/// </summary>
public static class SecretSettings
{
    /// <summary>The payload with every secret setting's value replaced; the payload itself is left untouched.</summary>
    public static JsonObject Redacted(string action, JsonObject payload)
    {
        var copy = payload.DeepClone().AsObject();
        switch (action)
        {
            case "ChangeConfiguration" when IsSecret(copy["key"]) && copy.ContainsKey("value"):
                copy["value"] = SecretAttribute.Marker;
                break;
            case "SetVariables" when copy["setVariableData"] is JsonArray settings:
                foreach (var setting in settings.OfType<JsonObject>())
                    if (IsSecret(setting["component"]?["name"], setting["variable"]?["name"]) && setting.ContainsKey("attributeValue"))
                        setting["attributeValue"] = SecretAttribute.Marker;
                break;
        }
        return copy;
    }

    /// <summary><paramref name="payloadJson"/> (a recorded payload, so valid JSON) with its secret settings redacted.</summary>
    public static string Redacted(string action, string payloadJson)
    {
        if (!action.Equals("ChangeConfiguration", StringComparison.Ordinal) && !action.Equals("SetVariables", StringComparison.Ordinal))
            return payloadJson;
        return JsonNode.Parse(payloadJson) is JsonObject payload ? Redacted(action, payload).ToJsonString() : payloadJson;
    }

    private static bool IsSecret(JsonNode? key) =>
        key is JsonValue value && value.TryGetValue<string>(out var name) && name.Equals("AuthorizationKey", StringComparison.OrdinalIgnoreCase);

    private static bool IsSecret(JsonNode? component, JsonNode? variable) =>
        component is JsonValue c && c.TryGetValue<string>(out var componentName) && componentName.Equals("SecurityCtrlr", StringComparison.OrdinalIgnoreCase)
        && variable is JsonValue v && v.TryGetValue<string>(out var variableName) && variableName.Equals("BasicAuthPassword", StringComparison.OrdinalIgnoreCase);
}
