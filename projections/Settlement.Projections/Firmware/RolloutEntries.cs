using JasperFx.Events;
using Marten.Events.Projections;
using NodaTime;
using Settlement.Domain.Firmware;

namespace Settlement.Projections.Firmware;

/// <summary>A rollout's status as the API lists it; Paused while paused in any phase that can still go on.</summary>
public enum RolloutStatus { Planned, Running, Soaking, Paused, Halted, Aborted, Completed }

/// <summary>One charger of a rollout: its stage once it has one, where its update is, and the last word on it.</summary>
public sealed record RolloutChargerRow(
    string ChargerId,
    string SiteId,
    string Vendor,
    string Model,
    string? FirmwareBefore,
    int? Stage,
    ChargerUpdateStatus Status,
    string? CommandId,
    string? Detail,
    Instant? UpdatedAt);

/// <summary>
/// A rollout as the API serves it: its plan in brief, where it is, its chargers' progress, and every gate evaluated.
/// Id: the rollout id.
/// </summary>
public sealed record RolloutEntry(
    string Id,
    string Name,
    string Version,
    string? RollbackVersion,
    RolloutPhase Phase,
    bool Paused,
    int Stage,
    IReadOnlyList<string> CanaryChargerIds,
    IReadOnlyList<RolloutChargerRow> Chargers,
    IReadOnlyList<RolloutGateEvaluated> Gates,
    string? HaltReason,
    Instant PlannedAt,
    Instant? StartedAt,
    Instant? FinishedAt,
    Instant UpdatedAt)
{
    public RolloutStatus Status => (Phase, Paused) switch
    {
        (RolloutPhase.Planned or RolloutPhase.Running or RolloutPhase.Soaking, true) => RolloutStatus.Paused,
        (RolloutPhase.Planned, _) => RolloutStatus.Planned,
        (RolloutPhase.Running, _) => RolloutStatus.Running,
        (RolloutPhase.Soaking, _) => RolloutStatus.Soaking,
        (RolloutPhase.Halted, _) => RolloutStatus.Halted,
        (RolloutPhase.Aborted, _) => RolloutStatus.Aborted,
        _ => RolloutStatus.Completed,
    };

    public int Requested => Count(ChargerUpdateStatus.Requested, ChargerUpdateStatus.RollbackRequested);
    public int Succeeded => Count(ChargerUpdateStatus.Succeeded);
    public int Failed => Count(ChargerUpdateStatus.Failed);
    public int Deferred => Count(ChargerUpdateStatus.Deferred);
    public int Pending => Count(ChargerUpdateStatus.Waiting);
    public int RolledBack => Count(ChargerUpdateStatus.RolledBack);

    /// <summary>Plan time then id: the order lists page in.</summary>
    public string SortKey => SortKeys.Of(PlannedAt, Id);

    private int Count(params ChargerUpdateStatus[] statuses) => Chargers.Count(c => statuses.Contains(c.Status));
}

/// <summary>Inline, so a rollout created, paused or aborted through the API reads back at once.</summary>
public sealed partial class RolloutEntries : MultiStreamProjection<RolloutEntry, string>
{
    public RolloutEntries()
    {
        Name = nameof(RolloutEntries);
        Identity<RolloutPlanned>(e => e.RolloutId);
        Identity<RolloutStageStarted>(e => e.RolloutId);
        Identity<ChargerUpdateDeferred>(e => e.RolloutId);
        Identity<ChargerUpdateRequested>(e => e.RolloutId);
        Identity<ChargerUpdateSucceeded>(e => e.RolloutId);
        Identity<ChargerUpdateFailed>(e => e.RolloutId);
        Identity<RolloutGateEvaluated>(e => e.RolloutId);
        Identity<RolloutHalted>(e => e.RolloutId);
        Identity<RolloutPaused>(e => e.RolloutId);
        Identity<RolloutResumed>(e => e.RolloutId);
        Identity<RolloutAborted>(e => e.RolloutId);
        Identity<RolloutCompleted>(e => e.RolloutId);
    }

    public override RolloutEntry? Evolve(RolloutEntry? entry, string rolloutId, IEvent e) => Evolve(entry, e.Data);

