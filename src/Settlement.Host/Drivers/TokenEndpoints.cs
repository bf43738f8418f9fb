using System.Text.RegularExpressions;
using Marten;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.Drivers;
using Settlement.Domain.Events;
using Settlement.Domain.Sessions;
using Settlement.Host.Access;
using Settlement.Ocpp.Commands;
using Settlement.Projections.Drivers;

namespace Settlement.Host.Drivers;

/// <summary>
/// The registry of the operator's own drivers' and fleets' tokens, which chargers' Authorize and transaction
/// starts are answered from. A token's id is its driver's pseudonym; its uid and contract id are shown unsealed,
/// and as null once the driver's data was erased. A token registered with a sub-operator's key is that sub-operator's:
/// another's keys find no such token. Chargers are no callers: they authorise every registered token alike.
/// </summary>
public static partial class TokenEndpoints
{
    /// <param name="ExpiresAt">ISO 8601; from then the token is answered Expired. Leave out for a token that does not expire.</param>
    public sealed record RegisterTokenBody(string Uid, TokenType Type = TokenType.Rfid, string? ContractId = null, string? CustomerGroup = null,
        Instant? ExpiresAt = null);

    public sealed record TokenGroupBody(string? CustomerGroup);

    public sealed record TokenView(string TokenId, string? Uid, TokenType Type, string? ContractId, string? CustomerGroup, TokenStatus Status,
        Instant? ExpiresAt, Instant RegisteredAt, Instant? BlockedAt, Instant? ExpiredAt);

