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
    /// <summary>A copy of the payload with every secret setting's value replaced; the payload itself is left untouched.</summary>
    public static JsonObject Redacted(string action, JsonObject payload)
    {
        var copy = payload.DeepClone().AsObject();
        RedactIn(action, copy);
        return copy;
    }

    /// <summary><paramref name="payloadJson"/> (a recorded payload, so valid JSON) with its secret settings redacted; itself when it holds none.</summary>
    public static string Redacted(string action, string payloadJson) =>
        action is "ChangeConfiguration" or "SetVariables" && JsonNode.Parse(payloadJson) is JsonObject payload && RedactIn(action, payload)
            ? payload.ToJsonString()
            : payloadJson;

    /// <returns>Whether the payload set a secret.</returns>
    private static bool RedactIn(string action, JsonObject payload)
    {
        var redacted = false;
        switch (action)
        {
            case "ChangeConfiguration" when IsSecret(payload["key"]) && payload.ContainsKey("value"):
                payload["value"] = SecretAttribute.Marker;
                redacted = true;
                break;
            case "SetVariables" when payload["setVariableData"] is JsonArray settings:
                foreach (var setting in settings.OfType<JsonObject>())
                    if (IsSecret(setting["component"]?["name"], setting["variable"]?["name"]) && setting.ContainsKey("attributeValue"))
                    {
                        setting["attributeValue"] = SecretAttribute.Marker;
                        redacted = true;
                    }
                break;
        }
        return redacted;
    }

    private static bool IsSecret(JsonNode? key) =>
        key is JsonValue value && value.TryGetValue<string>(out var name) && name.Equals("AuthorizationKey", StringComparison.OrdinalIgnoreCase);

    private static bool IsSecret(JsonNode? component, JsonNode? variable) =>
        component is JsonValue c && c.TryGetValue<string>(out var componentName) && componentName.Equals("SecurityCtrlr", StringComparison.OrdinalIgnoreCase)
        && variable is JsonValue v && v.TryGetValue<string>(out var variableName) && variableName.Equals("BasicAuthPassword", StringComparison.OrdinalIgnoreCase);
}
