using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Settlement.Workbench.Roaming;

/// <summary>One OCPI call the double received: method, path (with query), the body, and the request id it carried.</summary>
public sealed record ReceivedCall(string Method, string Path, JsonNode? Body, string? RequestId, DateTimeOffset At);

/// <summary>
/// A small EMSP following OCPI 2.2.1, on loopback, for the demo and the tests: it registers with a CPO (tokens A/B/C),
/// receives locations, tariffs, sessions, CDRs and command results, and pushes tokens and sends commands. Written from
/// the spec, not from the host's code, so the two can disagree where one of them is wrong.
/// </summary>
public sealed class EmspDouble : IAsyncDisposable
{
    public const string CountryCode = "NL";

    /// <summary>Its OCPI party id: "EMS" unless a test needs partners of its own on a shared ledger.</summary>
    public string PartyId { get; }

    /// <summary>How the CPO names this partner: country code and party id.</summary>
    public string PartnerId => $"{CountryCode}-{PartyId}";

    private readonly WebApplication _app;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly ConcurrentQueue<ReceivedCall> _received = new();
    private readonly ConcurrentDictionary<string, JsonNode> _objects = new();
    private readonly ConcurrentDictionary<string, string> _authorizations = new();

    /// <summary>The token we give the CPO to call us with (token B).</summary>
    public string TokenB { get; } = "emsp-token-b-" + Guid.NewGuid().ToString("N");

    /// <summary>The token the CPO gave us at registration (token C); null before.</summary>
    public string? TokenC { get; private set; }

    /// <summary>The CPO's endpoints by module identifier, from its version details.</summary>
    public IReadOnlyDictionary<string, string> CpoEndpoints { get; private set; } = new Dictionary<string, string>();

    /// <summary>While true, every call is answered 503 without being taken: a partner that is down.</summary>
    public bool Down { get; set; }

    /// <summary>Every answer waits this long first: a partner slower than the CPO is willing to wait.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>
    /// When true, disposing the double first unregisters it (DELETE credentials) while it is registered: a partner
    /// that goes away for good, so the CPO stops queuing pushes to an address nobody answers any more.
    /// </summary>
    public bool LeaveOnDispose { get; init; }

    public string BaseUrl { get; }

    public IReadOnlyList<ReceivedCall> Received => [.. _received];

    /// <summary>Objects as last received, by "module/id" (e.g. "sessions/SESSION-1", "cdrs/CDR-1", "locations/SITE-1").</summary>
    public IReadOnlyDictionary<string, JsonNode> Objects => _objects;

    private EmspDouble(WebApplication app, string partyId)
    {
        _app = app;
        PartyId = partyId;
        BaseUrl = app.Urls.First();
    }

    /// <param name="partyId">Three characters A-Z and 0-9.</param>
    public static async Task<EmspDouble> StartAsync(string partyId = "EMS", bool leaveOnDispose = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        EmspDouble? self = null;
        app.Run(context => self!.HandleAsync(context));
        await app.StartAsync();
        self = new EmspDouble(app, partyId) { LeaveOnDispose = leaveOnDispose };
        return self;
    }

    /// <summary>The handshake from our side: read the CPO's versions with token A, then POST our credentials; keeps token C.</summary>
    public async Task RegisterAsync(string cpoVersionsUrl, string tokenA)
    {
        var versions = await CallAsync(HttpMethod.Get, cpoVersionsUrl, tokenA, null);
        var url = (string)versions["data"]!.AsArray().First(v => (string)v!["version"]! == "2.2.1")!["url"]!;
        await ReadDetailsAsync(url, tokenA);
        var answer = await CallAsync(HttpMethod.Post, CpoEndpoints["credentials"], tokenA, Credentials());
        TokenC = (string)answer["data"]!["token"]!;
    }

    /// <summary>For tests that set the registration up in the ledger directly: the token C and the CPO's endpoints to use.</summary>
    public void AdoptRegistration(string tokenC, IReadOnlyDictionary<string, string> cpoEndpoints)
    {
        TokenC = tokenC;
        CpoEndpoints = cpoEndpoints;
    }

    /// <summary>The modules this EMSP implements, as its version details lists them.</summary>
    public IReadOnlyList<(string Module, string Role, string Url)> Modules =>
        [.. Details()["endpoints"]!.AsArray().Select(e => ((string)e!["identifier"]!, (string)e["role"]!, (string)e["url"]!))];

    /// <summary>PUT credentials: a new token B for the CPO; the CPO answers with a new token C.</summary>
    public async Task UpdateCredentialsAsync()
    {
        var answer = await CallAsync(HttpMethod.Put, CpoEndpoints["credentials"], TokenC!, Credentials());
        TokenC = (string)answer["data"]!["token"]!;
    }

