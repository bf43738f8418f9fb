using NodaTime;
using NodaTime.Text;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;

namespace Settlement.Ledger;

/// <summary>
/// What a charger's presence is decided on: its stream's version, when its last event occurred (when the ledger
/// last heard from it), and whether its latest presence fact is an outage.
/// </summary>
public sealed record ChargerLastHeard(long Version, Instant LastHeardAt, bool Offline);

public sealed partial class Ledger
{
    private static readonly string[] PresenceTypes =
        [.. new[] { typeof(ChargerBooted), typeof(ChargerWentOffline), typeof(ChargerCameBackOnline) }.Select(EventType.StoredNameOf)];
    private static readonly string WentOfflineType = EventType.StoredNameOf(typeof(ChargerWentOffline));

    /// <summary>
    /// The charger's <see cref="ChargerLastHeard"/> in one round trip, without folding its stream (a busy charger's
    /// stream is long); null when the ledger has nothing of it.
    /// </summary>
    public async Task<ChargerLastHeard?> ChargerLastHeardAsync(string chargerId, CancellationToken ct = default)
    {
        await using var last = _dataSource.CreateCommand($"""
            SELECT e.version, e.headers ->> 'occurredAt', e.timestamp,
                (SELECT p.type FROM {Schema}.mt_events p
                 WHERE p.stream_id = @stream AND p.type = ANY(@presence) ORDER BY p.version DESC LIMIT 1) = @offline
            FROM {Schema}.mt_events e WHERE e.stream_id = @stream ORDER BY e.version DESC LIMIT 1
            """);
        last.Parameters.AddWithValue("stream", StreamIds.Charger(chargerId));
        last.Parameters.AddWithValue("presence", PresenceTypes);
        last.Parameters.AddWithValue("offline", WentOfflineType);
        await using var row = await last.ExecuteReaderAsync(ct);
        if (!await row.ReadAsync(ct)) return null;
        // Events appended through Marten itself carry no time of occurrence: their recording time stands in.
        var occurredAt = row.IsDBNull(1)
            ? Instant.FromDateTimeUtc(row.GetFieldValue<DateTime>(2))
            : InstantPattern.ExtendedIso.Parse(row.GetString(1)).GetValueOrThrow();
        return new ChargerLastHeard(row.GetInt64(0), occurredAt, !row.IsDBNull(3) && row.GetBoolean(3));
    }
}
