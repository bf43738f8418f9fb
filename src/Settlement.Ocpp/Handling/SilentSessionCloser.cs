using Marten;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodaTime;
using Settlement.Domain.Events;
using Settlement.Domain.Sessions;
using Settlement.Ledger;
using Settlement.Ledger.Store;
using Settlement.Projections.Sessions;

namespace Settlement.Ocpp.Handling;

/// <summary>
/// Closes sessions whose charger never sent their stop (it crashed, lost the transaction, or the host it talked
/// to died): a session the ledger recorded nothing of for <see cref="OcppOptions.CloseSilentSessionsAfter"/> is
/// closed at its last register reading by the pure <see cref="Session.CloseForSilence"/>. One host of the
/// cluster does this at a time, the one holding an advisory lock, so a session is not looked at twice at once;
/// the append's expected version still refuses a close that a charger's message overtook.
/// </summary>
public sealed class SilentSessionCloser(Ledger.Ledger ledger, OcppOptions options, IClock clock, ILogger<SilentSessionCloser> logger)
    : BackgroundService
{
    private static readonly TimeSpan LongestPause = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan ShortestPause = TimeSpan.FromMilliseconds(200);

    /// <summary>A quarter of the allowed silence, so a session is closed at most a quarter late.</summary>
    private TimeSpan Pause => TimeSpan.FromTicks(Math.Clamp(options.CloseSilentSessionsAfter.Ticks / 4, ShortestPause.Ticks, LongestPause.Ticks));

    protected override Task ExecuteAsync(CancellationToken ct) =>
        // Losing the database must not end the service: it steps down, so another host may take over.
        ledger.LeadAsync(AdvisoryLock.SilentSessionCloserKey, CloseSilentSessionsAsync, () => Pause,
            problem => logger.LogWarning(problem, "Closing silent sessions failed; trying again"), ct);

    private async Task CloseSilentSessionsAsync(CancellationToken ct)
    {
        string[] open;
        await using (var query = ledger.QueryReadModels())
            open = [.. await query.Query<SessionLifecycle>().Where(s => s.Open).Select(s => s.Id).ToListAsync(ct)];
        if (open.Length == 0) return;

        var now = clock.GetCurrentInstant();
        foreach (var (streamId, silentSince) in await ledger.LastAppendedAsync(open, ct))
        {
            if (now - silentSince < Duration.FromTimeSpan(options.CloseSilentSessionsAfter)) continue;
            await CloseAsync(streamId, silentSince, now, ct);
        }
    }

    private async Task CloseAsync(string streamId, Instant silentSince, Instant now, CancellationToken ct)
    {
        var sessionId = streamId[StreamIds.Session("").Length..];
        var (events, version) = await ledger.FetchAsync(streamId, ct);
        var decided = Session.CloseForSilence(Session.Fold(events.Select(e => e.Data)), sessionId, silentSince, now);
        if (decided.Count == 0) return;
        var metadata = new EventMetadata(sessionId, null, Actor.Job("session-silence"), now);
        try
        {
            await ledger.AppendAsync(new StreamAppend(streamId, [.. decided.Select(e => new PendingEvent(e, metadata))], version), ct);
            logger.LogInformation("Closed session {Session}: nothing recorded of it since {SilentSince}", sessionId, silentSince);
        }
        catch (StreamConcurrencyException)
        {
            // The charger spoke of it meanwhile: it is not silent, and the next round looks again.
        }
    }
}
