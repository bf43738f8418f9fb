using System.Text.Json;
using NodaTime;
using NodaTime.Text;
using Npgsql;
using Settlement.Ledger.Store;

namespace Settlement.Ledger.Audit;

/// <summary>Writes an auditor's bundle of a period from the ledger in the database.</summary>
public static class BundleExport
{
    private const int PageSize = 16_384;
    private static readonly string EventsTable = $"{LedgerStore.Schema}.mt_events";
    private static readonly string LinksTable = $"{LedgerStore.Schema}.{ChainTables.Links}";

    /// <summary>The ledger positions of the events recorded in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    /// <exception cref="InvalidDataException">When no event was recorded in the period.</exception>
    public static async Task<BundlePeriod> PeriodAsync(Ledger ledger, Instant from, Instant to, CancellationToken ct = default)
    {
        if (to <= from) throw new InvalidDataException($"The period ends ({Format(to)}) before it starts ({Format(from)}).");
        await using var command = ledger.DataSource.CreateCommand(
            $"SELECT (SELECT min(seq_id) FROM {EventsTable} WHERE timestamp >= @from AND timestamp < @to), " +
            $"(SELECT max(seq_id) FROM {EventsTable} WHERE timestamp >= @from AND timestamp < @to)");
        command.Parameters.AddWithValue("from", from.ToDateTimeUtc());
        command.Parameters.AddWithValue("to", to.ToDateTimeUtc());
        await using var row = await command.ExecuteReaderAsync(ct);
        await row.ReadAsync(ct);
        if (row.IsDBNull(0)) throw new InvalidDataException($"No event was recorded from {Format(from)} to {Format(to)}.");
        return new BundlePeriod(Format(from), Format(to), row.GetInt64(0), row.GetInt64(1));
    }

    /// <exception cref="InvalidDataException">When the positions hold no event.</exception>
    public static async Task<BundlePeriod> PeriodAsync(Ledger ledger, long firstSeq, long lastSeq, CancellationToken ct = default)
    {
        if (lastSeq < firstSeq) throw new InvalidDataException($"--to-seq {lastSeq} is before --from-seq {firstSeq}.");
        await using var command = ledger.DataSource.CreateCommand(
            $"SELECT min(seq_id), max(seq_id) FROM {EventsTable} WHERE seq_id BETWEEN @first AND @last");
        command.Parameters.AddWithValue("first", firstSeq);
        command.Parameters.AddWithValue("last", lastSeq);
        await using var row = await command.ExecuteReaderAsync(ct);
        await row.ReadAsync(ct);
        if (row.IsDBNull(0)) throw new InvalidDataException($"The ledger holds no event at positions {firstSeq} to {lastSeq}.");
        return new BundlePeriod(null, null, row.GetInt64(0), row.GetInt64(1));
    }

