using JasperFx.Events;
using Marten;
using Marten.Events;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Domain.LoadBalancing;
using static Settlement.Host.LoadBalancing.PowerEndpoints;

namespace Settlement.Host.LoadBalancing;

/// <summary>Whether a session's charger took the limit its decision sent.</summary>
public enum LimitAcknowledgement
{
    /// <summary>The decision sent nothing: the limit stayed as applied.</summary>
    Unchanged,

    /// <summary>Sent, not answered yet.</summary>
    Pending,

    Accepted,

    /// <summary>The charger answered something other than Accepted, or a CALLERROR.</summary>
    Rejected,

    /// <summary>The charger did not answer in time.</summary>
    NoAnswer,

    /// <summary>The charger was not connected.</summary>
    Offline,
}

public sealed record SessionAllocationView(
    string SessionId, string ChargerId, int EvseId, decimal LimitAmps, AllocationStatus Status, decimal? MeasuredAmps, int? StateOfChargePercent,
    decimal? PreviousLimitAmps, bool Responsive, string? CommandId, LimitAcknowledgement Acknowledgement, string? ChargerStatus);

/// <summary>An idle EVSE's reservation (its TxDefaultProfile) and whether its charger acknowledged it.</summary>
public sealed record IdleEvseView(
    string ChargerId, int EvseId, decimal ReservedAmps, bool Responsive, decimal? AppliedDefaultAmps, string? CommandId, LimitAcknowledgement Acknowledgement, string? ChargerStatus);

public sealed record BatteryView(decimal? StateOfChargePercent, decimal Kw);

/// <summary>
/// The balancer's latest decision for a site: each session's limit and status, what was measured and whether its
/// charger acknowledged the limit; each idle EVSE's reservation; the circuits' limits in force and load (reservations
/// included), the signals in force and the battery.
/// <see cref="Version"/> is null before the balancer decided anything for the site.
/// </summary>
public sealed record LiveAllocationsView(
    string SiteId, long? Version, Instant? DecidedAt, RebalanceTrigger? Trigger, long? ModelVersion, SharingPolicy? Sharing, bool? Reclaim,
    IReadOnlyList<SessionAllocationView> Sessions, IReadOnlyList<IdleEvseView> IdleEvses, IReadOnlyList<CircuitLoadDecided> Circuits, IReadOnlyList<GridSignalView> SignalsInForce,
    BatteryView? Battery);

/// <summary>A recorded decision with every input it had: its version on the site's allocation stream names it for replay.</summary>
public sealed record AllocationDecisionView(long Version, Instant RecordedAt, LoadAllocationDecided Decision);

/// <summary>One difference between a recorded decision and its replay: what differs, as recorded and as replayed.</summary>
public sealed record ReplayDifference(string What, string Recorded, string Replayed);

/// <summary>
/// A decision re-run with <see cref="Allocator.Allocate"/> on its recorded inputs, the model at its version and the
/// signals as the ledger had them when it was recorded: <see cref="Identical"/> when every limit, status, reservation,
/// signal in force and the battery's power come out the same.
/// </summary>
public sealed record ReplayView(string SiteId, long Version, long ModelVersion, bool Identical, IReadOnlyList<ReplayDifference> Differences,
    IReadOnlyList<SessionAllocationDecided> Recorded);

public static class AllocationViews
{
    /// <summary>Answers recorded from this long before the decision count: a command sent for it cannot complete earlier.</summary>
    private static readonly Duration AnswerSlack = Duration.FromMinutes(1);

