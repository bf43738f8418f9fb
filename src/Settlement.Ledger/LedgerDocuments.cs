namespace Settlement.Ledger;

public sealed partial class Ledger
{
    /// <summary>
    /// Writes a document kept beside the ledger that no event derives from (e.g. a charger accepted as Pending:
    /// anyone can claim an unknown identity, so what it sends must not become events), replacing any of its id.
    /// Read it back with <see cref="QueryReadModels"/>.
    /// </summary>
    public async Task StoreDocumentAsync<T>(T document, CancellationToken ct = default) where T : notnull
    {
        await using var session = _store.LightweightSession();
        session.Store(document);
        await session.SaveChangesAsync(ct);
    }

    /// <summary>Deletes the document of <paramref name="id"/> written with <see cref="StoreDocumentAsync{T}"/>; none is fine.</summary>
    public async Task DeleteDocumentAsync<T>(string id, CancellationToken ct = default) where T : notnull
    {
        await using var session = _store.LightweightSession();
        session.Delete<T>(id);
        await session.SaveChangesAsync(ct);
    }
}