    public Task<JsonObject> UnregisterAsync() => CallAsync(HttpMethod.Delete, CpoEndpoints["credentials"], TokenC!, null);

    /// <summary>Calls the CPO with token C; the whole envelope is returned whatever its status.</summary>
    public Task<JsonObject> CallCpoAsync(HttpMethod method, string url, JsonNode? body = null) => CallAsync(method, url, TokenC!, body, throwOnError: false);

    /// <summary>Pushes one of our tokens to the CPO (PUT tokens/{country}/{party}/{uid}).</summary>
    public Task<JsonObject> PushTokenAsync(string uid, string contractId, bool valid = true, string whitelist = "ALLOWED", string type = "RFID") =>
        CallCpoAsync(HttpMethod.Put, $"{CpoEndpoints["tokens"]}/{CountryCode}/{PartyId}/{uid}?type={type}", Token(uid, contractId, valid, whitelist, type));

    /// <summary>One of our tokens as an OCPI Token object; each one made is last_updated later than the one before, as a changed token is.</summary>
    public JsonObject Token(string uid, string contractId, bool valid = true, string whitelist = "ALLOWED", string type = "RFID") => new()
    {
        ["country_code"] = CountryCode, ["party_id"] = PartyId, ["uid"] = uid, ["type"] = type, ["contract_id"] = contractId,
        ["issuer"] = "EMSP Double", ["valid"] = valid, ["whitelist"] = whitelist, ["last_updated"] = NextLastUpdated(),
    };

    private DateTime _lastUpdated = DateTime.MinValue;
    private readonly Lock _lastUpdatedLock = new();

    private string NextLastUpdated()
    {
        lock (_lastUpdatedLock)
        {
            var now = DateTime.UtcNow;
            _lastUpdated = now > _lastUpdated.AddSeconds(1) ? now : _lastUpdated.AddSeconds(1);
            return _lastUpdated.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
        }
    }

    /// <summary>
    /// How we answer the CPO's real-time authorisation of <paramref name="uid"/> (tokens SENDER, POST {uid}/authorize):
    /// ALLOWED, BLOCKED, EXPIRED, NO_CREDIT or NOT_ALLOWED. A uid never set is answered 2004 (unknown token).
    /// </summary>
    public void AnswerAuthorization(string uid, string allowed) => _authorizations[uid] = allowed;

    /// <summary>Sends a command to the CPO (POST commands/{command}); the envelope holds its CommandResponse.</summary>
    public Task<JsonObject> SendCommandAsync(string command, JsonObject body) => CallCpoAsync(HttpMethod.Post, $"{CpoEndpoints["commands"]}/{command}", body);

    /// <summary>The URL the CPO must post a command's result to.</summary>
    public string CommandResponseUrl(string command, string id) => $"{BaseUrl}/ocpi/2.2.1/commands/{command}/{id}";

    private async Task ReadDetailsAsync(string detailsUrl, string token)
    {
        var details = await CallAsync(HttpMethod.Get, detailsUrl, token, null);
        CpoEndpoints = details["data"]!["endpoints"]!.AsArray()
            .GroupBy(e => (string)e!["identifier"]!)
            .ToDictionary(g => g.Key, g => (string)g.First()!["url"]!);
    }

    private JsonObject Credentials() => new()
    {
        ["token"] = TokenB,
        ["url"] = $"{BaseUrl}/ocpi/versions",
        ["roles"] = new JsonArray(new JsonObject
        {
            ["role"] = "EMSP", ["country_code"] = CountryCode, ["party_id"] = PartyId,
            ["business_details"] = new JsonObject { ["name"] = "EMSP Double" },
        }),
    };

