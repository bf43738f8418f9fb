using NodaTime;
using Settlement.Domain.Deciding;

namespace Settlement.Domain.LoadBalancing;

public sealed record DefineSitePowerModel(
    string SiteId, int NominalVoltage, IReadOnlyList<PowerCircuit> Circuits, IReadOnlyList<BalancedEvse> Evses, SiteBattery? Battery, BalancingPolicy Policy);

public sealed record IssueGridSignal(
    string SiteId, string SignalId, GridSignalKind Kind, string? CircuitId, decimal? CapPercent, decimal? CapKw, Instant From, Instant Until, string? Source);

public sealed record WithdrawGridSignal(string SiteId, string SignalId);

public sealed record ReportBatteryState(string SiteId, decimal StateOfChargePercent);

/// <summary>
/// What the site registry says about a site the power model names: its grid connection's limits, and the EVSEs
/// registered on it, for the model to be checked against.
/// </summary>
public sealed record SiteFacts(bool Registered, decimal GridCapacityKw, decimal? GridCapacityAmpsPerPhase, IReadOnlySet<(string ChargerId, int EvseId)> Evses);

/// <summary>The site's power stream folded: the model in force (and its version), the signals, the battery's last report.</summary>
public sealed record SitePowerState(SitePowerModel? Model, long ModelVersion, IReadOnlyDictionary<string, GridSignal> Signals, decimal? BatteryStateOfChargePercent)
{
    public static readonly SitePowerState Empty = new(null, 0, new Dictionary<string, GridSignal>(), null);

    public IReadOnlyList<GridSignal> SignalsAt(Instant at) =>
        [.. Signals.Values.Where(s => s.Until > at).OrderBy(s => s.SignalId, StringComparer.Ordinal)];
}

/// <summary>Deciding on a site's power model, its grid signals and battery reports: every problem named at once, with its field.</summary>
public static class SitePower
{
    public const int MaxSignalDays = 31;
    public const int MaxPriorityGroups = 50;

    /// <param name="version">The stream version of <paramref name="event"/>: a model is named by the version that defined it.</param>
    public static SitePowerState Evolve(SitePowerState state, object @event, long version) => @event switch
    {
        SitePowerModelDefined e => state with { Model = SitePowerModel.From(e), ModelVersion = version },
        GridSignalIssued e => state with
        {
            Signals = new Dictionary<string, GridSignal>(state.Signals)
            {
                [e.SignalId] = new(e.SignalId, e.Kind, e.CircuitId, e.CapPercent, e.CapKw, e.From, e.Until),
            },
        },
        GridSignalWithdrawn e when state.Signals.TryGetValue(e.SignalId, out var signal) => state with
        {
            Signals = new Dictionary<string, GridSignal>(state.Signals)
            {
                [e.SignalId] = signal with { Until = Instant.Min(signal.Until, Instant.Max(signal.From, e.WithdrawnAt)) },
            },
        },
        BatteryStateReported e => state with { BatteryStateOfChargePercent = e.StateOfChargePercent },
        _ => state,
    };

    public static Decision Decide(SitePowerState state, SiteFacts site, DefineSitePowerModel command, Instant now)
    {
        if (!site.Registered) return Decision.Refuse(RefusalKind.NotFound, $"Site {command.SiteId} is not registered; register it with POST /api/sites.");
        var problems = ModelProblems(command, site).ToList();
        if (problems.Count > 0) return Decision.Refuse(RefusalKind.Invalid, problems);
        var model = new SitePowerModel(command.NominalVoltage, command.Circuits, command.Evses, command.Battery, command.Policy);
        if (state.Model is { } current && SameModel(current, model)) return Decision.Accept();
        return Decision.Accept(new SitePowerModelDefined(command.SiteId, command.NominalVoltage, command.Circuits, command.Evses, command.Battery,
            command.Policy, now));
    }

