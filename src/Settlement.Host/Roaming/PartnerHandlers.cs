using Mediator;
using NodaTime;
using Settlement.Domain.Access;
using Settlement.Domain.Deciding;
using Settlement.Domain.Events;
using Settlement.Domain.Roaming;
using Settlement.Host.Access;
using Settlement.Ledger;
using Settlement.Ledger.Schemas;

namespace Settlement.Host.Roaming;

/// <summary>A partner's decision and the token it issued: <see cref="Token"/> is shown this once and never stored.</summary>
public sealed record IssuedPartnerToken(Decision Decision, string? Token);

public sealed record InvitePartnerCommand(InvitePartner Invitation, Actor Actor) : ICommand<IssuedPartnerToken>;

/// <param name="TokenB">The partner's token, sealed here before anything is recorded.</param>
public sealed record RegisterPartnerCommand(string PartnerId, string Version, string VersionsUrl, IReadOnlyList<OcpiPartyRole> Roles,
    IReadOnlyList<OcpiEndpoint> Endpoints, string TokenB, Actor Actor) : ICommand<IssuedPartnerToken>;

public sealed record UpdatePartnerCredentialsCommand(string PartnerId, string Version, string VersionsUrl, IReadOnlyList<OcpiPartyRole> Roles,
    IReadOnlyList<OcpiEndpoint> Endpoints, string TokenB, Actor Actor) : ICommand<IssuedPartnerToken>;

public sealed record UnregisterPartnerCommand(string PartnerId, string Reason, Actor Actor) : ICommand<Decision>;

public sealed record ChangeAgreementCommand(string PartnerId, ChangeAgreement Change, Actor Actor) : ICommand<Decision>;

