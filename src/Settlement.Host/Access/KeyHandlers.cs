using Mediator;
using NodaTime;
using Settlement.Domain.Access;
using Settlement.Domain.Deciding;
using Settlement.Domain.Events;

namespace Settlement.Host.Access;

/// <summary>A key created or rotated: <see cref="Key"/> is shown this once and never stored.</summary>
public sealed record IssuedKey(Decision Decision, string KeyId, string? Key);

public sealed record CreateApiKeyCommand(string Name, AccessRole Role, string? OperatorId, Actor Actor) : ICommand<IssuedKey>;

public sealed record RotateApiKeyCommand(string KeyId, Actor Actor) : ICommand<IssuedKey>;

public sealed record RevokeApiKeyCommand(string KeyId, string Reason, Actor Actor) : ICommand<Decision>;

/// <summary>Keys are decided by <see cref="ApiKeys"/> on their own stream; the secret is drawn here, at the edge.</summary>
public sealed class ApiKeyHandlers(Ledger.Ledger ledger, IClock clock) :
    ICommandHandler<CreateApiKeyCommand, IssuedKey>, ICommandHandler<RotateApiKeyCommand, IssuedKey>, ICommandHandler<RevokeApiKeyCommand, Decision>
{
    public async ValueTask<IssuedKey> Handle(CreateApiKeyCommand command, CancellationToken ct)
    {
        var keyId = ApiKeySecrets.NewKeyId();
        var key = ApiKeySecrets.NewKey(keyId);
        var decision = await DecideAsync(keyId, state => ApiKeys.Create(state,
            new CreateApiKey(keyId, command.Name ?? "", command.Role, command.OperatorId, ApiKeySecrets.Verifier(key)), clock.GetCurrentInstant()), command.Actor, ct);
        return new IssuedKey(decision, keyId, decision.Refused ? null : key);
    }

    public async ValueTask<IssuedKey> Handle(RotateApiKeyCommand command, CancellationToken ct)
    {
        var key = ApiKeySecrets.NewKey(command.KeyId);
        var decision = await DecideAsync(command.KeyId, state => ApiKeys.Rotate(state,
            new RotateApiKey(command.KeyId, ApiKeySecrets.Verifier(key)), clock.GetCurrentInstant()), command.Actor, ct);
        return new IssuedKey(decision, command.KeyId, decision.Refused ? null : key);
    }

    public async ValueTask<Decision> Handle(RevokeApiKeyCommand command, CancellationToken ct) =>
        await DecideAsync(command.KeyId, state => ApiKeys.Revoke(state, new RevokeApiKey(command.KeyId, command.Reason ?? ""), clock.GetCurrentInstant()),
            command.Actor, ct);

    private Task<Decision> DecideAsync(string keyId, Func<ApiKeyState, Decision> decide, Actor actor, CancellationToken ct) =>
        ledger.DecideAsync(StreamIds.ApiKey(keyId), ApiKeyState.None, (state, e) => ApiKeys.Evolve(state, e.Data), decide,
            EventMetadata.NewCorrelation(actor, clock.GetCurrentInstant()), ct);
}
