using NodaTime;

namespace Settlement.Domain.LoadBalancing;

/// <summary>
/// A limit to send one EVSE: its session's TxProfile, or with no <see cref="SessionId"/> the idle EVSE's TxDefaultProfile.
/// <see cref="Applied"/> is what the charger last acknowledged (null: not known).
/// </summary>
public sealed record LimitChange(string? SessionId, string ChargerId, int EvseId, decimal? Applied, decimal Target);

/// <summary>
/// The commands of one decision in the order that keeps every circuit within its limit while they are in flight:
/// first every lowered limit (and every limit whose applied value is unknown), and only once all of those are
/// acknowledged the raised ones. A lowered limit that is not acknowledged stops the raises: the balancer decides
/// again with that charger counted at its maximum.
/// </summary>
public sealed record ProfileDispatch(IReadOnlyList<LimitChange> Lower, IReadOnlyList<LimitChange> Raise)
{
    public static ProfileDispatch Plan(IEnumerable<LimitChange> changes)
    {
        var changed = changes.Where(c => c.Applied != c.Target).OrderBy(c => c.ChargerId, StringComparer.Ordinal).ThenBy(c => c.EvseId).ToList();
        return new ProfileDispatch([.. changed.Where(c => c.Applied is null || c.Target < c.Applied)], [.. changed.Where(c => c.Target > c.Applied)]);
    }
}

/// <summary>Turns an allocation into its recorded decision, and a decision into the turns the next one starts from.</summary>
public static class AllocationDecisions
{
    /// <param name="commandIds">The SetChargingProfile command id of each session whose limit is sent.</param>
    /// <param name="defaultCommandIds">The SetChargingProfile command id of each EVSE whose TxDefaultProfile is sent: an idle one's reservation, or 0 A under a session.</param>
    public static LoadAllocationDecided Record(string siteId, long modelVersion, RebalanceTrigger trigger, AllocationInput input, Allocation allocation,
        IReadOnlyDictionary<string, string> commandIds, IReadOnlyDictionary<(string ChargerId, int EvseId), string> defaultCommandIds) =>
        new(siteId, modelVersion, trigger, input.Model.Policy.Sharing, input.Model.Policy.Reclaim, allocation.SignalsInForce,
            input.BatteryStateOfChargePercent, allocation.BatteryKw,
            [.. allocation.Circuits.Select(c => new CircuitLoadDecided(c.CircuitId, c.LimitAmpsPerPhase, c.LimitKw, c.AllocatedAmps, c.AllocatedKw))],
            [.. allocation.Sessions.Select(a => new SessionAllocationDecided(a.Session.SessionId, a.Session.ChargerId, a.Session.EvseId,
                a.Session.StartedAt, a.Session.CustomerGroup, a.Weight, a.Session.MeasuredAmps, a.Session.StateOfChargePercent, a.Session.PreviousLimitAmps,
                a.Session.Responsive, a.Session.ChargingSince, a.Session.SuspendedSince, a.LimitAmps, a.Status,
                commandIds.GetValueOrDefault(a.Session.SessionId), defaultCommandIds.GetValueOrDefault((a.Session.ChargerId, a.Session.EvseId))))],
            [.. allocation.Reservations.Select(r => new IdleEvseDecided(r.ChargerId, r.EvseId, r.Responsive, r.AppliedDefaultAmps, r.ReservedAmps,
                defaultCommandIds.GetValueOrDefault((r.ChargerId, r.EvseId))))],
            input.At);

    /// <summary>The session's turn after the decision: a suspended one waits since it was first suspended, a charging one charges since it was admitted.</summary>
    public static (Instant? ChargingSince, Instant? SuspendedSince) TurnAfter(SessionAllocationDecided decided, Instant decidedAt) =>
        decided.Status == AllocationStatus.Suspended
            ? (null, decided.SuspendedSince ?? decidedAt)
            : (decided.ChargingSince ?? decidedAt, null);

    /// <summary>What the recorded decision's inputs were, for replaying it with <see cref="Allocator.Allocate"/>.</summary>
    public static AllocationInput Inputs(LoadAllocationDecided decided, SitePowerModel model, IReadOnlyList<GridSignal> signals) =>
        new(model, signals, decided.BatteryStateOfChargePercent,
            [.. decided.Sessions.Select(s => new SessionDemand(s.SessionId, s.ChargerId, s.EvseId, s.CustomerGroup,
                s.StartedAt, s.MeasuredAmps, s.StateOfChargePercent, s.PreviousLimitAmps, s.Responsive,
                s.ChargingSince, s.SuspendedSince))],
            decided.DecidedAt)
        {
            IdleEvses = [.. decided.IdleEvses.Select(i => new IdleEvseState(i.ChargerId, i.EvseId, i.Responsive, i.AppliedDefaultAmps))],
        };
}
