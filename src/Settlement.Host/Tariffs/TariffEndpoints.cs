using Settlement.Host;
using Settlement.Host.Access;
using Settlement.Host.Roaming.Ocpi;
using Marten;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NodaTime;
using NodaTime.Text;
using Settlement.Domain.Deciding;
using Settlement.Domain.Events;
using Settlement.Domain.Tariffs;
using Settlement.Ledger;
using Settlement.Ledger.Schemas;
using Settlement.Projections.Chargers;
using Settlement.Projections.Tariffs;

namespace Settlement.Host.Tariffs;

/// <summary>
/// Tariffs: publish versions and assign them (decided on the tariff's own stream), the version in force
/// and the AFIR ad-hoc price for an EVSE, and a session's price breakdown.
/// </summary>
public static class TariffEndpoints
{
    public sealed record PublishTariffBody(
        string TariffId, string Currency, bool PricesIncludeVat, IReadOnlyList<ElementBody> Elements,
        Instant ValidFrom, Instant? ValidUntil = null);

    // The stored records name every field; a request may leave out what it does not restrict.
    public sealed record ElementBody(IReadOnlyList<PriceComponentBody> PriceComponents, RestrictionsBody? Restrictions = null)
    {
        public TariffElement ToElement() =>
            new([.. (PriceComponents ?? []).Select(c => new PriceComponent(c.Type, c.Price, c.VatPercent, c.StepSize))], Restrictions?.ToRestrictions());
    }

    public sealed record PriceComponentBody(PriceComponentType Type, decimal Price, decimal? VatPercent = null, int StepSize = 1);

    public sealed record RestrictionsBody(
        string? StartTime = null, string? EndTime = null, LocalDate? StartDate = null, LocalDate? EndDate = null,
        decimal? MinKwh = null, decimal? MaxKwh = null, decimal? MinCurrentA = null, decimal? MaxCurrentA = null,
        decimal? MinPowerKw = null, decimal? MaxPowerKw = null, int? MinDurationSeconds = null, int? MaxDurationSeconds = null,
        IReadOnlyList<IsoDayOfWeek>? DaysOfWeek = null, ReservationRestriction? Reservation = null)
    {
        public TariffRestrictions ToRestrictions() => new(
            StartTime, EndTime, StartDate, EndDate, MinKwh, MaxKwh, MinCurrentA, MaxCurrentA, MinPowerKw, MaxPowerKw,
            MinDurationSeconds, MaxDurationSeconds, DaysOfWeek, Reservation);
    }

    public sealed record AssignTariffBody(TariffScope Scope, string ScopeId, Instant ValidFrom, Instant? ValidUntil = null);

    /// <summary>The version in force at <paramref name="At"/>, and until when it stays so (null: no end planned).</summary>
    public sealed record TariffInForce(string ChargerId, int EvseId, string SiteId, Instant At, Instant? Until, TariffPublished Tariff);

    /// <summary>Every tariff's versions and assignments after <paramref name="after"/> in tariff id order: every tariff list reads through here.</summary>
    public static async Task<Page<TariffHistory>> ListAsync(Ledger.Ledger ledger, string? after, int limit, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        return await PagedQueries.PageAsync(query.Query<TariffHistory>(), t => t.Id, after, limit, ct);
    }

    public static IEndpointRouteBuilder MapTariffs(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/tariffs", (PublishTariffBody body, OperatorScope scope, Ledger.Ledger ledger, IMediator mediator, CancellationToken ct) =>
            PublishAsync(new PublishTariff(body.TariffId!, body.Currency, body.PricesIncludeVat, [.. (body.Elements ?? []).Select(e => e.ToElement())],
                body.ValidFrom, body.ValidUntil), "tariffId", scope, ledger, mediator, ct));

        // The same, the tariff written exactly as an OCPI 2.2.1 Tariff object (snake_case, prices excluding VAT).
        app.MapPost("/api/tariffs/ocpi", async (HttpRequest request, OperatorScope scope, Ledger.Ledger ledger, IMediator mediator, OcpiOptions options, CancellationToken ct) =>
        {
            var (tariff, problems) = await OcpiTariffBody.ReadAsync(request, options);
            return tariff is null
                ? Results.BadRequest(new { error = $"The OCPI tariff was refused: {string.Join("; ", problems)}.", problems })
                : await PublishAsync(OcpiTariffs.ToPublish(tariff, tariff.StartDateTime!.Value), "id", scope, ledger, mediator, ct);
        }).Accepts<OcpiTariff>("application/json");

