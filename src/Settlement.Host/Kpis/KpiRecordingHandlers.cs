using Settlement.Host.Access;
using Marten;
using Mediator;
using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.Events;
using Settlement.Domain.Kpis;
using Settlement.Ledger;
using Settlement.Ledger.Schemas;
using Settlement.Projections.Chargers;

namespace Settlement.Host.Kpis;

/// <summary>Who records what operators and drivers tell the KPIs through the API.</summary>
internal static class KpiRecorders
{
    /// <summary>Busy streams (a charger's status reports) may move on while a tag is decided: decided again on top, a few times.</summary>
    public const int Attempts = 5;

    private static readonly Actor OperatorApi = new(ActorKind.Operator, "api");

    public static Func<EventMetadata> Metadata(IClock clock, Callers callers) => () => EventMetadata.NewCorrelation(callers.ActorOr(OperatorApi), clock.GetCurrentInstant());
}

public sealed class TagOutageCauseHandler(Ledger.Ledger ledger, IClock clock, Callers callers) : ICommandHandler<TagOutageCause, Decision>
{
    public async ValueTask<Decision> Handle(TagOutageCause command, CancellationToken ct) =>
        await ledger.DecideAtVersionAsync(StreamIds.Charger(command.ChargerId), async _ =>
        {
            await using var query = ledger.QueryReadModels();
            var charger = await query.LoadAsync<ChargerEntry>(StreamIds.Charger(command.ChargerId), ct) is { Registered: true } entry
                ? new TaggableCharger(entry.EvseCount)
                : null;
            return KpiRecording.Decide(charger, command, clock.GetCurrentInstant());
        }, KpiRecorders.Metadata(clock, callers), KpiRecorders.Attempts, ct);
}

public sealed class RateSessionHandler(Ledger.Ledger ledger, IClock clock, Callers callers) : ICommandHandler<RateSession, Decision>
{
    public async ValueTask<Decision> Handle(RateSession command, CancellationToken ct)
    {
        try
        {
            return await ledger.DecideAsync(StreamIds.Session(command.SessionId), KpiRecording.RatableSession.Initial,
                (session, e) => session.Evolve(e.Data), session => KpiRecording.Decide(session, command, clock.GetCurrentInstant()),
                KpiRecorders.Metadata(clock, callers)(), ct);
        }
        catch (StreamConcurrencyException)
        {
            return Decision.Refuse(RefusalKind.Conflict, $"Session {command.SessionId} changed meanwhile; try again.");
        }
        catch (MalformedEventException e)
        {
            return Decision.Refuse(RefusalKind.Unprocessable, e.Message);
        }
    }
}

public sealed class ReportMaintenanceCostHandler(Ledger.Ledger ledger, IClock clock, Callers callers) : ICommandHandler<ReportMaintenanceCost, Decision>
{
    public async ValueTask<Decision> Handle(ReportMaintenanceCost command, CancellationToken ct) =>
        await ledger.DecideAtVersionAsync(StreamIds.Site(command.SiteId), async _ =>
        {
            await using var query = ledger.QueryReadModels();
            var registered = await query.LoadAsync<SiteEntry>(StreamIds.Site(command.SiteId), ct) is not null;
            return KpiRecording.Decide(registered, command, clock.GetCurrentInstant());
        }, KpiRecorders.Metadata(clock, callers), KpiRecorders.Attempts, ct);
}
