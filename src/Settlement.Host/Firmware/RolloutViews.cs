using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Firmware;
using Settlement.Ledger;

namespace Settlement.Host.Firmware;

/// <summary>Where one charger of a rollout stands: waiting its turn, deferred (in a session), requested, updated or failed.</summary>
public enum ChargerRolloutStatus { Waiting, Deferred, Requested, Updated, Failed, RolledBack, RollbackFailed }

public sealed record RolloutChargerView(
    string ChargerId, string SiteId, string Vendor, string Model, OcppVersion Protocol, string? FirmwareBefore, int? Stage, ChargerRolloutStatus Status,
    string? CommandId, FirmwareStatus? LastFirmwareStatus, string? InstalledVersion, string? Reason, Instant? RequestedAt, Instant? FinishedAt, Instant? RetryAt);

public sealed record RolloutStageView(int Stage, IReadOnlyList<string> ChargerIds, Instant StartedAt, int Updated, int Failed, RolloutGateEvaluated? Gate);

/// <summary>
/// A rollout's progress as its events tell it: the plan, each stage with its chargers and gate, each charger's status,
/// and whether it runs, is paused, halted, aborted or completed (with the reason).
/// </summary>
public sealed record RolloutView(
    string RolloutId, string Name, string Status, string? StatusReason, FirmwareImage Image, FirmwareImage? RollbackImage, RolloutTarget Target,
    IReadOnlyList<string> CanaryChargerIds, int CanarySoakSeconds, HealthGates Gates, WavePlan Waves, AbortCriteria Abort, Instant PlannedAt,
    IReadOnlyList<RolloutStageView> Stages, IReadOnlyList<RolloutChargerView> Chargers, long Version)
{
    /// <summary>The chargers' sites: a sub-operator sees a rollout only when every one of them is its own.</summary>
    public IReadOnlySet<string> SiteIds() => Chargers.Select(c => c.SiteId).ToHashSet(StringComparer.Ordinal);

    /// <summary>The rollout's stream folded into its view; null for a stream that holds no rollout.</summary>
    public static RolloutView? Of(IReadOnlyList<RecordedEvent> events)
    {
        if (events.Count == 0 || events[0].Data is not RolloutPlanned planned) return null;
        var chargers = planned.Chargers.ToDictionary(c => c.ChargerId, c => new RolloutChargerView(c.ChargerId, c.SiteId, c.Vendor, c.Model, c.Protocol,
            c.FirmwareBefore, null, ChargerRolloutStatus.Waiting, null, null, null, null, null, null, null), StringComparer.Ordinal);
        var stages = new List<RolloutStageView>();
        var (status, reason) = ("Running", (string?)null);
        foreach (var data in events.Skip(1).Select(e => e.Data))
        {
            switch (data)
            {
                case RolloutStageStarted started:
                    stages.Add(new RolloutStageView(started.Stage, started.ChargerIds, started.StartedAt, 0, 0, null));
                    foreach (var id in started.ChargerIds.Where(chargers.ContainsKey)) chargers[id] = chargers[id] with { Stage = started.Stage };
                    break;
                case ChargerUpdateDeferred deferred when chargers.TryGetValue(deferred.ChargerId, out var c):
                    chargers[c.ChargerId] = c with { Status = ChargerRolloutStatus.Deferred, Reason = deferred.Reason, RetryAt = deferred.RetryAt };
                    break;
                case ChargerUpdateRequested requested when chargers.TryGetValue(requested.ChargerId, out var c):
                    chargers[c.ChargerId] = c with
                    {
                        Status = ChargerRolloutStatus.Requested, Stage = requested.Rollback ? c.Stage : requested.Stage, CommandId = requested.CommandId,
                        RequestedAt = requested.RequestedAt, RetryAt = null, Reason = null, FinishedAt = null,
                    };
                    break;
                case ChargerUpdateSucceeded succeeded when chargers.TryGetValue(succeeded.ChargerId, out var c):
                    chargers[c.ChargerId] = c with
                    {
                        Status = succeeded.Rollback ? ChargerRolloutStatus.RolledBack : ChargerRolloutStatus.Updated,
                        InstalledVersion = succeeded.InstalledVersion, FinishedAt = succeeded.SucceededAt,
                    };
                    if (!succeeded.Rollback) stages = Count(stages, c.Stage, updated: 1, failed: 0);
                    break;
                case ChargerUpdateFailed failed when chargers.TryGetValue(failed.ChargerId, out var c):
                    chargers[c.ChargerId] = c with
                    {
                        Status = failed.Rollback ? ChargerRolloutStatus.RollbackFailed : ChargerRolloutStatus.Failed,
                        Reason = failed.Reason, LastFirmwareStatus = failed.LastStatus, FinishedAt = failed.FailedAt,
                    };
                    if (!failed.Rollback) stages = Count(stages, c.Stage, updated: 0, failed: 1);
                    break;
                case RolloutGateEvaluated gate:
                    stages = [.. stages.Select(s => s.Stage == gate.Stage ? s with { Gate = gate } : s)];
                    break;
                case RolloutHalted halted:
                    (status, reason) = ("Halted", halted.Reason);
                    break;
                case RolloutPaused paused:
                    (status, reason) = ("Paused", paused.Reason);
                    break;
                case RolloutResumed:
                    (status, reason) = ("Running", null);
                    break;
                case RolloutAborted aborted:
                    (status, reason) = ("Aborted", aborted.Reason);
                    break;
                case RolloutCompleted completed:
                    (status, reason) = ("Completed", $"{completed.Updated} updated, {completed.Failed} failed");
                    break;
            }
        }
        return new RolloutView(planned.RolloutId, planned.Name, status, reason, planned.Image, planned.RollbackImage, planned.Target, planned.CanaryChargerIds,
            planned.CanarySoakSeconds, planned.Gates, planned.Waves, planned.Abort, planned.PlannedAt, stages,
            [.. planned.Chargers.Select(c => chargers[c.ChargerId])], events[^1].Version);
    }

    private static List<RolloutStageView> Count(List<RolloutStageView> stages, int? stage, int updated, int failed) =>
        [.. stages.Select(s => s.Stage == stage ? s with { Updated = s.Updated + updated, Failed = s.Failed + failed } : s)];
}
