using Marten;
using Npgsql;
using Weasel.Core;
using Settlement.Ledger.Store;

namespace Settlement.Ledger;

/// <summary>A page of stored events as their raw JSON, for a rebuild that deserialises them on every core.</summary>
/// <param name="Last">The position of the page's last row: where the next page starts.</param>
public sealed record StoredEventPage(string[] StoredTypes, string[] Json, long Last);

/// <summary>The documents of one type a rebuild wrote from zero, inserted <paramref name="BatchSize"/> at a time.</summary>
public sealed record RebuiltDocuments(Type DocumentType, IReadOnlyCollection<object> Documents, int BatchSize);

public sealed partial class Ledger
{
    /// <summary>A read-only session over the read models the capabilities keep beside the events.</summary>
    public IQuerySession QueryReadModels() => _store.QuerySession();

    /// <summary>The highest position appended (0 for none); transactions below it may still be open.</summary>
    public Task<long> LastPositionAsync(CancellationToken ct = default) => EventPositions.LastAsync(_dataSource, Schema, ct);

    /// <summary>Events of the given stored types after <paramref name="after"/> up to <paramref name="ceiling"/>, in ledger order.</summary>
    public async Task<StoredEventPage> ReadEventPageAsync(
        IReadOnlyCollection<string> storedTypes, long after, long ceiling, int limit, CancellationToken ct = default)
    {
        await using var command = _dataSource.CreateCommand(
            $"select seq_id, type, data::text from {Schema}.mt_events " +
            "where seq_id > @after and seq_id <= @ceiling and type = any(@types) order by seq_id limit @limit");
        command.Parameters.Add(new NpgsqlParameter<long>("after", after));
        command.Parameters.Add(new NpgsqlParameter<long>("ceiling", ceiling));
        command.Parameters.Add(new NpgsqlParameter<string[]>("types", [.. storedTypes]));
        command.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
        var types = new List<string>(limit);
        var json = new List<string>(limit);
        var last = after;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            last = reader.GetInt64(0);
            types.Add(reader.GetString(1));
            json.Add(reader.GetString(2));
        }
        return new StoredEventPage([.. types], [.. json], last);
    }

    /// <summary>
    /// Replaces every document of the rebuilt types and records <paramref name="projectionNames"/> caught up to
    /// <paramref name="ceiling"/>, so the daemon follows on from there. Run while no daemon writes them.
    /// </summary>
    public async Task ReplaceRebuiltDocumentsAsync(
        IReadOnlyList<RebuiltDocuments> rebuilt, IReadOnlyList<string> projectionNames, long ceiling, CancellationToken ct = default)
    {
        foreach (var documents in rebuilt)
            await _store.Advanced.Clean.DeleteDocumentsByTypeAsync(documents.DocumentType, ct);
        foreach (var documents in rebuilt)
            await _store.BulkInsertDocumentsAsync(documents.Documents, BulkInsertMode.InsertsOnly, documents.BatchSize, ct);

        await using var command = _dataSource.CreateCommand(
            $"insert into {Schema}.mt_event_progression (name, last_seq_id, last_updated) " +
            "select unnest(@names), @ceiling, now() on conflict (name) do update set last_seq_id = excluded.last_seq_id, last_updated = excluded.last_updated");
        command.Parameters.Add(new NpgsqlParameter<string[]>("names", [.. projectionNames.Select(n => $"{n}:All")]));
        command.Parameters.Add(new NpgsqlParameter<long>("ceiling", ceiling));
        await command.ExecuteNonQueryAsync(ct);
    }
}