    /// <summary>Fold one event: the same function a replay of the stream folds with.</summary>
    public static RolloutEntry? Evolve(RolloutEntry? entry, object @event) => (entry, @event) switch
    {
        (null, RolloutPlanned p) => new RolloutEntry(
            p.RolloutId, p.Name, p.Image.Version, p.RollbackImage?.Version, RolloutPhase.Planned, false, -1, p.CanaryChargerIds,
            [.. p.Chargers.Select(c => new RolloutChargerRow(c.ChargerId, c.SiteId, c.Vendor, c.Model, c.FirmwareBefore, null, ChargerUpdateStatus.Waiting, null, null, null))],
            [], null, p.PlannedAt, null, null, p.PlannedAt),
        (null, _) => null,
        ({ } r, RolloutStageStarted s) => r.Rows(s.ChargerIds, c => c with { Stage = s.Stage }) with
        {
            Phase = RolloutPhase.Running, Stage = s.Stage, StartedAt = r.StartedAt ?? s.StartedAt, UpdatedAt = s.StartedAt,
        },
        ({ } r, ChargerUpdateDeferred d) => r.Rows([d.ChargerId], c => c with
        {
            Status = c.Status == ChargerUpdateStatus.Succeeded ? c.Status : ChargerUpdateStatus.Deferred,
            Detail = $"{d.Reason}, retry at {d.RetryAt}", UpdatedAt = d.DeferredAt,
        }) with { UpdatedAt = d.DeferredAt },
        ({ } r, ChargerUpdateRequested q) => r.Rows([q.ChargerId], c => c with
        {
            Status = q.Rollback ? ChargerUpdateStatus.RollbackRequested : ChargerUpdateStatus.Requested,
            CommandId = q.CommandId, Detail = null, UpdatedAt = q.RequestedAt,
        }) with { UpdatedAt = q.RequestedAt },
        ({ } r, ChargerUpdateSucceeded s) => r.Rows([s.ChargerId], c => c with
        {
            Status = s.Rollback ? ChargerUpdateStatus.RolledBack : ChargerUpdateStatus.Succeeded,
            Detail = s.InstalledVersion, UpdatedAt = s.SucceededAt,
        }).AfterOutcome(s.SucceededAt),
        ({ } r, ChargerUpdateFailed f) => r.Rows([f.ChargerId], c => c with
        {
            Status = f.Rollback ? ChargerUpdateStatus.RollbackFailed : ChargerUpdateStatus.Failed,
            Detail = f.Reason, UpdatedAt = f.FailedAt,
        }).AfterOutcome(f.FailedAt),
        ({ } r, RolloutGateEvaluated g) => r with { Gates = [.. r.Gates, g], UpdatedAt = g.EvaluatedAt },
        ({ } r, RolloutHalted h) => r with { Phase = RolloutPhase.Halted, HaltReason = h.Reason, FinishedAt = h.HaltedAt, UpdatedAt = h.HaltedAt },
        ({ } r, RolloutPaused p) => r with { Paused = true, UpdatedAt = p.PausedAt },
        ({ } r, RolloutResumed s) => r with { Paused = false, UpdatedAt = s.ResumedAt },
        ({ } r, RolloutAborted a) => r with { Phase = RolloutPhase.Aborted, HaltReason = a.Reason, FinishedAt = a.AbortedAt, UpdatedAt = a.AbortedAt },
        ({ } r, RolloutCompleted c) => r with { Phase = RolloutPhase.Completed, FinishedAt = c.CompletedAt, UpdatedAt = c.CompletedAt },
        _ => entry,
    };
}

internal static class RolloutEntryChanges
{
    public static RolloutEntry Rows(this RolloutEntry entry, IReadOnlyList<string> chargerIds, Func<RolloutChargerRow, RolloutChargerRow> change)
    {
        var ids = chargerIds.ToHashSet();
        return entry with { Chargers = [.. entry.Chargers.Select(c => ids.Contains(c.ChargerId) ? change(c) : c)] };
    }

    // Mirrors RolloutState: the running stage's last outcome starts its soak.
    public static RolloutEntry AfterOutcome(this RolloutEntry entry, Instant at)
    {
        var finished = entry.Phase == RolloutPhase.Running && entry.Chargers.Where(c => c.Stage == entry.Stage).All(c => c.Status is not
            (ChargerUpdateStatus.Waiting or ChargerUpdateStatus.Deferred or ChargerUpdateStatus.Requested));
        return entry with { Phase = finished ? RolloutPhase.Soaking : entry.Phase, UpdatedAt = at };
    }
}
