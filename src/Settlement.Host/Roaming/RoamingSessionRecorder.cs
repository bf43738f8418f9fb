using Marten;
using Settlement.Domain.Events;
using Settlement.Domain.Roaming;
using Settlement.Domain.Sessions;
using Settlement.Host.Roaming.Ocpi;
using Settlement.Ledger;
using Settlement.Projections.Drivers;
using Settlement.Projections.Roaming;

namespace Settlement.Host.Roaming;

/// <summary>
/// A session started with a partner's token is the partner's: <see cref="RoamingSessionRecordedV3"/> in the stream
/// <c>roaming-session:{SessionId}</c>, created once, so a replayed start records nothing twice. How it was authorised:
/// COMMAND when the partner's START_SESSION named the token at that charger (with the command's authorization_reference),
/// AUTH_REQUEST when the partner allowed it in real time just before (with its reference), WHITELIST otherwise.
/// </summary>
public sealed class RoamingSessionRecorder(Ledger.Ledger ledger, PartnerTokenAuthoriser authoriser) : IOcpiReaction
{
    public static string Stream(string sessionId) => $"roaming-session:{sessionId}";

    public IReadOnlyCollection<Type> EventTypes { get; } = [typeof(SessionStartedV2)];

    public async Task ReactAsync(RecordedEvent recorded, CancellationToken ct)
    {
        if (recorded.Data is not SessionStartedV2 { IdToken: { } sealedToken } started) return;
        OcpiPartnerEntry? partner;
        TokenEntry? token;
        await using (var query = ledger.QueryReadModels())
        {
            token = await query.LoadAsync<TokenEntry>(StreamIds.Token(sealedToken.DriverRef), ct);
            if (token?.Partner is null) return;
            partner = await query.LoadAsync<OcpiPartnerEntry>(OcpiIds.PartnerStream(token.Partner.PartnerId), ct);
        }
        // A session from before the partner registered is not the partner's to be told of.
        if (partner?.RegisteredAt is not { } registered || recorded.RecordedAt < registered) return;
        var (method, reference) = await HowAuthorisedAsync(token, started, recorded, ct);
        try
        {
            await ledger.AppendAsync(StreamAppend.New(Stream(started.SessionId), new PendingEvent(
                new RoamingSessionRecordedV3(partner.PartnerId, started.SessionId, sealedToken, TokensModule.TypeName(token.Partner.Type), method, reference,
                    started.StartedAt),
                new EventMetadata(recorded.Metadata.CorrelationId, null, new Actor(ActorKind.Job, "ocpi"), recorded.RecordedAt))), ct);
        }
        catch (StreamConcurrencyException)
        {
            // Recorded already: the relay handed the start again after a restart.
        }
    }

    private async Task<(string Method, string? Reference)> HowAuthorisedAsync(TokenEntry token, SessionStartedV2 started, RecordedEvent recorded, CancellationToken ct)
    {
        if (await authoriser.StartedByCommandAsync(token.TokenId, started.ChargerId, recorded.RecordedAt, ct) is { } command)
            return ("COMMAND", command.AuthorizationReference);
        var (answers, _) = await ledger.FetchAsync(PartnerTokenAuthoriser.AuthorisationStream(started.ChargerId, token.TokenId), ct);
        if (answers.Select(a => a.Data).OfType<PartnerTokenAuthorised>().LastOrDefault() is { Allowed: OcpiAllowed.Allowed } allowed
            && allowed.AuthorisedAt >= recorded.RecordedAt - PartnerTokenAuthoriser.CommandValidity && allowed.AuthorisedAt <= recorded.RecordedAt)
            return ("AUTH_REQUEST", allowed.AuthorizationReference);
        return ("WHITELIST", null);
    }
}
