using System.Globalization;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodaTime;
using Settlement.Domain.Events;
using Settlement.Domain.Roaming;
using Settlement.Host.Access;
using Settlement.Host.Roaming.Ocpi;
using Settlement.Ledger;
using Settlement.Ledger.Store;
using Settlement.Projections;
using Settlement.Projections.Chargers;
using Settlement.Projections.Roaming;
using Settlement.Projections.Tariffs;

namespace Settlement.Host.Roaming;

/// <summary>
/// OCPI CDRs, we as SENDER: every roamed session ends in one CDR once its price is final (<see cref="CdrIssuer"/>),
/// POSTed to its partner; the partner may GET its CDRs; the operator lists, reads and credits them under /api/roaming/cdrs.
/// </summary>
public static class CdrsModule
{
    public const string Module = "cdrs";

    public sealed record CreditCdrBody(string? Reason);

    /// <summary>A CDR in the operator's list: what it bills, to whom; the full OCPI object is GET /api/roaming/cdrs/{cdrId}.</summary>
    public sealed record CdrSummary(string CdrId, string PartnerId, string SessionId, bool Credit, string? CreditReferenceId, string Currency,
        decimal TotalCostExclVat, decimal? TotalCostInclVat, decimal TotalEnergyKwh, Instant StartedAt, Instant EndedAt, Instant IssuedAt)
    {
        public static CdrSummary Of(CdrIssuedV2 cdr) => new(cdr.CdrId, cdr.PartnerId, cdr.SessionId, cdr.Credit, cdr.CreditReferenceId, cdr.Currency,
            cdr.TotalCost.ExclVat, cdr.TotalCost.InclVat, cdr.TotalEnergyKwh, cdr.StartedAt, cdr.EndedAt, cdr.IssuedAt);
    }

    public static void MapOcpiCdrs(this IEndpointRouteBuilder ocpi)
    {
        ocpi.MapGet($"/{OcpiRoutes.Version}/{Module}", async (HttpContext context, Ledger.Ledger ledger, OcpiCdrRenderer renderer, OcpiOptions options, CancellationToken ct) =>
            {
                var (page, refusal) = OcpiPageQuery.Read(context.Request);
                if (page is null) return refusal!;
                var caller = context.OcpiCaller();
                await using var query = ledger.QueryReadModels();
                IQueryable<OcpiCdrEntry> mine = query.Query<OcpiCdrEntry>().Where(c => c.PartnerId == caller.PartnerId);
                if (page.DateFrom is { } from) mine = mine.Where(c => c.SortKey.CompareTo(SortKeys.Of(from)) >= 0);
                if (page.DateTo is { } to) mine = mine.Where(c => c.SortKey.CompareTo(SortKeys.Of(to)) < 0);
                var total = await mine.CountAsync(ct);
                var cdrs = await mine.OrderBy(c => c.SortKey).Skip(page.Offset).Take(page.Limit).ToListAsync(ct);
                var rendered = new JsonArray();
                foreach (var cdr in cdrs)
                    if (await renderer.RenderAsync(query, cdr.Cdr, caller.Partner, ct) is { } json)
                        rendered.Add(json);
                page.WriteHeaders(context, options, total);
                return OcpiResults.Ok(rendered);
            })
            .WithMetadata(new OcpiModuleMetadata(Module));
    }

    public static IEndpointRouteBuilder MapRoamingCdrs(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/roaming/cdrs", (string? partnerId, int? limit, string? cursor, HttpContext context, OperatorScope scope, Ledger.Ledger ledger, CancellationToken ct) =>
            Refusals.Answer(async () =>
            {
                if (scope.TopLevelOnly("list roaming CDRs, which span every sub-operator's sites") is { } refused) return refused;
                await using var query = ledger.QueryReadModels();
                IQueryable<OcpiCdrEntry> cdrs = query.Query<OcpiCdrEntry>();
                if (partnerId is not null) cdrs = cdrs.Where(c => c.PartnerId == partnerId);
                var page = await PagedQueries.PageAsync(cdrs, c => c.SortKey, Paging.After(cursor), Paging.Limit(limit), ct);
                return Paging.Answer(context, new Page<CdrSummary>([.. page.Items.Select(c => CdrSummary.Of(c.Cdr))], page.Next));
            }));

        app.MapGet("/api/roaming/cdrs/{cdrId}", async (string cdrId, OperatorScope scope, Ledger.Ledger ledger, OcpiCdrRenderer renderer, CancellationToken ct) =>
        {
            if (scope.TopLevelOnly("read roaming CDRs") is { } refused) return refused;
            await using var query = ledger.QueryReadModels();
            if (await query.LoadAsync<OcpiCdrEntry>(Cdrs.Stream(cdrId), ct) is not { } entry) return Results.NotFound(new { error = $"No CDR {cdrId} was issued." });
            var partner = await query.LoadAsync<OcpiPartnerEntry>(OcpiIds.PartnerStream(entry.PartnerId), ct);
            return partner is not null && await renderer.RenderAsync(query, entry.Cdr, partner, ct) is { } json
                ? Results.Text(json.ToJsonString(), "application/json")
                : Results.NotFound(new { error = $"CDR {cdrId}'s driver was erased; the CDR is kept without anything naming them." });
        });

