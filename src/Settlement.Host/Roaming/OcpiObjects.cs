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
