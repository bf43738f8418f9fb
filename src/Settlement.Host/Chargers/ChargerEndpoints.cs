using Settlement.Host;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Ledger;
using Settlement.Ledger.Schemas;
using Settlement.Ocpp.Connections;
using Settlement.Ocpp.Security;
using Settlement.Projections.Chargers;

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
        app.MapGet("/api/chargers/pending", async (PendingChargers pending, CancellationToken ct) => Results.Ok(await pending.ListAsync(ct)));

        app.MapPost("/api/chargers", async (RegisterChargerBody body, Ledger.Ledger ledger, PendingChargers pending, IClock clock, CancellationToken ct) =>
        {
            if ((body.Evses ?? []).GroupBy(e => e.EvseId).FirstOrDefault(same => same.Count() > 1) is { } repeated)
                return Results.BadRequest(new { error = $"evses: evseId {repeated.Key} appears {repeated.Count()} times; each EVSE is listed once." });
            var stream = StreamIds.Charger(body.ChargerId ?? "");
            var existing = await LoadAsync(ledger, stream, ct);
            if (existing?.Registered == true)
                return Results.Conflict(new { error = $"Charger {body.ChargerId} is already registered." });
            var now = clock.GetCurrentInstant();
            var events = new List<object> { new ChargerRegistered(body.ChargerId!, body.SiteId, body.Vendor, body.Model, body.Protocol, body.Evses ?? [], now) };
            var result = await AppendAsync(ledger, stream, ct, () =>
            {
                if (body.Password is { } password) events.Add(new ChargerCredentialsSet(body.ChargerId!, PasswordHasher.Hash(password), now));
                return events;
            }, expectedVersion: await ledger.StreamVersionAsync(stream, ct), created: $"/api/streams/{stream}");
            if (result is Microsoft.AspNetCore.Http.HttpResults.Created)
                await pending.ForgetAsync(body.ChargerId!, ct);
            return result;
        });

        app.MapPut("/api/chargers/{chargerId}/credentials", async (string chargerId, CredentialsBody body, Ledger.Ledger ledger, IClock clock, CancellationToken ct) =>
        {
            var stream = StreamIds.Charger(chargerId);
            if (await LoadAsync(ledger, stream, ct) is not { Registered: true })
                return Results.NotFound(new { error = $"Charger {chargerId} is not registered." });
            return await AppendAsync(ledger, stream, ct,
                () => [new ChargerCredentialsSet(chargerId, PasswordHasher.Hash(body.Password ?? ""), clock.GetCurrentInstant())],
                expectedVersion: null, created: null);
        });
        return app;
    }

    private static async Task<ChargerEntry?> LoadAsync(Ledger.Ledger ledger, string stream, CancellationToken ct)
    {
        await using var query = ledger.Store.QuerySession();
        return await query.LoadAsync<ChargerEntry>(stream, ct);
    }

    private static async Task<IResult> AppendAsync(Ledger.Ledger ledger, string stream, CancellationToken ct,
        Func<IReadOnlyList<object>> events, long? expectedVersion, string? created)
    {
        try
        {
            var metadata = EventMetadata.NewCorrelation(new Actor(ActorKind.Operator, "api"), SystemClock.Instance.GetCurrentInstant());
            await ledger.AppendAsync(new StreamAppend(stream, events().Select(e => new PendingEvent(e, metadata)).ToList(), expectedVersion), ct);
            return created is null ? Results.NoContent() : Results.Created(created, null);
        }
        catch (Exception e) when (e is MalformedEventException or ArgumentException)
        {
            return Results.BadRequest(new { error = e.Message });
        }
        catch (StreamConcurrencyException)
        {
            return Results.Conflict(new { error = $"{stream} changed meanwhile; read it again and retry." });
        }
    }
}
