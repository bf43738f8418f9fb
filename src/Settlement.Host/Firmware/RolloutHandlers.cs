using Marten;
using Mediator;
using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.Events;
using Settlement.Domain.Firmware;
using Settlement.Host.Access;
using Settlement.Ledger;
using Settlement.Ledger.Schemas;
using Settlement.Projections.Chargers;

namespace Settlement.Host.Firmware;

/// <summary>Plan a rollout; <paramref name="VisibleSites"/> are the caller's sites, null for the top-level operator.</summary>
public sealed record PlanRolloutCommand(PlanRollout Plan, IReadOnlySet<string>? VisibleSites) : ICommand<Decision>;

public enum RolloutControl { Pause, Resume, Abort }

public sealed record ControlRolloutCommand(string RolloutId, RolloutControl Control, string? Reason) : ICommand<Decision>;

/// <summary>
/// The operator's commands on rollouts. Planning resolves the target against the charger and site registries as they
/// are now and starts the rollout's stream (a taken id is a conflict); pause, resume and abort are decided on the
/// rollout's state folded from its stream and appended at the version it was read at, so a runner's append in between
/// makes the command decide again on top of it.
/// </summary>
public sealed class RolloutHandlers(Ledger.Ledger ledger, IClock clock, Callers callers) :
    ICommandHandler<PlanRolloutCommand, Decision>, ICommandHandler<ControlRolloutCommand, Decision>
{
    private const int Attempts = 5;
    private static readonly Actor Api = new(ActorKind.Operator, "api");

    public async ValueTask<Decision> Handle(PlanRolloutCommand command, CancellationToken ct)
    {
        var request = command.Plan;
        var target = request.Target;
        if (command.VisibleSites is { } visible)
        {
            // A sub-operator plans over its own sites only: none named means all of its own, another's is not known to it.
            if (target.SiteIds.FirstOrDefault(s => !visible.Contains(s)) is { } unknown)
                return Decision.Refuse(RefusalKind.NotFound, $"target.sites: site {unknown} is not registered.");
            if (target.SiteIds.Count == 0) target = target with { SiteIds = [.. visible.Order(StringComparer.Ordinal)] };
            if (target.SiteIds.Count == 0) return Decision.Refuse(RefusalKind.Unprocessable, "target.sites: this key's sub-operator has no sites to roll out to.");
        }
        var fleet = await FleetAsync(target, ct);
        var exists = await ledger.StreamVersionAsync(StreamIds.Rollout(request.RolloutId), ct) > 0;
        var decision = RolloutPlanning.Plan(request with { Target = target }, exists, fleet, clock.GetCurrentInstant());
        if (decision.Refused) return decision;
        var metadata = EventMetadata.NewCorrelation(callers.ActorOr(Api), clock.GetCurrentInstant());
        try
        {
            await ledger.AppendAsync(new StreamAppend(StreamIds.Rollout(request.RolloutId), [.. decision.Events.Select(e => new PendingEvent(e, metadata))], 0), ct);
            return decision;
        }
        catch (StreamConcurrencyException)
        {
            return Decision.Refuse(RefusalKind.Conflict, $"rolloutId: rollout {request.RolloutId} exists already; choose another id or leave it out.");
        }
        catch (MalformedEventException malformed)
        {
            return Decision.Refuse(RefusalKind.Unprocessable, malformed.Message);
        }
    }

    public async ValueTask<Decision> Handle(ControlRolloutCommand command, CancellationToken ct)
    {
        var stream = StreamIds.Rollout(command.RolloutId);
        return await ledger.DecideAtVersionAsync(stream, async _ =>
        {
            if (RolloutState.Fold((await ledger.ReadStreamAsync(stream, ct)).Select(e => e.Data)) is not { } state)
                return Decision.Refuse(RefusalKind.NotFound, $"No rollout {command.RolloutId}.");
            RolloutTrigger trigger = command.Control switch
            {
                RolloutControl.Pause => new RolloutTrigger.Pause(command.Reason ?? ""),
                RolloutControl.Resume => new RolloutTrigger.Resume(),
                _ => new RolloutTrigger.Abort(command.Reason ?? ""),
            };
            // Pause, resume and abort request no update: no command id is ever asked for.
            return RolloutProcess.Decide(state, trigger, clock.GetCurrentInstant(), () => throw new InvalidOperationException("an operator's control requests no update"));
        }, () => EventMetadata.NewCorrelation(callers.ActorOr(Api), clock.GetCurrentInstant()), Attempts, ct);
    }

    /// <summary>The registered chargers the target may mean, with their site's country; the planner narrows them further.</summary>
    private async Task<IReadOnlyList<FleetCharger>> FleetAsync(RolloutTarget target, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        var sites = target.SiteIds.Count > 0
            ? await query.LoadManyAsync<SiteEntry>(ct, target.SiteIds.Select(StreamIds.Site))
            : await query.Query<SiteEntry>().ToListAsync(ct);
        var countries = sites.ToDictionary(s => s.SiteId, s => s.CountryCode, StringComparer.Ordinal);
        var siteIds = countries.Keys.ToArray();
        var chargers = await query.Query<ChargerEntry>().Where(c => c.Registered && c.SiteId != null && c.SiteId.IsOneOf(siteIds)).ToListAsync(ct);
        return [.. chargers.Select(c => new FleetCharger(c.ChargerId, c.SiteId!, countries[c.SiteId!], c.Vendor ?? "", c.Model ?? "",
            c.Protocol ?? Domain.Chargers.OcppVersion.Ocpp201, c.FirmwareVersion))];
    }
}
