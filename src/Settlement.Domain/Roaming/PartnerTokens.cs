using System.Text.RegularExpressions;
using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.Drivers;

namespace Settlement.Domain.Roaming;

/// <summary>A partner's token as OCPI pushes it, in plain: checked here, sealed at the edge before anything is recorded.</summary>
public sealed record PartnerTokenValues(
    string CountryCode, string PartyId, string Uid, OcpiTokenType Type, string ContractId, string Issuer, string? GroupId,
    bool Valid, OcpiWhitelist Whitelist, string? Language, Instant LastUpdated);

/// <summary>A token stream as a partner's push needs it: whose token it is, as last recorded, and whether it is blocked.</summary>
public sealed record PartnerTokenState(bool OwnToken, PartnerTokenRecorded? Current, bool Blocked)
{
    public static readonly PartnerTokenState None = new(false, null, false);
}

/// <summary>The registry's decisions on partners' tokens: a push records the token (and blocks or unblocks it by its valid flag).</summary>
public static partial class PartnerTokens
{
    /// <summary>OCPI 2.2.1 Token: uid and contract_id CiString(36), issuer string(64), group_id CiString(36), language string(2).</summary>
    public const int MaxUidLength = 36;
    public const int MaxContractIdLength = 36;
    public const int MaxIssuerLength = 64;
    public const int MaxGroupIdLength = 36;

    public static PartnerTokenState Evolve(PartnerTokenState state, object @event) => @event switch
    {
        TokenRegistered => state with { OwnToken = true },
        PartnerTokenRecorded recorded => state with { Current = recorded },
        TokenBlocked => state with { Blocked = true },
        TokenUnblocked => state with { Blocked = false },
        _ => state,
    };

    /// <summary>Every problem of a pushed token's plain values, each naming its OCPI field; empty when there is none.</summary>
    public static IReadOnlyList<string> Problems(PartnerTokenValues token)
    {
        var problems = new List<string>();
        if (!CountryCode().IsMatch(token.CountryCode)) problems.Add("country_code: two capital letters (ISO 3166-1 alpha-2), e.g. \"NL\".");
        if (!PartyId().IsMatch(token.PartyId)) problems.Add("party_id: three capital letters or digits, e.g. \"EMS\".");
        if (!Printable(token.Uid, MaxUidLength)) problems.Add($"uid: 1 to {MaxUidLength} printable ASCII characters without spaces.");
        if (!Printable(token.ContractId, MaxContractIdLength)) problems.Add($"contract_id: 1 to {MaxContractIdLength} printable ASCII characters without spaces, e.g. \"NL-EMS-C12345678-X\".");
        if (token.Issuer.Length is 0 or > MaxIssuerLength) problems.Add($"issuer: 1 to {MaxIssuerLength} characters.");
        if (token.GroupId is { } group && !Printable(group, MaxGroupIdLength)) problems.Add($"group_id: 1 to {MaxGroupIdLength} printable ASCII characters without spaces, or leave it out.");
        if (token.Language is { } language && !Language().IsMatch(language)) problems.Add("language: two lower-case letters (ISO 639-1), e.g. \"nl\", or leave it out.");
        return problems;
    }

    /// <summary>
    /// Records <paramref name="token"/> for <paramref name="partnerId"/>: refused when the uid is the operator's own token
    /// or another partner's; nothing new when the push is not newer than what is recorded (a repeat, or one overtaken).
    /// </summary>
    /// <param name="uid">The uid sealed under its driver's key; its pseudonym is the token's id.</param>
    public static Decision Record(PartnerTokenState state, string partnerId, PartnerTokenValues token, DriverSealed uid, DriverSealed contractId, Instant now)
    {
        if (Problems(token) is { Count: > 0 } problems) return Decision.Refuse(RefusalKind.Invalid, problems);
        if (state.OwnToken) return Decision.Refuse(RefusalKind.Conflict, "uid: the operator issued a token with this uid; a partner cannot take it over.");
        if (state.Current is { } current && current.PartnerId != partnerId)
            return Decision.Refuse(RefusalKind.Conflict, "uid: another partner's token has this uid; chargers could not tell the two apart.");
        if (state.Current is { } recorded && token.LastUpdated <= recorded.LastUpdated) return Decision.Accept();
        var events = new List<object>
        {
            new PartnerTokenRecorded(uid.DriverRef, partnerId, token.CountryCode, token.PartyId, uid, token.Type, contractId, token.Issuer, token.GroupId,
                token.Valid, token.Whitelist, token.Language, token.LastUpdated, now),
        };
        if (!token.Valid && !state.Blocked) events.Add(new TokenBlocked(uid.DriverRef, now));
        if (token.Valid && state.Blocked) events.Add(new TokenUnblocked(uid.DriverRef, now));
        return Decision.Accept(events);
    }

    private static bool Printable(string value, int maxLength) => value.Length > 0 && value.Length <= maxLength && PrintableAscii().IsMatch(value);

    [GeneratedRegex("^[A-Z]{2}$")]
    private static partial Regex CountryCode();

    [GeneratedRegex("^[A-Z0-9]{3}$")]
    private static partial Regex PartyId();

    [GeneratedRegex("^[a-z]{2}$")]
    private static partial Regex Language();

    [GeneratedRegex("^[\\x21-\\x7E]+$")]
    private static partial Regex PrintableAscii();
}
