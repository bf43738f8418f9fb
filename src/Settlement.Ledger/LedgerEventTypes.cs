using Npgsql;

namespace Settlement.Ledger;

public sealed partial class Ledger
{
    /// <summary>
    /// The stored type name of each event named by its stream and version, in one round trip: a document that
    /// cites the events it derives from names their types without loading each stream. Events not found are absent.
    /// </summary>
    public async Task<IReadOnlyDictionary<(string Stream, long Version), string>> StoredTypesAsync(
        IReadOnlyCollection<(string Stream, long Version)> events, CancellationToken ct = default)
    {
        var types = new Dictionary<(string, long), string>();
        if (events.Count == 0) return types;
        await using var command = _dataSource.CreateCommand(
            $"select e.stream_id, e.version, e.type from {Schema}.mt_events e " +
            "join unnest(@streams, @versions) as wanted(stream_id, version) on e.stream_id = wanted.stream_id and e.version = wanted.version");
        command.Parameters.Add(new NpgsqlParameter<string[]>("streams", events.Select(e => e.Stream).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<long[]>("versions", events.Select(e => e.Version).ToArray()));
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) types[(reader.GetString(0), reader.GetInt64(1))] = reader.GetString(2);
        return types;
    }
}
