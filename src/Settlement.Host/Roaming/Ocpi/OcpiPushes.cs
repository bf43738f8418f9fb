using System.Text.Json.Nodes;
using Hangfire;
using Hangfire.Storage;
using Marten;
using Microsoft.Extensions.Logging;
using NodaTime;
using Settlement.Domain.Events;
using Settlement.Domain.Roaming;
using Settlement.Ledger;
using Settlement.Projections.Roaming;

namespace Settlement.Host.Roaming.Ocpi;

/// <summary>What a push sends: to which URL, with which body (null for none).</summary>
public sealed record OcpiPushMessage(string Url, JsonNode? Body);

/// <summary>
/// Renders one module's pushes from the ledger at the moment they are sent: the object as it stands then, so a
/// late retry sends the newest state and nothing personal is copied into the outbox. Null: nothing to send any more
/// (the object is gone, or the partner implements no receiver for it); the push then counts as delivered.
/// </summary>
public interface IOcpiPushRenderer
{
    string Module { get; }

    Task<OcpiPushMessage?> RenderAsync(OcpiPushEntry push, OcpiPartnerEntry partner, CancellationToken ct);
}

/// <summary>
/// The durable outbox: a push is an event first (<see cref="OcpiPushQueued"/>, in a stream of its own that can be
/// created once), then a Hangfire job on the ledger's database delivers it; each failure is recorded with its next
/// attempt, which waits twice as long as the one before, up to <see cref="OcpiOptions.MaxRetrySeconds"/>. A partner
/// down for an hour loses nothing; a push recorded delivered is never sent again.
/// </summary>
public sealed class OcpiPushes(Ledger.Ledger ledger, IBackgroundJobClient jobs, IClock clock)
{
    /// <summary>Queues a push; false when the same push (partner, module, object, source event) was queued before.</summary>
    public async Task<bool> QueueAsync(string partnerId, string module, string method, string objectId, long sourceSequence, CancellationToken ct)
    {
        var pushId = OcpiIds.PushId(partnerId, module, objectId, sourceSequence);
        var now = clock.GetCurrentInstant();
        try
        {
            await ledger.AppendAsync(StreamAppend.New(OcpiIds.PushStream(pushId),
                new PendingEvent(new OcpiPushQueued(pushId, partnerId, module, method, objectId, sourceSequence, now),
                    EventMetadata.NewCorrelation(new Actor(ActorKind.Job, "ocpi-outbox"), now))), ct);
        }
        catch (StreamConcurrencyException)
        {
            return false;
        }
        jobs.Enqueue<OcpiPushJob>(job => job.DeliverAsync(pushId, CancellationToken.None));
        return true;
    }
}

/// <summary>Delivers one push; run by Hangfire, on whichever host takes it, under a lock per push.</summary>
public sealed class OcpiPushJob(Ledger.Ledger ledger, OcpiClient client, IEnumerable<IOcpiPushRenderer> renderers, OcpiOptions options,
    IBackgroundJobClient jobs, JobStorage storage, IClock clock, ILogger<OcpiPushJob> logger)
{
    [AutomaticRetry(Attempts = 0)]
    public async Task DeliverAsync(string pushId, CancellationToken ct)
    {
        using var connection = storage.GetConnection();
        IDisposable held;
        try
        {
            held = connection.AcquireDistributedLock(OcpiIds.PushStream(pushId), TimeSpan.FromSeconds(1));
        }
        catch (DistributedLockTimeoutException)
        {
            return; // another host is sending it right now
        }
        using (held)
        {
            var (events, version) = await ledger.FetchAsync(OcpiIds.PushStream(pushId), ct);
            await using var query = ledger.QueryReadModels();
            var push = await query.LoadAsync<OcpiPushEntry>(OcpiIds.PushStream(pushId), ct);
            if (push is not { Status: OcpiPushStatus.Pending } || version == 0) return;
            var now = clock.GetCurrentInstant();
            // Early: the job scheduled with the failure, or the sweep, sends it when it is due.
            if (push.RetryAt is { } due && due > now) return;
            var attempt = push.Attempts + 1;
            var partner = await query.LoadAsync<OcpiPartnerEntry>(OcpiIds.PartnerStream(push.PartnerId), ct);
            if (partner is not { Status: OcpiPartnerStatus.Registered })
            {
                await AppendAsync(pushId, version, new OcpiPushFailed(pushId, attempt, $"Partner {push.PartnerId} is not registered (any more).", null, now), ct);
                return;
            }
            var renderer = renderers.FirstOrDefault(r => r.Module == push.Module)
                ?? throw new InvalidOperationException($"No renderer for OCPI module '{push.Module}'.");
            var message = await renderer.RenderAsync(push, partner, ct);
            if (message is null)
            {
                await AppendAsync(pushId, version, new OcpiPushDelivered(pushId, attempt, now), ct);
                return;
            }
            var reply = await client.SendAsync(partner, push.Module, new HttpMethod(push.Method), message.Url, message.Body, push.ObjectId, pushId, ct);
            now = clock.GetCurrentInstant();
            if (reply.Accepted)
            {
                await AppendAsync(pushId, version, new OcpiPushDelivered(pushId, attempt, now), ct);
                return;
            }
            var wait = Duration.FromSeconds(Math.Min(options.MaxRetrySeconds, options.RetrySeconds * Math.Pow(2, Math.Min(attempt - 1, 20))));
            var problem = reply.Describe();
            await AppendAsync(pushId, version, new OcpiPushFailed(pushId, attempt, problem.Length > 500 ? problem[..500] : problem, now + wait, now), ct);
            logger.LogInformation("OCPI push {PushId} ({Module} {ObjectId}) to {Partner} failed (attempt {Attempt}): {Problem}; next in {Wait}",
                pushId, push.Module, push.ObjectId, push.PartnerId, attempt, problem, wait);
            jobs.Schedule<OcpiPushJob>(job => job.DeliverAsync(pushId, CancellationToken.None), wait.ToTimeSpan());
        }
    }

    /// <summary>
    /// Hangfire's recurring sweep: a push whose job was lost (a host stopped between queuing and enqueuing, or a
    /// schedule was dropped) is picked up again once it is due.
    /// </summary>
    public async Task SweepAsync(CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        await using var query = ledger.QueryReadModels();
        var pending = await query.Query<OcpiPushEntry>().Where(p => p.Status == OcpiPushStatus.Pending).Take(10_000).ToListAsync(ct);
        foreach (var push in pending.Where(p => p.RetryAt is not { } due || due <= now).OrderBy(p => p.QueuedAt).Take(1_000))
            jobs.Enqueue<OcpiPushJob>(job => job.DeliverAsync(push.PushId, CancellationToken.None));
    }

    private Task AppendAsync(string pushId, long version, object outcome, CancellationToken ct) =>
        ledger.AppendAsync(new StreamAppend(OcpiIds.PushStream(pushId),
            [new PendingEvent(outcome, EventMetadata.NewCorrelation(new Actor(ActorKind.Job, "ocpi-outbox"), clock.GetCurrentInstant()))], version), ct);
}