    private async Task<JsonObject> CallAsync(HttpMethod method, string url, string token, JsonNode? body, bool throwOnError = true)
    {
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Token", Convert.ToBase64String(Encoding.UTF8.GetBytes(token)));
        request.Headers.Add("X-Request-ID", Guid.NewGuid().ToString());
        request.Headers.Add("X-Correlation-ID", Guid.NewGuid().ToString());
        if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var envelope = JsonNode.Parse(text) as JsonObject ?? throw new InvalidDataException($"{method} {url}: not an OCPI envelope: {text}");
        envelope["http_status"] = (int)response.StatusCode;
        if (throwOnError && ((int)response.StatusCode >= 300 || (int?)envelope["status_code"] is not (>= 1000 and < 2000)))
            throw new InvalidDataException($"{method} {url} answered HTTP {(int)response.StatusCode}: {text}");
        return envelope;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        JsonNode? body = null;
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
            body = await JsonNode.ParseAsync(request.Body);
        var path = request.Path.Value ?? "";
        if (Delay > TimeSpan.Zero) await Task.Delay(Delay, context.RequestAborted);
        if (Down)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }
        if (!Authorised(request))
        {
            await AnswerAsync(context, 401, 2000, null, "Unknown token");
            return;
        }
        _received.Enqueue(new ReceivedCall(request.Method, path + request.QueryString, body, request.Headers["X-Request-ID"].ToString(), DateTimeOffset.UtcNow));
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        switch (parts)
        {
            case ["ocpi", "versions"]:
                await AnswerAsync(context, 200, 1000, new JsonArray(new JsonObject { ["version"] = "2.2.1", ["url"] = $"{BaseUrl}/ocpi/2.2.1" }));
                return;
            case ["ocpi", "2.2.1"]:
                await AnswerAsync(context, 200, 1000, Details());
                return;
            case ["ocpi", "2.2.1", "cdrs", ..] when request.Method == "POST":
                var cdrId = (string?)body?["id"] ?? "";
                if (!_objects.TryAdd($"cdrs/{cdrId}", body!))
                {
                    await AnswerAsync(context, 400, 2001, null, $"CDR {cdrId} was already received");
                    return;
                }
                context.Response.Headers.Location = $"{BaseUrl}/ocpi/2.2.1/cdrs/{cdrId}";
                await AnswerAsync(context, 200, 1000, null);
                return;
            case ["ocpi", "2.2.1", var module, _, _, var id, ..] when module is "locations" or "sessions" or "tariffs":
                var key = $"{module}/{string.Join('/', parts[5..])}";
                if (request.Method == "PATCH" && _objects.TryGetValue(key, out var existing) && existing is JsonObject current && body is JsonObject patch)
                    foreach (var (name, value) in patch) current[name] = value?.DeepClone();
                else if (request.Method == "DELETE") _objects.TryRemove(key, out _);
                else if (body is not null) _objects[key] = body;
                await AnswerAsync(context, 200, 1000, null);
                return;
            case ["ocpi", "2.2.1", "tokens", var uid, "authorize"] when request.Method == "POST":
                if (!_authorizations.TryGetValue(uid, out var allowed))
                {
                    await AnswerAsync(context, 404, 2004, null, $"Unknown token {uid}");
                    return;
                }
                // The reference names this authorisation in the session and CDR the CPO sends us later.
                var authorization = new JsonObject
                {
                    ["allowed"] = allowed,
                    ["token"] = new JsonObject { ["country_code"] = CountryCode, ["party_id"] = PartyId, ["uid"] = uid, ["type"] = (string?)request.Query["type"] ?? "RFID" },
                    ["authorization_reference"] = "AUTH-" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant(),
                };
                _objects[$"authorizations/{uid}"] = authorization.DeepClone();
                await AnswerAsync(context, 200, 1000, authorization);
                return;
            case ["ocpi", "2.2.1", "commands", var command, var id]:
                _objects[$"commands/{command}/{id}"] = body!;
                await AnswerAsync(context, 200, 1000, null);
                return;
            default:
                await AnswerAsync(context, 404, 2000, null, $"No such endpoint: {request.Method} {path}");
                return;
        }
    }

    private bool Authorised(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Token ", StringComparison.Ordinal)) return false;
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(header[6..])) == TokenB;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private JsonObject Details() => new()
    {
        ["version"] = "2.2.1",
        ["endpoints"] = new JsonArray(
            Endpoint("credentials", "SENDER"), Endpoint("locations", "RECEIVER"), Endpoint("tariffs", "RECEIVER"), Endpoint("sessions", "RECEIVER"),
            Endpoint("cdrs", "RECEIVER"), Endpoint("tokens", "SENDER"), Endpoint("commands", "SENDER")),
    };

    private JsonObject Endpoint(string module, string role) => new() { ["identifier"] = module, ["role"] = role, ["url"] = $"{BaseUrl}/ocpi/2.2.1/{module}" };

    private static async Task AnswerAsync(HttpContext context, int http, int status, JsonNode? data, string? message = null)
    {
        context.Response.StatusCode = http;
        context.Response.ContentType = "application/json";
        var envelope = new JsonObject { ["data"] = data, ["status_code"] = status, ["timestamp"] = Now() };
        if (message is not null) envelope["status_message"] = message;
        await context.Response.WriteAsync(envelope.ToJsonString());
    }

    private static string Now() => DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");

    public async ValueTask DisposeAsync()
    {
        if (LeaveOnDispose && TokenC is not null && CpoEndpoints.ContainsKey("credentials"))
        {
            try
            {
                await CallAsync(HttpMethod.Delete, CpoEndpoints["credentials"], TokenC, null, throwOnError: false);
            }
            catch (Exception gone) when (gone is HttpRequestException or TaskCanceledException or InvalidDataException or System.Text.Json.JsonException)
            {
                // The CPO stopped first, or unregistered us already: there is nothing left to leave.
            }
        }
        _http.Dispose();
        await _app.DisposeAsync();
    }
}
