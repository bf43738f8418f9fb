using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Settlement.Ocpp.Security;
using Settlement.Domain.Access;
using Settlement.Domain.Events;
using Settlement.Projections.Access;

namespace Settlement.Host.Access;

/// <summary>Who is calling: the key's id (the actor of every event the request causes), its role and its sub-operator.</summary>
public sealed record Caller(string KeyId, AccessRole Role, string? OperatorId)
{
    public Actor Actor => Actor.ApiKey(KeyId);

    /// <summary>The top-level operator's keys see every sub-operator; a sub-operator's keys see only their own.</summary>
    public bool Sees(string? operatorId) => OperatorId is null || OperatorId == operatorId;
}

/// <summary>
/// Every request but the open ones presents a key (<c>Authorization: Bearer stl_...</c> or <c>X-Api-Key</c>): 401
/// without a valid one, 403 when its role may not call the endpoint (<see cref="AccessTable"/>), 429 while the
/// client must wait after failed attempts. Keys are looked up on every request, so a revoked or rotated key
/// stops working on every host as soon as the revocation is committed.
/// </summary>
public static class ApiAccess
{
    public const string Realm = "api";
    private const string CallerItem = "settlement.caller";

    public static Caller? Caller(this HttpContext context) => context.Items.TryGetValue(CallerItem, out var caller) ? caller as Caller : null;

    /// <summary>"METHOD /route" as <see cref="AccessTable"/> names endpoints.</summary>
    public static string? EndpointName(Endpoint? endpoint) =>
        endpoint is RouteEndpoint route
            ? $"{route.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.FirstOrDefault() ?? "GET"} {route.RoutePattern.RawText}"
            : null;

    public static IApplicationBuilder UseApiAccess(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var name = EndpointName(context.GetEndpoint());
        // OCPI endpoints answer partners' tokens, checked by OcpiAccess.
        if (Roaming.Ocpi.OcpiAccess.IsOcpi(context.GetEndpoint()))
        {
            await next(context);
            return;
        }
        var presented = PresentedKey(context.Request);
        if (name is null || (AccessTable.Open.Contains(name) && presented is null))
        {
            await next(context);
            return;
        }
        var logins = context.RequestServices.GetRequiredService<FailedLogins>();
        var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (logins.WaitFor(Realm, client) is var wait && wait > Duration.Zero)
        {
            context.Response.Headers.RetryAfter = Math.Ceiling(wait.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Refuse(context, StatusCodes.Status429TooManyRequests, $"Too many failed attempts from {client}; try again in {Math.Ceiling(wait.TotalSeconds)} s.");
            return;
        }
        var caller = presented is null ? null : await AuthenticateAsync(context, presented);
        if (caller is null)
        {
            if (presented is not null) logins.Failed(Realm, client);
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"settlement\"";
            await Refuse(context, StatusCodes.Status401Unauthorized, presented is null
                ? "This endpoint needs an API key: send \"Authorization: Bearer stl_...\" (or \"X-Api-Key: stl_...\"). The first operator key comes from `./settle keys create`."
                : "The API key is not valid: it is unknown, was rotated, or was revoked.");
            return;
        }
        logins.Succeeded(Realm, client);
        context.Items[CallerItem] = caller;
        if (!AccessTable.Open.Contains(name) && !AccessTable.Allows(name, caller.Role))
        {
            await Refuse(context, StatusCodes.Status403Forbidden, $"A {caller.Role.ToString().ToLowerInvariant()} key may not call {name}.");
            return;
        }
        await next(context);
    });

    private static string? PresentedKey(HttpRequest request)
    {
        if (request.Headers.Authorization.ToString() is { Length: > 7 } authorization
            && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return authorization[7..].Trim();
        return request.Headers["X-Api-Key"].ToString() is { Length: > 0 } header ? header.Trim() : null;
    }

    private static async Task<Caller?> AuthenticateAsync(HttpContext context, string presented)
    {
        if (ApiKeySecrets.KeyIdOf(presented) is not { } keyId) return null;
        var ledger = context.RequestServices.GetRequiredService<Ledger.Ledger>();
        await using var query = ledger.QueryReadModels();
        var key = await query.LoadAsync<ApiKeyEntry>(StreamIds.ApiKey(keyId), context.RequestAborted);
        return key is { RevokedAt: null } && ApiKeySecrets.Matches(presented, key.SecretVerifier)
            ? new Caller(key.KeyId, key.Role, key.OperatorId)
            : null;
    }

    private static Task Refuse(HttpContext context, int status, string error)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new { error });
    }
}

/// <summary>The actor of the events a command causes: the calling key on a request, <paramref name="fallback"/> elsewhere (jobs, OCPP, the CLI).</summary>
public sealed class Callers(IHttpContextAccessor http)
{
    public Caller? Current => http.HttpContext?.Caller();

    public Actor ActorOr(Actor fallback) => Current?.Actor ?? fallback;
}