        app.MapPost("/api/roaming/cdrs/{cdrId}/credit", async (string cdrId, CreditCdrBody body, HttpContext context, OperatorScope scope, Ledger.Ledger ledger,
            IClock clock, CancellationToken ct) =>
        {
            if (scope.TopLevelOnly("credit roaming CDRs") is { } refused) return refused;
            if (cdrId.Length > 36) return Results.BadRequest(new { error = "cdrId: at most 36 characters." });
            await using var query = ledger.QueryReadModels();
            var entry = await query.LoadAsync<OcpiCdrEntry>(Cdrs.Stream(cdrId), ct);
            var credited = await query.LoadAsync<OcpiCdrEntry>(Cdrs.Stream(Cdrs.CreditIdOf(cdrId)), ct) is not null;
            var now = clock.GetCurrentInstant();
            var decision = Cdrs.DecideCredit(cdrId, entry?.Cdr, credited, body.Reason, now);
            if (decision.Refusal is { } refusal) return refusal.ToHttp();
            var credit = (CdrIssuedV2)decision.Events.Single();
            try
            {
                await ledger.AppendAsync(StreamAppend.New(Cdrs.Stream(credit.CdrId),
                    new PendingEvent(credit, EventMetadata.NewCorrelation(context.Caller()?.Actor ?? new Actor(ActorKind.Operator, "api"), now))), ct);
            }
            catch (StreamConcurrencyException)
            {
                return Results.Conflict(new { error = $"CDR {cdrId} was credited already ({credit.CdrId}); a CDR is credited once, in full." });
            }
            return Results.Created($"/api/roaming/cdrs/{credit.CdrId}", CdrSummary.Of(credit));
        });
        return app;
    }
}

/// <summary>The OCPI 2.2.1 CDR object of an issued CDR, with the driver's token as the registry holds it when rendered.</summary>
public static class OcpiCdrDocument
{
    public static JsonObject Render(CdrIssuedV2 cdr, JsonObject cdrToken, OcpiOptions us)
    {
        var json = new JsonObject
        {
            ["country_code"] = us.CountryCode,
            ["party_id"] = us.PartyId,
            ["id"] = cdr.CdrId,
            ["start_date_time"] = OcpiJson.DateTime(cdr.StartedAt),
            ["end_date_time"] = OcpiJson.DateTime(cdr.EndedAt),
            ["session_id"] = cdr.SessionId,
            ["cdr_token"] = cdrToken,
            ["auth_method"] = cdr.AuthMethod,
        };
        if (cdr.AuthorizationReference is { } reference) json["authorization_reference"] = reference;
        json["cdr_location"] = Location(cdr.Location);
        json["currency"] = cdr.Currency;
        json["charging_periods"] = new JsonArray([.. cdr.ChargingPeriods.Select(Period)]);
        json["total_cost"] = OcpiObjects.Price(cdr.TotalCost);
        if (cdr.TotalFixedCost is { } fixedCost) json["total_fixed_cost"] = OcpiObjects.Price(fixedCost);
        json["total_energy"] = cdr.TotalEnergyKwh;
        if (cdr.TotalEnergyCost is { } energyCost) json["total_energy_cost"] = OcpiObjects.Price(energyCost);
        json["total_time"] = cdr.TotalTimeHours;
        if (cdr.TotalTimeCost is { } timeCost) json["total_time_cost"] = OcpiObjects.Price(timeCost);
        if (cdr.TotalParkingTimeHours is { } parking) json["total_parking_time"] = parking;
        if (cdr.TotalParkingCost is { } parkingCost) json["total_parking_cost"] = OcpiObjects.Price(parkingCost);
        json["credit"] = cdr.Credit;
        if (cdr.CreditReferenceId is { } credited) json["credit_reference_id"] = credited;
        json["last_updated"] = OcpiJson.DateTime(cdr.IssuedAt);
        return json;
    }

    public static JsonObject Period(CdrChargingPeriod period)
    {
        var json = new JsonObject
        {
            ["start_date_time"] = OcpiJson.DateTime(period.StartedAt),
            ["dimensions"] = new JsonArray([.. period.Dimensions.Select(d => (JsonNode)new JsonObject { ["type"] = DimensionType(d.Type), ["volume"] = d.Volume })]),
        };
        if (period.TariffId is { } tariffId) json["tariff_id"] = tariffId;
        return json;
    }

