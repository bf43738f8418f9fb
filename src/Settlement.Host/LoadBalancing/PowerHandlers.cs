using Marten;
using Mediator;
using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.Events;
using Settlement.Domain.LoadBalancing;
using Settlement.Host.Access;
using Settlement.Ledger;
using Settlement.Projections.Chargers;

namespace Settlement.Host.LoadBalancing;

public sealed record DefinePowerModelCommand(DefineSitePowerModel Model) : ICommand<Decision>;

public sealed record IssueGridSignalCommand(IssueGridSignal Signal) : ICommand<Decision>;

public sealed record WithdrawGridSignalCommand(WithdrawGridSignal Withdrawal) : ICommand<Decision>;

public sealed record ReportBatteryStateCommand(ReportBatteryState Report) : ICommand<Decision>;

/// <summary>
/// The operator's and the grid's facts about a site's power, decided on the site's power stream (model, signals,
/// battery) at the version they were read at: the balancer's decisions live on their own stream and never block these.
/// </summary>
public sealed class PowerHandlers(Ledger.Ledger ledger, IClock clock, Callers callers) :
    ICommandHandler<DefinePowerModelCommand, Decision>, ICommandHandler<IssueGridSignalCommand, Decision>,
    ICommandHandler<WithdrawGridSignalCommand, Decision>, ICommandHandler<ReportBatteryStateCommand, Decision>
{
    private const int Attempts = 5;
    private static readonly Actor Api = new(ActorKind.Operator, "api");

    public async ValueTask<Decision> Handle(DefinePowerModelCommand command, CancellationToken ct)
    {
        var site = await FactsAsync(command.Model.SiteId, ct);
        return await DecideAsync(command.Model.SiteId, state => SitePower.Decide(state, site, command.Model, clock.GetCurrentInstant()), ct);
    }

    public async ValueTask<Decision> Handle(IssueGridSignalCommand command, CancellationToken ct) =>
        await DecideAsync(command.Signal.SiteId, state => SitePower.Decide(state, command.Signal, clock.GetCurrentInstant()), ct);

    public async ValueTask<Decision> Handle(WithdrawGridSignalCommand command, CancellationToken ct) =>
        await DecideAsync(command.Withdrawal.SiteId, state => SitePower.Decide(state, command.Withdrawal, clock.GetCurrentInstant()), ct);

    public async ValueTask<Decision> Handle(ReportBatteryStateCommand command, CancellationToken ct) =>
        await DecideAsync(command.Report.SiteId, state => SitePower.Decide(state, command.Report, clock.GetCurrentInstant()), ct);

    /// <summary>What the site registry says of the site: its grid connection and the EVSEs of the chargers registered on it.</summary>
    private async Task<SiteFacts> FactsAsync(string siteId, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        if (await query.LoadAsync<SiteEntry>(StreamIds.Site(siteId), ct) is not { SiteId.Length: > 0 } site)
            return new SiteFacts(false, 0m, null, new HashSet<(string, int)>());
        var chargers = await query.Query<ChargerEntry>().Where(c => c.SiteId == siteId && c.Registered).ToListAsync(ct);
        return new SiteFacts(true, site.GridCapacityKw, site.GridCapacityAmpsPerPhase,
            chargers.SelectMany(c => c.Evses.Select(e => (c.ChargerId, e.EvseId))).ToHashSet());
    }

    private Task<Decision> DecideAsync(string siteId, Func<SitePowerState, Decision> decide, CancellationToken ct)
    {
        var stream = StreamIds.SitePower(siteId);
        return ledger.DecideAtVersionAsync(stream, async _ => decide(await SitePowerReads.StateAsync(ledger, siteId, ct)),
            () => EventMetadata.NewCorrelation(callers.ActorOr(Api), clock.GetCurrentInstant()), Attempts, ct);
    }
}

/// <summary>Reading a site's power stream: the state the deciders and the views start from.</summary>
public static class SitePowerReads
{
    public static async Task<SitePowerState> StateAsync(Ledger.Ledger ledger, string siteId, CancellationToken ct) =>
        Fold(await ledger.ReadStreamAsync(StreamIds.SitePower(siteId), ct));

    public static SitePowerState Fold(IEnumerable<RecordedEvent> events) =>
        events.Aggregate(SitePowerState.Empty, (state, e) => SitePower.Evolve(state, e.Data, e.Version));
}
