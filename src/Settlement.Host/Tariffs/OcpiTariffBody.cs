using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Settlement.Domain.Tariffs;
using Settlement.Host.Roaming.Ocpi;

namespace Settlement.Host.Tariffs;

/// <summary>
/// Reads a tariff written as an OCPI 2.2.1 Tariff object for <c>POST /api/tariffs/ocpi</c>: every problem at once,
/// each naming the field as OCPI writes it. Beyond the spec's shape it asks what publishing needs: start_date_time
/// (prices never change retroactively, so the sender says from when), our own country_code and party_id when given,
/// and none of the fields we do not keep.
/// </summary>
public static class OcpiTariffBody
{
    public const int MaxBytes = 256 * 1024;
    public const int MaxElements = 100;

    public static async Task<(OcpiTariff? Tariff, IReadOnlyList<string> Problems)> ReadAsync(HttpRequest request, OcpiOptions options)
    {
        if (request.ContentLength is > MaxBytes)
            return (null, [$"body: {request.ContentLength} bytes, at most {MaxBytes}"]);
        JsonNode? node;
        try
        {
            using var limited = new MemoryStream();
            await request.Body.CopyToAsync(limited, request.HttpContext.RequestAborted);
            if (limited.Length > MaxBytes) return (null, [$"body: more than {MaxBytes} bytes"]);
            limited.Position = 0;
            node = await JsonNode.ParseAsync(limited, documentOptions: new JsonDocumentOptions { MaxDepth = 32 }, cancellationToken: request.HttpContext.RequestAborted);
        }
        catch (JsonException malformed)
        {
            return (null, [$"body: malformed JSON at line {malformed.LineNumber + 1}, byte {malformed.BytePositionInLine + 1}; expected an OCPI Tariff object"]);
        }
        if (node is not JsonObject) return (null, ["body: expected an OCPI Tariff object"]);
        var shape = JsonShapes.Problems(node, typeof(OcpiTariff), OcpiJson.Options);
        if (shape.Count > 0) return (null, shape);
        OcpiTariff tariff;
        try
        {
            tariff = node.Deserialize<OcpiTariff>(OcpiJson.Options)!;
        }
        catch (JsonException e)
        {
            return (null, [$"{e.Path?.TrimStart('$', '.') ?? "body"}: {e.Message}"]);
        }
        var problems = new List<string>(OcpiTariffs.Problems(tariff));
        if (tariff.Elements is { Count: > MaxElements } elements) problems.Add($"elements: {elements.Count} elements, at most {MaxElements}");
        if (tariff.CountryCode is { } country && country != options.CountryCode)
            problems.Add($"country_code: '{country}' is not ours ({options.CountryCode}); leave it out or write ours");
        if (tariff.PartyId is { } party && party != options.PartyId)
            problems.Add($"party_id: '{party}' is not ours ({options.PartyId}); leave it out or write ours");
        if (tariff.StartDateTime is null)
            problems.Add("start_date_time: required here, the instant this version comes into force (never in the past)");
        problems.AddRange(OcpiTariffs.NotModelled(tariff).Select(field => $"{field}: not kept by our tariffs; leave it out"));
        return problems.Count > 0 ? (null, problems) : (tariff, []);
    }
}
