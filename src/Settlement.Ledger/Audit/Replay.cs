using System.Text.RegularExpressions;
using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;
using Npgsql;
using Settlement.Domain.Events;
using Settlement.Ledger.Schemas;
using Settlement.Ledger.Store;

namespace Settlement.Ledger.Audit;

/// <summary>
/// Where a replay stops: after the whole ledger, after a global position (seq_id), or after the last
/// event the ledger had recorded by an instant.
/// </summary>
/// <remarks>
/// An instant cuts the ledger at the longest prefix (in position order) recorded at or before it, so
/// every cut is a prefix: projections see events in the order they ran live, and each stream keeps its
/// versions 1..n.
/// </remarks>
public sealed record ReplayCut(long? Position = null, Instant? AsOf = null)
{
    public static readonly ReplayCut Everything = new();

    public bool IsEverything => Position is null && AsOf is null;

    public override string ToString() =>
        Position is { } position ? $"position {position}" : AsOf is { } asOf ? $"as of {asOf}" : "the whole ledger";
}

/// <summary>A replay step and how far it is: events copied, or the position a projection has reached.</summary>
public sealed record ReplayProgress(string Step, long Done, long Total);

/// <summary>
/// Rebuilds every projection of the ledger from zero, up to a cut, in a separate schema of the same
/// database: the events (and the streams as of the cut) are copied there, then each projection runs over
/// the copy from its first event. The live schema is only read.
/// </summary>
public sealed class Replay : IAsyncDisposable
{
    public const string DefaultSchema = "replay";

    private static readonly Regex SchemaName = new("^[a-z_][a-z0-9_]{0,62}$");
    private static readonly string[] ProtectedSchemas = [LedgerStore.Schema, "public", "information_schema"];
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    private Replay(Ledger copy, ReplayCut cut, long position, long events, Instant? changedFrom, IReadOnlySet<long> transactionsAfterCut)
    {
        Ledger = copy;
        Cut = cut;
        Position = position;
        Events = events;
        ChangedFrom = changedFrom;
        TransactionsAfterCut = transactionsAfterCut;
    }

    /// <summary>The replayed copy, to read its read models exactly as the live ones are read.</summary>
    public Ledger Ledger { get; }

    public ReplayCut Cut { get; }

    /// <summary>The last position replayed (0 for an empty cut).</summary>
    public long Position { get; }

    /// <summary>How many events were replayed.</summary>
    public long Events { get; }

    /// <summary>
    /// The earliest recorded time of the events after the cut; null when nothing follows them. Events are
    /// stamped with their transaction's start, as are the read models it writes, and concurrent hosts may
    /// commit out of that order, hence the earliest, not the next one's. A live read model last written at
    /// or after this instant may have changed since the cut.
    /// </summary>
    public Instant? ChangedFrom { get; }

    /// <summary>
    /// The live transactions (PostgreSQL xids) that appended the events after the cut. An inline read model
    /// written in one of them changed with those events, whatever the clocks say: its last-modified time
    /// comes from the host's clock, the events' from the server's.
    /// </summary>
    public IReadOnlySet<long> TransactionsAfterCut { get; }

