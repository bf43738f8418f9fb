using System.Text.Json.Nodes;
using Marten;
using Microsoft.AspNetCore.Http;
using NodaTime;
using Settlement.Domain.Events;
using Settlement.Domain.Roaming;
using Settlement.Domain.Sessions;
using Settlement.Domain.Tariffs;
using Settlement.Host.Roaming.Ocpi;
using Settlement.Projections.Drivers;
using Settlement.Projections.Roaming;

namespace Settlement.Host.Roaming;

/// <summary>A session as its own events tell it: where it ran, its register, and when the ledger last heard of it.</summary>
public sealed record SessionAsRecorded(SessionStartedV2 Started, SessionUsage Usage, bool Ended, Instant LastUpdated)
{
    /// <summary>The session's stream folded as the pricer folds it; null when it has not started (or does not exist).</summary>
    public static async Task<SessionAsRecorded?> ReadAsync(Ledger.Ledger ledger, string sessionId, CancellationToken ct)
    {
        var events = await ledger.ReadStreamAsync(StreamIds.Session(sessionId), ct);
        SessionStartedV2? started = null;
        var readings = new SortedDictionary<Instant, RegisterReading>();
        (Instant At, long Wh)? stop = null;
        foreach (var e in events)
            switch (e.Data)
            {
                case SessionStartedV2 s when started is null:
                    started = s;
                    break;
                case MeterValuesRecorded m:
                    foreach (var reading in m.Readings) readings[reading.TakenAt] = RegisterReading.Of(reading);
                    break;
                case SessionStopped s:
                    stop ??= (s.StoppedAt, s.MeterStopWh);
                    break;
                case SessionClosedForSilence c when stop is null:
                    stop = (c.StoppedAt, c.MeterStopWh);
                    break;
                case SessionReopened:
                    stop = null;
                    break;
            }
        if (started is null) return null;
        var usage = new SessionUsage(started.StartedAt, started.MeterStartWh, [.. readings.Values], stop?.At, stop?.Wh);
        return new SessionAsRecorded(started, usage, stop is not null, events[^1].RecordedAt);
    }

    /// <summary>Energy so far, in kWh, measured as the price measures it.</summary>
    public decimal Kwh => SessionPricer.Slices(Usage, []).Sum(s => s.EnergyWh) / 1000m;
}

/// <summary>The parts of an OCPI object every module renders alike: the driver's token, and the party we are.</summary>
public static class OcpiObjects
{
    /// <summary>
    /// OCPI's CdrToken of a roamed session: the partner's party, the uid unsealed, the contract id from the token registry
    /// (the uid where the registry holds none). Null once the driver was erased: there is nothing left to name them by.
    /// </summary>
    public static async Task<JsonObject?> CdrTokenAsync(Ledger.Ledger ledger, IQuerySession query, RoamedSession roamed, OcpiPartnerEntry partner, CancellationToken ct)
    {
        if (roamed.TokenUid is null || await ledger.Drivers.UnsealAsync(roamed.TokenUid, ct) is not { } uid) return null;
        var contractId = await query.LoadAsync<TokenEntry>(StreamIds.Token(roamed.TokenUid.DriverRef), ct) is { ContractId: { } sealedContract }
            ? await ledger.Drivers.UnsealAsync(sealedContract, ct) : null;
        var party = partner.Roles.FirstOrDefault(r => r.Role == PartnerRole.Emsp) ?? partner.Roles.FirstOrDefault();
        var (country, partyId) = party is not null ? (party.CountryCode, party.PartyId) : (partner.PartnerId[..2], partner.PartnerId[3..]);
        return new JsonObject
        {
            ["country_code"] = country, ["party_id"] = partyId, ["uid"] = OcpiNetworkIds.Clip(uid, 36), ["type"] = roamed.TokenType,
            ["contract_id"] = OcpiNetworkIds.Clip(contractId ?? uid, 36),
        };
    }

    public static JsonObject Price(CdrCost cost)
    {
        var price = new JsonObject { ["excl_vat"] = cost.ExclVat };
        if (cost.InclVat is { } incl) price["incl_vat"] = incl;
        return price;
    }
}

/// <summary>
/// OCPI's paginated GET (part I, "Pagination"): offset and limit, date_from/date_to on last_updated, and the answer's
/// X-Total-Count, X-Limit and a Link to the next page. We serve at most <see cref="MaxLimit"/> objects per page.
/// </summary>
public sealed record OcpiPageRequest(int Offset, int Limit, Instant? DateFrom, Instant? DateTo)
{
    public const int MaxLimit = 100;

    /// <summary>The request's parameters, or a 2001 naming the one that is wrong.</summary>
    public static (OcpiPageRequest? Page, IResult? Refusal) Read(HttpRequest request)
    {
        var query = request.Query;
        var offset = 0;
        var limit = MaxLimit;
        if (query.TryGetValue("offset", out var o) && (!int.TryParse(o, out offset) || offset < 0))
            return (null, OcpiResults.InvalidParameters("offset: a whole number from 0."));
        if (query.TryGetValue("limit", out var l) && (!int.TryParse(l, out limit) || limit < 1))
            return (null, OcpiResults.InvalidParameters($"limit: a whole number from 1 (at most {MaxLimit} are served)."));
        Instant? from = null, to = null;
        if (query.TryGetValue("date_from", out var f))
        {
            if (!OcpiJson.TryParseDateTime(f, out var at)) return (null, OcpiResults.InvalidParameters("date_from: an OCPI DateTime such as 2026-10-01T08:15:00Z."));
            from = at;
        }
        if (query.TryGetValue("date_to", out var t))
        {
            if (!OcpiJson.TryParseDateTime(t, out var at)) return (null, OcpiResults.InvalidParameters("date_to: an OCPI DateTime such as 2026-10-01T08:15:00Z."));
            to = at;
        }
        return (new OcpiPageRequest(offset, Math.Min(limit, MaxLimit), from, to), null);
    }

    /// <summary>Sets the pagination headers; the next page's link keeps the request's dates.</summary>
    public void Answer(HttpContext context, string baseUrl, int total)
    {
        var response = context.Response;
        response.Headers["X-Total-Count"] = total.ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["X-Limit"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (Offset + Limit >= total) return;
        var next = $"{baseUrl}{context.Request.Path}?offset={Offset + Limit}&limit={Limit}";
        if (DateFrom is { } from) next += "&date_from=" + Uri.EscapeDataString(OcpiJson.DateTime(from));
        if (DateTo is { } to) next += "&date_to=" + Uri.EscapeDataString(OcpiJson.DateTime(to));
        response.Headers.Link = $"<{next}>; rel=\"next\"";
    }
}
