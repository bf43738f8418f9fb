using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Settlement.Domain.Events;

namespace Settlement.Host;

/// <summary>
/// Size limits on everything a request brings, checked before any handler reads the database: ids that name streams
/// follow <see cref="Identifiers"/>, every other string has a maximum length and every collection a maximum count.
/// Whatever the ledger accepts through the API it keeps for ever, so a field has the size its meaning needs, not the
/// size a client chooses. The request body as a whole is capped by Kestrel (<see cref="MaxBodyBytes"/>, 413).
/// </summary>
public sealed class BoundedInput : IEndpointFilter
{
    public const long MaxBodyBytes = 1024 * 1024;

    /// <summary>A month's camt.053 statement of a busy account is larger than any JSON request.</summary>
    public const long LargestBodyBytes = Settlement.Domain.Receivables.Camt053.MaxBytes;

    /// <summary>The body limit of a request path: <see cref="MaxBodyBytes"/>, but a bank statement's for the import.</summary>
    public static long BodyLimitOf(PathString path) =>
        path.Equals(Receivables.ReceivableEndpoints.StatementsRoute, StringComparison.OrdinalIgnoreCase) ? LargestBodyBytes : MaxBodyBytes;

    public const int DefaultTextLength = 200;
    public const int DefaultItems = 100;

    /// <summary>Route values and body fields whose value becomes part of a stream's name.</summary>
    private static readonly HashSet<string> StreamIdNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "chargerId", "siteId", "tariffId", "issuerId", "partnerId", "series", "rolloutId", "invoiceNumber",
    };

    /// <summary>Fields whose meaning needs more (or less) than <see cref="DefaultTextLength"/>.</summary>
    private static readonly Dictionary<string, int> TextLengths = new(StringComparer.OrdinalIgnoreCase)
    {
        ["notes"] = 2_000, ["comment"] = 2_000, ["reason"] = 2_000, ["address"] = 500, ["source"] = 500,
        ["password"] = 128,
        // OCPP 2.0.1 IdTokenType.idToken and transactionId are identifierString[36]; 1.6 idTag is CiString20.
        ["idToken"] = 36, ["transactionId"] = 36,
        // OCPP 1.6 ChangeConfiguration.value is CiString500; 2.0.1 SetVariableData.attributeValue string[1000].
        ["value"] = 1_000,
        // OCPP 2.0.1 UpdateFirmware location is string[512].
        ["location"] = 512,
        // OCPP 2.0.1 FirmwareType.signature is string[800], signingCertificate string[5500] (PEM).
        ["signature"] = 800, ["signingCertificate"] = 5_500,
        // A 2.0.1 charging profile with its schedule periods; the relay test sends 30 KB.
        ["profile"] = 64 * 1024,
    };

    /// <summary>
    /// Collections whose meaning needs another bound than <see cref="DefaultItems"/>. A body property's own
    /// <c>[MaxLength]</c> comes first: a site's power model lists up to 2,000 EVSEs where a charger has at most 99.
    /// </summary>
    private static readonly Dictionary<string, int> ItemCounts = new(StringComparer.OrdinalIgnoreCase)
    {
        // EVSE and connector ids are 1 to 99 (the events' schemas), each at most once.
        ["evses"] = 99, ["connectors"] = 99,
        ["sessionIds"] = 1_000, ["lines"] = 1_000,
    };

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var problem = context.HttpContext.Request.RouteValues
            .Select(route => route.Value is string value ? Check(route.Key, value) : null)
            .FirstOrDefault(p => p is not null);
        problem ??= context.Arguments.Where(IsBody).Select(body => CheckObject("", body!)).FirstOrDefault(p => p is not null);
        return problem is null ? await next(context) : Results.BadRequest(new { error = problem });
    }

    /// <summary>Request bodies and what they nest are our records; the services a handler also takes are not.</summary>
    private static bool IsBody(object? argument) =>
        argument?.GetType() is { } type && type.Namespace?.StartsWith("Settlement.", StringComparison.Ordinal) == true
                                        && type.GetProperty("EqualityContract", BindingFlags.NonPublic | BindingFlags.Instance) is not null;

    private static string? CheckObject(string path, object value)
    {
        foreach (var property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0) continue;
            var name = JsonNamingPolicy.CamelCase.ConvertName(property.Name);
            var problem = CheckValue(path.Length == 0 ? name : $"{path}.{name}", name, property.GetValue(value),
                property.GetCustomAttribute<System.ComponentModel.DataAnnotations.MaxLengthAttribute>()?.Length);
            if (problem is not null) return problem;
        }
        return null;
    }

    private static string? CheckValue(string path, string name, object? value, int? maxItems = null) => value switch
    {
        null => null,
        string text => Check(path, name, text),
        Uri uri => Check(path, name, uri.OriginalString),
        JsonNode json => Check(path, name, json.ToJsonString()),
        IEnumerable items => CheckItems(path, name, items.Cast<object?>().ToList(), maxItems),
        _ when IsBody(value) => CheckObject(path, value),
        _ => null,
    };

    private static string? CheckItems(string path, string name, IReadOnlyList<object?> items, int? maxItems)
    {
        var limit = maxItems ?? ItemCounts.GetValueOrDefault(name, DefaultItems);
        if (items.Count > limit) return $"{path}: at most {limit} items, not {items.Count}.";
        for (var i = 0; i < items.Count; i++)
            if (CheckValue($"{path}[{i}]", name, items[i]) is { } problem)
                return problem;
        return null;
    }

    private static string? Check(string name, string value) => Check(name, name, value);

    private static string? Check(string path, string name, string value)
    {
        if (StreamIdNames.Contains(name))
            return Identifiers.IsValid(value) ? null : $"{path}: '{Shown(value)}' is not an id ({Identifiers.Shape}).";
        var limit = TextLengths.GetValueOrDefault(name, DefaultTextLength);
        return value.Length <= limit ? null : $"{path}: at most {limit} characters, not {value.Length}.";
    }

    /// <summary>Enough of a refused value to recognise it, never all of an oversized one.</summary>
    private static string Shown(string value) => value.Length <= 60 ? value : value[..60] + "...";
}
