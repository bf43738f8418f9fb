using Hangfire;
using Hangfire.Storage;
using Marten;
using Microsoft.Extensions.Logging;
using NodaTime;
using Settlement.Domain.Events;
using Settlement.Domain.SelfHealing;
using Settlement.Projections.SelfHealing;

namespace Settlement.Host.SelfHealing;

/// <summary>
/// A rung's deadline, run by Hangfire on whichever host takes it: at <see cref="HealingActionTaken.EvidenceDueAt"/> it
/// decides <see cref="EvidenceOverdue"/> on the incident as recorded then. A job for a rung already passed, or for an
/// incident resolved or escalated meanwhile, decides nothing; two runs of the same job are kept apart by a lock per
/// incident and by the append at the version read, so the next rung is taken once, and its commands are sent by the
/// run that took it.
/// </summary>
public sealed class IncidentDeadlineJob(Ledger.Ledger ledger, IncidentRunner runner, JobStorage storage, IBackgroundJobClient jobs, IClock clock,
    ILogger<IncidentDeadlineJob> logger)
{
    public const string SweepJobId = "self-healing-deadline-sweep";

    // Open incidents are few (each is a charger in trouble); a sweep reads this many at most.
    private const int SweepLimit = 10_000;

    [AutomaticRetry(Attempts = 0)]
    public async Task CheckAsync(string incidentId, int step, CancellationToken ct)
    {
        using var connection = storage.GetConnection();
        IDisposable held;
        try
        {
            held = connection.AcquireDistributedLock(StreamIds.Incident(incidentId), TimeSpan.FromSeconds(1));
        }
        catch (DistributedLockTimeoutException)
        {
            return; // another host runs this incident's deadline right now
        }
        using (held)
        {
            // Hangfire keeps a schedule to the whole second and may run a job up to a second early: a rung not yet due
            // would decide nothing and never be checked again before the sweep, so the job waits out the rest.
            if (await StillDueAtAsync(incidentId, step, ct) is { } due && due > clock.GetCurrentInstant())
            {
                jobs.Schedule<IncidentDeadlineJob>(job => job.CheckAsync(incidentId, step, CancellationToken.None), (due - clock.GetCurrentInstant()).ToTimeSpan() + Margin);
                return;
            }
            foreach (var rung in await runner.AdvanceAsync(incidentId, new EvidenceOverdue(step), ct))
                await runner.SendAsync(rung, ct);
        }
    }

    /// <summary>Added to a deadline's wait when scheduling it, so that the job usually runs once, after the deadline.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(1);

    /// <summary>When the incident's rung <paramref name="step"/> is due, while it is the open incident's current rung.</summary>
    private async Task<Instant?> StillDueAtAsync(string incidentId, int step, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        return await query.LoadAsync<IncidentEntry>(StreamIds.Incident(incidentId), ct) is { Status: IncidentStatus.Open, Incident.CurrentStep: { } current }
            && current.Step == step
                ? current.EvidenceDueAt
                : null;
    }

    /// <summary>
    /// Hangfire's minutely sweep: an open incident whose rung is overdue (its job lost with a host, or never scheduled
    /// because the host stopped between recording the rung and scheduling it), or that never took its first rung, is
    /// checked again.
    /// </summary>
    public async Task SweepAsync(CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        await using var query = ledger.QueryReadModels();
        var open = await query.Query<IncidentEntry>().Where(i => i.Status == IncidentStatus.Open).Take(SweepLimit).ToListAsync(ct);
        foreach (var incident in open.Select(entry => entry.Incident))
        {
            if (incident.CurrentStep is { } step && step.EvidenceDueAt <= now)
            {
                logger.LogInformation("Incident {Incident} step {Step} is overdue since {Due}: checking it again", incident.IncidentId, step.Step, step.EvidenceDueAt);
                jobs.Enqueue<IncidentDeadlineJob>(job => job.CheckAsync(incident.IncidentId, step.Step, CancellationToken.None));
            }
            else if (incident.Steps.Count == 0)
                jobs.Enqueue<IncidentDeadlineJob>(job => job.BeginAsync(incident.IncidentId, CancellationToken.None));
        }
    }

    /// <summary>Takes the first rung of an incident opened by a host that stopped before taking it.</summary>
    [AutomaticRetry(Attempts = 0)]
    public async Task BeginAsync(string incidentId, CancellationToken ct)
    {
        foreach (var rung in await runner.AdvanceAsync(incidentId, new Begin(), ct))
            await runner.SendAsync(rung, ct);
    }
}
