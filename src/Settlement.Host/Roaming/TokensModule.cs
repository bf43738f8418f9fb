using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.Events;
using Settlement.Domain.Roaming;
using Settlement.Host.Roaming.Ocpi;
using Settlement.Ledger.Drivers;
using Settlement.Ocpp.Commands;
using Settlement.Projections.Drivers;

namespace Settlement.Host.Roaming;

/// <summary>OCPI's Token object (2.2.1, module Tokens), as partners push it and we answer it.</summary>
public sealed record OcpiToken(
    string CountryCode, string PartyId, string Uid, OcpiTokenType Type, string ContractId, string Issuer, bool Valid, OcpiWhitelist Whitelist,
    Instant LastUpdated, string? VisualNumber = null, string? GroupId = null, string? Language = null)
{
    public const int MaxVisualNumberLength = 64;

    public PartnerTokenValues Values() => new(CountryCode, PartyId, Uid, Type, ContractId, Issuer, GroupId, Valid, Whitelist, Language, LastUpdated);

    /// <summary>Problems beyond the registry's own: the fields we read but do not keep (visual_number is printed on the card, so not recorded).</summary>
    public IReadOnlyList<string> Problems() =>
        [.. PartnerTokens.Problems(Values()), .. VisualNumber is { Length: > MaxVisualNumberLength } ? [$"visual_number: at most {MaxVisualNumberLength} characters."] : Array.Empty<string>()];
}

/// <summary>
/// The token registry's side of roaming: a partner's token is recorded under its driver's pseudonym, uid and contract id
/// sealed under that driver's key, as the operator's own tokens are; the chargers' local lists follow.
/// </summary>
public sealed class PartnerTokenRegistry(Ledger.Ledger ledger, LocalLists lists, IClock clock)
{
    /// <summary>Records <paramref name="token"/> as <paramref name="partnerId"/>'s; the refusal names the fields.</summary>
    public async Task<Decision> RecordAsync(string partnerId, PartnerTokenValues token, Actor actor, CancellationToken ct)
    {
        // Checked before sealing, so a refused push makes no driver in the vault.
        if (PartnerTokens.Problems(token) is { Count: > 0 } problems) return Decision.Refuse(RefusalKind.Invalid, problems);
        var driver = await ledger.Drivers.DriverForAsync(token.Uid, ct);
        var uid = DriverVault.Seal(driver, token.Uid);
        var contractId = DriverVault.Seal(driver, token.ContractId);
        var now = clock.GetCurrentInstant();
        var decision = await ledger.DecideAsync(StreamIds.Token(driver.DriverRef), PartnerTokenState.None, (state, e) => PartnerTokens.Evolve(state, e.Data),
            state => PartnerTokens.Record(state, partnerId, token, uid, contractId, now), EventMetadata.NewCorrelation(actor, now), ct);
        if (decision.Events.Count > 0) lists.PushInBackground(driver.DriverRef, actor);
        return decision;
    }

    /// <summary>The partner's token of this uid as recorded, unsealed; null when there is none of this partner's (or its driver was erased).</summary>
    public async Task<(TokenEntry Entry, OcpiToken Token)?> FindAsync(string partnerId, string uid, CancellationToken ct)
    {
        if (await ledger.Drivers.FindDriverRefAsync(uid, ct) is not { } driverRef) return null;
        await using var query = ledger.QueryReadModels();
        if (await query.LoadAsync<TokenEntry>(StreamIds.Token(driverRef), ct) is not { Partner: { } partner } entry || partner.PartnerId != partnerId) return null;
        if (await ledger.Drivers.UnsealAsync(entry.Uid, ct) is not { } plainUid || entry.ContractId is null
            || await ledger.Drivers.UnsealAsync(entry.ContractId, ct) is not { } contractId) return null;
        return (entry, new OcpiToken(partner.CountryCode, partner.PartyId, plainUid, partner.Type, contractId, partner.Issuer, partner.Valid, partner.Whitelist,
            partner.LastUpdated, GroupId: partner.GroupId, Language: partner.Language));
    }
}

/// <summary>
/// OCPI 2.2.1 Tokens, we as receiver: <c>GET|PUT|PATCH /ocpi/2.2.1/tokens/{country_code}/{party_id}/{token_uid}[?type=RFID]</c>.
/// A partner pushes only tokens of its own roles; every field is bounded as the spec says; a push refused writes nothing.
/// </summary>
public static class TokensModule
{
    public const string Module = "tokens";
    private const int MaxBodyBytes = 16 * 1024;

