using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NodaTime;
using NodaTime.Text;
using Settlement.Domain.Deciding;
using Settlement.Domain.Events;
using Settlement.Domain.Sessions;
using Settlement.Host.Access;
using Settlement.Host.Chargers;
using Settlement.Projections;
using Settlement.Projections.Sessions;

namespace Settlement.Host.Sessions;

/// <summary>Charging sessions as the operator, finance and integrations list them: by site, charger, start time and status.</summary>
public static class SessionEndpoints
{
    /// <summary>A site's sessions are found through its chargers; a site with more than this many is refused rather than read partly.</summary>
    public const int MaxChargersPerSiteFilter = 1_000;

    /// <summary>A session's meter curve holds at most this many readings; a longer one is cut and says so.</summary>
    public const int MaxMeterValues = 10_000;

    /// <summary>Which sessions a list asks for; every field optional. <paramref name="NewestFirst"/>: latest start first.</summary>
    public sealed record SessionFilter(string? SiteId, string? ChargerId, Instant? From, Instant? To, SessionStatus? Status, bool NewestFirst = false);

    /// <summary>A reading of the session's meter and the energy delivered since the session started (register minus its start).</summary>
    public sealed record MeterPoint(Instant TakenAt, long EnergyWh, long DeliveredWh, decimal? PowerW, int? StateOfChargePercent);

    /// <summary>A session with its meter readings in the order they were taken; <paramref name="Truncated"/> when there were more than <see cref="MaxMeterValues"/>.</summary>
    public sealed record SessionWithMeterValues(SessionEntry Session, IReadOnlyList<MeterPoint> MeterValues, bool Truncated);

    public static IEndpointRouteBuilder MapSessions(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/sessions", (string? site, string? charger, string? from, string? to, string? status, string? order, int? limit, string? cursor,
            HttpContext context, OperatorScope scope, Ledger.Ledger ledger, CancellationToken ct) => Refusals.Answer(async () =>
        {
            var filter = new SessionFilter(site, charger, InstantOrNull("from", from), InstantOrNull("to", to), StatusOrNull(status), NewestFirst(order));
            return Paging.Answer(context, await ListAsync(ledger, await scope.SitesAsync(ct), filter, Paging.After(cursor), Paging.Limit(limit), ct));
        }));

        app.MapGet("/api/sessions/{sessionId}", async (string sessionId, string? include, OperatorScope scope, Ledger.Ledger ledger, CancellationToken ct) =>
        {
            if (include is not (null or "meter-values"))
                return Results.BadRequest(new { error = $"include: 'meter-values' (the session's meter readings) or nothing, not '{include}'." });
            await using var query = ledger.QueryReadModels();
            if (!await scope.SeesSessionAsync(sessionId, ct) || await query.LoadAsync<SessionEntry>(StreamIds.Session(sessionId), ct) is not { SessionId.Length: > 0 } session)
                return new Refusal(RefusalKind.NotFound, [$"No session {sessionId} has started."]).ToHttp();
            return include is null ? Results.Ok(session) : Results.Ok(await WithMeterValuesAsync(ledger, session, ct));
        });
        return app;
    }

    /// <summary>
    /// The sessions matching the filter after <paramref name="after"/>, by start time then id: every session list reads
    /// through here. <paramref name="visibleSites"/> are the sites the caller sees (null: all): a sub-operator's list
    /// holds the sessions of its sites' chargers only.
    /// </summary>
    public static async Task<Page<SessionEntry>> ListAsync(
        Ledger.Ledger ledger, IReadOnlySet<string>? visibleSites, SessionFilter filter, string? after, int limit, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        var sessions = query.Query<SessionEntry>().Where(s => s.SortKey != "");
        if (filter.SiteId is not null || visibleSites is not null)
        {
            var chargers = await ChargerEndpoints.ListAsync(ledger, visibleSites, filter.SiteId, after: null, MaxChargersPerSiteFilter, ct);
            if (chargers.Next is not null)
                throw new RequestRefusedException(RefusalKind.Unprocessable,
                    $"site: more than {MaxChargersPerSiteFilter} chargers; list the sessions by charger.");
            var ids = chargers.Items.Select(c => c.ChargerId).ToArray();
            sessions = sessions.Where(s => ids.Contains(s.ChargerId));
        }
        if (filter.ChargerId is not null) sessions = sessions.Where(s => s.ChargerId == filter.ChargerId);
        if (filter.Status is { } status) sessions = sessions.Where(s => s.Status == status);
        // The sort key starts with the start time, so a time window is a range of keys.
        if (filter.From is { } from)
        {
            var fromKey = SortKeys.Of(from);
            // Newest first, the cursor bounds the list from above, so the window's start is a filter of its own.
            if (filter.NewestFirst) sessions = sessions.Where(s => s.SortKey.CompareTo(fromKey) >= 0);
            else if (after is null || string.CompareOrdinal(after, fromKey) < 0) after = fromKey;
        }
        if (filter.To is { } to)
        {
            var toKey = SortKeys.Of(to);
            sessions = sessions.Where(s => s.SortKey.CompareTo(toKey) < 0);
        }
        return await PagedQueries.PageAsync(sessions, s => s.SortKey, after, limit, ct, newestFirst: filter.NewestFirst);
    }

    /// <summary>The meter readings are only in the session's own stream, which is one session long: read it, not the ledger.</summary>
    private static async Task<SessionWithMeterValues> WithMeterValuesAsync(Ledger.Ledger ledger, SessionEntry session, CancellationToken ct)
    {
        var readings = (await ledger.ReadStreamAsync(StreamIds.Session(session.SessionId), ct))
            .Select(e => e.Data).OfType<MeterValuesRecorded>().SelectMany(m => m.Readings)
            .Take(MaxMeterValues + 1)
            .Select(r => new MeterPoint(r.TakenAt, r.EnergyWh, r.EnergyWh - session.MeterStartWh, r.PowerW, r.StateOfChargePercent))
            .ToList();
        return new SessionWithMeterValues(session, [.. readings.Take(MaxMeterValues)], readings.Count > MaxMeterValues);
    }

    private static bool NewestFirst(string? order) => order switch
    {
        null or "oldest" => false,
        "newest" => true,
        _ => throw new RequestRefusedException(RefusalKind.Invalid, $"order: 'oldest' (by start time, the default) or 'newest', not '{order}'."),
    };

    private static Instant? InstantOrNull(string name, string? text) =>
        text is null ? null
        : InstantPattern.ExtendedIso.Parse(text) is { Success: true } parsed ? parsed.Value
        : throw new RequestRefusedException(RefusalKind.Invalid, $"{name}: an instant in UTC such as 2026-10-01T00:00:00Z.");

    private static SessionStatus? StatusOrNull(string? text) => text?.ToLowerInvariant() switch
    {
        null => null,
        "active" or "charging" => SessionStatus.Charging,
        "completed" or "stopped" => SessionStatus.Stopped,
        "closedforsilence" or "closed-for-silence" => SessionStatus.ClosedForSilence,
        _ => throw new RequestRefusedException(RefusalKind.Invalid, "status: one of active, completed, closed-for-silence."),
    };
}
