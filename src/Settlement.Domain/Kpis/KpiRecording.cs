using Mediator;
using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.Sessions;

namespace Settlement.Domain.Kpis;

/// <summary>An operator says outage time of a port (0: every EVSE of the charger) in [From, Until) had a cause outside its control.</summary>
public sealed record TagOutageCause(string ChargerId, int EvseId, Instant From, Instant Until, OutageCause Cause, string? Notes) : ICommand<Decision>;

/// <summary>A driver rates a session they charged.</summary>
public sealed record RateSession(string SessionId, int Stars, string? Comment) : ICommand<Decision>;

/// <summary>An operator reports a site's maintenance and repair cost over [From, Through] for the NEVI annual report.</summary>
public sealed record ReportMaintenanceCost(
    string SiteId, LocalDate From, LocalDate Through, decimal TotalCost, decimal FederalCost, bool? ChargingAsAService, string? ProjectId, string? Notes)
    : ICommand<Decision>;

/// <summary>A registered charger as outage tagging sees it: how many EVSEs a tag may name.</summary>
public sealed record TaggableCharger(int EvseCount);

/// <summary>What may be recorded for KPIs besides what chargers report.</summary>
public static class KpiRecording
{
    /// <param name="charger">The charger when it is registered; null when it is not (a pending one included).</param>
    public static Decision Decide(TaggableCharger? charger, TagOutageCause command, Instant now)
    {
        if (command.Until <= command.From)
            return Decision.Refuse(RefusalKind.Unprocessable, $"until ({command.Until}) must be after from ({command.From}).");
        if (charger is null)
            return Decision.Refuse(RefusalKind.NotFound, $"Charger {command.ChargerId} is not registered.");
        if (command.EvseId < 0 || command.EvseId > charger.EvseCount)
            return Decision.Refuse(RefusalKind.Unprocessable,
                $"Charger {command.ChargerId} has EVSEs 1 to {charger.EvseCount} (0 for all of them), not {command.EvseId}.");
        return Decision.Accept(new OutageCauseTagged(command.ChargerId, command.EvseId, command.From, command.Until, command.Cause, command.Notes, now));
    }

    /// <summary>A session's stream as rating sees it: one rating per session, once it has started.</summary>
    public sealed record RatableSession(bool Started, bool Rated)
    {
        public static readonly RatableSession Initial = new(false, false);

        public RatableSession Evolve(object @event) => @event switch
        {
            SessionStartedV2 => this with { Started = true },
            SessionRated => this with { Rated = true },
            _ => this,
        };
    }

    public static Decision Decide(RatableSession session, RateSession command, Instant now)
    {
        if (command.Stars is < 1 or > 5)
            return Decision.Refuse(RefusalKind.Unprocessable, $"stars must be 1 to 5, not {command.Stars}.");
        if (!session.Started)
            return Decision.Refuse(RefusalKind.NotFound, $"No session '{command.SessionId}' has started.");
        if (session.Rated)
            return Decision.Refuse(RefusalKind.Conflict, $"Session {command.SessionId} is rated already.");
        return Decision.Accept(new SessionRated(command.SessionId, command.Stars, command.Comment, now));
    }

    /// <param name="siteRegistered">Whether the site is registered.</param>
    public static Decision Decide(bool siteRegistered, ReportMaintenanceCost command, Instant now)
    {
        if (command.Through < command.From)
            return Decision.Refuse(RefusalKind.Unprocessable, $"through ({command.Through}) is before from ({command.From}).");
        if (!siteRegistered)
            return Decision.Refuse(RefusalKind.NotFound, $"Site {command.SiteId} is not registered.");
        return Decision.Accept(new MaintenanceCostReported(command.SiteId, command.From, command.Through, command.TotalCost, command.FederalCost,
            command.ChargingAsAService, command.ProjectId, command.Notes, now));
    }
}
