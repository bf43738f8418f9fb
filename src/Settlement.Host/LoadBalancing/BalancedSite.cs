using System.Text.Json.Nodes;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.LoadBalancing;
using Settlement.Domain.Sessions;

namespace Settlement.Host.LoadBalancing;

/// <summary>A session charging at one of a site's balanced EVSEs, with its latest measurement.</summary>
public sealed record LiveSession(
    string SessionId, string ChargerId, int EvseId, string TransactionId, Instant StartedAt, string? CustomerGroup,
    decimal? MeasuredPowerW, int? StateOfChargePercent)
{
    /// <summary>The session's stream folded: null unless it started and is still open.</summary>
    public static LiveSession? From(string sessionId, IEnumerable<object> events)
    {
        LiveSession? live = null;
        string? group = null;
        var open = false;
        foreach (var e in events)
        {
            switch (e)
            {
                case SessionStartedV2 started:
                    live = new LiveSession(sessionId, started.ChargerId, started.EvseId, started.TransactionId, started.StartedAt, group, null, null);
                    open = true;
                    break;
                case SessionCustomerGroupAssigned assigned:
                    group = assigned.CustomerGroup;
                    live = live is null ? null : live with { CustomerGroup = group };
                    break;
                case MeterValuesRecorded meter when live is not null:
                    live = live.Measured(meter);
                    break;
                case SessionStopped or SessionClosedForSilence:
                    open = false;
                    break;
                case SessionReopened:
                    open = live is not null;
                    break;
            }
        }
        return open ? live : null;
    }

    /// <summary>The latest reading that carries a power (and the latest state of charge), as the charger reported them.</summary>
    public LiveSession Measured(MeterValuesRecorded meter)
    {
        var latest = this;
        foreach (var reading in meter.Readings.OrderBy(r => r.TakenAt))
            latest = latest with
            {
                MeasuredPowerW = reading.PowerW ?? latest.MeasuredPowerW,
                StateOfChargePercent = reading.StateOfChargePercent ?? latest.StateOfChargePercent,
            };
        return latest;
    }

    /// <summary>The measured power as current per phase at the site's voltage, over the phases the EVSE is wired to.</summary>
    public decimal? MeasuredAmps(BalancedEvse evse, int nominalVoltage) => MeasuredPowerW is { } watts
        ? Math.Min(1_000m, Math.Round(watts / evse.WattsPerAmp(nominalVoltage), 1, MidpointRounding.ToZero))
        : null;
}

/// <summary>
/// Whether a charger takes the limits it is sent. One that rejects, errors, times out or is offline is counted at its
/// EVSEs' maximum until it accepts a profile again; it is tried again on its next boot or connection, and every few decisions.
/// </summary>
public sealed class ChargerControl(OcppVersion protocol)
{
    public OcppVersion Protocol { get; set; } = protocol;
    public bool Responsive { get; set; } = true;
    public bool RetryDue { get; set; }
}

/// <summary>A limit to send: the command id it goes under, and the profile in the charger's shape.</summary>
public sealed record ProfileCommand(LimitChange Change, string CommandId, JsonObject Profile);

/// <summary>One decision: the event to record first, then the lowers, and only once all of them are acknowledged the raises.</summary>
public sealed record SiteDecision(LoadAllocationDecided Decided, IReadOnlyList<ProfileCommand> Lower, IReadOnlyList<ProfileCommand> Raise);

/// <summary>
/// What the balancer keeps of one site: the power stream folded, the live sessions at its EVSEs, the last decision, and
/// what each session's charger acknowledged. Only the balancer's one loop touches it.
/// </summary>
public sealed class BalancedSite(string siteId)
{
    /// <summary>A session's draw changing by this much since the last decision is worth deciding again for.</summary>
    public const decimal NoticeableAmps = 1m;

    /// <summary>An unresponsive charger is tried again every this many decisions.</summary>
    public const int RetryEvery = 3;

    public string SiteId { get; } = siteId;
    public SitePowerState Power { get; private set; } = SitePowerState.Empty;
    public Dictionary<string, LiveSession> Sessions { get; } = new(StringComparer.Ordinal);