    public static IEndpointRouteBuilder MapTokens(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/tokens", async (RegisterTokenBody body, HttpContext context, OperatorScope scope, Ledger.Ledger ledger, IMediator mediator, LocalLists lists,
            IClock clock, CancellationToken ct) =>
        {
            var decision = await mediator.Send(new RegisterTokenCommand(
                new RegisterToken(body.Uid ?? "", body.Type, body.ContractId, body.CustomerGroup, body.ExpiresAt), scope.OperatorId, context.Caller()!.Actor), ct);
            // Uids are one namespace: a sub-operator learns that a uid is taken, never the id of the token holding it, which may be another's.
            if (decision.Refusal is { Kind: RefusalKind.Conflict } && !scope.IsTopLevel)
                return Results.Conflict(new { error = "uid: this token is registered already; its id is in GET /api/tokens when the token is this key's operator's." });
            if (decision.Refusal is { } refusal) return refusal.ToHttp();
            var registered = decision.Events.OfType<TokenRegistered>().Single();
            lists.PushInBackground(registered.TokenId, context.Caller()!.Actor);
            return Results.Created($"/api/tokens/{registered.TokenId}", await ViewAsync(ledger, registered.TokenId, clock, ct));
        });

        app.MapGet("/api/tokens", (int? limit, string? cursor, HttpContext context, OperatorScope scope, Ledger.Ledger ledger, IClock clock, CancellationToken ct) =>
            Refusals.Answer(async () =>
        {
            await using var query = ledger.QueryReadModels();
            IQueryable<TokenEntry> tokens = query.Query<TokenEntry>();
            if (await scope.TokensAsync(ct) is { } visible)
            {
                var ids = visible.ToArray();
                tokens = tokens.Where(t => t.TokenId.IsOneOf(ids));
            }
            var page = await PagedQueries.PageAsync(tokens, t => t.TokenId, Paging.After(cursor), Paging.Limit(limit), ct);
            var now = clock.GetCurrentInstant();
            var views = new List<TokenView>(page.Items.Count);
            foreach (var entry in page.Items) views.Add(await ViewAsync(ledger, entry, now, ct));
            return Paging.Answer(context, new Page<TokenView>(views, page.Next));
        }));

        app.MapGet("/api/tokens/{tokenId}", async (string tokenId, OperatorScope scope, Ledger.Ledger ledger, IClock clock, CancellationToken ct) =>
            IsTokenId(tokenId) && await scope.SeesTokenAsync(tokenId, ct) && await ViewAsync(ledger, tokenId, clock, ct) is { } view
                ? Results.Ok(view)
                : NoSuchToken(tokenId));

        app.MapPost("/api/tokens/{tokenId}/block", (string tokenId, HttpContext context, OperatorScope scope, Ledger.Ledger ledger, IMediator mediator, LocalLists lists,
            IClock clock, CancellationToken ct) =>
            ChangeAsync(tokenId, new BlockTokenCommand(tokenId, context.Caller()!.Actor), context.Caller()!.Actor, scope, ledger, mediator, lists, clock, ct));

        app.MapPost("/api/tokens/{tokenId}/unblock", (string tokenId, HttpContext context, OperatorScope scope, Ledger.Ledger ledger, IMediator mediator, LocalLists lists,
            IClock clock, CancellationToken ct) =>
            ChangeAsync(tokenId, new UnblockTokenCommand(tokenId, context.Caller()!.Actor), context.Caller()!.Actor, scope, ledger, mediator, lists, clock, ct));

        app.MapPost("/api/tokens/{tokenId}/expire", (string tokenId, HttpContext context, OperatorScope scope, Ledger.Ledger ledger, IMediator mediator, LocalLists lists,
            IClock clock, CancellationToken ct) =>
            ChangeAsync(tokenId, new ExpireTokenCommand(tokenId, context.Caller()!.Actor), context.Caller()!.Actor, scope, ledger, mediator, lists, clock, ct));

        app.MapPut("/api/tokens/{tokenId}/group", (string tokenId, TokenGroupBody body, HttpContext context, OperatorScope scope, Ledger.Ledger ledger, IMediator mediator,
            LocalLists lists, IClock clock, CancellationToken ct) =>
            ChangeAsync(tokenId, new ChangeTokenGroupCommand(tokenId, body.CustomerGroup, context.Caller()!.Actor), context.Caller()!.Actor, scope, ledger, mediator, lists,
                clock, ct));
        return app;
    }

    /// <summary>The token as it stands after the change: 200 with it, or the refusal. A change goes on to the chargers' local lists.</summary>
    private static async Task<IResult> ChangeAsync(string tokenId, ICommand<Decision> command, Actor actor, OperatorScope scope, Ledger.Ledger ledger, IMediator mediator,
        LocalLists lists, IClock clock, CancellationToken ct)
    {
        if (!IsTokenId(tokenId) || !await scope.SeesTokenAsync(tokenId, ct)) return NoSuchToken(tokenId);
        var decision = await mediator.Send(command, ct);
        if (decision.Refusal is { } refusal) return refusal.ToHttp();
        if (decision.Events.Count > 0) lists.PushInBackground(tokenId, actor);
        return Results.Ok(await ViewAsync(ledger, tokenId, clock, ct));
    }

    private static async Task<TokenView?> ViewAsync(Ledger.Ledger ledger, string tokenId, IClock clock, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        return await query.LoadAsync<TokenEntry>(StreamIds.Token(tokenId), ct) is { } entry
            ? await ViewAsync(ledger, entry, clock.GetCurrentInstant(), ct)
            : null;
    }

    private static async Task<TokenView> ViewAsync(Ledger.Ledger ledger, TokenEntry entry, Instant now, CancellationToken ct) => new(
        entry.TokenId, await ledger.Drivers.UnsealAsync(entry.Uid, ct), entry.Type,
        entry.ContractId is { } contract ? await ledger.Drivers.UnsealAsync(contract, ct) : null,
        entry.CustomerGroup, entry.State().StatusAt(now), entry.ExpiresAt, entry.RegisteredAt, entry.BlockedAt, entry.ExpiredAt);

    private static bool IsTokenId(string tokenId) => TokenIdPattern().IsMatch(tokenId);

    private static IResult NoSuchToken(string tokenId) =>
        new Refusal(RefusalKind.NotFound, [$"No token {tokenId}; a token's id is the \"tokenId\" its registration answered, drv_ and 32 hex digits."]).ToHttp();

    [GeneratedRegex(DriverSealed.DriverRefPattern)]
    private static partial Regex TokenIdPattern();
}
