using System.Text.RegularExpressions;
using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.Sessions;

namespace Settlement.Domain.Drivers;

/// <summary>What the operator asks to register; the plain values are checked here and never leave the edge unsealed.</summary>
public sealed record RegisterToken(string Uid, TokenType Type, string? ContractId, string? CustomerGroup, Instant? ExpiresAt);

public sealed record BlockToken(string TokenId);

public sealed record UnblockToken(string TokenId);

public sealed record ExpireToken(string TokenId);

public sealed record ChangeTokenGroup(string TokenId, string? CustomerGroup);

public enum TokenStatus { Valid, Blocked, Expired }

/// <summary>What an unregistered token is answered: refused (a real operator's network) or accepted (open charging).</summary>
public enum UnknownTokenPolicy { Reject, Accept }

/// <summary>A token as its stream tells it: what authorising it and changing it need.</summary>
public sealed record TokenState(bool Exists, bool Blocked, bool ExpiredByOperator, Instant? ExpiresAt, string? CustomerGroup)
{
    public static readonly TokenState None = new(false, false, false, null, null);

    /// <summary>Blocked before expired: a blocked card stays blocked whatever its date.</summary>
    public TokenStatus StatusAt(Instant now) =>
        Blocked ? TokenStatus.Blocked
        : ExpiredByOperator || ExpiresAt <= now ? TokenStatus.Expired
        : TokenStatus.Valid;
}

/// <summary>How a token presented at a charger is answered, and the group its session is priced with.</summary>
public sealed record TokenAuthorisation(AuthorisationOutcome Outcome, string? CustomerGroup)
{
    public bool Accepted => Outcome == AuthorisationOutcome.Accepted;
}

/// <summary>The token registry's decisions: registering, blocking, unblocking, expiring, regrouping, and authorising.</summary>
public static partial class Tokens
{
    /// <summary>At most what OCPP 1.6's parentIdTag carries (CiString20), as chargers are told the group in it.</summary>
    public const int MaxGroupLength = 20;

    /// <summary>OCPP 2.0.1's IdTokenType.idToken is at most 36 characters; 1.6's idTag at most 20 (checked where a 1.6 list is sent).</summary>
    public const int MaxUidLength = 36;

    public const int MaxContractIdLength = 64;

    /// <summary>The kinds the operator issues to its own drivers; roaming tokens come from partners (OCPI).</summary>
    public static readonly IReadOnlySet<TokenType> OwnTypes = new HashSet<TokenType> { TokenType.Rfid, TokenType.App, TokenType.Emaid, TokenType.Local };

    public static TokenState Evolve(TokenState state, object @event) => @event switch
    {
        TokenRegistered registered => new TokenState(true, false, false, registered.ExpiresAt, registered.CustomerGroup),
        TokenBlocked => state with { Blocked = true },
        TokenUnblocked => state with { Blocked = false },
        TokenExpired => state with { ExpiredByOperator = true },
        TokenGroupChanged changed => state with { CustomerGroup = changed.CustomerGroup },
        _ => state,
    };

    /// <summary>The problems of a registration's plain values, checked before they are sealed; null when there are none.</summary>
    public static Decision? Check(RegisterToken command, Instant now)
    {
        var problems = new List<string>();
        if (string.IsNullOrEmpty(command.Uid) || command.Uid.Length > MaxUidLength || !Printable().IsMatch(command.Uid))
            problems.Add($"uid: the token's id as chargers read it, 1 to {MaxUidLength} printable characters without spaces, e.g. \"04A2B3C4D5E6F7\".");
        if (!OwnTypes.Contains(command.Type))
            problems.Add($"type: one of {string.Join(", ", OwnTypes)}; roaming tokens come from partners, not from this registry.");
        if (command.ContractId is { } contract && (contract.Length is 0 or > MaxContractIdLength || !Printable().IsMatch(contract)))
            problems.Add($"contractId: 1 to {MaxContractIdLength} printable characters without spaces, e.g. \"DE-ABC-C12345678-X\", or leave it out.");
        if (GroupProblem(command.CustomerGroup) is { } group) problems.Add(group);
        if (command.ExpiresAt <= now)
            problems.Add("expiresAt: an instant in the future (ISO 8601, e.g. \"2027-12-31T23:00:00Z\"), or leave it out for a token that does not expire.");
        return problems.Count > 0 ? Decision.Refuse(RefusalKind.Invalid, problems) : null;
    }

