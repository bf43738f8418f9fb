using System.Text.Json.Nodes;
using NodaTime;
using Settlement.Domain.Drivers;
using Settlement.Domain.Events;
using Settlement.Domain.Sessions;
using Settlement.Projections.Drivers;

namespace Settlement.Ocpp.Handling;

/// <summary>
/// Answers a roaming partner's token as its partner allows (OCPI whitelist, real-time authorisation). Roaming
/// implements it; the OCPP layer only knows that a partner's token is not answered from the registry alone.
/// </summary>
public interface IPartnerTokenAuthoriser
{
    Task<TokenAuthorisation> AuthoriseAsync(TokenEntry token, string chargerId, Instant at, CancellationToken ct);
}

/// <summary>
/// Answers a token a charger presents from the token registry (<see cref="Tokens.Authorise"/>): the token's
/// pseudonym, which sealing it found in the driver vault, names its registry entry. A roaming partner's token is
/// answered by the <see cref="IPartnerTokenAuthoriser"/> when the host has one.
/// </summary>
public sealed class TokenAuthoriser(ChargerLedger chargers, OcppOptions options, IEnumerable<IPartnerTokenAuthoriser> partners)
{
    private readonly IPartnerTokenAuthoriser? _partners = partners.FirstOrDefault();

    public sealed record Answer(TokenAuthorisation Authorisation, TokenType? RegisteredType);

    public async Task<Answer> AuthoriseAsync(DriverSealed token, string chargerId, Instant at, CancellationToken ct)
    {
        await using var query = chargers.Ledger.QueryReadModels();
        var entry = await query.LoadAsync<TokenEntry>(StreamIds.Token(token.DriverRef), ct);
        if (entry is { Partner: not null } && _partners is not null)
            return new Answer(await _partners.AuthoriseAsync(entry, chargerId, at, ct), entry.Type);
        return new Answer(Tokens.Authorise(entry?.State() ?? TokenState.None, at, options.UnknownTokens), entry?.Type);
    }

    /// <summary>OCPP 1.6 AuthorizationStatus: 1.6 has no Unknown, an unregistered token is Invalid.</summary>
    public static string V16Status(AuthorisationOutcome outcome) =>
        outcome == AuthorisationOutcome.Unknown ? "Invalid" : outcome.ToString();

    /// <summary>The idTagInfo of a 1.6 answer; parentIdTag carries the token's customer group, as chargers group cards by it.</summary>
    public static JsonObject V16IdTagInfo(TokenAuthorisation authorisation)
    {
        var info = new JsonObject { ["status"] = V16Status(authorisation.Outcome) };
        if (authorisation.CustomerGroup is { } group) info["parentIdTag"] = group;
        return info;
    }

    /// <summary>The idTokenInfo of a 2.0.1 answer, with the customer group as groupIdToken (type Central).</summary>
    public static JsonObject V201IdTokenInfo(TokenAuthorisation authorisation)
    {
        var info = new JsonObject { ["status"] = authorisation.Outcome.ToString() };
        if (authorisation.CustomerGroup is { } group)
            info["groupIdToken"] = new JsonObject { ["idToken"] = group, ["type"] = "Central" };
        return info;
    }
}