    public static Decision Decide(SitePowerState state, IssueGridSignal command, Instant now)
    {
        if (state.Model is not { } model)
            return Decision.Refuse(RefusalKind.Unprocessable, $"Site {command.SiteId} has no power model; define it with PUT /api/sites/{command.SiteId}/power-model.");
        var problems = SignalProblems(command, model, now).ToList();
        if (problems.Count > 0) return Decision.Refuse(RefusalKind.Invalid, problems);
        var signal = new GridSignal(command.SignalId, command.Kind, command.CircuitId, command.CapPercent, command.CapKw, command.From, command.Until);
        if (state.Signals.TryGetValue(command.SignalId, out var known))
            return known == signal
                ? Decision.Accept()
                : Decision.Refuse(RefusalKind.Conflict, $"signalId: {command.SignalId} was already issued with other values; a new signal needs a new id.");
        if (state.SignalsAt(now).Count >= PowerModelIds.MaxSignalsInForce)
            return Decision.Refuse(RefusalKind.Unprocessable, $"The site already has {PowerModelIds.MaxSignalsInForce} signals in force or ahead; withdraw some first.");
        return Decision.Accept(new GridSignalIssued(command.SiteId, command.SignalId, command.Kind, command.CircuitId, command.CapPercent, command.CapKw,
            command.From, command.Until, command.Source, now));
    }

    public static Decision Decide(SitePowerState state, WithdrawGridSignal command, Instant now)
    {
        if (!state.Signals.TryGetValue(command.SignalId, out var signal))
            return Decision.Refuse(RefusalKind.NotFound, $"Site {command.SiteId} has no signal {command.SignalId}.");
        // Withdrawing a signal already over (or withdrawn) changes nothing.
        return signal.Until <= now ? Decision.Accept() : Decision.Accept(new GridSignalWithdrawn(command.SiteId, command.SignalId, now));
    }

    public static Decision Decide(SitePowerState state, ReportBatteryState command, Instant now)
    {
        if (state.Model?.Battery is null)
            return Decision.Refuse(RefusalKind.Unprocessable, $"Site {command.SiteId} has no battery in its power model; add one with PUT /api/sites/{command.SiteId}/power-model.");
        if (command.StateOfChargePercent is < 0m or > 100m)
            return Decision.Refuse(RefusalKind.Invalid, $"stateOfChargePercent: from 0 to 100, not {command.StateOfChargePercent}.");
        return Decision.Accept(new BatteryStateReported(command.SiteId, command.StateOfChargePercent, now));
    }

    private static readonly IReadOnlyList<GridPhase> NoPhases = [];
    private static readonly IReadOnlyDictionary<string, int> NoWeights = new Dictionary<string, int>();

    // Records compare their lists by reference: the lists are compared apart.
    private static bool SameModel(SitePowerModel a, SitePowerModel b) =>
        a.NominalVoltage == b.NominalVoltage && a.Circuits.SequenceEqual(b.Circuits) && a.Evses.Count == b.Evses.Count
        && a.Evses.Zip(b.Evses).All(p => p.First with { Phases = NoPhases } == p.Second with { Phases = NoPhases } && p.First.Phases.SequenceEqual(p.Second.Phases))
        && a.Battery == b.Battery
        && a.Policy with { PriorityWeights = NoWeights } == b.Policy with { PriorityWeights = NoWeights }
        && a.Policy.PriorityWeights.Count == b.Policy.PriorityWeights.Count
        && a.Policy.PriorityWeights.All(w => b.Policy.PriorityWeights.TryGetValue(w.Key, out var v) && v == w.Value);

