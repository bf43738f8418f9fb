using System.Text.RegularExpressions;
using NodaTime;
using Settlement.Domain.Deciding;

namespace Settlement.Domain.Roaming;

/// <summary>The operator invites a partner: token A (an API key of role Partner, <paramref name="TokenAKeyId"/>) lets it register once.</summary>
public sealed record InvitePartner(string CountryCode, string PartyId, string Name, RoamingAgreement Agreement, string TokenAKeyId);

/// <summary>
/// The partner's credentials were accepted (OCPI POST credentials with token A): we read its versions with its token B
/// and found <paramref name="Version"/>'s endpoints. <paramref name="SealedTokenB"/> is token B sealed for the partner;
/// <paramref name="TokenCKeyId"/> the API key we answer as token C.
/// </summary>
public sealed record RegisterPartner(string Version, string VersionsUrl, IReadOnlyList<OcpiPartyRole> Roles, IReadOnlyList<OcpiEndpoint> Endpoints,
    string SealedTokenB, string TokenCKeyId);

/// <summary>The partner sent new credentials (OCPI PUT credentials with token C); token C is rotated beside this.</summary>
public sealed record UpdatePartnerCredentials(string Version, string VersionsUrl, IReadOnlyList<OcpiPartyRole> Roles, IReadOnlyList<OcpiEndpoint> Endpoints,
    string SealedTokenB);

/// <summary>The connection ends (OCPI DELETE credentials, or the operator); the partner's live token is revoked beside this.</summary>
public sealed record UnregisterPartner(string Reason);

/// <summary>A new agreement for the partner's sessions supplied from <paramref name="EffectiveFrom"/>.</summary>
public sealed record ChangeAgreement(RoamingAgreement Agreement, LocalDate EffectiveFrom);

public enum PartnerLifecycle { None, Invited, Registered, Unregistered }

/// <summary>
/// A partner's stream as deciding needs it: where it is in its life, and which API keys are its tokens A and C (the
/// keys' own streams decide whether they still work). A partner recorded by the demo's history before OCPI existed
/// (<see cref="RoamingPartnerRegistered"/>) counts as existing, so it cannot be invited again under the same id.
/// </summary>
public sealed record RoamingPartnerState(PartnerLifecycle Lifecycle, string? PartnerId, string? TokenAKeyId, string? TokenCKeyId, bool Exists)
{
    public static readonly RoamingPartnerState None = new(PartnerLifecycle.None, null, null, null, false);
}

/// <summary>
/// A roaming partner's life on its stream (<see cref="OcpiIds.PartnerStream"/>): invited by the operator, registered
/// by the OCPI credentials handshake, its credentials updated, unregistered; its agreement changed. Pure: the edges
/// call the partner, draw and seal the tokens, and append these decisions with the partner's keys' in one batch.
/// </summary>
public static partial class RoamingPartners
{
    /// <summary>The only OCPI version we speak.</summary>
    public const string SupportedVersion = "2.2.1";

    public const int MaxNameLength = 100;
    public const int MaxReasonLength = 500;
    public const int MaxRoles = 10;
    public const int MaxEndpoints = 32;
    public const int MaxUrlLength = 255;

    public static RoamingPartnerState Evolve(RoamingPartnerState state, object @event) => @event switch
    {
        RoamingPartnerInvited invited => new RoamingPartnerState(PartnerLifecycle.Invited, invited.PartnerId, invited.TokenAKeyId, null, true),
        OcpiCredentialsExchanged exchanged => state with { Lifecycle = PartnerLifecycle.Registered, TokenCKeyId = exchanged.TokenCKeyId },
        RoamingPartnerUnregistered => state with { Lifecycle = PartnerLifecycle.Unregistered },
        RoamingPartnerRegistered legacy => state with { PartnerId = legacy.PartnerId, Exists = true },
        _ => state,
    };

    public static Decision Invite(RoamingPartnerState state, InvitePartner command, Instant now)
    {
        var problems = new List<string>();
        if (command.CountryCode is null || !CountryCodeShape().IsMatch(command.CountryCode))
            problems.Add("countryCode: the partner's ISO 3166-1 alpha-2 country code, two capital letters, e.g. \"NL\".");
        if (command.PartyId is null || !PartyIdShape().IsMatch(command.PartyId))
            problems.Add("partyId: the partner's OCPI party id, three capital letters or digits, e.g. \"EMS\".");
        if (string.IsNullOrWhiteSpace(command.Name) || command.Name.Trim().Length > MaxNameLength)
            problems.Add($"name: the partner's name, 1 to {MaxNameLength} characters.");
        problems.AddRange(AgreementProblems(command.Agreement));
        if (problems.Count > 0) return Decision.Refuse(RefusalKind.Invalid, problems);
        var partnerId = OcpiIds.PartnerId(command.CountryCode!, command.PartyId!);
        if (state.Exists)
            return Decision.Refuse(RefusalKind.Conflict, $"Partner {partnerId} exists already; change its agreement, or unregister it.");
        return Decision.Accept(new RoamingPartnerInvited(partnerId, command.Name.Trim(), command.TokenAKeyId, command.Agreement, now));
    }

    /// <summary>
    /// The checks on a partner's offered roles that need no call to the partner: made before its versions are read,
    /// so a partner offering another party's identity is refused without our calling the URL it gave.
    /// </summary>
    public static Refusal? OfferRefusal(string partnerId, IReadOnlyList<OcpiPartyRole> roles)
    {
        if (roles.Count is 0 or > MaxRoles)
            return new Refusal(RefusalKind.Invalid, [$"roles: 1 to {MaxRoles} roles, one of them of country code and party id {partnerId}, as invited."]);
        if (!roles.Any(r => OcpiIds.PartnerId(r.CountryCode, r.PartyId) == partnerId))
            return new Refusal(RefusalKind.Invalid, [$"roles: none has the country code and party id {partnerId} this partner was invited as; offered "
                + string.Join(", ", roles.Select(r => OcpiIds.PartnerId(r.CountryCode, r.PartyId))) + "."]);
        return null;
    }