    private static string DimensionType(CdrDimensionType type) => type switch
    {
        CdrDimensionType.Energy => "ENERGY",
        CdrDimensionType.Time => "TIME",
        CdrDimensionType.ParkingTime => "PARKING_TIME",
        CdrDimensionType.MaxCurrent => "MAX_CURRENT",
        CdrDimensionType.MinCurrent => "MIN_CURRENT",
        CdrDimensionType.MaxPower => "MAX_POWER",
        CdrDimensionType.MinPower => "MIN_POWER",
        CdrDimensionType.ReservationTime => "RESERVATION_TIME",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "OCPI 2.2.1 has no CDR dimension of this type."),
    };

    private static JsonObject Location(CdrLocation location)
    {
        var json = new JsonObject { ["id"] = location.LocationId };
        if (location.Name is { } name) json["name"] = name;
        json["address"] = location.Address;
        json["city"] = location.City;
        if (location.PostalCode is { } postalCode) json["postal_code"] = postalCode;
        if (location.State is { } state) json["state"] = state;
        json["country"] = location.Country;
        json["coordinates"] = new JsonObject
        {
            ["latitude"] = location.Latitude.ToString("0.000000", CultureInfo.InvariantCulture),
            ["longitude"] = location.Longitude.ToString("0.000000", CultureInfo.InvariantCulture),
        };
        json["evse_uid"] = location.EvseUid;
        json["evse_id"] = location.EvseId;
        json["connector_id"] = location.ConnectorId;
        json["connector_standard"] = location.ConnectorStandard;
        json["connector_format"] = location.ConnectorFormat;
        json["connector_power_type"] = location.ConnectorPowerType;
        return json;
    }
}

/// <summary>Renders a CDR for its partner: POSTed to the partner's cdrs receiver, whatever the CDR's age.</summary>
public sealed class OcpiCdrRenderer(Ledger.Ledger ledger, OcpiOptions options) : IOcpiPushRenderer
{
    public string Module => CdrsModule.Module;

    public async Task<OcpiPushMessage?> RenderAsync(OcpiPushEntry push, OcpiPartnerEntry partner, CancellationToken ct)
    {
        if (partner.EndpointUrl(Module, OcpiInterfaceRole.Receiver) is not { } url) return null;
        await using var query = ledger.QueryReadModels();
        if (await query.LoadAsync<OcpiCdrEntry>(Cdrs.Stream(push.ObjectId), ct) is not { } entry) return null;
        return await RenderAsync(query, entry.Cdr, partner, ct) is { } cdr ? new OcpiPushMessage(url, cdr) : null;
    }

    /// <summary>Null once the driver was erased: a CDR naming nobody is not sent.</summary>
    public async Task<JsonObject?> RenderAsync(IQuerySession query, CdrIssuedV2 cdr, OcpiPartnerEntry partner, CancellationToken ct)
    {
        if (await query.LoadAsync<RoamedSession>(cdr.SessionId, ct) is not { } roamed) return null;
        return await OcpiObjects.CdrTokenAsync(ledger, query, roamed, partner, ct) is { } token ? OcpiCdrDocument.Render(cdr, token, options) : null;
    }
}

/// <summary>Queues the POST of every CDR issued, credits included; the push id is the CDR's, so a repeat queues nothing.</summary>
public sealed class OcpiCdrReaction(Ledger.Ledger ledger, OcpiPushes pushes) : IOcpiReaction
{
    public IReadOnlyCollection<Type> EventTypes { get; } = [typeof(CdrIssuedV2)];

    public async Task ReactAsync(RecordedEvent recorded, CancellationToken ct)
    {
        var cdr = (CdrIssuedV2)recorded.Data;
        await using var query = ledger.QueryReadModels();
        var partner = await query.LoadAsync<OcpiPartnerEntry>(OcpiIds.PartnerStream(cdr.PartnerId), ct);
        if (partner is not { RegisteredAt: { } registeredAt } || recorded.RecordedAt < registeredAt) return;
        await pushes.QueueAsync(cdr.PartnerId, CdrsModule.Module, "POST", cdr.CdrId, sourceSequence: 0, ct);
    }
}

/// <summary>
/// Issues the CDR of every roamed session whose price is final: stopped and priced (the price is an async read model,
/// so it is polled). One host at a time (<see cref="AdvisoryLock.CdrIssuerKey"/>); the CDR's stream is created once,
/// so a session never gets two CDRs even if two hosts raced.
/// </summary>
public sealed class CdrIssuer(Ledger.Ledger ledger, OcpiOptions options, IClock clock, ILogger<CdrIssuer> logger) : BackgroundService
{
    private const int BatchSize = 200;
    private static readonly TimeSpan Pause = TimeSpan.FromSeconds(1);

