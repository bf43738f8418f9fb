using Marten;
using Microsoft.AspNetCore.Http;
using Settlement.Domain.Access;
using Settlement.Domain.Events;
using Settlement.Domain.Sessions;
using Settlement.Projections.Access;
using Settlement.Projections.Chargers;

namespace Settlement.Host.Access;

/// <summary>
/// What the calling key sees: everything for the top-level operator's keys (and for requests without a caller: jobs,
/// OCPP, the CLI), only a sub-operator's own sites and what hangs off them for its keys (chargers at those sites,
/// sessions on those chargers), its own issuers and their invoices, its own tariffs and tokens. Ownership is read from the
/// ledger's facts (<see cref="Ownership"/>), once per request. Endpoints answer what the caller does not see as if it
/// did not exist (404, never 403), so ids cannot be confirmed by guessing, and filter lists and aggregates.
/// </summary>
public sealed class OperatorScope(IHttpContextAccessor http, Ledger.Ledger ledger)
{
    private readonly Dictionary<string, string?> _owners = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _chargerSites = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _sessionChargers = new(StringComparer.Ordinal);
    private IReadOnlySet<string>? _sites;
    private IReadOnlySet<string>? _issuers;
    private IReadOnlySet<string>? _tokens;

    /// <summary>The sub-operator the caller acts for; null for the top-level operator, who sees every sub-operator.</summary>
    public string? OperatorId => http.HttpContext?.Caller()?.OperatorId;

    public bool IsTopLevel => OperatorId is null;

    /// <summary>The answer to a sub-operator's key on what only the top-level operator may do: 403, since the endpoint itself is no secret.</summary>
    public IResult? TopLevelOnly(string what) => IsTopLevel
        ? null
        : Results.Json(new { error = $"Only the top-level operator's keys may {what}; this key acts for sub-operator {OperatorId}." },
            statusCode: StatusCodes.Status403Forbidden);

    public async Task<bool> SeesSiteAsync(string siteId, CancellationToken ct) =>
        IsTopLevel || await OwnerAsync(StreamIds.Site(siteId), ct) == OperatorId;

    public async Task<bool> SeesChargerAsync(string chargerId, CancellationToken ct) =>
        IsTopLevel || await SiteOfChargerAsync(chargerId, ct) is { } siteId && await SeesSiteAsync(siteId, ct);

    public async Task<bool> SeesSessionAsync(string sessionId, CancellationToken ct) =>
        IsTopLevel || await ChargerOfSessionAsync(sessionId, ct) is { } chargerId && await SeesChargerAsync(chargerId, ct);

    public async Task<bool> SeesIssuerAsync(string issuerId, CancellationToken ct) =>
        IsTopLevel || await OwnerAsync(StreamIds.InvoiceIssuer(issuerId), ct) == OperatorId;

    public async Task<bool> SeesTariffAsync(string tariffId, CancellationToken ct) =>
        IsTopLevel || await OwnerAsync(StreamIds.Tariff(tariffId), ct) == OperatorId;

    public async Task<bool> SeesTokenAsync(string tokenId, CancellationToken ct) =>
        IsTopLevel || await OwnerAsync(StreamIds.Token(tokenId), ct) == OperatorId;

    /// <summary>The sites the caller sees; null when it sees every site.</summary>
    public async Task<IReadOnlySet<string>?> SitesAsync(CancellationToken ct) =>
        IsTopLevel ? null : _sites ??= await OwnedAsync("site:", ct);

    /// <summary>The issuers the caller sees; null when it sees every issuer.</summary>
    public async Task<IReadOnlySet<string>?> IssuersAsync(CancellationToken ct) =>
        IsTopLevel ? null : _issuers ??= await OwnedAsync("issuer:", ct);

    /// <summary>The tokens the caller sees; null when it sees every token.</summary>
    public async Task<IReadOnlySet<string>?> TokensAsync(CancellationToken ct) =>
        IsTopLevel ? null : _tokens ??= await OwnedAsync("token:", ct);

    /// <summary>
    /// Whether an auditor (or any key) of the caller's may read a stream: those of what it sees, its own keys and its
    /// own registration, and the tax rates and tax point rules (law, which its invoices cite). Roaming partners and drivers span every
    /// sub-operator, so their streams are the top-level operator's.
    /// </summary>
    public async Task<bool> SeesStreamAsync(string streamId, CancellationToken ct)
    {
        if (IsTopLevel) return true;
        var colon = streamId.IndexOf(':');
        if (colon <= 0) return false;
        var id = streamId[(colon + 1)..];
        return streamId[..colon] switch
        {
            "site" => await SeesSiteAsync(id, ct),
            "charger" => await SeesChargerAsync(id, ct),
            "session" => await SeesSessionAsync(id, ct),
            "tariff" => await SeesTariffAsync(id, ct),
            "token" => await SeesTokenAsync(id, ct),
            "issuer" => await SeesIssuerAsync(id, ct),
            "invoices" => id.IndexOf('/') is var slash and > 0 && await SeesIssuerAsync(id[..slash], ct),
            "apikey" => await KeyOperatorAsync(id, ct) == OperatorId,
            "operator" => id == OperatorId,
            "taxrates" or "taxpoint" => true,
            _ => false,
        };
    }

    private async Task<string?> KeyOperatorAsync(string keyId, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        return (await query.LoadAsync<ApiKeyEntry>(StreamIds.ApiKey(keyId), ct))?.OperatorId;
    }

    private async Task<string?> OwnerAsync(string streamKey, CancellationToken ct)
    {
        if (_owners.TryGetValue(streamKey, out var owner)) return owner;
        await using var query = ledger.QueryReadModels();
        return _owners[streamKey] = (await query.LoadAsync<OwnedStream>(streamKey, ct))?.OperatorId;
    }

    private async Task<IReadOnlySet<string>> OwnedAsync(string prefix, CancellationToken ct)
    {
        var operatorId = OperatorId;
        await using var query = ledger.QueryReadModels();
        var keys = await query.Query<OwnedStream>().Where(o => o.OperatorId == operatorId).Select(o => o.Id).ToListAsync(ct);
        return keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Select(k => k[prefix.Length..]).ToHashSet(StringComparer.Ordinal);
    }

    private async Task<string?> SiteOfChargerAsync(string chargerId, CancellationToken ct)
    {
        if (_chargerSites.TryGetValue(chargerId, out var siteId)) return siteId;
        await using var query = ledger.QueryReadModels();
        return _chargerSites[chargerId] = (await query.LoadAsync<ChargerEntry>(StreamIds.Charger(chargerId), ct))?.SiteId;
    }

    /// <summary>The charger a session ran on, from the first events of its stream (the session's later events never move it).</summary>
    private async Task<string?> ChargerOfSessionAsync(string sessionId, CancellationToken ct)
    {
        if (_sessionChargers.TryGetValue(sessionId, out var chargerId)) return chargerId;
        await using var query = ledger.QueryReadModels();
        var opening = await query.Events.FetchStreamAsync(StreamIds.Session(sessionId), version: 2, token: ct);
        return _sessionChargers[sessionId] = opening.Select(e => e.Data switch
        {
            SessionAuthorisedV2 authorised => authorised.ChargerId,
            SessionStartedV2 started => started.ChargerId,
            _ => null,
        }).FirstOrDefault(id => id is not null);
    }
}
