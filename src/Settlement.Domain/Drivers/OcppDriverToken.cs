using System.Text.Json.Nodes;

namespace Settlement.Domain.Drivers;

/// <summary>Where a well-formed OCPP payload names its driver: 1.6 <c>idTag</c>, 2.0.1 <c>idToken.idToken</c>.</summary>
public static class OcppDriverToken
{
    /// <summary>The payload's driver token; null when it names none (or names it empty).</summary>
    public static string? In(JsonObject payload) => IdTag(payload) ?? IdToken(payload);

    /// <summary>A copy of the payload without its driver token, and the token; the payload passed in is left as it is.</summary>
    public static (JsonObject Payload, string? Token) Without(JsonObject payload)
    {
        var copy = payload.DeepClone().AsObject();
        if (IdTag(copy) is { } tag)
        {
            copy.Remove("idTag");
            return (copy, tag);
        }
        if (IdToken(copy) is { } token)
        {
            copy["idToken"]!.AsObject().Remove("idToken");
            return (copy, token);
        }
        return (copy, null);
    }

    private static string? IdTag(JsonObject payload) =>
        payload["idTag"] is JsonValue value && value.TryGetValue<string>(out var tag) && tag.Length > 0 ? tag : null;

    private static string? IdToken(JsonObject payload) =>
        payload["idToken"] is JsonObject idToken && idToken["idToken"] is JsonValue value && value.TryGetValue<string>(out var token) && token.Length > 0
            ? token
            : null;
}
