using NodaTime;

namespace Settlement.Ledger;

public sealed partial class Ledger
{
    /// <summary>When the ledger last appended to each of <paramref name="streamIds"/> that exists, by the database clock.</summary>
    public async Task<IReadOnlyList<(string StreamId, Instant At)>> LastAppendedAsync(IReadOnlyCollection<string> streamIds, CancellationToken ct = default)
    {
        await using var command = _dataSource.CreateCommand($"SELECT id, timestamp FROM {Schema}.mt_streams WHERE id = ANY(@ids)");
        command.Parameters.AddWithValue("ids", streamIds.ToArray());
        var last = new List<(string, Instant)>();
        await using var rows = await command.ExecuteReaderAsync(ct);
        while (await rows.ReadAsync(ct))
            last.Add((rows.GetString(0), Instant.FromDateTimeUtc(rows.GetFieldValue<DateTime>(1))));
        return last;
    }
}