    /// <summary>The limit each session's charger last acknowledged (absent: not known).</summary>
    public Dictionary<string, decimal> Applied { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The TxDefaultProfile limit each EVSE acknowledged (absent: not known): what a car plugging in there draws until its
    /// first TxProfile, so that a session starts from it and a first limit above it waits for the lowers like any raise.
    /// </summary>
    public Dictionary<(string ChargerId, int EvseId), decimal> DefaultApplied { get; } = [];

    /// <summary>
    /// Sessions whose applied limit is their EVSE's TxDefaultProfile: each is sent a TxProfile even at the same limit, since
    /// the default would otherwise change its limit under the balancer (a boot, or the EVSE's next reservation).
    /// </summary>
    public HashSet<string> OnFallback { get; } = new(StringComparer.Ordinal);

    public LoadAllocationDecided? LastDecision { get; set; }
    public RebalanceTrigger? Pending { get; set; }
    public Task Dispatching { get; set; } = Task.CompletedTask;
    public int DecisionsSinceRetry { get; set; }

    public SitePowerModel? Model => Power.Model;

    public BalancedEvse? Evse(string chargerId, int evseId) =>
        Model?.Evses.FirstOrDefault(e => e.ChargerId == chargerId && e.EvseId == evseId);

    public void Evolve(object @event, long version) => Power = SitePower.Evolve(Power, @event, version);

    /// <summary>A signal started or ended after <paramref name="since"/> and by <paramref name="now"/>: the limits in force changed.</summary>
    public bool SignalBoundaryPassed(Instant since, Instant now) =>
        Power.Signals.Values.Any(s => (s.From > since && s.From <= now) || (s.Until > since && s.Until <= now));

    /// <summary>Whether the session's draw moved noticeably from what the last decision saw.</summary>
    public bool DrawChanged(LiveSession before, LiveSession after)
    {
        if (Evse(after.ChargerId, after.EvseId) is not { } evse || Model is not { } model) return false;
        var (was, now) = (before.MeasuredAmps(evse, model.NominalVoltage), after.MeasuredAmps(evse, model.NominalVoltage));
        var decided = LastDecision?.Sessions.FirstOrDefault(s => s.SessionId == after.SessionId)?.MeasuredAmps ?? was;
        return now is { } current && (decided is null || Math.Abs(current - decided.Value) >= NoticeableAmps);
    }

    /// <summary>Whether every EVSE without a live session holds what the last decision reserved for it: a site without sessions needs no decision then.</summary>
    public bool ReservationsHeld() =>
        LastDecision is { } last && last.ModelVersion == Power.ModelVersion
        && last.IdleEvses.All(i => DefaultApplied.TryGetValue((i.ChargerId, i.EvseId), out var applied) && applied == i.ReservedAmps);

    /// <summary>
    /// Shares the site's power among its live sessions, reserves each idle EVSE's default, and plans the commands. Sessions
    /// and idle EVSEs whose charger does not acknowledge limits are counted at their maximum (an idle one at its acknowledged
    /// default) and sent nothing, unless they are being tried again.
    /// </summary>
    public SiteDecision Decide(RebalanceTrigger trigger, IReadOnlyDictionary<string, ChargerControl> chargers, Instant now)
    {
        var model = Model ?? throw new InvalidOperationException($"site {SiteId} has no power model");
        var previous = LastDecision?.Sessions.ToDictionary(s => s.SessionId, StringComparer.Ordinal) ?? [];
        var demands = Sessions.Values.Where(s => Evse(s.ChargerId, s.EvseId) is not null).Select(s =>
        {
            var control = chargers.GetValueOrDefault(s.ChargerId);
            var (chargingSince, suspendedSince) = previous.TryGetValue(s.SessionId, out var last)
                ? AllocationDecisions.TurnAfter(last, LastDecision!.DecidedAt)
                : (null, null);
            return new SessionDemand(s.SessionId, s.ChargerId, s.EvseId, s.CustomerGroup, s.StartedAt,
                s.MeasuredAmps(Evse(s.ChargerId, s.EvseId)!, model.NominalVoltage), s.StateOfChargePercent,
                Applied.TryGetValue(s.SessionId, out var applied) ? applied : null,
                control is null || control.Responsive || control.RetryDue, chargingSince, suspendedSince);
        }).ToList();
        var occupied = demands.Select(d => (d.ChargerId, d.EvseId)).ToHashSet();
        var idle = model.Evses.Where(e => !occupied.Contains((e.ChargerId, e.EvseId))).Select(e =>
        {
            var control = chargers.GetValueOrDefault(e.ChargerId);
            return new IdleEvseState(e.ChargerId, e.EvseId, control is null || control.Responsive || control.RetryDue,
                DefaultApplied.TryGetValue((e.ChargerId, e.EvseId), out var applied) ? applied : null);
        }).ToList();
        foreach (var chargerId in demands.Select(d => d.ChargerId).Concat(idle.Select(i => i.ChargerId)).Distinct())
            if (chargers.GetValueOrDefault(chargerId) is { } control) control.RetryDue = false;

        var signals = Power.SignalsAt(now);
        var input = new AllocationInput(model, signals, Power.BatteryStateOfChargePercent, demands, now) { IdleEvses = idle };
        var allocation = Allocator.Allocate(input);
        var later = LaterLimits(input, now);
        var changes = allocation.Sessions.Where(a => a.Session.Responsive).Select(a =>
            new LimitChange(a.Session.SessionId, a.Session.ChargerId, a.Session.EvseId, a.Session.PreviousLimitAmps, a.LimitAmps))
            .Concat(allocation.Reservations.Where(r => r.Responsive).Select(r => new LimitChange(null, r.ChargerId, r.EvseId, r.AppliedDefaultAmps, r.ReservedAmps)))
            .Concat(allocation.Sessions.Where(a => a.Session.Responsive).Select(a => ZeroDefault(a.Session.ChargerId, a.Session.EvseId)).OfType<LimitChange>())
            .ToList();
        var plan = ProfileDispatch.Plan(changes);
        // Pinning a session's fallback limit in a TxProfile raises nothing, so it goes with the lowers.
        var pinned = changes.Where(c => c.Applied == c.Target && c.SessionId is not null && OnFallback.Contains(c.SessionId));

        ProfileCommand Command(LimitChange change)
        {
            var protocol = chargers.GetValueOrDefault(change.ChargerId)?.Protocol ?? OcppVersion.Ocpp201;
            if (change.SessionId is null)
                return new ProfileCommand(change, Guid.NewGuid().ToString("N"), ChargingProfiles.TxDefault(protocol, Evse(change.ChargerId, change.EvseId)!, model.NominalVoltage, change.Target));
            var session = Sessions[change.SessionId];
            var lowerings = later.Select(l => new LaterLimit(l.From, Math.Min(change.Target, l.Limits.GetValueOrDefault(change.SessionId, change.Target)))).ToList();
            return new ProfileCommand(change, Guid.NewGuid().ToString("N"),
                ChargingProfiles.Tx(protocol, Evse(change.ChargerId, change.EvseId)!, model.NominalVoltage, session.TransactionId, change.Target, lowerings, now));
        }

        var lower = plan.Lower.Concat(pinned).Select(Command).ToList();
        var raise = plan.Raise.Select(Command).ToList();
        var sent = lower.Concat(raise).ToList();
        var commandIds = sent.Where(c => c.Change.SessionId is not null).ToDictionary(c => c.Change.SessionId!, c => c.CommandId, StringComparer.Ordinal);
        var defaultCommandIds = sent.Where(c => c.Change.SessionId is null).ToDictionary(c => (c.Change.ChargerId, c.Change.EvseId), c => c.CommandId);
        var decided = AllocationDecisions.Record(SiteId, Power.ModelVersion, trigger, input, allocation, commandIds, defaultCommandIds);
        return new SiteDecision(decided, lower, raise);
    }

    /// <summary>
    /// An EVSE with a session holds a TxDefaultProfile of 0 A: only the session's limit is counted there, so a car that
    /// plugs in once this one left, before the balancer hears of it, must draw nothing. Null when it holds 0 A already.
    /// </summary>
    private LimitChange? ZeroDefault(string chargerId, int evseId)
    {
        decimal? applied = DefaultApplied.TryGetValue((chargerId, evseId), out var known) ? known : null;
        return applied == 0m ? null : new LimitChange(null, chargerId, evseId, applied, 0m);
    }

    /// <summary>The limits the sessions would get when each grid signal starting within the profile horizon takes effect.</summary>
    private static List<(Instant From, IReadOnlyDictionary<string, decimal> Limits)> LaterLimits(AllocationInput input, Instant now) =>
        [.. input.Signals.Select(s => s.From).Where(from => from > now && from - now <= ChargingProfiles.LaterLimitHorizon).Distinct().Order()
            .Select(from => (from, (IReadOnlyDictionary<string, decimal>)Allocator.Allocate(input with { At = from }).Sessions
                .ToDictionary(a => a.Session.SessionId, a => a.LimitAmps, StringComparer.Ordinal)))];
}
