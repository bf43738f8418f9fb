using System.Text.Json.Nodes;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NodaTime;
using Settlement.Domain.Events;
using Settlement.Domain.Roaming;
using Settlement.Domain.Sessions;
using Settlement.Host.Roaming.Ocpi;
using Settlement.Ledger;
using Settlement.Projections;
using Settlement.Projections.Chargers;
using Settlement.Projections.Roaming;
using Settlement.Projections.Tariffs;

namespace Settlement.Host.Roaming;

/// <summary>
/// OCPI sessions, we as SENDER: a roamed session is PUT to its partner when it starts, PATCHed as it meters (at most one
/// update per <see cref="OcpiOptions.SessionUpdateSeconds"/>) and when it ends; the partner may GET its sessions.
/// </summary>
public static class SessionsModule
{
    public const string Module = "sessions";

    public static void MapOcpiSessions(this IEndpointRouteBuilder ocpi)
    {
        ocpi.MapGet($"/{OcpiRoutes.Version}/{Module}", async (HttpContext context, Ledger.Ledger ledger, OcpiSessionRenderer renderer, OcpiOptions options, CancellationToken ct) =>
            {
                var (page, refusal) = OcpiPageQuery.Read(context.Request);
                if (page is null) return refusal!;
                var caller = context.OcpiCaller();
                await using var query = ledger.QueryReadModels();
                IQueryable<RoamedSession> mine = query.Query<RoamedSession>().Where(s => s.PartnerId == caller.PartnerId);
                if (page.DateFrom is { } from) mine = mine.Where(s => s.SortKey.CompareTo(SortKeys.Of(from)) >= 0);
                if (page.DateTo is { } to) mine = mine.Where(s => s.SortKey.CompareTo(SortKeys.Of(to)) < 0);
                var total = await mine.CountAsync(ct);
                var sessions = await mine.OrderBy(s => s.SortKey).Skip(page.Offset).Take(page.Limit).ToListAsync(ct);
                var rendered = new JsonArray();
                foreach (var session in sessions)
                    if (await renderer.RenderAsync(query, session, caller.Partner, ct) is { } json)
                        rendered.Add(json);
                page.WriteHeaders(context, options, total);
                return OcpiResults.Ok(rendered);
            })
            .WithMetadata(new OcpiModuleMetadata(Module));
    }
}

/// <summary>
/// Queues a roamed session's pushes as the ledger records it. A repeat of an event queues nothing (the push id is the
/// event's); meter values relayed within <see cref="OcpiOptions.SessionUpdateSeconds"/> of the session's last push queue
/// none, since the next push renders the session as it stands and so carries them.
/// </summary>
public sealed class OcpiSessionReaction(Ledger.Ledger ledger, OcpiPushes pushes, OcpiOptions options, IClock clock) : IOcpiReaction
{
    public IReadOnlyCollection<Type> EventTypes { get; } =
        [typeof(RoamingSessionRecordedV3), typeof(MeterValuesRecorded), typeof(SessionStopped), typeof(SessionClosedForSilence)];

    public async Task ReactAsync(RecordedEvent recorded, CancellationToken ct)
    {
        var (sessionId, method) = recorded.Data switch
        {
            RoamingSessionRecordedV3 e => (e.SessionId, "PUT"),
            MeterValuesRecorded e => (e.SessionId, "PATCH"),
            SessionStopped e => (e.SessionId, "PATCH"),
            SessionClosedForSilence e => (e.SessionId, "PATCH"),
            _ => throw new ArgumentException($"{recorded.StoredType} is no session event.", nameof(recorded)),
        };
        await using var query = ledger.QueryReadModels();
        if (await query.LoadAsync<RoamedSession>(sessionId, ct) is not { } roamed) return;
        var partner = await query.LoadAsync<OcpiPartnerEntry>(OcpiIds.PartnerStream(roamed.PartnerId), ct);
        if (partner is not { Status: OcpiPartnerStatus.Registered, RegisteredAt: { } registeredAt } || recorded.RecordedAt < registeredAt) return;
        if (partner.EndpointUrl(SessionsModule.Module, OcpiInterfaceRole.Receiver) is null) return;
        if (recorded.Data is MeterValuesRecorded)
        {
            // By the clock, not the event's time: the relay runs behind the ledger, and it is the partner's load that is limited.
            var since = clock.GetCurrentInstant() - Duration.FromSeconds(options.SessionUpdateSeconds);
            var queued = await query.Query<OcpiPushEntry>()
                .Where(p => p.PartnerId == roamed.PartnerId && p.Module == SessionsModule.Module && p.ObjectId == sessionId)
                .ToListAsync(ct);
            if (queued.Any(p => p.QueuedAt > since)) return;
        }
        await pushes.QueueAsync(roamed.PartnerId, SessionsModule.Module, method, sessionId, recorded.Sequence, ct);
    }
}

