using Marten;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
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

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        NpgsqlConnection? held = null;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    if (held is not null) await ConfirmLeadAsync(held, ct);
                    held ??= await TryLeadAsync(ct);
                    if (held is not null) await CloseSilentSessionsAsync(ct);
                }
                catch (Exception problem) when (!ct.IsCancellationRequested)
                {
                    // Losing the database must not end the service: step down, so another host may take over.
                    logger.LogWarning(problem, "Closing silent sessions failed; trying again");
                    if (held is not null) await AdvisoryLock.ReleaseAsync(held, AdvisoryLock.SilentSessionCloserKey);
                    held = null;
                }
                await Task.Delay(Pause, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            if (held is not null) await AdvisoryLock.ReleaseAsync(held, AdvisoryLock.SilentSessionCloserKey);
        }
    }

    private async Task<NpgsqlConnection?> TryLeadAsync(CancellationToken ct)
    {
        // Held for as long as this host leads: from Marten's pool, not the appends' small one.
        var connection = ledger.Store.Storage.Database.CreateConnection();
        try
        {
            await connection.OpenAsync(ct);
            if (await AdvisoryLock.TryTakeAsync(connection, AdvisoryLock.SilentSessionCloserKey, ct)) return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        await connection.DisposeAsync();
        return null;
    }

    /// <summary>The lock lives as long as its session: a session that still answers means this host still holds it.</summary>
    private static async Task ConfirmLeadAsync(NpgsqlConnection held, CancellationToken ct)
    {
        await using var ping = new NpgsqlCommand("SELECT 1", held);
        await ping.ExecuteScalarAsync(ct);
    }

    private async Task CloseSilentSessionsAsync(CancellationToken ct)
    {
        string[] open;
        await using (var query = ledger.Store.QuerySession())
            open = [.. await query.Query<SessionLifecycle>().Where(s => s.Open).Select(s => s.Id).ToListAsync(ct)];
        if (open.Length == 0) return;

        var now = clock.GetCurrentInstant();
        foreach (var (streamId, silentSince) in await LastRecordedAsync(open, ct))
        {
            if (now - silentSince < Duration.FromTimeSpan(options.CloseSilentSessionsAfter)) continue;
            await CloseAsync(streamId, silentSince, now, ct);
        }
    }

    /// <summary>When the ledger last appended to each stream, by the database clock.</summary>
    private async Task<IReadOnlyList<(string StreamId, Instant At)>> LastRecordedAsync(string[] streamIds, CancellationToken ct)
    {
        await using var command = ledger.DataSource.CreateCommand($"SELECT id, timestamp FROM {ledger.Schema}.mt_streams WHERE id = ANY(@ids)");
        command.Parameters.AddWithValue("ids", streamIds);
        var last = new List<(string, Instant)>();
        await using var rows = await command.ExecuteReaderAsync(ct);
        while (await rows.ReadAsync(ct))
            last.Add((rows.GetString(0), Instant.FromDateTimeUtc(rows.GetFieldValue<DateTime>(1))));
        return last;
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
