using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Settlement.Host.Access;

namespace Settlement.Host.Drivers;

/// <summary>A driver's right to erasure (GDPR Art. 17), honoured by crypto-shredding their key.</summary>
public static class DriverEndpoints
{
    /// <summary>Name the driver by the token they use (<paramref name="IdToken"/>) or by their pseudonym (<paramref name="DriverRef"/>).</summary>
    public sealed record ErasureBody(string? IdToken = null, string? DriverRef = null, string? Reason = null);

    private const string DefaultReason = "GDPR Art. 17 erasure request";

    public static IEndpointRouteBuilder MapDrivers(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/drivers/erasure", async (ErasureBody body, OperatorScope scope, IMediator mediator, CancellationToken ct) =>
        {
            // A driver's key seals their tokens on every sub-operator's chargers: shredding it is the top-level operator's decision.
            if (scope.TopLevelOnly("erase drivers, whose data spans every sub-operator") is { } refused) return refused;
            var decision = await mediator.Send(new EraseDriver(body.IdToken, body.DriverRef, body.Reason is { Length: > 0 } given ? given : DefaultReason), ct);
            return decision.Refusal is { } refusal ? refusal.ToHttp() : Results.Ok(decision.Events.Single());
        });
        return app;
    }
}