        app.MapPost("/api/tariffs/{tariffId}/assignments", async (string tariffId, AssignTariffBody body, OperatorScope scope, IMediator mediator, CancellationToken ct) =>
        {
            if (!await scope.SeesTariffAsync(tariffId, ct)) return NoTariff(tariffId);
            // A sub-operator prices only its own sites and EVSEs; another's are answered as unregistered.
            var placeSeen = body.Scope switch
            {
                TariffScope.Site => await scope.SeesSiteAsync(body.ScopeId ?? "", ct),
                TariffScope.Evse => body.ScopeId?.LastIndexOf('/') is > 0 and var slash && await scope.SeesChargerAsync(body.ScopeId[..slash], ct),
                _ => true,
            };
            if (!placeSeen) return Results.NotFound(new { error = $"scopeId: no {body.Scope.ToString().ToLowerInvariant()} '{body.ScopeId}' is registered." });
            return Answer(tariffId, await mediator.Send(new AssignTariffCommand(new AssignTariff(tariffId, body.Scope, body.ScopeId!, body.ValidFrom, body.ValidUntil)), ct),
                assigned => Results.Created($"/api/tariffs/{tariffId}", assigned.Single()));
        });

        // A sub-operator's page holds only its own tariffs, so it may be shorter than the limit; next still walks on.
        app.MapGet("/api/tariffs", (int? limit, string? cursor, HttpContext context, OperatorScope scope, Ledger.Ledger ledger, CancellationToken ct) => Refusals.Answer(async () =>
        {
            var page = await ListAsync(ledger, Paging.After(cursor), Paging.Limit(limit), ct);
            var seen = new List<TariffHistory>();
            foreach (var tariff in page.Items)
                if (await scope.SeesTariffAsync(tariff.Id, ct)) seen.Add(tariff);
            return Paging.Answer(context, page with { Items = seen });
        }));

        app.MapGet("/api/tariffs/{tariffId}", async (string tariffId, OperatorScope scope, Ledger.Ledger ledger, CancellationToken ct) =>
        {
            if (!await scope.SeesTariffAsync(tariffId, ct)) return NoTariff(tariffId);
            var (history, version) = await HistoryAsync(ledger, tariffId, ct);
            return version == 0
                ? Results.NotFound(new { error = $"No tariff '{tariffId}' has been published." })
                : Results.Ok(history);
        });

        app.MapGet("/api/evses/{chargerId}/{evseId}/tariff", async (string chargerId, string evseId, string? at, string? group,
            OperatorScope scope, Ledger.Ledger ledger, IClock clock, CancellationToken ct) =>
        {
            if (!await scope.SeesChargerAsync(chargerId, ct)) return NoCharger(chargerId);
            if (ParseInstant(at, clock) is not { } instant) return BadInstant(at);
            await using var query = ledger.QueryReadModels();
            var (evse, missing) = await FindEvseAsync(query, chargerId, evseId, ct);
            if (evse is null) return missing!;
            var catalogue = await CatalogueAsync(query, ct);
            return VersionAt(catalogue, evse, group, instant) is { } span
                ? Results.Ok(new TariffInForce(evse.ChargerId, evse.EvseId, evse.SiteId, instant,
                    span.Until == Instant.MaxValue ? null : span.Until, span.Tariff))
                : Results.NotFound(new { error = $"No tariff is in force for EVSE {evse.EvseKey}{(group is null ? "" : $" and customer group '{group}'")} at {instant}." });
        });

        app.MapGet("/api/evses/{chargerId}/{evseId}/adhoc-price", async (string chargerId, string evseId, string? at,
            OperatorScope scope, Ledger.Ledger ledger, IClock clock, CancellationToken ct) =>
        {
            if (!await scope.SeesChargerAsync(chargerId, ct)) return NoCharger(chargerId);
            if (ParseInstant(at, clock) is not { } instant) return BadInstant(at);
            await using var query = ledger.QueryReadModels();
            var (evse, missing) = await FindEvseAsync(query, chargerId, evseId, ct);
            if (evse is null) return missing!;
            // Time-of-use restrictions are read in the site's own time zone.
            if (await query.LoadAsync<SiteEntry>(StreamIds.Site(evse.SiteId), ct) is not { } site
                || DateTimeZoneProviders.Tzdb.GetZoneOrNull(site.TimeZone) is not { } zone)
                return Results.NotFound(new { error = $"Site {evse.SiteId} of charger {chargerId} is not registered with a known time zone, so its local prices cannot be told." });
            var catalogue = await CatalogueAsync(query, ct);
            return VersionAt(catalogue, evse, customerGroup: null, instant) is { } span
                ? Results.Ok(AdHocPrice.At(span, instant, zone))
                : Results.NotFound(new { error = $"No tariff is in force for EVSE {evse.EvseKey} at {instant}." });
        });