/// <summary>
/// A partner's decisions together with those of its tokens (API keys of role Partner) on their own streams, appended
/// in one ledger batch at the versions they were decided on: token A dies in the append that registers the partner,
/// token C is born in it, and nothing is written when any of the decisions is refused or another writer came first.
/// Tokens are drawn here, at the edge; the partner's token B is sealed before it reaches a decision.
/// </summary>
public sealed class PartnerHandlers(Ledger.Ledger ledger, IClock clock) :
    ICommandHandler<InvitePartnerCommand, IssuedPartnerToken>, ICommandHandler<RegisterPartnerCommand, IssuedPartnerToken>,
    ICommandHandler<UpdatePartnerCredentialsCommand, IssuedPartnerToken>, ICommandHandler<UnregisterPartnerCommand, Decision>,
    ICommandHandler<ChangeAgreementCommand, Decision>
{
    private const int Attempts = 3;

    /// <summary>One stream's decision, to be appended at <paramref name="Version"/> with the others of its batch.</summary>
    private sealed record Decided(string StreamId, long Version, Decision Decision);

    public async ValueTask<IssuedPartnerToken> Handle(InvitePartnerCommand command, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        var invitation = command.Invitation;
        // A country code or party id too malformed to name a stream is refused before one is read.
        if (RoamingPartners.Invite(RoamingPartnerState.None, invitation, now) is { Refused: true } invalid) return new(invalid, null);
        var partnerId = OcpiIds.PartnerId(invitation.CountryCode, invitation.PartyId);
        var keyId = ApiKeySecrets.NewKeyId();
        var tokenA = ApiKeySecrets.NewKey(keyId);
        var decision = await DecideTogetherAsync(async () =>
        [
            await PartnerAsync(partnerId, state => RoamingPartners.Invite(state, invitation with { TokenAKeyId = keyId }, now), ct),
            new Decided(StreamIds.ApiKey(keyId), 0, ApiKeys.IssuePartnerToken(ApiKeyState.None,
                new IssuePartnerKey(keyId, $"OCPI token A for {partnerId}", ApiKeySecrets.Verifier(tokenA)), now)),
        ], command.Actor, ct);
        return new(decision, decision.Refused ? null : tokenA);
    }

    public async ValueTask<IssuedPartnerToken> Handle(RegisterPartnerCommand command, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        var sealedTokenB = ledger.PartnerSecrets.Seal(command.PartnerId, command.TokenB);
        var keyId = ApiKeySecrets.NewKeyId();
        var tokenC = ApiKeySecrets.NewKey(keyId);
        var decision = await DecideTogetherAsync(async () =>
        {
            var (state, version) = await PartnerStateAsync(command.PartnerId, ct);
            var partner = new Decided(OcpiIds.PartnerStream(command.PartnerId), version, RoamingPartners.Register(state,
                new RegisterPartner(command.Version, command.VersionsUrl, command.Roles, command.Endpoints, sealedTokenB, keyId), now));
            if (partner.Decision.Refused) return [partner];
            var tokenAKeyId = state.TokenAKeyId!;
            return
            [
                partner,
                new Decided(StreamIds.ApiKey(keyId), 0, ApiKeys.IssuePartnerToken(ApiKeyState.None,
                    new IssuePartnerKey(keyId, $"OCPI token C for {command.PartnerId}", ApiKeySecrets.Verifier(tokenC)), now)),
                await KeyAsync(tokenAKeyId, state => ApiKeys.Revoke(state, new RevokeApiKey(tokenAKeyId, "registered: token A is used once"), now), ct),
            ];
        }, command.Actor, ct);
        return new(decision, decision.Refused ? null : tokenC);
    }

    public async ValueTask<IssuedPartnerToken> Handle(UpdatePartnerCredentialsCommand command, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        var sealedTokenB = ledger.PartnerSecrets.Seal(command.PartnerId, command.TokenB);
        string? tokenC = null;
        var decision = await DecideTogetherAsync(async () =>
        {
            var (state, version) = await PartnerStateAsync(command.PartnerId, ct);
            var partner = new Decided(OcpiIds.PartnerStream(command.PartnerId), version, RoamingPartners.UpdateCredentials(state,
                new UpdatePartnerCredentials(command.Version, command.VersionsUrl, command.Roles, command.Endpoints, sealedTokenB), now));
            if (partner.Decision.Refused) return [partner];
            var keyId = state.TokenCKeyId!;
            tokenC = ApiKeySecrets.NewKey(keyId);
            return [partner, await KeyAsync(keyId, key => ApiKeys.Rotate(key, new RotateApiKey(keyId, ApiKeySecrets.Verifier(tokenC)), now), ct)];
        }, command.Actor, ct);
        return new(decision, decision.Refused ? null : tokenC);
    }

    public async ValueTask<Decision> Handle(UnregisterPartnerCommand command, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        return await DecideTogetherAsync(async () =>
        {
            var (state, version) = await PartnerStateAsync(command.PartnerId, ct);
            var partner = new Decided(OcpiIds.PartnerStream(command.PartnerId), version,
                RoamingPartners.Unregister(state, new UnregisterPartner(command.Reason), now));
            if (partner.Decision.Refused || partner.Decision.Events.Count == 0) return [partner];
            // The token the partner holds now: C once registered, A while only invited.
            var liveKeyId = state.TokenCKeyId ?? state.TokenAKeyId!;
            var key = await KeyAsync(liveKeyId, key => ApiKeys.Revoke(key, new RevokeApiKey(liveKeyId, "partner unregistered"), now), ct);
            return key.Decision.Refused ? [partner] : [partner, key];
        }, command.Actor, ct);
    }

    public async ValueTask<Decision> Handle(ChangeAgreementCommand command, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        return await DecideTogetherAsync(async () =>
            [await PartnerAsync(command.PartnerId, state => RoamingPartners.ChangeAgreement(state, command.Change, now), ct)], command.Actor, ct);
    }

    private async Task<(RoamingPartnerState State, long Version)> PartnerStateAsync(string partnerId, CancellationToken ct)
    {
        var (events, version) = await ledger.FetchAsync(OcpiIds.PartnerStream(partnerId), ct);
        return (events.Aggregate(RoamingPartnerState.None, (state, e) => RoamingPartners.Evolve(state, e.Data)), version);
    }

    private async Task<Decided> PartnerAsync(string partnerId, Func<RoamingPartnerState, Decision> decide, CancellationToken ct)
    {
        var (state, version) = await PartnerStateAsync(partnerId, ct);
        return new Decided(OcpiIds.PartnerStream(partnerId), version, decide(state));
    }

    private async Task<Decided> KeyAsync(string keyId, Func<ApiKeyState, Decision> decide, CancellationToken ct)
    {
        var (events, version) = await ledger.FetchAsync(StreamIds.ApiKey(keyId), ct);
        return new Decided(StreamIds.ApiKey(keyId), version, decide(events.Aggregate(ApiKeyState.None, (state, e) => ApiKeys.Evolve(state, e.Data))));
    }

    /// <summary>
    /// Decides every stream, then appends all their events in one batch at the versions decided on; when another writer
    /// changed one of the streams meanwhile, decides again. The first decision's events are the answer (the partner's).
    /// </summary>
    private async Task<Decision> DecideTogetherAsync(Func<Task<IReadOnlyList<Decided>>> decide, Actor actor, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var decided = await decide();
            if (decided.FirstOrDefault(d => d.Decision.Refused) is { } refused) return refused.Decision;
            var batch = decided.Where(d => d.Decision.Events.Count > 0).ToList();
            if (batch.Count == 0) return decided[0].Decision;
            var metadata = EventMetadata.NewCorrelation(actor, clock.GetCurrentInstant());
            try
            {
                await ledger.AppendAsync([.. batch.Select(d => new StreamAppend(d.StreamId, [.. d.Decision.Events.Select(e => new PendingEvent(e, metadata))], d.Version))], ct);
                return decided[0].Decision;
            }
            catch (MalformedEventException e)
            {
                return Decision.Refuse(RefusalKind.Unprocessable, e.Message);
            }
            catch (StreamConcurrencyException) when (attempt < Attempts)
            {
                await Task.Delay(Random.Shared.Next(1, 5 * attempt), ct);
            }
        }
    }
}