    public static async Task<LiveAllocationsView> LiveAsync(Ledger.Ledger ledger, string siteId, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        var latest = await query.Events.QueryAllRawEvents()
            .Where(e => e.StreamKey == StreamIds.SiteAllocations(siteId) && e.EventTypesAre(typeof(LoadAllocationDecided)))
            .OrderByDescending(e => e.Version).FirstOrDefaultAsync(ct);
        if (latest?.Data is not LoadAllocationDecided decided)
            return new LiveAllocationsView(siteId, null, null, null, null, null, null, [], [], [], [], null);

        var answers = await AnswersAsync(query, decided, latest.Timestamp, ct);
        var signals = (await SignalsAsync(ledger, siteId, ct)).ToDictionary(s => s.SignalId);
        return new LiveAllocationsView(siteId, latest.Version, decided.DecidedAt, decided.Trigger, decided.ModelVersion, decided.Sharing, decided.Reclaim,
            [
                .. decided.Sessions.Select(s =>
                {
                    var (acknowledgement, status) = Acknowledged(s.CommandId, answers);
                    return new SessionAllocationView(s.SessionId, s.ChargerId, s.EvseId, s.LimitAmps, s.Status, s.MeasuredAmps, s.StateOfChargePercent,
                        s.PreviousLimitAmps, s.Responsive, s.CommandId, acknowledgement, status);
                }),
            ],
            [
                .. decided.IdleEvses.Select(i =>
                {
                    var (acknowledgement, status) = Acknowledged(i.CommandId, answers);
                    return new IdleEvseView(i.ChargerId, i.EvseId, i.ReservedAmps, i.Responsive, i.AppliedDefaultAmps, i.CommandId, acknowledgement, status);
                }),
            ],
            decided.Circuits,
            [.. decided.SignalsInForce.Where(signals.ContainsKey).Select(id => signals[id])],
            decided.BatteryStateOfChargePercent is null && decided.BatteryKw == 0m ? null : new BatteryView(decided.BatteryStateOfChargePercent, decided.BatteryKw));
    }

    /// <summary>The chargers' answers to the decision's commands: one query over the chargers' streams since just before it was recorded.</summary>
    private static async Task<IReadOnlyDictionary<string, CommandCompleted>> AnswersAsync(
        IQuerySession query, LoadAllocationDecided decided, DateTimeOffset recordedAt, CancellationToken ct)
    {
        var sent = decided.Sessions.Select(s => (s.ChargerId, s.CommandId)).Concat(decided.IdleEvses.Select(i => (i.ChargerId, i.CommandId)))
            .Where(c => c.CommandId is not null).ToList();
        if (sent.Count == 0) return new Dictionary<string, CommandCompleted>();
        var commandIds = sent.Select(c => c.CommandId!).ToHashSet(StringComparer.Ordinal);
        var chargers = sent.Select(c => StreamIds.Charger(c.ChargerId)).Distinct().ToArray();
        var since = recordedAt - AnswerSlack.ToTimeSpan();
        var completed = await query.Events.QueryAllRawEvents()
            .Where(e => e.StreamKey!.IsOneOf(chargers) && e.EventTypesAre(typeof(CommandCompleted)) && e.Timestamp >= since)
            .ToListAsync(ct);
        return completed.Select(e => (CommandCompleted)e.Data).Where(c => commandIds.Contains(c.CommandId))
            .GroupBy(c => c.CommandId).ToDictionary(g => g.Key, g => g.First());
    }

    private static (LimitAcknowledgement, string?) Acknowledged(string? commandId, IReadOnlyDictionary<string, CommandCompleted> answers) =>
        commandId is null ? (LimitAcknowledgement.Unchanged, null)
        : !answers.TryGetValue(commandId, out var answer) ? (LimitAcknowledgement.Pending, null)
        : answer.Outcome switch
        {
            CommandOutcome.Answered when answer.Status == "Accepted" => (LimitAcknowledgement.Accepted, answer.Status),
            CommandOutcome.Answered or CommandOutcome.CallError => (LimitAcknowledgement.Rejected, answer.Status),
            CommandOutcome.TimedOut => (LimitAcknowledgement.NoAnswer, null),
            _ => (LimitAcknowledgement.Offline, null),
        };