    private static IEnumerable<string> ModelProblems(DefineSitePowerModel m, SiteFacts site)
    {
        if (m.NominalVoltage is < 100 or > 400)
            yield return $"nominalVoltage: the phase-to-neutral voltage in V, from 100 to 400 (230 in Europe, 120 in North America), not {m.NominalVoltage}.";
        var circuits = m.Circuits ?? [];
        if (circuits.Count is 0 or > PowerModelIds.MaxCircuits)
        {
            yield return $"circuits: 1 to {PowerModelIds.MaxCircuits} circuits, the grid connection first, such as {{ \"circuitId\": \"grid\", \"maxAmpsPerPhase\": 250, \"maxKw\": 170 }}.";
            yield break;
        }
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (c, i) in circuits.Select((c, i) => (c, i)))
        {
            var at = $"circuits[{i}]";
            if (c is null) { yield return $"{at}: a circuit object."; continue; }
            if (!System.Text.RegularExpressions.Regex.IsMatch(c.CircuitId ?? "", PowerModelIds.CircuitIdPattern))
                yield return $"{at}.circuitId: 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit.";
            else if (!ids.Add(c.CircuitId!)) yield return $"{at}.circuitId: {c.CircuitId} appears twice; each circuit is listed once.";
            if (c.MaxAmpsPerPhase is null && c.MaxKw is null)
                yield return $"{at}: maxAmpsPerPhase and/or maxKw; a circuit without a limit need not be listed.";
            if (c.MaxAmpsPerPhase is { } amps && (amps <= 0m || amps > 100_000m || decimal.Round(amps, 1) != amps))
                yield return $"{at}.maxAmpsPerPhase: amperes per phase, more than 0 and at most 100000, in steps of 0.1, not {amps}.";
            if (c.MaxKw is { } kw && (kw <= 0m || kw > 100_000m || decimal.Round(kw, 3) != kw))
                yield return $"{at}.maxKw: kW, more than 0 and at most 100000, to the watt, not {kw}.";
        }
        var roots = circuits.Where(c => c is not null && c.ParentId is null).ToList();
        if (roots.Count != 1)
            yield return $"circuits: exactly one circuit without parentId (the grid connection), not {roots.Count}.";
        foreach (var (c, i) in circuits.Select((c, i) => (c, i)))
            if (c?.ParentId is { } parent && !ids.Contains(parent))
                yield return $"circuits[{i}].parentId: {parent} is not a circuit of this model.";
        if (roots.Count == 1 && HasCycle(circuits))
            yield return "circuits: the parents form a loop; every circuit must lead up to the grid connection.";
        if (roots.Count == 1 && roots[0].MaxKw is { } rootKw && rootKw > site.GridCapacityKw)
            yield return $"circuits[{roots[0].CircuitId}].maxKw: {rootKw} kW is more than the site's registered grid capacity of {site.GridCapacityKw} kW.";
        if (roots.Count == 1 && roots[0].MaxAmpsPerPhase is { } rootAmps && site.GridCapacityAmpsPerPhase is { } siteAmps && rootAmps > siteAmps)
            yield return $"circuits[{roots[0].CircuitId}].maxAmpsPerPhase: {rootAmps} A is more than the site's registered {siteAmps} A per phase.";

        var evses = m.Evses ?? [];
        if (evses.Count > PowerModelIds.MaxEvses) yield return $"evses: at most {PowerModelIds.MaxEvses} EVSEs per site.";
        var seen = new HashSet<(string, int)>();
        foreach (var (e, i) in evses.Select((e, i) => (e, i)))
        {
            var at = $"evses[{i}]";
            if (e is null) { yield return $"{at}: an EVSE object."; continue; }
            if (!seen.Add((e.ChargerId, e.EvseId))) yield return $"{at}: {e.ChargerId} EVSE {e.EvseId} appears twice.";
            if (!site.Evses.Contains((e.ChargerId, e.EvseId)))
                yield return $"{at}: {e.ChargerId} EVSE {e.EvseId} is not an EVSE of a charger registered on site {m.SiteId}.";
            if (!ids.Contains(e.CircuitId ?? "")) yield return $"{at}.circuitId: {e.CircuitId} is not a circuit of this model.";
            var phases = e.Phases ?? [];
            if (!(phases.Count == 1 || (phases.Count == 3 && phases.Distinct().Count() == 3)))
                yield return $"{at}.phases: one phase (such as [\"L2\"]) or all three ([\"L1\",\"L2\",\"L3\"]).";
            if (e.MaxAmps <= 0m || e.MaxAmps > 1_000m || decimal.Round(e.MaxAmps, 1) != e.MaxAmps)
                yield return $"{at}.maxAmps: amperes per phase, more than 0 and at most 1000, in steps of 0.1, not {e.MaxAmps}.";
            if (e.MinAmps < 0m || e.MinAmps > e.MaxAmps || decimal.Round(e.MinAmps, 1) != e.MinAmps)
                yield return $"{at}.minAmps: amperes per phase from 0 to maxAmps ({e.MaxAmps}), in steps of 0.1 (6 for IEC 61851 AC), not {e.MinAmps}.";
        }

