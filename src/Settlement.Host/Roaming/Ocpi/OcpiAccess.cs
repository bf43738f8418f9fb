using System.Security.Cryptography;
using System.Text;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Settlement.Domain.Access;
using Settlement.Domain.Events;
using Settlement.Domain.Roaming;
using Settlement.Host.Access;
using Settlement.Ledger;
using Settlement.Ocpp.Security;
using Settlement.Projections.Access;
using Settlement.Projections.Roaming;

namespace Settlement.Host.Roaming.Ocpi;

/// <summary>Marks an endpoint as OCPI module <paramref name="Module"/>: answered to partners' tokens, in the OCPI envelope, logged.</summary>
public sealed record OcpiModuleMetadata(string Module, bool OpenToTokenA = false);

/// <summary>
/// The partner calling: <paramref name="Partner"/> as the ledger knows it, by which of its tokens
/// (<paramref name="ByTokenA"/>: only registering is possible), with the request's ids for the log and any reply.
/// </summary>
public sealed record OcpiCaller(OcpiPartnerEntry Partner, string KeyId, bool ByTokenA, string RequestId, string CorrelationId)
{
    public string PartnerId => Partner.PartnerId;

    public Actor Actor => new(ActorKind.Partner, Partner.PartnerId);
}

/// <summary>
/// OCPI's access rules for every endpoint marked <see cref="OcpiModuleMetadata"/>: <c>Authorization: Token
/// base64(token)</c> with a partner's token (401 in the envelope otherwise, and the client slowed down after failures),
/// token A only for versions and credentials; X-Request-ID and X-Correlation-ID echoed (made up when missing);
/// OCPI-from/to routing headers answered mirrored for hubs. Every message a partner sends is recorded
/// (<see cref="OcpiMessageExchanged"/>) before its answer leaves the host.
/// </summary>
public static class OcpiAccess
{
    public const string Realm = "ocpi";
    private const string CallerItem = "ocpi.caller";
    private const int MaxLoggedResponseBytes = 8 * 1024 * 1024;

    public static OcpiCaller OcpiCaller(this HttpContext context) =>
        context.Items.TryGetValue(CallerItem, out var caller) && caller is OcpiCaller ocpi
            ? ocpi
            : throw new InvalidOperationException("Not an OCPI request: the endpoint lacks OcpiModuleMetadata.");

    public static bool IsOcpi(Endpoint? endpoint) => endpoint?.Metadata.GetMetadata<OcpiModuleMetadata>() is not null;

    public static IApplicationBuilder UseOcpiAccess(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<OcpiModuleMetadata>() is not { } module)
        {
            await next(context);
            return;
        }
        var requestId = Header(context.Request, "X-Request-ID") ?? Guid.NewGuid().ToString();
        var correlationId = Header(context.Request, "X-Correlation-ID") ?? requestId;
        context.Response.Headers["X-Request-ID"] = requestId;
        context.Response.Headers["X-Correlation-ID"] = correlationId;
        MirrorRoutingHeaders(context);

