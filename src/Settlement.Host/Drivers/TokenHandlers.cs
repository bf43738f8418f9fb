using Mediator;
using NodaTime;
using Settlement.Domain.Access;
using Settlement.Domain.Deciding;
using Settlement.Domain.Drivers;
using Settlement.Domain.Events;
using Settlement.Ledger.Drivers;

namespace Settlement.Host.Drivers;

/// <param name="OperatorId">The sub-operator whose key registers the token, which then owns it; null for the top-level operator's keys.</param>
public sealed record RegisterTokenCommand(RegisterToken Token, string? OperatorId, Actor Actor) : ICommand<Decision>;

public sealed record BlockTokenCommand(string TokenId, Actor Actor) : ICommand<Decision>;

public sealed record UnblockTokenCommand(string TokenId, Actor Actor) : ICommand<Decision>;

public sealed record ExpireTokenCommand(string TokenId, Actor Actor) : ICommand<Decision>;

public sealed record ChangeTokenGroupCommand(string TokenId, string? CustomerGroup, Actor Actor) : ICommand<Decision>;

/// <summary>
/// The token registry's commands, decided by <see cref="Tokens"/> on the token's own stream. The uid and contract id
/// are sealed here, at the edge, under the key of the driver the vault holds for the uid.
/// </summary>
public sealed class TokenHandlers(Ledger.Ledger ledger, IClock clock) :
    ICommandHandler<RegisterTokenCommand, Decision>, ICommandHandler<BlockTokenCommand, Decision>, ICommandHandler<UnblockTokenCommand, Decision>,
    ICommandHandler<ExpireTokenCommand, Decision>, ICommandHandler<ChangeTokenGroupCommand, Decision>
{
    public async ValueTask<Decision> Handle(RegisterTokenCommand command, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        // Checked before sealing, so a refused registration makes no driver in the vault.
        if (Tokens.Check(command.Token, now) is { } refused) return refused;
        var driver = await ledger.Drivers.DriverForAsync(command.Token.Uid, ct);
        var uid = DriverVault.Seal(driver, command.Token.Uid);
        var contractId = command.Token.ContractId is { } contract ? DriverVault.Seal(driver, contract) : null;
        // A sub-operator's key registers a token it then owns: the ownership is recorded with the registration.
        return await DecideAsync(driver.DriverRef, state =>
        {
            var decision = Tokens.Register(state, command.Token, uid, contractId, now);
            return decision.Refused ? decision : Decision.Accept([.. decision.Events, .. SubOperators.ClaimedBy(command.OperatorId, decision.Events[0], now)]);
        }, command.Actor, ct);
    }

    public async ValueTask<Decision> Handle(BlockTokenCommand command, CancellationToken ct) =>
        await DecideAsync(command.TokenId, state => Tokens.Block(state, new BlockToken(command.TokenId), clock.GetCurrentInstant()), command.Actor, ct);

    public async ValueTask<Decision> Handle(UnblockTokenCommand command, CancellationToken ct) =>
        await DecideAsync(command.TokenId, state => Tokens.Unblock(state, new UnblockToken(command.TokenId), clock.GetCurrentInstant()), command.Actor, ct);

    public async ValueTask<Decision> Handle(ExpireTokenCommand command, CancellationToken ct) =>
        await DecideAsync(command.TokenId, state => Tokens.Expire(state, new ExpireToken(command.TokenId), clock.GetCurrentInstant()), command.Actor, ct);

    public async ValueTask<Decision> Handle(ChangeTokenGroupCommand command, CancellationToken ct) =>
        await DecideAsync(command.TokenId, state => Tokens.ChangeGroup(state, new ChangeTokenGroup(command.TokenId, command.CustomerGroup), clock.GetCurrentInstant()),
            command.Actor, ct);

    private Task<Decision> DecideAsync(string tokenId, Func<TokenState, Decision> decide, Actor actor, CancellationToken ct) =>
        ledger.DecideAsync(StreamIds.Token(tokenId), TokenState.None, (state, e) => Tokens.Evolve(state, e.Data), decide,
            EventMetadata.NewCorrelation(actor, clock.GetCurrentInstant()), ct);
}