        if (m.Battery is { } b)
        {
            if (!ids.Contains(b.CircuitId ?? "")) yield return $"battery.circuitId: {b.CircuitId} is not a circuit of this model.";
            if (b.CapacityKwh <= 0m || b.CapacityKwh > 100_000m) yield return $"battery.capacityKwh: more than 0 and at most 100000, not {b.CapacityKwh}.";
            if (b.MaxChargeKw < 0m || b.MaxChargeKw > 100_000m) yield return $"battery.maxChargeKw: from 0 to 100000, not {b.MaxChargeKw}.";
            if (b.MaxDischargeKw < 0m || b.MaxDischargeKw > 100_000m) yield return $"battery.maxDischargeKw: from 0 to 100000, not {b.MaxDischargeKw}.";
            if (b.ReservePercent is < 0m or >= 100m) yield return $"battery.reservePercent: from 0 to below 100, not {b.ReservePercent}.";
        }

        if (m.Policy is not { } policy)
        {
            yield return "policy: an object such as { \"sharing\": \"EqualShare\", \"reclaim\": true, \"priorityWeights\": {}, \"rebalanceSeconds\": 30 }.";
            yield break;
        }
        if (policy.RebalanceSeconds is < 5 or > 3_600) yield return $"policy.rebalanceSeconds: from 5 to 3600, not {policy.RebalanceSeconds}.";
        var weights = policy.PriorityWeights ?? new Dictionary<string, int>();
        if (weights.Count > MaxPriorityGroups) yield return $"policy.priorityWeights: at most {MaxPriorityGroups} customer groups.";
        foreach (var (group, weight) in weights)
        {
            if (string.IsNullOrWhiteSpace(group) || group.Length > 64) yield return "policy.priorityWeights: customer groups of 1 to 64 characters.";
            if (weight is < 1 or > 10) yield return $"policy.priorityWeights[{group}]: a weight from 1 to 10, not {weight}.";
        }
    }

    private static bool HasCycle(IReadOnlyList<PowerCircuit> circuits)
    {
        var parents = circuits.Where(c => c is not null).GroupBy(c => c.CircuitId).ToDictionary(g => g.Key, g => g.First().ParentId);
        foreach (var start in parents.Keys)
        {
            var steps = 0;
            for (var at = start; at is not null && parents.TryGetValue(at, out var parent); at = parent)
                if (++steps > parents.Count) return true;
        }
        return false;
    }

    private static IEnumerable<string> SignalProblems(IssueGridSignal s, SitePowerModel model, Instant now)
    {
        if (!System.Text.RegularExpressions.Regex.IsMatch(s.SignalId ?? "", PowerModelIds.SignalIdPattern))
            yield return "signalId: 1 to 64 letters, digits, '.', '_', ':' or '-', starting with a letter or digit, such as dso-2026-12-06-1.";
        if (s.CircuitId is { } circuit && model.Circuits.All(c => c.CircuitId != circuit))
            yield return $"circuitId: {circuit} is not a circuit of the site's power model (leave it out for the grid connection).";
        if (s.Kind == GridSignalKind.Outage && (s.CapPercent is not null || s.CapKw is not null))
            yield return "capPercent/capKw: an outage has no cap: the grid gives nothing and only the battery supplies the site.";
        if (s.Kind != GridSignalKind.Outage && s.CapPercent is null && s.CapKw is null)
            yield return $"capPercent/capKw: a {s.Kind} signal caps the circuit: capPercent (such as 60) and/or capKw.";
        if (s.CapPercent is { } percent && (percent < 0m || percent > 100m))
            yield return $"capPercent: from 0 to 100, not {percent}.";
        if (s.CapKw is { } kw && (kw < 0m || kw > 100_000m))
            yield return $"capKw: from 0 to 100000, not {kw}.";
        if (s.Until <= s.From) yield return $"until: after from ({s.From}), not {s.Until}.";
        else if (s.Until - s.From > Duration.FromDays(MaxSignalDays)) yield return $"until: at most {MaxSignalDays} days after from.";
        if (s.Until <= now) yield return $"until: {s.Until} is already past; a signal that ended changes nothing.";
        if (s.Source is { Length: > 200 }) yield return "source: at most 200 characters.";
    }
}