        var logins = context.RequestServices.GetRequiredService<FailedLogins>();
        var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (logins.WaitFor(Realm, client) is var wait && wait > Duration.Zero)
        {
            context.Response.Headers.RetryAfter = Math.Ceiling(wait.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await OcpiResults.Error(StatusCodes.Status429TooManyRequests, OcpiStatus.ClientError,
                $"Too many failed attempts from {client}; try again in {Math.Ceiling(wait.TotalSeconds)} s.").ExecuteAsync(context);
            return;
        }
        var presented = PresentedToken(context.Request);
        var caller = presented is null ? null : await AuthenticateAsync(context, presented, requestId, correlationId);
        if (caller is null)
        {
            if (presented is not null) logins.Failed(Realm, client);
            context.Response.Headers.WWWAuthenticate = "Token";
            await OcpiResults.Error(StatusCodes.Status401Unauthorized, OcpiStatus.ClientError, presented is null
                ? "OCPI calls need \"Authorization: Token <base64 of your token>\": token A to register, then the token C we answered with."
                : "The token is not valid: unknown, replaced by a newer one, or the registration ended.").ExecuteAsync(context);
            return;
        }
        logins.Succeeded(Realm, client);
        if (caller.ByTokenA && !module.OpenToTokenA)
        {
            await OcpiResults.Error(StatusCodes.Status401Unauthorized, OcpiStatus.ClientError,
                "Token A only opens versions and credentials: register first (POST credentials), then call with the token C we answer.").ExecuteAsync(context);
            return;
        }
        context.Items[CallerItem] = caller;
        await AnswerLoggedAsync(context, next, module, caller);
    });

    /// <summary>The handler answers into a buffer; the message is recorded, then the answer is sent: no partner is told of what the ledger does not hold.</summary>
    private static async Task AnswerLoggedAsync(HttpContext context, RequestDelegate next, OcpiModuleMetadata module, OcpiCaller caller)
    {
        context.Request.EnableBuffering();
        var original = context.Response.Body;
        await using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        Exception? failure = null;
        try
        {
            await next(context);
        }
        catch (Exception e) when (!context.RequestAborted.IsCancellationRequested)
        {
            failure = e;
            buffer.SetLength(0);
            context.Response.Clear();
            await OcpiResults.Error(StatusCodes.Status500InternalServerError, OcpiStatus.ServerError,
                "The request could not be handled; nothing of it was recorded. Try again, quoting X-Request-ID " + caller.RequestId + ".").ExecuteAsync(context);
        }
        finally
        {
            context.Response.Body = original;
        }
        context.Request.Body.Position = 0;
        var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var ocpiStatus = context.Items.TryGetValue(OcpiResults.OcpiStatusItem, out var status) ? status as int? : null;
        var message = new OcpiMessageExchanged(
            caller.PartnerId, module.Module, OcpiDirection.Inbound, context.Request.Method, Truncate(context.Request.Path + context.Request.QueryString, 512),
            context.Items.TryGetValue(OcpiResults.ObjectIdItem, out var objectId) ? objectId as string : null,
            context.Response.StatusCode, ocpiStatus, Truncate(caller.RequestId, 36), Truncate(caller.CorrelationId, 36),
            body.Length == 0 ? null : Convert.ToHexStringLower(SHA256.HashData(body.ToArray())), (int)body.Length,
            failure is not null ? OcpiOutcome.Failed : ocpiStatus is >= 1000 and < 2000 ? OcpiOutcome.Accepted : OcpiOutcome.Refused,
            failure is null ? null : Truncate(failure.GetType().Name + ": " + failure.Message, 500),
            context.RequestServices.GetService<IClock>()?.GetCurrentInstant() ?? SystemClock.Instance.GetCurrentInstant());
        await OcpiMessages.RecordAsync(context.RequestServices.GetRequiredService<Ledger.Ledger>(), message, caller.Actor, context.RequestAborted);
        if (buffer.Length > MaxLoggedResponseBytes) throw new InvalidOperationException("An OCPI answer exceeded the size a page may have.");
        buffer.Position = 0;
        await buffer.CopyToAsync(original, context.RequestAborted);
    }

    private static string? Header(HttpRequest request, string name) =>
        request.Headers[name].ToString() is { Length: > 0 and <= 36 } value ? value : null;

    /// <summary>A hub routes by these: our answer goes back from whom the request was to, to whom it was from.</summary>
    private static void MirrorRoutingHeaders(HttpContext context)
    {
        foreach (var (from, to) in new[] { ("OCPI-from-country-code", "OCPI-to-country-code"), ("OCPI-from-party-id", "OCPI-to-party-id") })
        {
            if (Header(context.Request, from) is { } sender) context.Response.Headers[to] = sender;
            if (Header(context.Request, to) is { } receiver) context.Response.Headers[from] = receiver;
        }
    }

    /// <summary>OCPI 2.2.1 sends base64(token); tokens sent as they are (2.1.1 habit) are accepted too.</summary>
    internal static string? PresentedToken(HttpRequest request)
    {
        if (request.Headers.Authorization.ToString() is not { Length: > 6 } authorization
            || !authorization.StartsWith("Token ", StringComparison.OrdinalIgnoreCase)) return null;
        var token = authorization[6..].Trim();
        if (ApiKeySecrets.KeyIdOf(token) is not null) return token;
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            return token;
        }
    }

    private static async Task<OcpiCaller?> AuthenticateAsync(HttpContext context, string presented, string requestId, string correlationId)
    {
        if (ApiKeySecrets.KeyIdOf(presented) is not { } keyId) return null;
        var ledger = context.RequestServices.GetRequiredService<Ledger.Ledger>();
        await using var query = ledger.QueryReadModels();
        var key = await query.LoadAsync<ApiKeyEntry>(StreamIds.ApiKey(keyId), context.RequestAborted);
        if (key is not { RevokedAt: null, Role: AccessRole.Partner } || !ApiKeySecrets.Matches(presented, key.SecretVerifier)) return null;
        var partner = await query.Query<OcpiPartnerEntry>()
            .Where(p => p.TokenCKeyId == keyId || p.TokenAKeyId == keyId)
            .FirstOrDefaultAsync(context.RequestAborted);
        return partner switch
        {
            { Status: OcpiPartnerStatus.Registered } when partner.TokenCKeyId == keyId => new OcpiCaller(partner, keyId, ByTokenA: false, requestId, correlationId),
            { Status: OcpiPartnerStatus.Invited } when partner.TokenAKeyId == keyId => new OcpiCaller(partner, keyId, ByTokenA: true, requestId, correlationId),
            _ => null,
        };
    }

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..length];
}

/// <summary>The partner's message log: one stream per partner, appended wherever it is (messages do not decide anything).</summary>
public static class OcpiMessages
{
    public static Task RecordAsync(Ledger.Ledger ledger, OcpiMessageExchanged message, Actor actor, CancellationToken ct) =>
        ledger.AppendAsync(new StreamAppend(OcpiIds.MessageStream(message.PartnerId),
            [new PendingEvent(message, new EventMetadata(message.CorrelationId, null, actor, message.ExchangedAt))]), ct);
}