    public static void MapTokens(IEndpointRouteBuilder ocpi)
    {
        var tokens = ocpi.MapGroup($"/{OcpiRoutes.Version}/{Module}/{{country_code}}/{{party_id}}/{{token_uid}}")
            .WithMetadata(new OcpiModuleMetadata(Module));
        tokens.MapGet("", async (string country_code, string party_id, string token_uid, string? type, HttpContext context, PartnerTokenRegistry registry,
            CancellationToken ct) =>
        {
            OcpiResults.About(context, token_uid);
            if (Address(context, country_code, party_id, token_uid, type) is { Refusal: { } refused }) return refused;
            var found = await registry.FindAsync(context.OcpiCaller().PartnerId, token_uid, ct);
            return found is { Token: var token } && token.CountryCode == country_code && token.PartyId == party_id && token.Type == ParseType(type)
                ? OcpiResults.Ok(token)
                : UnknownToken(token_uid);
        });
        tokens.MapPut("", async (string country_code, string party_id, string token_uid, string? type, HttpContext context, PartnerTokenRegistry registry,
            CancellationToken ct) =>
        {
            OcpiResults.About(context, token_uid);
            if (Address(context, country_code, party_id, token_uid, type) is { Refusal: { } refused }) return refused;
            if (TooLarge(context.Request) is { } tooLarge) return tooLarge;
            var (token, invalid) = await OcpiBody.ReadAsync<OcpiToken>(context.Request);
            if (invalid is not null) return invalid;
            return await RecordAsync(context, registry, token!, country_code, party_id, token_uid, ParseType(type)!.Value, ct);
        });
        tokens.MapPatch("", async (string country_code, string party_id, string token_uid, string? type, HttpContext context, PartnerTokenRegistry registry,
            CancellationToken ct) =>
        {
            OcpiResults.About(context, token_uid);
            if (Address(context, country_code, party_id, token_uid, type) is { Refusal: { } refused }) return refused;
            if (TooLarge(context.Request) is { } tooLarge) return tooLarge;
            var (patch, invalid) = await OcpiBody.ReadAsync<JsonObject>(context.Request);
            if (invalid is not null) return invalid;
            if (patch!["last_updated"] is null) return OcpiResults.InvalidParameters("last_updated: a PATCH carries the token's new last_updated (OCPI DateTime).");
            if (await registry.FindAsync(context.OcpiCaller().PartnerId, token_uid, ct) is not { Token: var current }
                || current.CountryCode != country_code || current.PartyId != party_id || current.Type != ParseType(type))
                return UnknownToken(token_uid);
            // The patch is applied to the token as recorded, and the result checked as a whole token.
            var merged = (JsonObject)JsonSerializer.SerializeToNode(current, OcpiJson.Options)!;
            foreach (var (name, value) in patch) merged[name] = value?.DeepClone();
            var problems = JsonShapes.Problems(merged, typeof(OcpiToken), OcpiJson.Strict);
            if (problems.Count > 0) return OcpiResults.InvalidParameters($"The patched token is not valid: {string.Join("; ", problems)}.");
            OcpiToken patched;
            try
            {
                patched = merged.Deserialize<OcpiToken>(OcpiJson.Strict)!;
            }
            catch (JsonException e)
            {
                return OcpiResults.InvalidParameters($"The patched token is not valid: {e.Path?.TrimStart('$', '.') ?? "body"}: {e.Message}");
            }
            return await RecordAsync(context, registry, patched, country_code, party_id, token_uid, current.Type, ct);
        });
    }

    private static async Task<IResult> RecordAsync(HttpContext context, PartnerTokenRegistry registry, OcpiToken token, string countryCode, string partyId,
        string uid, OcpiTokenType type, CancellationToken ct)
    {
        var mismatches = new List<string>();
        if (token.CountryCode != countryCode) mismatches.Add("country_code: must be the country_code of the URL.");
        if (token.PartyId != partyId) mismatches.Add("party_id: must be the party_id of the URL.");
        if (token.Uid != uid) mismatches.Add("uid: must be the token_uid of the URL.");
        if (token.Type != type) mismatches.Add("type: must be the type of the URL (?type=, RFID when left out).");
        if (mismatches.Count > 0 || token.Problems() is { Count: > 0 })
            return OcpiResults.InvalidParameters(string.Join(" ", [.. mismatches, .. token.Problems()]));
        var caller = context.OcpiCaller();
        var decision = await registry.RecordAsync(caller.PartnerId, token.Values(), caller.Actor, ct);
        return decision.Refusal is { } refusal ? OcpiResults.InvalidParameters(refusal.Message) : OcpiResults.Ok(null);
    }

    /// <summary>The URL's parts: bounded as the spec bounds them, and a party the caller is.</summary>
    private static (bool Ok, IResult? Refusal) Address(HttpContext context, string countryCode, string partyId, string uid, string? type)
    {
        var problems = new List<string>();
        if (countryCode.Length != 2) problems.Add("country_code: two letters, e.g. NL.");
        if (partyId.Length != 3) problems.Add("party_id: three characters, e.g. EMS.");
        if (uid.Length is 0 or > PartnerTokens.MaxUidLength) problems.Add($"token_uid: 1 to {PartnerTokens.MaxUidLength} characters.");
        if (ParseType(type) is null) problems.Add("type: one of AD_HOC_USER, APP_USER, OTHER, RFID (RFID when left out).");
        if (problems.Count > 0) return (false, OcpiResults.InvalidParameters(string.Join(" ", problems)));
        if (!context.OcpiCaller().Partner.Roles.Any(r => r.CountryCode == countryCode && r.PartyId == partyId))
            return (false, OcpiResults.InvalidParameters($"country_code, party_id: {countryCode}/{partyId} is not one of your registered roles; a partner pushes only its own tokens."));
        return (true, null);
    }

    private static IResult? TooLarge(HttpRequest request) =>
        request.ContentLength is > MaxBodyBytes ? OcpiResults.InvalidParameters($"body: a token is at most {MaxBodyBytes} bytes.") : null;

    private static OcpiTokenType? ParseType(string? type) => type switch
    {
        null or "RFID" => OcpiTokenType.Rfid,
        "APP_USER" => OcpiTokenType.AppUser,
        "AD_HOC_USER" => OcpiTokenType.AdHocUser,
        "OTHER" => OcpiTokenType.Other,
        _ => null,
    };

    /// <summary>OCPI names the token's type in URLs and objects alike in UPPER_SNAKE_CASE.</summary>
    public static string TypeName(OcpiTokenType type) => JsonNamingPolicy.SnakeCaseUpper.ConvertName(type.ToString());

    private static IResult UnknownToken(string uid) =>
        OcpiResults.Error(StatusCodes.Status404NotFound, OcpiStatus.UnknownToken, $"No token {uid} of yours for this party and type.");
}