    public static Decision Register(RoamingPartnerState state, RegisterPartner command, Instant now)
    {
        if (state.Lifecycle != PartnerLifecycle.Invited)
            return Decision.Refuse(RefusalKind.Conflict, state.Lifecycle == PartnerLifecycle.None
                ? "No such partner has been invited."
                : $"Partner {state.PartnerId} is {state.Lifecycle.ToString().ToLowerInvariant()}: credentials are posted once, after the invitation; update them with PUT.");
        if (ExchangeRefusal(state, command.Version, command.VersionsUrl, command.Roles, command.Endpoints) is { } refused) return new Decision([], refused);
        return Decision.Accept(new OcpiCredentialsExchanged(state.PartnerId!, command.Version, command.VersionsUrl, command.Roles, command.Endpoints,
            command.SealedTokenB, command.TokenCKeyId, now));
    }

    public static Decision UpdateCredentials(RoamingPartnerState state, UpdatePartnerCredentials command, Instant now)
    {
        if (state.Lifecycle != PartnerLifecycle.Registered)
            return Decision.Refuse(RefusalKind.Conflict, $"Partner {state.PartnerId ?? "(none)"} is not registered: register with POST credentials first.");
        if (ExchangeRefusal(state, command.Version, command.VersionsUrl, command.Roles, command.Endpoints) is { } refused) return new Decision([], refused);
        return Decision.Accept(new OcpiCredentialsUpdated(state.PartnerId!, command.Version, command.VersionsUrl, command.Roles, command.Endpoints,
            command.SealedTokenB, now));
    }

    /// <summary>Invited or registered partners are unregistered; unregistering twice changes nothing.</summary>
    public static Decision Unregister(RoamingPartnerState state, UnregisterPartner command, Instant now)
    {
        if (string.IsNullOrWhiteSpace(command.Reason) || command.Reason.Trim().Length > MaxReasonLength)
            return Decision.Refuse(RefusalKind.Invalid, $"reason: say in 1 to {MaxReasonLength} characters why the connection ends (kept for the partner's history).");
        return state.Lifecycle switch
        {
            PartnerLifecycle.None => Decision.Refuse(RefusalKind.NotFound, "No such partner has been invited."),
            PartnerLifecycle.Unregistered => Decision.Accept(),
            _ => Decision.Accept(new RoamingPartnerUnregistered(state.PartnerId!, command.Reason.Trim(), now)),
        };
    }

    public static Decision ChangeAgreement(RoamingPartnerState state, ChangeAgreement command, Instant now)
    {
        if (AgreementProblems(command.Agreement) is { Count: > 0 } problems) return Decision.Refuse(RefusalKind.Invalid, problems);
        if (state.Lifecycle == PartnerLifecycle.None) return Decision.Refuse(RefusalKind.NotFound, "No such partner has been invited.");
        return Decision.Accept(new RoamingAgreementChanged(state.PartnerId!, command.Agreement, command.EffectiveFrom, now));
    }

    private static Refusal? ExchangeRefusal(RoamingPartnerState state, string version, string versionsUrl, IReadOnlyList<OcpiPartyRole> roles,
        IReadOnlyList<OcpiEndpoint> endpoints)
    {
        if (OfferRefusal(state.PartnerId!, roles) is { } offer) return offer;
        if (version != SupportedVersion)
            return new Refusal(RefusalKind.Unprocessable, [$"version: we speak OCPI {SupportedVersion} only; the partner offers {version}."]);
        var problems = new List<string>();
        if (string.IsNullOrEmpty(versionsUrl) || versionsUrl.Length > MaxUrlLength)
            problems.Add($"url: the partner's versions URL, 1 to {MaxUrlLength} characters.");
        if (endpoints.Count > MaxEndpoints)
            problems.Add($"endpoints: at most {MaxEndpoints} in the partner's version details, not {endpoints.Count}.");
        return problems.Count > 0 ? new Refusal(RefusalKind.Invalid, problems) : null;
    }

    private static List<string> AgreementProblems(RoamingAgreement? agreement)
    {
        if (agreement is null) return ["agreement: commissionPercent (0 to 100), currency (ISO 4217, e.g. \"EUR\") and settlementPeriod (Weekly, Monthly or Quarterly)."];
        var problems = new List<string>();
        if (agreement.CommissionPercent is < 0m or > 100m || decimal.Round(agreement.CommissionPercent, 2) != agreement.CommissionPercent)
            problems.Add("agreement.commissionPercent: the partner's commission, 0 to 100 with at most two decimals, e.g. 15 or 12.5.");
        if (agreement.Currency is null || !CurrencyShape().IsMatch(agreement.Currency))
            problems.Add("agreement.currency: an ISO 4217 code, three capital letters, e.g. \"EUR\".");
        if (!Enum.IsDefined(agreement.SettlementPeriod))
            problems.Add("agreement.settlementPeriod: Weekly, Monthly or Quarterly.");
        return problems;
    }

    [GeneratedRegex("^[A-Z]{2}$")]
    private static partial Regex CountryCodeShape();

    [GeneratedRegex("^[A-Z0-9]{3}$")]
    private static partial Regex PartyIdShape();

    [GeneratedRegex("^[A-Z]{3}$")]
    private static partial Regex CurrencyShape();
}
