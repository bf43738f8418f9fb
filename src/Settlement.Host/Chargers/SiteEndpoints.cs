using Marten;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Deciding;
using Settlement.Domain.Events;
using Settlement.Host.Access;
using Settlement.Projections.Chargers;

namespace Settlement.Host.Chargers;

/// <summary>Onboarding a site: where it is, its time zone (checked against the position), its address and its grid connection.</summary>
public static class SiteEndpoints
{
    public sealed record RegisterSiteBody(
        string SiteId, string Name, SiteAddress Address, decimal Latitude, decimal Longitude, string TimeZone,
        decimal GridCapacityKw, decimal? GridCapacityAmpsPerPhase = null)
    {
        public SiteDetails Details => new(Name, Address, Latitude, Longitude, TimeZone, GridCapacityKw, GridCapacityAmpsPerPhase);
    }

    public sealed record SiteDetailsBody(
        string Name, SiteAddress Address, decimal Latitude, decimal Longitude, string TimeZone,
        decimal GridCapacityKw, decimal? GridCapacityAmpsPerPhase = null)
    {
        public SiteDetails Details => new(Name, Address, Latitude, Longitude, TimeZone, GridCapacityKw, GridCapacityAmpsPerPhase);
    }

    /// <summary>A site as the API shows it; <see cref="Jurisdiction"/> once its taxing jurisdiction is recorded.</summary>
    public sealed record SiteView(
        string SiteId, string Name, SiteAddress? Address, string CountryCode, decimal Latitude, decimal Longitude, string TimeZone,
        decimal GridCapacityKw, decimal? GridCapacityAmpsPerPhase, string? Jurisdiction, Instant RegisteredAt, Instant? ChangedAt)
    {
        public static SiteView Of(SiteEntry site) => new(site.SiteId, site.Name, site.Address, site.CountryCode, site.Latitude, site.Longitude,
            site.TimeZone, site.GridCapacityKw, site.GridCapacityAmpsPerPhase, site.Jurisdiction?.Jurisdiction, site.RegisteredAt, site.ChangedAt);
    }

    public static IEndpointRouteBuilder MapSites(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/sites", async (RegisterSiteBody body, IMediator mediator, CancellationToken ct) =>
            await mediator.Send(new RegisterSiteCommand(body.SiteId, body.Details), ct) is { Refusal: { } refusal }
                ? refusal.ToHttp()
                : Results.Created($"/api/sites/{body.SiteId}", null));

        app.MapPut("/api/sites/{siteId}", async (string siteId, SiteDetailsBody body, OperatorScope scope, IMediator mediator, CancellationToken ct) =>
            !await scope.SeesSiteAsync(siteId, ct)
                ? new Refusal(RefusalKind.NotFound, [$"Site {siteId} is not registered; register it with POST /api/sites."]).ToHttp()
                : await mediator.Send(new ChangeSiteDetailsCommand(siteId, body.Details), ct) is { Refusal: { } refusal }
                ? refusal.ToHttp()
                : Results.NoContent());

        app.MapPut("/api/sites/{siteId}/public-details", async (string siteId, SitePublicDetails body, OperatorScope scope, IMediator mediator, CancellationToken ct) =>
            !await scope.SeesSiteAsync(siteId, ct)
                ? new Refusal(RefusalKind.NotFound, [$"Site {siteId} is not registered; register it with POST /api/sites."]).ToHttp()
                : await mediator.Send(new DescribeSitePublicDetailsCommand(siteId, body), ct) is { Refusal: { } refusal }
                ? refusal.ToHttp()
                : Results.NoContent());

        app.MapGet("/api/sites", (int? limit, string? cursor, HttpContext context, OperatorScope scope, Ledger.Ledger ledger, CancellationToken ct) => Refusals.Answer(async () =>
        {
            var page = await ListAsync(ledger, await scope.SitesAsync(ct), Paging.After(cursor), Paging.Limit(limit), ct);
            return Paging.Answer(context, new Page<SiteView>([.. page.Items.Select(SiteView.Of)], page.Next));
        }));

        app.MapGet("/api/sites/{siteId}", async (string siteId, OperatorScope scope, Ledger.Ledger ledger, CancellationToken ct) =>
        {
            await using var query = ledger.QueryReadModels();
            return await scope.SeesSiteAsync(siteId, ct) && await query.LoadAsync<SiteEntry>(StreamIds.Site(siteId), ct) is { SiteId.Length: > 0 } site
                ? Results.Ok(SiteView.Of(site))
                : new Refusal(RefusalKind.NotFound, [$"Site {siteId} is not registered."]).ToHttp();
        });
        return app;
    }

    /// <summary>The registered sites after <paramref name="after"/> in site id order: every site list reads through here.</summary>
    /// <param name="visibleSites">The sites the caller sees (null: all), so a sub-operator lists only its own.</param>
    public static async Task<Page<SiteEntry>> ListAsync(Ledger.Ledger ledger, IReadOnlySet<string>? visibleSites, string? after, int limit, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        var sites = query.Query<SiteEntry>().Where(s => s.SiteId != "");
        if (visibleSites is not null)
        {
            var ids = visibleSites.ToArray();
            sites = sites.Where(s => s.SiteId.IsOneOf(ids));
        }
        return await PagedQueries.PageAsync(sites, s => s.SiteId, after, limit, ct);
    }
}