    /// <summary>
    /// Writes the bundle into <paramref name="directory"/> (which must be empty or absent). Every event of the
    /// period must be chained already; the chain lines run from the checkpoint before the period to the
    /// checkpoint after it, or to the chain head when none covers the period's end yet.
    /// </summary>
    /// <param name="progress">Ledger positions written so far, and the last one to write.</param>
    /// <exception cref="InvalidDataException">When the directory is not empty or the period is not chained yet.</exception>
    public static async Task<BundleManifest> WriteAsync(Ledger ledger, BundlePeriod period, string directory,
        IDocumentDerivation documents, string tool, Action<long, long>? progress = null, CancellationToken ct = default)
    {
        var dataSource = ledger.DataSource;
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
            throw new InvalidDataException($"{directory} is not empty; a bundle is written into a new directory.");
        var head = await ChainHead.ReadAsync(dataSource, ct);
        if (head.Sequence < period.LastSeq)
            throw new InvalidDataException($"The chain reaches event {head.Sequence}, not the period's last event {period.LastSeq}: chain the ledger first.");

        var checkpoints = await Checkpoints.AllAsync(dataSource, ct);
        var before = checkpoints.LastOrDefault(c => c.Statement.Sequence < period.FirstSeq);
        var after = checkpoints.FirstOrDefault(c => c.Statement.Sequence >= period.LastSeq);
        var anchor = before is null ? ChainHead.Empty : new ChainHead(before.Statement.Sequence, before.Statement.Hash);
        var chainEnd = after?.Statement.Sequence ?? head.Sequence;
        var included = checkpoints.Where(c => c.Statement.Sequence >= anchor.Sequence && c.Statement.Sequence <= chainEnd && c.Statement.Sequence > 0).ToList();

        Directory.CreateDirectory(directory);
        var links = 0L;
        await using (var chain = File.Create(Path.Combine(directory, AuditBundle.Chain)))
        {
            await foreach (var page in PagesAsync(dataSource, $"SELECT seq_id, previous_seq, digest, hash FROM {LinksTable} WHERE seq_id > @after AND seq_id <= @last ORDER BY seq_id LIMIT {PageSize}",
                               anchor.Sequence, chainEnd, r => new ChainLink(r.GetInt64(0), r.GetInt64(1), (byte[])r[2], (byte[])r[3]), l => l.Sequence, ct))
            {
                foreach (var link in page)
                {
                    await chain.WriteAsync(AuditBundle.LinkLine(link), ct);
                    chain.WriteByte((byte)'\n');
                }
                links += page.Count;
                progress?.Invoke(Math.Min(page[^1].Sequence, period.FirstSeq), chainEnd);
            }
        }

        var events = 0L;
        await using (var lines = File.Create(Path.Combine(directory, AuditBundle.Events)))
        {
            await foreach (var page in PagesAsync(dataSource, $"SELECT {ChainedEvent.Columns} FROM {EventsTable} WHERE seq_id > @after AND seq_id <= @last ORDER BY seq_id LIMIT {PageSize}",
                               period.FirstSeq - 1, period.LastSeq, r => ChainedEvent.Read(r), e => e.Sequence, ct))
            {
                foreach (var recorded in page)
                {
                    await lines.WriteAsync(recorded.WithoutSecrets().CanonicalLine(), ct);
                    lines.WriteByte((byte)'\n');
                    documents.Observe(recorded);
                }
                events += page.Count;
                progress?.Invoke(page[^1].Sequence, chainEnd);
            }
        }

        await File.WriteAllBytesAsync(Path.Combine(directory, AuditBundle.CheckpointsFile),
            JsonSerializer.SerializeToUtf8Bytes(included.Select(AuditBundle.ToFile).ToList(), AuditBundle.Json), ct);

        var derived = documents.Documents();
        foreach (var document in derived)
        {
            var path = Path.Combine(directory, AuditBundle.Documents, document.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path, document.Content, ct);
        }
        progress?.Invoke(chainEnd, chainEnd);

        var files = new List<string> { AuditBundle.Events, AuditBundle.Chain, AuditBundle.CheckpointsFile };
        files.AddRange(derived.Select(d => $"{AuditBundle.Documents}/{d.Path}"));
        var manifest = new BundleManifest(AuditBundle.Format, tool, Format(SystemClock.Instance.GetCurrentInstant()), period,
            new BundleAnchor(anchor.Sequence, ChainHash.Hex(anchor.Hash)), chainEnd,
            new BundleCounts(events, links, included.Count, derived.Count),
            files.Select(f => AuditBundle.Describe(directory, f)).ToList());
        await File.WriteAllBytesAsync(Path.Combine(directory, AuditBundle.Manifest), JsonSerializer.SerializeToUtf8Bytes(manifest, AuditBundle.Json), ct);
        return manifest;
    }

    /// <summary>
    /// A bound of a period as given: an instant, or a date's start (UTC); with <paramref name="endOfDay"/> a date's end,
    /// so a period to 2026-10-31 includes that day.
    /// </summary>
    /// <param name="name">What the bound is called where it was given (--from, from), to name it in an error.</param>
    /// <exception cref="InvalidDataException">When it is missing, or neither an instant nor a date.</exception>
    public static Instant Bound(string? text, string name, bool endOfDay)
    {
        if (text is null) throw new InvalidDataException($"{name} is missing.");
        if (InstantPattern.ExtendedIso.Parse(text) is { Success: true } instant) return instant.Value;
        if (LocalDatePattern.Iso.Parse(text) is { Success: true } date)
            return (endOfDay ? date.Value.PlusDays(1) : date.Value).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant();
        throw new InvalidDataException($"{name} '{text}' is neither an instant like 2026-10-01T00:00:00Z nor a date like 2026-10-01.");
    }

    private static string Format(Instant instant) => InstantPattern.ExtendedIso.Format(instant);

    /// <summary>Rows after <paramref name="after"/> up to <paramref name="last"/> in key order, a page per query.</summary>
    private static async IAsyncEnumerable<IReadOnlyList<T>> PagesAsync<T>(NpgsqlDataSource dataSource, string sql, long after, long last,
        Func<NpgsqlDataReader, T> read, Func<T, long> key, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        while (true)
        {
            await using var command = dataSource.CreateCommand(sql);
            command.Parameters.AddWithValue("after", after);
            command.Parameters.AddWithValue("last", last);
            var page = new List<T>(PageSize);
            await using (var rows = await command.ExecuteReaderAsync(ct))
                while (await rows.ReadAsync(ct)) page.Add(read(rows));
            if (page.Count == 0) yield break;
            yield return page;
            if (page.Count < PageSize) yield break;
            after = key(page[^1]);
        }
    }
}