/// <summary>
/// An OCPI Session as it stands when it is sent or read: from the session's events (start, register, end), its price
/// so far (<see cref="PricedSessionView"/>), and its token unsealed. URL: the partner's receiver, then our country,
/// party and the session id.
/// </summary>
public sealed class OcpiSessionRenderer(Ledger.Ledger ledger, OcpiOptions options) : IOcpiPushRenderer
{
    public string Module => SessionsModule.Module;

    public async Task<OcpiPushMessage?> RenderAsync(OcpiPushEntry push, OcpiPartnerEntry partner, CancellationToken ct)
    {
        if (partner.EndpointUrl(Module, OcpiInterfaceRole.Receiver) is not { } url) return null;
        await using var query = ledger.QueryReadModels();
        if (await query.LoadAsync<RoamedSession>(push.ObjectId, ct) is not { } roamed) return null;
        return await RenderAsync(query, roamed, partner, ct) is { } session
            ? new OcpiPushMessage($"{url.TrimEnd('/')}/{options.CountryCode}/{options.PartyId}/{Uri.EscapeDataString(roamed.Id)}", session)
            : null;
    }

    /// <summary>Null when there is nothing to send: the session has no start yet, or its driver was erased.</summary>
    public async Task<JsonObject?> RenderAsync(IQuerySession query, RoamedSession roamed, OcpiPartnerEntry partner, CancellationToken ct)
    {
        if (await SessionAsRecorded.ReadAsync(ledger, roamed.Id, ct) is not { } session) return null;
        if (await OcpiObjects.CdrTokenAsync(ledger, query, roamed, partner, ct) is not { } token) return null;
        var charger = await query.LoadAsync<ChargerEntry>(StreamIds.Charger(session.Started.ChargerId), ct);
        var priced = await query.LoadAsync<PricedSessionView>(roamed.Id, ct);
        var price = priced?.Price;
        var json = new JsonObject
        {
            ["country_code"] = options.CountryCode,
            ["party_id"] = options.PartyId,
            ["id"] = roamed.Id,
            ["start_date_time"] = OcpiJson.DateTime(session.Started.StartedAt),
        };
        if (session.Usage.StoppedAt is { } end) json["end_date_time"] = OcpiJson.DateTime(end);
        json["kwh"] = session.Kwh;
        json["cdr_token"] = token;
        json["auth_method"] = roamed.AuthMethod;
        if (roamed.AuthorizationReference is { } reference) json["authorization_reference"] = reference;
        json["location_id"] = OcpiNetworkIds.Clip(charger?.SiteId ?? session.Started.ChargerId, 36);
        json["evse_uid"] = OcpiNetworkIds.EvseUid(session.Started.ChargerId, session.Started.EvseId);
        json["connector_id"] = session.Started.ConnectorId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        json["currency"] = price?.Currency ?? partner.Agreement.Currency;
        if (price is not null)
        {
            json["charging_periods"] = new JsonArray([.. Cdrs.ChargingPeriods(session.Usage, price).Select(OcpiCdrDocument.Period)]);
            // The price's totals are rounded to the currency's minor units already.
            json["total_cost"] = OcpiObjects.Price(new CdrCost(price.TotalExclVat.Amount, price.TotalInclVat.Amount));
        }
        json["status"] = session.Ended ? "COMPLETED" : "ACTIVE";
        json["last_updated"] = OcpiJson.DateTime(session.LastUpdated);
        return json;
    }
}