    protected override Task ExecuteAsync(CancellationToken ct) =>
        ledger.LeadAsync(AdvisoryLock.CdrIssuerKey, IssueDueAsync, () => Pause,
            problem => logger.LogWarning(problem, "The CDR issuer stopped on a session; trying again"), ct);

    /// <summary>Issues the CDRs now due; the number issued.</summary>
    public async Task<int> IssueDueAsync(CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        // Newest first: sessions that can never be priced (no tariff in force) stay waiting, and must not hold up new ones.
        var waiting = await query.Query<RoamedSession>().Where(s => s.CdrId == null).OrderByDescending(s => s.SortKey).Take(BatchSize).ToListAsync(ct);
        if (waiting.Count == 0) return 0;
        var priced = (await query.LoadManyAsync<PricedSessionView>(ct, waiting.Select(s => s.Id)))
            .Where(p => p is { Status: PricedSessionStatus.Stopped, Price: not null })
            .ToDictionary(p => p.Id);
        var issued = 0;
        // Issued in the order the sessions started, so partners page through CDRs in session order.
        foreach (var roamed in waiting.Where(s => priced.ContainsKey(s.Id)).OrderBy(s => s.SortKey, StringComparer.Ordinal))
        {
            try
            {
                if (await IssueAsync(query, roamed, priced[roamed.Id], ct)) issued++;
            }
            catch (Exception problem) when (!ct.IsCancellationRequested && problem is not Npgsql.NpgsqlException)
            {
                // One session whose CDR cannot be stated (an unknown country, a connector no longer configured) holds up no other.
                logger.LogWarning(problem, "Session {SessionId}'s CDR cannot be issued", roamed.Id);
            }
        }
        return issued;
    }

    private async Task<bool> IssueAsync(IQuerySession query, RoamedSession roamed, PricedSessionView priced, CancellationToken ct)
    {
        if (await SessionAsRecorded.ReadAsync(ledger, roamed.Id, ct) is not { Ended: true } session) return false;
        // The price is the async projection's: until it caught up with the stop, it is not the final one.
        if (priced.Price!.Until != session.Usage.StoppedAt) return false;
        if (await LocationAsync(query, session, ct) is not { } location)
        {
            logger.LogWarning("Session {SessionId}'s charger or site is not registered: its CDR cannot state where it took place", roamed.Id);
            return false;
        }
        var authorisation = new RoamedSessionAuthorisation(roamed.PartnerId, roamed.Id, roamed.TokenUid?.DriverRef ?? "", roamed.TokenType, roamed.AuthMethod,
            roamed.AuthorizationReference);
        var now = clock.GetCurrentInstant();
        var cdr = Cdrs.Issue(authorisation, session.Usage, priced.Price, location, now);
        try
        {
            await ledger.AppendAsync(StreamAppend.New(Cdrs.Stream(cdr.CdrId),
                new PendingEvent(cdr, EventMetadata.NewCorrelation(new Actor(ActorKind.Job, "cdr-issuer"), now))), ct);
            return true;
        }
        catch (StreamConcurrencyException)
        {
            return false; // issued already, by this host before it stopped or by another
        }
    }

    private async Task<CdrLocation?> LocationAsync(IQuerySession query, SessionAsRecorded session, CancellationToken ct)
    {
        var started = session.Started;
        if (await query.LoadAsync<ChargerEntry>(StreamIds.Charger(started.ChargerId), ct) is not { SiteId: { } siteId } charger) return null;
        if (await query.LoadAsync<SiteEntry>(StreamIds.Site(siteId), ct) is not { } site) return null;
        var connector = charger.Evses.FirstOrDefault(e => e.EvseId == started.EvseId)?.Connectors.FirstOrDefault(c => c.ConnectorId == started.ConnectorId);
        if (connector is null) return null;
        var (standard, format, powerType) = OcpiNetworkIds.Connector(connector.Standard);
        return new CdrLocation(
            OcpiNetworkIds.Clip(site.SiteId, 36), OcpiNetworkIds.Clip(site.Name, 255),
            OcpiNetworkIds.Clip(site.Address?.Street ?? site.Name, 45), OcpiNetworkIds.Clip(site.Address?.City ?? site.Name, 45),
            site.Address?.PostalCode is { } postalCode ? OcpiNetworkIds.Clip(postalCode, 10) : null, State: null,
            OcpiNetworkIds.Alpha3(site.CountryCode), site.Latitude, site.Longitude,
            OcpiNetworkIds.EvseUid(started.ChargerId, started.EvseId), OcpiNetworkIds.EvseId(options.CountryCode, options.PartyId, started.ChargerId, started.EvseId),
            started.ConnectorId.ToString(CultureInfo.InvariantCulture), standard, format, powerType);
    }
}