    /// <param name="uid">The uid sealed under its driver's key; its pseudonym is the token's id.</param>
    public static Decision Register(TokenState state, RegisterToken command, DriverSealed uid, DriverSealed? contractId, Instant now)
    {
        if (Check(command, now) is { } refused) return refused;
        if (state.Exists) return Decision.Refuse(RefusalKind.Conflict, $"uid: this token is registered already, as {uid.DriverRef}.");
        return Decision.Accept(new TokenRegistered(uid.DriverRef, uid, command.Type, contractId, command.CustomerGroup, command.ExpiresAt, now));
    }

    public static Decision Block(TokenState state, BlockToken command, Instant now) =>
        Known(state, command.TokenId) ?? (state.Blocked ? Decision.Accept() : Decision.Accept(new TokenBlocked(command.TokenId, now)));

    public static Decision Unblock(TokenState state, UnblockToken command, Instant now) =>
        Known(state, command.TokenId) ?? (state.Blocked ? Decision.Accept(new TokenUnblocked(command.TokenId, now)) : Decision.Accept());

    public static Decision Expire(TokenState state, ExpireToken command, Instant now) =>
        Known(state, command.TokenId) ?? (state.ExpiredByOperator ? Decision.Accept() : Decision.Accept(new TokenExpired(command.TokenId, now)));

    public static Decision ChangeGroup(TokenState state, ChangeTokenGroup command, Instant now)
    {
        if (GroupProblem(command.CustomerGroup) is { } problem) return Decision.Refuse(RefusalKind.Invalid, problem);
        return Known(state, command.TokenId)
               ?? (state.CustomerGroup == command.CustomerGroup ? Decision.Accept() : Decision.Accept(new TokenGroupChanged(command.TokenId, command.CustomerGroup, now)));
    }

    /// <summary>
    /// A token presented at a charger: a registered one by its status at <paramref name="now"/>, with its group when
    /// accepted; an unregistered one Unknown, or Accepted (without a group) when the operator accepts unknown tokens.
    /// </summary>
    public static TokenAuthorisation Authorise(TokenState state, Instant now, UnknownTokenPolicy unknownTokens) =>
        !state.Exists
            ? new TokenAuthorisation(unknownTokens == UnknownTokenPolicy.Accept ? AuthorisationOutcome.Accepted : AuthorisationOutcome.Unknown, null)
            : state.StatusAt(now) switch
            {
                TokenStatus.Blocked => new TokenAuthorisation(AuthorisationOutcome.Blocked, null),
                TokenStatus.Expired => new TokenAuthorisation(AuthorisationOutcome.Expired, null),
                _ => new TokenAuthorisation(AuthorisationOutcome.Accepted, state.CustomerGroup),
            };

    private static string? GroupProblem(string? group) =>
        group is null || (group.Length <= MaxGroupLength && GroupName().IsMatch(group))
            ? null
            : $"customerGroup: the name of a customer group tariffs are assigned to, 1 to {MaxGroupLength} letters, digits, '-', '_' or '.', e.g. \"fleet-acme\"; or null for none.";

    private static Decision? Known(TokenState state, string tokenId) =>
        state.Exists ? null : Decision.Refuse(RefusalKind.NotFound, $"No token {tokenId}.");

    [GeneratedRegex("^[\\x21-\\x7E]+$")]
    private static partial Regex Printable();

    [GeneratedRegex("^[A-Za-z0-9_.-]+$")]
    private static partial Regex GroupName();
}
