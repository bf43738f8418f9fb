using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Marten;
using Settlement.Ocpp.Security;
using Settlement.Domain.Access;
using Settlement.Domain.Deciding;
using Settlement.Domain.Events;
using Settlement.Projections.Access;

namespace Settlement.Host.Access;

/// <summary>
/// Keys are created, rotated and revoked by operator keys. A sub-operator's operator key manages its own
/// sub-operator's keys only: another's are answered 404, as if they did not exist.
/// </summary>
public static class KeyEndpoints
{
    public sealed record CreateKeyBody(string Name, AccessRole Role, string? OperatorId = null);
    public sealed record RevokeKeyBody(string Reason);

    public static IEndpointRouteBuilder MapAccess(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/keys", async (CreateKeyBody body, HttpContext context, Ledger.Ledger ledger, IMediator mediator, CancellationToken ct) =>
        {
            var caller = context.Caller()!;
            if (caller.OperatorId is { } own && body.OperatorId is { } other && other != own)
                return Results.NotFound(new { error = $"operatorId: no sub-operator '{other}' among those this key may manage." });
            if (caller.OperatorId is null && body.OperatorId is { } named && await ledger.StreamVersionAsync(StreamIds.SubOperator(named), ct) == 0)
                return Results.NotFound(new { error = $"operatorId: no sub-operator '{named}' is registered; register it with POST /api/operators first." });
            var issued = await mediator.Send(new CreateApiKeyCommand(body.Name, body.Role, caller.OperatorId ?? body.OperatorId, caller.Actor), ct);
            return issued.Decision.Refusal is { } refusal
                ? refusal.ToHttp()
                : Results.Created($"/api/keys/{issued.KeyId}", Shown(issued, body.Name, body.Role, caller.OperatorId ?? body.OperatorId));
        });

        app.MapGet("/api/keys", async (HttpContext context, Ledger.Ledger ledger, CancellationToken ct) =>
        {
            var caller = context.Caller()!;
            await using var query = ledger.QueryReadModels();
            var keys = await query.Query<ApiKeyEntry>().OrderBy(k => k.CreatedAt).ToListAsync(ct);
            return Results.Ok(keys.Where(k => caller.Sees(k.OperatorId)).Select(k => k.Summary()));
        });

        app.MapPost("/api/keys/{keyId}/rotate", async (string keyId, HttpContext context, Ledger.Ledger ledger, IMediator mediator, CancellationToken ct) =>
        {
            if (await ManagedAsync(keyId, context, ledger, ct) is not { } key) return NoSuchKey(keyId);
            var issued = await mediator.Send(new RotateApiKeyCommand(keyId, context.Caller()!.Actor), ct);
            return issued.Decision.Refusal is { } refusal ? refusal.ToHttp() : Results.Ok(Shown(issued, key.Name, key.Role, key.OperatorId));
        });

        app.MapPost("/api/keys/{keyId}/revoke", async (string keyId, RevokeKeyBody body, HttpContext context, Ledger.Ledger ledger, IMediator mediator, CancellationToken ct) =>
        {
            if (await ManagedAsync(keyId, context, ledger, ct) is null) return NoSuchKey(keyId);
            return await mediator.Send(new RevokeApiKeyCommand(keyId, body.Reason, context.Caller()!.Actor), ct)
                is { Refusal: { } refusal } ? refusal.ToHttp() : Results.NoContent();
        });

        // The subjects are client addresses and charger ids of the whole network.
        app.MapGet("/api/access/failed-logins", (FailedLogins logins, OperatorScope scope) =>
            scope.TopLevelOnly("read failed logins, which name clients and chargers of every sub-operator") ?? Results.Ok(logins.Worst(100)));
        return app;
    }

    private static object Shown(IssuedKey issued, string name, AccessRole role, string? operatorId) => new
    {
        keyId = issued.KeyId, key = issued.Key, name, role, operatorId,
        note = "The key is shown this once; only its verifier is stored. Send it as \"Authorization: Bearer <key>\".",
    };

    private static async Task<ApiKeyEntry?> ManagedAsync(string keyId, HttpContext context, Ledger.Ledger ledger, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        var key = await query.LoadAsync<ApiKeyEntry>(StreamIds.ApiKey(keyId), ct);
        return key is not null && context.Caller()!.Sees(key.OperatorId) ? key : null;
    }

    private static IResult NoSuchKey(string keyId) => new Refusal(RefusalKind.NotFound, [$"No key {keyId}."]).ToHttp();
}
