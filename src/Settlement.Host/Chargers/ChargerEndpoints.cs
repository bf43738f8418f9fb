using Settlement.Host;
using Marten;
using Settlement.Host.Access;
using Mediator;
using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Projections.Chargers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Ocpp.Connections;

namespace Settlement.Host.Chargers;

/// <summary>Onboarding: the operator registers a charger (and its OCPP password) before or after it first connects.</summary>
public static class ChargerEndpoints
{
    public sealed record RegisterChargerBody(
        string ChargerId, string SiteId, string Vendor, string Model, OcppVersion Protocol,
        IReadOnlyList<EvseSpecification> Evses, string? Password = null);

    public sealed record CredentialsBody(string Password);

    public sealed record EvseBody(IReadOnlyList<ConnectorSpecification> Connectors);

    /// <summary>A charger as the API shows it: whether a password is set, never the password or its hash.</summary>
    public sealed record ChargerView(
        string ChargerId, bool Registered, string? SiteId, string? Vendor, string? Model, OcppVersion? Protocol, int EvseCount,
        IReadOnlyList<EvseSpecification> Evses, string? FirmwareVersion, bool Online, int OpenFaults, bool PasswordSet,
        Instant? RegisteredAt, Instant? LastBootAt)
    {
        public static ChargerView Of(ChargerEntry c) => new(c.ChargerId, c.Registered, c.SiteId, c.Vendor, c.Model, c.Protocol, c.EvseCount,
            c.Evses, c.FirmwareVersion, c.Online, c.OpenFaults, c.PasswordHash is not null, c.RegisteredAt, c.LastBootAt);
    }

    public static IEndpointRouteBuilder MapChargerOnboarding(this IEndpointRouteBuilder app)
    {
        // A charger that connected unregistered is on no site yet, so it is no sub-operator's until the operator registers it.
        app.MapGet("/api/chargers/pending", async (PendingChargers pending, OperatorScope scope, CancellationToken ct) =>
            Results.Ok(scope.IsTopLevel ? await pending.ListAsync(ct) : []));

        app.MapPost("/api/chargers", async (RegisterChargerBody body, OperatorScope scope, IMediator mediator, CancellationToken ct) =>
            !await scope.SeesSiteAsync(body.SiteId, ct)
                ? Results.NotFound(new { error = $"siteId: site {body.SiteId} is not registered." })
                : await mediator.Send(new RegisterChargerCommand(body.ChargerId, body.SiteId, body.Vendor, body.Model, body.Protocol, body.Evses, body.Password), ct)
                is { Refusal: { } refusal } ? refusal.ToHttp() : Results.Created($"/api/streams/{StreamIds.Charger(body.ChargerId)}", null));

        app.MapPut("/api/chargers/{chargerId}/evses/{evseId:int}", async (string chargerId, int evseId, EvseBody body, OperatorScope scope, IMediator mediator, CancellationToken ct) =>
            !await scope.SeesChargerAsync(chargerId, ct)
                ? Results.NotFound(new { error = $"Charger {chargerId} is not registered." })
                : await mediator.Send(new ConfigureEvseCommand(chargerId, new EvseSpecification(evseId, body.Connectors ?? [])), ct)
                is { Refusal: { } refusal } ? refusal.ToHttp() : Results.NoContent());

        app.MapGet("/api/chargers", (int? limit, string? cursor, string? site, HttpContext context, OperatorScope scope, Ledger.Ledger ledger, CancellationToken ct) => Refusals.Answer(async () =>
        {
            var page = await ListAsync(ledger, await scope.SitesAsync(ct), site, Paging.After(cursor), Paging.Limit(limit), ct);
            return Paging.Answer(context, new Page<ChargerView>([.. page.Items.Select(ChargerView.Of)], page.Next));
        }));

        app.MapGet("/api/chargers/{chargerId}", async (string chargerId, OperatorScope scope, Ledger.Ledger ledger, CancellationToken ct) =>
        {
            await using var query = ledger.QueryReadModels();
            return await scope.SeesChargerAsync(chargerId, ct) && await query.LoadAsync<ChargerEntry>(StreamIds.Charger(chargerId), ct) is { } charger
                ? Results.Ok(ChargerView.Of(charger))
                : new Refusal(RefusalKind.NotFound, [$"No charger {chargerId} is registered or has connected."]).ToHttp();
        });

        app.MapPut("/api/chargers/{chargerId}/credentials", async (string chargerId, CredentialsBody body, OperatorScope scope, IMediator mediator, CancellationToken ct) =>
            !await scope.SeesChargerAsync(chargerId, ct)
                ? Results.NotFound(new { error = $"Charger {chargerId} is not registered." })
                : await mediator.Send(new SetChargerCredentialsCommand(chargerId, body.Password), ct)
                is { Refusal: { } refusal } ? refusal.ToHttp() : Results.NoContent());
        return app;
    }

    /// <summary>
    /// The chargers (registered, or connected and pending) after <paramref name="after"/> in charger id order, on one
    /// site when <paramref name="siteId"/> is given: every charger list reads through here. <paramref name="visibleSites"/>
    /// are the sites the caller sees (null: all), so a sub-operator lists only its own.
    /// </summary>
    public static async Task<Page<ChargerEntry>> ListAsync(
        Ledger.Ledger ledger, IReadOnlySet<string>? visibleSites, string? siteId, string? after, int limit, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        var chargers = query.Query<ChargerEntry>().Where(c => c.ChargerId != "");
        if (visibleSites is not null)
        {
            var sites = visibleSites.ToArray();
            chargers = chargers.Where(c => c.SiteId.IsOneOf(sites));
        }
        if (siteId is not null) chargers = chargers.Where(c => c.SiteId == siteId);
        return await PagedQueries.PageAsync(chargers, c => c.ChargerId, after, limit, ct);
    }
}
