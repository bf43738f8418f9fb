using Settlement.Host.Access;
using Mediator;
using NodaTime;
using Settlement.Domain.Access;
using Settlement.Domain.Deciding;
using Settlement.Domain.Events;
using Settlement.Domain.Tariffs;
using Settlement.Ledger;
using Settlement.Ledger.Schemas;
using Settlement.Projections.Chargers;

namespace Settlement.Host.Tariffs;

/// <summary>Publishes the next version of a tariff: the events recorded, or why not.</summary>
/// <param name="OperatorId">The sub-operator whose key publishes; its first version makes the tariff its own.</param>
public sealed record PublishTariffCommand(PublishTariff Tariff, string? OperatorId = null) : ICommand<Decision>;

/// <summary>Assigns a published tariff to a site, an EVSE or a customer group: the event recorded, or why not.</summary>
public sealed record AssignTariffCommand(AssignTariff Assignment) : ICommand<Decision>;

/// <summary>Decides tariff commands on the tariff's own stream, with <see cref="TariffDecisions"/>.</summary>
public sealed class TariffCommandHandler(Ledger.Ledger ledger, IClock clock, Callers callers) :
    ICommandHandler<PublishTariffCommand, Decision>, ICommandHandler<AssignTariffCommand, Decision>
{
    private static readonly Actor Api = new(ActorKind.Operator, "api");

    public ValueTask<Decision> Handle(PublishTariffCommand command, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        return DecideAsync(command.Tariff.TariffId, history =>
            TariffDecisions.Publish(history, command.Tariff, now) is { Refused: false } decision && history.Versions.Count == 0
                ? Decision.Accept([.. decision.Events, .. SubOperators.ClaimedBy(command.OperatorId, decision.Events.OfType<TariffPublished>().First(), now)])
                : TariffDecisions.Publish(history, command.Tariff, now), now, ct);
    }

    public async ValueTask<Decision> Handle(AssignTariffCommand command, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        var placeRegistered = await PlaceRegisteredAsync(command.Assignment.Scope, command.Assignment.ScopeId, ct);
        return await DecideAsync(command.Assignment.TariffId,
            history => TariffDecisions.Assign(history, command.Assignment, now, placeRegistered), now, ct);
    }

    private async ValueTask<Decision> DecideAsync(string tariffId, Func<TariffHistory, Decision> decide, Instant now, CancellationToken ct)
    {
        try
        {
            return await ledger.DecideAsync(StreamIds.Tariff(tariffId), TariffHistory.Empty(tariffId),
                (history, e) => history.Apply(e.Data, e.Version), decide, EventMetadata.NewCorrelation(callers.ActorOr(Api), now), ct);
        }
        catch (MalformedEventException e)
        {
            return Decision.Refuse(RefusalKind.Invalid, e.Problems);
        }
        catch (StreamConcurrencyException)
        {
            return Decision.Refuse(RefusalKind.Conflict, $"Tariff '{tariffId}' changed meanwhile; read it again and retry.");
        }
    }

    /// <summary>Whether the site or EVSE named is registered; customer groups, and ids too malformed to look up, are left to the decider.</summary>
    private async Task<bool> PlaceRegisteredAsync(TariffScope scope, string scopeId, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        return scope switch
        {
            TariffScope.Site when !string.IsNullOrWhiteSpace(scopeId) =>
                await query.LoadAsync<SiteEntry>(StreamIds.Site(scopeId), ct) is not null,
            // OCPP numbers a charger's EVSEs from 1 without gaps.
            TariffScope.Evse when scopeId.LastIndexOf('/') is var slash and > 0 =>
                int.TryParse(scopeId[(slash + 1)..], out var evseId)
                && await query.LoadAsync<ChargerEntry>(StreamIds.Charger(scopeId[..slash]), ct) is { Registered: true, SiteId: not null } charger
                && evseId >= 1 && evseId <= charger.EvseCount,
            _ => true,
        };
    }
}
