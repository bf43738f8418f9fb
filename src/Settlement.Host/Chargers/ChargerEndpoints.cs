using Settlement.Host;
using Settlement.Host.Access;
using Mediator;
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

        app.MapPut("/api/chargers/{chargerId}/credentials", async (string chargerId, CredentialsBody body, OperatorScope scope, IMediator mediator, CancellationToken ct) =>
            !await scope.SeesChargerAsync(chargerId, ct)
                ? Results.NotFound(new { error = $"Charger {chargerId} is not registered." })
                : await mediator.Send(new SetChargerCredentialsCommand(chargerId, body.Password), ct)
                is { Refusal: { } refusal } ? refusal.ToHttp() : Results.NoContent());
        return app;
    }
}
