using Settlement.Host;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NodaTime;
using Settlement.Domain.Events;
using Settlement.Ledger.Drivers;

namespace Settlement.Host.Drivers;

/// <summary>A driver's right to erasure (GDPR Art. 17), honoured by crypto-shredding their key.</summary>
public static class DriverEndpoints
{
    /// <summary>Name the driver by the token they use (<paramref name="IdToken"/>) or by their pseudonym (<paramref name="DriverRef"/>).</summary>
    public sealed record ErasureBody(string? IdToken = null, string? DriverRef = null, string? Reason = null);

    private static readonly Actor Privacy = new(ActorKind.Operator, "privacy");
    private const string DefaultReason = "GDPR Art. 17 erasure request";

    public static IEndpointRouteBuilder MapDrivers(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/drivers/erasure", async (ErasureBody body, Ledger.Ledger ledger, IClock clock, CancellationToken ct) =>
        {
            if ((body.IdToken is { Length: > 0 }) == (body.DriverRef is { Length: > 0 }))
                return Results.BadRequest(new { error = "Name the driver by exactly one of idToken or driverRef." });
            var reason = body.Reason is { Length: > 0 } given ? given : DefaultReason;
            try
            {
                var erased = body.IdToken is { Length: > 0 } token
                    ? await ledger.EraseTokenAsync(token, reason, Privacy, clock.GetCurrentInstant(), ct)
                    : await ledger.EraseDriverAsync(body.DriverRef!, reason, Privacy, clock.GetCurrentInstant(), ct);
                return Results.Ok(erased);
            }
            catch (UnknownDriverException unknown)
            {
                return Results.NotFound(new { error = unknown.Message });
            }
            catch (ArgumentException bad)
            {
                return Results.BadRequest(new { error = bad.Message });
            }
        });
        return app;
    }
}
