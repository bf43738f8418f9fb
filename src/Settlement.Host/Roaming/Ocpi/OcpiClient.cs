using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NodaTime;
using Settlement.Domain.Events;
using Settlement.Domain.Roaming;
using Settlement.Projections.Roaming;

namespace Settlement.Host.Roaming.Ocpi;

/// <summary>A partner's answer: the HTTP status, the OCPI status code and data when the body was an envelope, or why it was not.</summary>
public sealed record OcpiReply(int HttpStatus, int? OcpiStatus, JsonNode? Data, string? Problem, IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>HTTP 2xx and OCPI 1xxx: the partner took the message.</summary>
    public bool Accepted => HttpStatus is >= 200 and < 300 && OcpiStatus is >= 1000 and < 2000;

    public string Describe() => Problem ?? $"HTTP {HttpStatus}, OCPI status {OcpiStatus?.ToString() ?? "none"}";
}

/// <summary>
/// Calls a partner: <c>Authorization: Token base64(token)</c> with the token it gave us, a fresh X-Request-ID,
/// the routing headers, and every call recorded as an outbound <see cref="OcpiMessageExchanged"/>.
/// </summary>
public sealed class OcpiClient(HttpClient http, Ledger.Ledger ledger, OcpiOptions options, IClock clock)
{
    /// <summary>Calls <paramref name="url"/> with the partner's token B; the message is recorded whatever the outcome.</summary>
    /// <param name="timeout">Shorter than <see cref="OcpiOptions.TimeoutSeconds"/> where someone waits for the answer (real-time authorisation).</param>
    public Task<OcpiReply> SendAsync(OcpiPartnerEntry partner, string module, HttpMethod method, string url, JsonNode? body, string? objectId,
        string? correlationId, CancellationToken ct, TimeSpan? timeout = null)
    {
        var token = partner.SealedTokenB is { } sealedToken
            ? ledger.PartnerSecrets.Unseal(partner.PartnerId, sealedToken)
            : throw new InvalidOperationException($"Partner {partner.PartnerId} has not registered: we hold no token to call it with.");
        var routing = partner.Roles.FirstOrDefault();
        return SendWithTokenAsync(partner.PartnerId, token, module, method, url, body, objectId, correlationId,
            routing is null ? null : (routing.CountryCode, routing.PartyId), ct, timeout);
    }

    /// <summary>For the handshake, before the partner's token B is stored: the same call, with the token given.</summary>
    public async Task<OcpiReply> SendWithTokenAsync(string partnerId, string token, string module, HttpMethod method, string url, JsonNode? body,
        string? objectId, string? correlationId, (string CountryCode, string PartyId)? to, CancellationToken ct, TimeSpan? timeout = null)
    {
        var requestId = Guid.NewGuid().ToString();
        correlationId ??= requestId;
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Token", Convert.ToBase64String(Encoding.UTF8.GetBytes(token)));
        request.Headers.Add("X-Request-ID", requestId);
        request.Headers.Add("X-Correlation-ID", correlationId);
        request.Headers.Add("OCPI-from-country-code", options.CountryCode);
        request.Headers.Add("OCPI-from-party-id", options.PartyId);
        if (to is var (country, party))
        {
            request.Headers.Add("OCPI-to-country-code", country);
            request.Headers.Add("OCPI-to-party-id", party);
        }
        byte[]? bytes = null;
        if (body is not null)
        {
            bytes = Encoding.UTF8.GetBytes(body.ToJsonString(OcpiJson.Options));
            request.Content = new ByteArrayContent(bytes) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };
        }
        var reply = await ExchangeAsync(request, timeout ?? TimeSpan.FromSeconds(options.TimeoutSeconds), ct);
        var path = new Uri(url).PathAndQuery;
        await OcpiMessages.RecordAsync(ledger, new OcpiMessageExchanged(
            partnerId, module, OcpiDirection.Outbound, method.Method, path.Length > 512 ? path[..512] : path,
            objectId is { Length: > 36 } ? objectId[..36] : objectId,
            reply.HttpStatus, reply.OcpiStatus is >= 1000 and <= 4999 ? reply.OcpiStatus : null, requestId, correlationId.Length > 36 ? correlationId[..36] : correlationId,
            bytes is null ? null : Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes?.Length ?? 0,
            reply.Accepted ? OcpiOutcome.Accepted : reply.HttpStatus == 0 ? OcpiOutcome.Failed : OcpiOutcome.Refused,
            reply.Accepted ? null : reply.Describe() is var problem && problem.Length > 500 ? problem[..500] : reply.Describe(),
            clock.GetCurrentInstant()), new Actor(ActorKind.Job, "ocpi"), ct);
        return reply;
    }

    private async Task<OcpiReply> ExchangeAsync(HttpRequestMessage request, TimeSpan wait, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(wait);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return new OcpiReply(0, null, null, $"{request.RequestUri} could not be reached: {e.Message}", new Dictionary<string, string>());
        }
        using (response)
        {
            var headers = response.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
            var status = (int)response.StatusCode;
            string text;
            try
            {
                text = await ReadBoundedAsync(response, timeout.Token);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidDataException && !ct.IsCancellationRequested)
            {
                return new OcpiReply(status, null, null, $"HTTP {status}, and the body could not be read: {e.Message}", headers);
            }
            try
            {
                if (JsonNode.Parse(text) is JsonObject envelope && envelope["status_code"] is JsonValue code && code.TryGetValue<int>(out var ocpiStatus))
                    return new OcpiReply(status, ocpiStatus, envelope["data"]?.DeepClone(),
                        ocpiStatus is >= 1000 and < 2000 && status is >= 200 and < 300 ? null
                            : $"HTTP {status}, OCPI status {ocpiStatus}: {(string?)envelope["status_message"] ?? "no message"}", headers);
            }
            catch (JsonException)
            {
            }
            return new OcpiReply(status, null, null, $"HTTP {status} without an OCPI envelope", headers);
        }
    }

    private const int MaxReplyBytes = 16 * 1024 * 1024;

    private static async Task<string> ReadBoundedAsync(HttpResponseMessage response, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxReplyBytes) throw new InvalidDataException($"the answer is longer than {MaxReplyBytes} bytes");
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
