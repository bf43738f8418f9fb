using Marten;
using Npgsql;
using NodaTime;

namespace Settlement.Ledger;

/// <summary>A read-model document as stored: its JSON, when it was last written, and the transaction that wrote it.</summary>
public sealed record StoredDocument(string Json, Instant LastModified, long WrittenBy);

public sealed partial class Ledger
{
    /// <summary>
    /// Every read model's documents, by document type name and id, exactly as stored: for comparing two ledgers
    /// (e.g. an audit replay with the live one) byte for byte, and telling which documents were written after a cut.
    /// A follower's progress (<see cref="Store.IFollowerProgress"/>) is not derived from events, so it is not among them.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, StoredDocument>>> ReadModelDocumentsAsync(CancellationToken ct = default)
    {
        var models = new Dictionary<string, IReadOnlyDictionary<string, StoredDocument>>();
        foreach (var mapping in ((IDocumentStore)_store).Options.AllKnownDocumentTypes())
        {
            if (typeof(Store.IFollowerProgress).IsAssignableFrom(mapping.DocumentType)) continue;
            await using var command = _dataSource.CreateCommand(
                $"select id::text, data::text, mt_last_modified, xmin::text::bigint from {Schema}.{mapping.TableName.Name}");
            var documents = new Dictionary<string, StoredDocument>();
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                documents[reader.GetString(0)] = new StoredDocument(reader.GetString(1), Instant.FromDateTimeUtc(reader.GetDateTime(2)), reader.GetInt64(3));
            models[mapping.DocumentType.Name] = documents;
        }
        return models;
    }
}