        app.MapGet("/api/sessions/{sessionId}/price", async (string sessionId, OperatorScope scope, Ledger.Ledger ledger, CancellationToken ct) =>
        {
            await using var query = ledger.QueryReadModels();
            return await scope.SeesSessionAsync(sessionId, ct) && await query.LoadAsync<PricedSessionView>(sessionId, ct) is { } view
                ? Results.Ok(view)
                : Results.NotFound(new { error = $"No priced session '{sessionId}': it was never started, or pricing has not caught up with it yet." });
        });

        return app;
    }

    private static async Task<IResult> PublishAsync(PublishTariff tariff, string idField, OperatorScope scope, Ledger.Ledger ledger, IMediator mediator, CancellationToken ct)
    {
        // Tariff ids are one namespace: another sub-operator's id is taken, and its versions are not this key's to publish.
        if (tariff.TariffId is not null && !await scope.SeesTariffAsync(tariff.TariffId, ct) && await ledger.StreamVersionAsync(StreamIds.Tariff(tariff.TariffId), ct) > 0)
            return Results.Conflict(new { error = $"{idField}: '{tariff.TariffId}' is taken; choose another id." });
        return Answer(tariff.TariffId!, await mediator.Send(new PublishTariffCommand(tariff, scope.OperatorId), ct),
            published => Results.Created($"/api/tariffs/{tariff.TariffId}", published.OfType<TariffPublished>().Single()));
    }

    private static IResult NoTariff(string tariffId) => Results.NotFound(new { error = $"No tariff '{tariffId}' has been published." });

    private static IResult NoCharger(string chargerId) => Results.NotFound(new { error = $"Charger {chargerId} is not registered." });

    /// <summary>The tariff's history folded from its stream, and the stream's version for optimistic concurrency.</summary>
    private static async Task<(TariffHistory History, long Version)> HistoryAsync(Ledger.Ledger ledger, string tariffId, CancellationToken ct)
    {
        var (events, version) = await ledger.FetchAsync(StreamIds.Tariff(tariffId), ct);
        return (events.Aggregate(TariffHistory.Empty(tariffId), (history, e) => history.Apply(e.Data, e.Version)), version);
    }

    // An invalid tariff or assignment is answered with a sentence naming the tariff, as the other refusals already do.
    private static IResult Answer(string tariffId, Decision decision, Func<IReadOnlyList<object>, IResult> accepted) => decision.Refusal switch
    {
        null => accepted(decision.Events),
        { Kind: RefusalKind.Invalid } invalid => invalid.ToHttp($"Tariff '{tariffId}' was refused: {invalid.Message}."),
        var refusal => refusal.ToHttp(),
    };

    private static async Task<(EvseLocation? Evse, IResult? Missing)> FindEvseAsync(
        IQuerySession query, string chargerId, string evseIdText, CancellationToken ct)
    {
        if (!int.TryParse(evseIdText, out var evseId))
            return (null, Results.BadRequest(new { error = $"EVSE id '{evseIdText}' is not a number." }));
        if (await query.LoadAsync<ChargerEntry>(StreamIds.Charger(chargerId), ct) is not { Registered: true, SiteId: { } siteId } charger)
            return (null, Results.NotFound(new { error = $"Charger {chargerId} is not registered." }));
        // OCPP numbers a charger's EVSEs from 1 without gaps.
        if (evseId < 1 || evseId > charger.EvseCount)
            return (null, Results.NotFound(new { error = $"Charger {chargerId} has no EVSE {evseId} (its EVSEs are 1 to {charger.EvseCount})." }));
        return (new EvseLocation(siteId, chargerId, evseId), null);
    }

    private static async Task<TariffCatalogue> CatalogueAsync(IQuerySession query, CancellationToken ct) =>
        TariffCatalogue.Of(await query.Query<TariffHistory>().ToListAsync(ct));

    /// <summary>The version in force at the instant, up to when it next changes for this EVSE.</summary>
    private static TariffSpan? VersionAt(TariffCatalogue catalogue, EvseLocation evse, string? customerGroup, Instant at) =>
        catalogue.InForce(evse, customerGroup, at, Instant.MaxValue) is [var first, ..] && first.From == at ? first : null;

    /// <summary>Null when the text is no instant; now when there is no text.</summary>
    private static Instant? ParseInstant(string? text, IClock clock) =>
        text is null ? clock.GetCurrentInstant()
        : InstantPattern.ExtendedIso.Parse(text) is { Success: true } parsed ? parsed.Value
        : null;

    private static IResult BadInstant(string? text) =>
        Results.BadRequest(new { error = $"at '{text}' is not an instant in ISO 8601 UTC, e.g. 2026-10-12T18:30:00Z." });
}
