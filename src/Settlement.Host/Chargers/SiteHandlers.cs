using Mediator;
using NodaTime;
using Settlement.Domain.Access;
using Settlement.Domain.Chargers;
using Settlement.Domain.Deciding;
using Settlement.Domain.Events;
using Settlement.Domain.Invoicing.Jurisdictions;
using Settlement.Host.Access;

namespace Settlement.Host.Chargers;

public sealed record RegisterSiteCommand(string SiteId, SiteDetails Details) : ICommand<Decision>;

public sealed record ChangeSiteDetailsCommand(string SiteId, SiteDetails Details) : ICommand<Decision>;

public sealed record DescribeSitePublicDetailsCommand(string SiteId, SitePublicDetails Details) : ICommand<Decision>;

/// <summary>Sites are decided on their own stream, which stays short: registration, changes, public details, jurisdiction and maintenance costs.</summary>
public sealed class SiteHandlers(Ledger.Ledger ledger, IClock clock, Callers callers) :
    ICommandHandler<RegisterSiteCommand, Decision>, ICommandHandler<ChangeSiteDetailsCommand, Decision>,
    ICommandHandler<DescribeSitePublicDetailsCommand, Decision>
{
    private const int Attempts = 5;
    private static readonly Actor Api = new(ActorKind.Operator, "api");

    // A sub-operator's key registers a site it then owns: the ownership is recorded with the registration.
    public async ValueTask<Decision> Handle(RegisterSiteCommand command, CancellationToken ct) =>
        await DecideAsync(command.SiteId, state =>
        {
            var now = clock.GetCurrentInstant();
            var decision = SiteRegistration.Decide(state, new RegisterSite(command.SiteId, command.Details), JurisdictionResolver.Bundled, now);
            return decision.Refused ? decision
                : Decision.Accept([.. decision.Events, .. SubOperators.ClaimedBy(callers.Current?.OperatorId, decision.Events[0], now)]);
        }, ct);

    public async ValueTask<Decision> Handle(ChangeSiteDetailsCommand command, CancellationToken ct) =>
        await DecideAsync(command.SiteId, state => SiteRegistration.Decide(state, new ChangeSiteDetails(command.SiteId, command.Details),
            JurisdictionResolver.Bundled, clock.GetCurrentInstant()), ct);

    public async ValueTask<Decision> Handle(DescribeSitePublicDetailsCommand command, CancellationToken ct) =>
        await DecideAsync(command.SiteId, SitePublicDetailsState.Unregistered, SitePublicDetailsDescribing.Evolve,
            state => SitePublicDetailsDescribing.Decide(state, new DescribeSitePublicDetails(command.SiteId, command.Details), clock.GetCurrentInstant()), ct);

    private Task<Decision> DecideAsync(string siteId, Func<SiteState, Decision> decide, CancellationToken ct) =>
        DecideAsync(siteId, SiteState.Unregistered, SiteRegistration.Evolve, decide, ct);

    private Task<Decision> DecideAsync<TState>(string siteId, TState initial, Func<TState, object, TState> evolve, Func<TState, Decision> decide, CancellationToken ct)
    {
        var stream = StreamIds.Site(siteId ?? "");
        return ledger.DecideAtVersionAsync(stream, async _ =>
            {
                var (events, _) = await ledger.FetchAsync(stream, ct);
                return decide(events.Aggregate(initial, (state, e) => evolve(state, e.Data)));
            },
            () => EventMetadata.NewCorrelation(callers.ActorOr(Api), clock.GetCurrentInstant()), Attempts, ct);
    }
}
