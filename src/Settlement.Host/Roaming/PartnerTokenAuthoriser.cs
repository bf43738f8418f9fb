using System.Text.Json.Nodes;
using Marten;
using NodaTime;
using Settlement.Domain.Drivers;
using Settlement.Domain.Events;
using Settlement.Domain.Roaming;
using Settlement.Domain.Sessions;
using Settlement.Host.Roaming.Ocpi;
using Settlement.Ledger;
using Settlement.Ocpp.Handling;
using Settlement.Projections.Chargers;
using Settlement.Projections.Drivers;
using Settlement.Projections.Roaming;

namespace Settlement.Host.Roaming;

/// <summary>
/// A partner's token at one of our chargers, answered as its whitelist allows (OCPI 2.2.1 WhitelistType): ALWAYS from the
/// registry; ALLOWED and ALLOWED_OFFLINE by asking the partner (real-time authorisation), the registry answering only
/// when the partner cannot be reached in time; NEVER only by the partner, refused when it cannot be reached. A token a
/// partner's START_SESSION just named for that charger is accepted: the partner authorised it by sending the command.
/// Each answer the partner gives is recorded (<see cref="PartnerTokenAuthorised"/>) with its authorization_reference.
/// </summary>
public sealed class PartnerTokenAuthoriser(Ledger.Ledger ledger, OcpiClient client, OcpiOptions options) : IPartnerTokenAuthoriser
{
    /// <summary>A remote start reaches the charger and its driver plugs in within this long of the partner's command.</summary>
    public static readonly Duration CommandValidity = Duration.FromMinutes(10);

    public static string AuthorisationStream(string chargerId, string tokenId) => $"ocpi-authorisation:{chargerId}/{tokenId}";

    public async Task<TokenAuthorisation> AuthoriseAsync(TokenEntry token, string chargerId, Instant at, CancellationToken ct)
    {
        var partner = token.Partner!;
        var registry = Tokens.Authorise(token.State(), at, UnknownTokenPolicy.Reject);
        if (partner.Whitelist == OcpiWhitelist.Always) return registry;
        if (await StartedByCommandAsync(token.TokenId, chargerId, at, ct) is not null) return new TokenAuthorisation(AuthorisationOutcome.Accepted, null);
        if (await AskPartnerAsync(token, partner, chargerId, at, ct) is { } answer) return answer;
        return partner.Whitelist == OcpiWhitelist.Never ? new TokenAuthorisation(AuthorisationOutcome.Invalid, null) : registry;
    }

    /// <summary>The partner's latest accepted START_SESSION for this token at this charger, when recent enough to be the start at hand.</summary>
    public async Task<OcpiCommandEntry?> StartedByCommandAsync(string tokenId, string chargerId, Instant at, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        var since = at - CommandValidity;
        var commands = await query.Query<OcpiCommandEntry>()
            .Where(c => c.ChargerId == chargerId && c.TokenId == tokenId && c.Command == OcpiCommandType.StartSession && c.Response == OcpiCommandResponse.Accepted)
            .ToListAsync(ct);
        return commands.Where(c => c.ReceivedAt >= since && c.ReceivedAt <= at + Duration.FromMinutes(1)).MaxBy(c => c.ReceivedAt);
    }

    /// <summary>POST {tokens sender}/{uid}/authorize?type= with the location; null when the partner has no such endpoint or gave no answer in time.</summary>
    private async Task<TokenAuthorisation?> AskPartnerAsync(TokenEntry token, PartnerTokenDetails details, string chargerId, Instant at, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        var partner = await query.LoadAsync<OcpiPartnerEntry>(OcpiIds.PartnerStream(details.PartnerId), ct);
        if (partner is not { Status: OcpiPartnerStatus.Registered } || partner.EndpointUrl(TokensModule.Module, OcpiInterfaceRole.Sender) is not { } url) return null;
        if (await ledger.Drivers.UnsealAsync(token.Uid, ct) is not { } uid) return null;
        var siteId = (await query.LoadAsync<ChargerEntry>(StreamIds.Charger(chargerId), ct))?.SiteId;
        var body = siteId is null ? null : new JsonObject { ["location_id"] = siteId.Length > 36 ? siteId[..36] : siteId };
        var reply = await client.SendAsync(partner, TokensModule.Module, HttpMethod.Post,
            $"{url.TrimEnd('/')}/{Uri.EscapeDataString(uid)}/authorize?type={TokensModule.TypeName(details.Type)}", body, token.TokenId, null, ct,
            TimeSpan.FromSeconds(options.RealTimeAuthorisationSeconds));
        // 2004: the partner does not know the token, which is an answer; no answer or a server error is not.
        if (reply is { HttpStatus: >= 400 and < 500, OcpiStatus: OcpiStatus.UnknownToken }) return new TokenAuthorisation(AuthorisationOutcome.Invalid, null);
        if (!reply.Accepted || reply.Data?["allowed"]?.GetValueKind() != System.Text.Json.JsonValueKind.String) return null;
        var allowed = (string)reply.Data["allowed"]! switch
        {
            "ALLOWED" => OcpiAllowed.Allowed,
            "BLOCKED" => OcpiAllowed.Blocked,
            "EXPIRED" => OcpiAllowed.Expired,
            "NO_CREDIT" => OcpiAllowed.NoCredit,
            "NOT_ALLOWED" => OcpiAllowed.NotAllowed,
            _ => (OcpiAllowed?)null,
        };
        if (allowed is null) return null;
        var reference = reply.Data["authorization_reference"]?.GetValueKind() == System.Text.Json.JsonValueKind.String
            && (string)reply.Data["authorization_reference"]! is { Length: > 0 and <= 36 } given ? given : null;
        await ledger.AppendAsync(new StreamAppend(AuthorisationStream(chargerId, token.TokenId),
            [new PendingEvent(new PartnerTokenAuthorised(details.PartnerId, token.TokenId, chargerId, siteId, allowed.Value, reference, at),
                EventMetadata.NewCorrelation(new Actor(ActorKind.Partner, details.PartnerId), at))]), ct);
        return allowed switch
        {
            OcpiAllowed.Allowed => new TokenAuthorisation(AuthorisationOutcome.Accepted, null),
            OcpiAllowed.Blocked => new TokenAuthorisation(AuthorisationOutcome.Blocked, null),
            OcpiAllowed.Expired => new TokenAuthorisation(AuthorisationOutcome.Expired, null),
            _ => new TokenAuthorisation(AuthorisationOutcome.Invalid, null),
        };
    }
}