    /// <summary>The decisions recorded from <paramref name="from"/> until <paramref name="to"/>, newest first, a page after the cursor's version.</summary>
    public static async Task<Page<AllocationDecisionView>> HistoryAsync(
        Ledger.Ledger ledger, string siteId, Instant? from, Instant? to, string? after, int limit, CancellationToken ct)
    {
        var before = after is null ? long.MaxValue
            : long.TryParse(after, out var version) ? version
            : throw new RequestRefusedException(Domain.Deciding.RefusalKind.Invalid, "cursor: pass back the 'next' value of the previous page unchanged.");
        await using var query = ledger.QueryReadModels();
        var decisions = query.Events.QueryAllRawEvents()
            .Where(e => e.StreamKey == StreamIds.SiteAllocations(siteId) && e.EventTypesAre(typeof(LoadAllocationDecided)) && e.Version < before);
        if (from is { } start)
        {
            var since = start.ToDateTimeOffset();
            decisions = decisions.Where(e => e.Timestamp >= since);
        }
        if (to is { } end)
        {
            var until = end.ToDateTimeOffset();
            decisions = decisions.Where(e => e.Timestamp < until);
        }
        var rows = await decisions.OrderByDescending(e => e.Version).Take(limit + 1).ToListAsync(ct);
        return Paging.Of([.. rows.Select(e => new AllocationDecisionView(e.Version, Instant.FromDateTimeOffset(e.Timestamp), (LoadAllocationDecided)e.Data))],
            limit, d => d.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Null when the site has no decision at <paramref name="version"/> or its model version is not on the power stream.</summary>
    public static async Task<ReplayView?> ReplayAsync(Ledger.Ledger ledger, string siteId, long version, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        var recorded = await query.Events.QueryAllRawEvents()
            .Where(e => e.StreamKey == StreamIds.SiteAllocations(siteId) && e.Version == version).FirstOrDefaultAsync(ct);
        if (recorded?.Data is not LoadAllocationDecided decided) return null;

        // The power stream as the ledger had it when the decision was recorded: a signal issued later, even one backdated, was not known.
        var power = await query.Events.QueryAllRawEvents()
            .Where(e => e.StreamKey == StreamIds.SitePower(siteId) && e.Sequence < recorded.Sequence
                        && e.EventTypesAre(typeof(SitePowerModelDefined), typeof(GridSignalIssued), typeof(GridSignalWithdrawn)))
            .OrderBy(e => e.Sequence).ToListAsync(ct);
        if (power.FirstOrDefault(e => e.Version == decided.ModelVersion)?.Data is not SitePowerModelDefined defined) return null;
        var signals = power.Aggregate(SitePowerState.Empty, (state, e) => SitePower.Evolve(state, e.Data, e.Version)).Signals.Values.ToList();

        var replayed = Allocator.Allocate(AllocationDecisions.Inputs(decided, SitePowerModel.From(defined), signals));
        var differences = Differences(decided, replayed);
        return new ReplayView(siteId, version, decided.ModelVersion, differences.Count == 0, differences, decided.Sessions);
    }

    private static IReadOnlyList<ReplayDifference> Differences(LoadAllocationDecided decided, Allocation replayed)
    {
        var differences = new List<ReplayDifference>();
        var again = replayed.Sessions.ToDictionary(s => s.Session.SessionId, StringComparer.Ordinal);
        foreach (var s in decided.Sessions)
        {
            if (!again.Remove(s.SessionId, out var r))
            {
                differences.Add(new($"sessions[{s.SessionId}]", $"{s.LimitAmps} A {s.Status}", "not allocated (its EVSE is not in the model)"));
                continue;
            }
            if (r.LimitAmps != s.LimitAmps) differences.Add(new($"sessions[{s.SessionId}].limitAmps", $"{s.LimitAmps}", $"{r.LimitAmps}"));
            if (r.Status != s.Status) differences.Add(new($"sessions[{s.SessionId}].status", $"{s.Status}", $"{r.Status}"));
        }
        var reserved = replayed.Reservations.ToDictionary(r => (r.ChargerId, r.EvseId));
        foreach (var i in decided.IdleEvses)
        {
            var what = $"idleEvses[{i.ChargerId}/{i.EvseId}]";
            if (!reserved.Remove((i.ChargerId, i.EvseId), out var r)) differences.Add(new(what, $"{i.ReservedAmps} A reserved", "not idle (its EVSE is not in the model)"));
            else if (r.ReservedAmps != i.ReservedAmps) differences.Add(new($"{what}.reservedAmps", $"{i.ReservedAmps}", $"{r.ReservedAmps}"));
        }
        foreach (var r in reserved.Values) differences.Add(new($"idleEvses[{r.ChargerId}/{r.EvseId}]", "not recorded", $"{r.ReservedAmps} A reserved"));
        var recordedSignals = string.Join(",", decided.SignalsInForce);
        var replayedSignals = string.Join(",", replayed.SignalsInForce);
        if (recordedSignals != replayedSignals) differences.Add(new("signalsInForce", recordedSignals, replayedSignals));
        if (replayed.BatteryKw != decided.BatteryKw) differences.Add(new("batteryKw", $"{decided.BatteryKw}", $"{replayed.BatteryKw}"));
        return differences;
    }
}