    public static async Task<Replay> RunAsync(
        string connectionString, ReadModelSet readModels, ReplayCut cut, string schema, Action<ReplayProgress> progress, CancellationToken ct)
    {
        if (!SchemaName.IsMatch(schema) || ProtectedSchemas.Contains(schema) || schema.StartsWith("pg_", StringComparison.Ordinal))
            throw new ArgumentException(
                $"'{schema}' cannot be a replay schema: it is dropped and recreated, so it must be a lower-case PostgreSQL name other than {string.Join(", ", ProtectedSchemas)} or pg_*.",
                nameof(schema));

        var dataSource = ConnectionBudget.Standard.CreateDataSource(connectionString);
        var store = new DocumentStore(LedgerStore.ConfigureCopy(new StoreOptions(), dataSource, readModels, schema));
        var copy = new Ledger(store, new EventValidator(EventCatalogue.Current), dataSource, Drivers.VaultSecret.FromEnvironment());
        try
        {
            var position = await PositionOfAsync(dataSource, cut, ct);
            var (changedFrom, transactionsAfterCut) = await ChangesAfterAsync(dataSource, position, ct);
            await ExecuteAsync(dataSource, $"DROP SCHEMA IF EXISTS {schema} CASCADE", ct);
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            var events = await CopyEventsAsync(dataSource, schema, position, progress, ct);
            await RebuildAsync(copy, readModels, position, progress, ct);
            return new Replay(copy, cut, position, events, changedFrom, transactionsAfterCut);
        }
        catch
        {
            await copy.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => Ledger.DisposeAsync();

    private static async Task<long> PositionOfAsync(NpgsqlDataSource dataSource, ReplayCut cut, CancellationToken ct)
    {
        if (cut.Position is < 0) throw new ArgumentException($"A position is 0 or more, not {cut.Position}.", nameof(cut));
        await using var command = dataSource.CreateCommand(
            $"""
            with head as (select coalesce(max(seq_id), 0) as last from {LedgerStore.Schema}.mt_events),
                 cut as (select case
                     when @position::bigint is not null then least(@position::bigint, head.last)
                     when @asOf::timestamptz is not null then coalesce(
                         (select min(seq_id) - 1 from {LedgerStore.Schema}.mt_events where timestamp > @asOf::timestamptz), head.last)
                     else head.last end as position from head)
            select position from cut
            """);
        command.Parameters.Add(new NpgsqlParameter<long?>("position", cut.Position));
        command.Parameters.Add(new NpgsqlParameter<DateTime?>("asOf", cut.AsOf?.ToDateTimeUtc()));
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The transactions that appended the events after the position, and the earliest of their recorded times.</summary>
    private static async Task<(Instant? ChangedFrom, IReadOnlySet<long> Transactions)> ChangesAfterAsync(
        NpgsqlDataSource dataSource, long position, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"select xmin::text::bigint, min(timestamp) from {LedgerStore.Schema}.mt_events where seq_id > @position group by 1");
        command.Parameters.AddWithValue("position", position);
        var transactions = new HashSet<long>();
        Instant? changedFrom = null;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            transactions.Add(reader.GetInt64(0));
            var recorded = Instant.FromDateTimeUtc(reader.GetDateTime(1));
            if (changedFrom is null || recorded < changedFrom) changedFrom = recorded;
        }
        return (changedFrom, transactions);
    }

    /// <summary>Each stream at its version as of the position, then the events up to it.</summary>
    private static async Task<long> CopyEventsAsync(NpgsqlDataSource dataSource, string schema, long position, Action<ReplayProgress> progress, CancellationToken ct)
    {
        const string step = "Copying events";
        progress(new ReplayProgress(step, 0, position));
        var streamColumns = await SharedColumnsAsync(dataSource, schema, "mt_streams", ct);
        var asOfCut = streamColumns.Select(c => c switch
        {
            "version" => "cut.version",
            "timestamp" => "cut.timestamp",
            _ => $"s.{c}",
        });
        var eventColumns = string.Join(", ", await SharedColumnsAsync(dataSource, schema, "mt_events", ct));
        await using var copy = dataSource.CreateCommand(
            $"""
            insert into {schema}.mt_streams ({string.Join(", ", streamColumns)})
            select {string.Join(", ", asOfCut)} from {LedgerStore.Schema}.mt_streams s
            join (select stream_id, max(version) as version, max(timestamp) as timestamp
                  from {LedgerStore.Schema}.mt_events where seq_id <= @position group by stream_id) cut on cut.stream_id = s.id;
            insert into {schema}.mt_events ({eventColumns})
            select {eventColumns} from {LedgerStore.Schema}.mt_events where seq_id <= @position order by seq_id;
            select setval('{schema}.mt_events_sequence', greatest(@position, 1));
            """);
        copy.Parameters.Add(new NpgsqlParameter<long>("position", position));
        await copy.ExecuteNonQueryAsync(ct);
        progress(new ReplayProgress(step, position, position));
        return await CountAsync(dataSource, $"select count(*) from {schema}.mt_events", ct);
    }

    /// <summary>The table's columns both schemas have, in the live table's order.</summary>
    private static async Task<IReadOnlyList<string>> SharedColumnsAsync(NpgsqlDataSource dataSource, string schema, string table, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "select live.column_name from information_schema.columns live " +
            "join information_schema.columns copy on copy.table_schema = @schema and copy.table_name = live.table_name and copy.column_name = live.column_name " +
            "where live.table_schema = @live and live.table_name = @table order by live.ordinal_position");
        command.Parameters.Add(new NpgsqlParameter<string>("schema", schema));
        command.Parameters.Add(new NpgsqlParameter<string>("live", LedgerStore.Schema));
        command.Parameters.Add(new NpgsqlParameter<string>("table", table));
        var columns = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) columns.Add(reader.GetString(0));
        return columns;
    }

    /// <summary>
    /// Every projection from zero over the copy: those with a fast rebuild of their own (the KPIs') by it, which
    /// writes the daemon's documents; the others with Marten's daemon, inline ones included.
    /// </summary>
    private static async Task RebuildAsync(Ledger copy, ReadModelSet readModels, long position, Action<ReplayProgress> progress, CancellationToken ct)
    {
        var store = (DocumentStore)copy.Store;
        using var daemon = await store.BuildProjectionDaemonAsync(logger: NullLogger.Instance);
        foreach (var projection in store.Options.Projections.All.Where(p => !readModels.FastRebuilds.Any(fast => fast.ProjectionNames.Contains(p.Name))))
        {
            var rebuilding = daemon.RebuildProjectionAsync(projection.Name, TimeSpan.FromMinutes(30), ct);
            while (await Task.WhenAny(rebuilding, Task.Delay(ProgressInterval, ct)) != rebuilding)
                progress(new ReplayProgress(projection.Name, await ReachedAsync(copy, projection.Name, ct), position));
            await rebuilding;
            progress(new ReplayProgress(projection.Name, position, position));
        }
        foreach (var fast in readModels.FastRebuilds)
            await fast.RunAsync(copy, (done, total) => progress(new ReplayProgress(string.Join(" + ", fast.ProjectionNames), done, total)), ct);
    }

    private static async Task<long> ReachedAsync(Ledger copy, string projection, CancellationToken ct)
    {
        await using var command = copy.DataSource.CreateCommand(
            $"select coalesce(max(last_seq_id), 0) from {copy.Schema}.mt_event_progression where name = @name");
        command.Parameters.Add(new NpgsqlParameter<string>("name", $"{projection}:All"));
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    private static async Task<long> CountAsync(NpgsqlDataSource dataSource, string sql, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(ct);
    }
}
