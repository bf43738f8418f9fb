using Marten;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NodaTime;
using Settlement.Domain.Access;
using Settlement.Domain.Deciding;
using Settlement.Domain.Events;
using Settlement.Projections.Access;

namespace Settlement.Host.Access;

public sealed record RegisterSubOperatorCommand(RegisterSubOperator SubOperator) : ICommand<Decision>;

/// <param name="OperatorId">The sub-operator the site moves to; null moves it back to the top-level operator.</param>
public sealed record AssignSiteOperatorCommand(string SiteId, string? OperatorId) : ICommand<Decision>;

/// <summary>Sub-operators on their own streams; a site's sub-operator on the site's stream, decided by <see cref="SubOperators"/>.</summary>
public sealed class SubOperatorHandlers(Ledger.Ledger ledger, IClock clock, Callers callers) :
    ICommandHandler<RegisterSubOperatorCommand, Decision>, ICommandHandler<AssignSiteOperatorCommand, Decision>
{
    private static readonly Actor Api = new(ActorKind.Operator, "api");

    public async ValueTask<Decision> Handle(RegisterSubOperatorCommand command, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        // An id too malformed to name a stream is refused before one is read.
        if (SubOperators.Register(false, command.SubOperator, now) is { Refusal.Kind: RefusalKind.Invalid } invalid) return invalid;
        return await ledger.DecideAsync(StreamIds.SubOperator(command.SubOperator.OperatorId), false, (registered, e) => SubOperators.Evolve(registered, e.Data),
            registered => SubOperators.Register(registered, command.SubOperator, now), EventMetadata.NewCorrelation(callers.ActorOr(Api), now), ct);
    }

    public async ValueTask<Decision> Handle(AssignSiteOperatorCommand command, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        var operatorRegistered = command.OperatorId is { } operatorId && await ledger.StreamVersionAsync(StreamIds.SubOperator(operatorId), ct) > 0;
        return await ledger.DecideAsync(StreamIds.Site(command.SiteId), SiteOwnership.None, (site, e) => SubOperators.Evolve(site, e.Data),
            site => SubOperators.AssignSite(site, command.SiteId, command.OperatorId, operatorRegistered, now),
            EventMetadata.NewCorrelation(callers.ActorOr(Api), now), ct);
    }
}

/// <summary>
/// The top-level operator registers the sub-operators it hosts and assigns sites to them. A sub-operator's keys are
/// refused here (403): which sub-operators exist, and which site is whose, is the top-level operator's business.
/// </summary>
public static class SubOperatorEndpoints
{
    public sealed record RegisterSubOperatorBody(string OperatorId, string Name, string? LegalName = null);
    public sealed record AssignSiteOperatorBody(string? OperatorId);

    public static IEndpointRouteBuilder MapSubOperators(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/operators", async (RegisterSubOperatorBody body, OperatorScope scope, IMediator mediator, CancellationToken ct) =>
        {
            if (scope.TopLevelOnly("register sub-operators") is { } refused) return refused;
            return await mediator.Send(new RegisterSubOperatorCommand(new RegisterSubOperator(body.OperatorId, body.Name, body.LegalName)), ct) is { Refusal: { } refusal }
                ? refusal.ToHttp()
                : Results.Created("/api/operators", new { body.OperatorId, name = body.Name.Trim(), legalName = body.LegalName?.Trim() });
        });

        app.MapGet("/api/operators", (int? limit, string? cursor, HttpContext context, OperatorScope scope, Ledger.Ledger ledger, CancellationToken ct) =>
            Refusals.Answer(async () =>
            {
                if (scope.TopLevelOnly("list sub-operators") is { } refused) return refused;
                await using var query = ledger.QueryReadModels();
                var page = await PagedQueries.PageAsync(query.Query<SubOperatorEntry>(), o => o.OperatorId, Paging.After(cursor), Paging.Limit(limit), ct);
                return Paging.Answer(context, new Page<object>([.. page.Items.Select(o => new { o.OperatorId, o.Name, o.LegalName, o.RegisteredAt })], page.Next));
            }));

        app.MapPost("/api/sites/{siteId}/operator", async (string siteId, AssignSiteOperatorBody body, OperatorScope scope, IMediator mediator, CancellationToken ct) =>
        {
            if (scope.TopLevelOnly("assign sites to sub-operators") is { } refused) return refused;
            return await mediator.Send(new AssignSiteOperatorCommand(siteId, body.OperatorId), ct) is { Refusal: { } refusal }
                ? refusal.ToHttp()
                : Results.Ok(new { siteId, operatorId = body.OperatorId });
        });
        return app;
    }
}
