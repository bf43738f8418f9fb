using System.Text.Json;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using NodaTime;
using NodaTime.Text;
using Settlement.Domain.Drivers;
using Settlement.Domain.Events;
using Settlement.Ledger.Drivers;
using Settlement.Ledger.Schemas;
using Settlement.Ledger.Store;

namespace Settlement.Ledger;

public sealed record PendingEvent(object Data, EventMetadata Metadata);

/// <summary>
/// Events for one stream. <paramref name="ExpectedVersion"/>: null appends wherever the stream is,
/// 0 requires a new stream, n requires the stream to be at version n (optimistic concurrency).
/// </summary>
public sealed record StreamAppend(string StreamId, IReadOnlyList<PendingEvent> Events, long? ExpectedVersion = null)
{
    public static StreamAppend New(string streamId, params PendingEvent[] events) => new(streamId, events, 0);
}

public sealed record RecordedEvent(
    Guid Id, string StreamId, long Version, long Sequence, string StoredType, object Data,
    EventMetadata Metadata, Instant RecordedAt);

/// <summary>
/// Appends and reads the event ledger. A batch is validated whole before anything is written and is
/// committed in one transaction: one bad event or one stale stream version writes nothing.
/// </summary>
public sealed partial class Ledger : IAsyncDisposable
{
    private readonly DocumentStore _store;
    private readonly EventValidator _validator;
    private readonly Npgsql.NpgsqlDataSource _dataSource;
    private readonly GroupCommit _commits;
    private readonly EventRows _rows;
    private readonly Marten.Events.EventGraph _events;
    private readonly IInlineProjection<IDocumentOperations>[] _inlineProjections;

    public Ledger(DocumentStore store, EventValidator validator, Npgsql.NpgsqlDataSource dataSource, VaultSecret vaultSecret)
    {
        _store = store;
        _validator = validator;
        _dataSource = dataSource;
        Drivers = new DriverVault(dataSource, store.Options.DatabaseSchemaName, vaultSecret);
        PartnerSecrets = new Roaming.PartnerSecrets(vaultSecret);
        _events = (Marten.Events.EventGraph)store.Options.Events;
        _rows = new EventRows(store.Options.DatabaseSchemaName, store.Options.Serializer());
        _inlineProjections = store.Options.Projections.All
            .Where(p => p.Lifecycle == ProjectionLifecycle.Inline)
            .Select(p => p.BuildForInline())
            .ToArray();
        _commits = new GroupCommit(ConnectWriterAsync, CommitAsync);
    }

    private const string ActorHeader = "actor";
    private const string OccurredAtHeader = "occurredAt";
    private const string SourceMessageHeader = "sourceMessage";
    private const string SourceMessageDriverHeader = "sourceMessageDriver";
    private const string SourceMessageSealedHeader = "sourceMessageSealed";

    internal IDocumentStore Store => _store;

    /// <summary>The drivers' keys: personal data goes into events only sealed under them.</summary>
    public DriverVault Drivers { get; }

    /// <summary>Roaming partners' tokens we present to them, sealed under the vault secret.</summary>
    public Roaming.PartnerSecrets PartnerSecrets { get; }

    /// <summary>The PostgreSQL schema of its events and read models: the ledger's own, or an audit replay's copy.</summary>
    public string Schema => _store.Options.DatabaseSchemaName;

    /// <summary>For the few things that are plain SQL next to the event store (e.g. id sequences).</summary>
    internal Npgsql.NpgsqlDataSource DataSource => _dataSource;

    /// <summary>The stream's version without reading its events; 0 when it does not exist.</summary>
    public async Task<long> StreamVersionAsync(string streamId, CancellationToken ct = default)
    {
        await using var session = _store.QuerySession();
        return (await session.Events.FetchStreamStateAsync(streamId, ct))?.Version ?? 0;
    }

    /// <summary>The stream's events and its version (0 when it does not exist), for a decide-then-append.</summary>
    public async Task<(IReadOnlyList<RecordedEvent> Events, long Version)> FetchAsync(string streamId, CancellationToken ct = default)
    {
        var events = await ReadStreamAsync(streamId, ct);
        return (events, events.Count == 0 ? 0 : events[^1].Version);
    }

    public async Task AppendAsync(IReadOnlyList<StreamAppend> batch, CancellationToken ct = default) =>
        await _commits.SubmitAsync(Prepare(batch), ct);

    /// <summary>
    /// Appends <paramref name="batches"/> in order, a transaction each, and stops at the first that fails:
    /// nothing after it is written, so an import never leaves a gap in its history. The next batch is
    /// validated and serialized while the one before it commits; it is handed to the writer only after that commit.
    /// </summary>
    /// <param name="committed">Told each batch once it is committed.</param>
    public async Task AppendInOrderAsync(IEnumerable<IReadOnlyList<StreamAppend>> batches,
        Action<IReadOnlyList<StreamAppend>>? committed = null, CancellationToken ct = default)
    {
        using var pending = batches.GetEnumerator();
        (IReadOnlyList<StreamAppend> Batch, List<EventRows.Prepared> Rows)? PrepareNext() =>
            pending.MoveNext() ? (pending.Current, Prepare(pending.Current)) : null;

        var next = PrepareNext();
        while (next is var (batch, rows))
        {
            var commit = _commits.SubmitAsync(rows, ct);
            var preparing = Task.Run(PrepareNext, ct);
            try
            {
                await commit;
            }
            finally
            {
                // The source is read on the preparing task: leave only once it is done with it. After a failed
                // commit the next batch is dropped, so how its preparation ended does not matter.
                await ((Task)preparing).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            committed?.Invoke(batch);
            next = await preparing;
        }
    }

    /// <summary>
    /// Appends and runs one SQL statement beside the ledger (Marten's <c>?</c> placeholders) in the same
    /// transaction: both happen or neither does.
    /// </summary>
    public async Task AppendWithStatementAsync(StreamAppend append, string sql, object[] parameters, CancellationToken ct = default)
    {
        await SaveAsync(Prepare([append]), session => session.QueueSqlCommand(sql, parameters), ct);
    }

    /// <summary>Validates the batch whole, each event as the JSON it will be stored as, and wraps it for the writer.</summary>
    private List<EventRows.Prepared> Prepare(IReadOnlyList<StreamAppend> batch)
    {
        var prepared = new List<EventRows.Prepared>(batch.Count);
        foreach (var append in batch)
        {
            if (string.IsNullOrWhiteSpace(append.StreamId))
                throw new ArgumentException("Every stream append needs a stream id.", nameof(batch));
            if (append.Events.Count == 0)
                throw new ArgumentException($"The append to {append.StreamId} has no events.", nameof(batch));
            foreach (var pending in append.Events) ValidateMetadata(pending.Metadata);
            var rows = _rows.Prepare(append, [.. append.Events.Select(Wrap)]);
            for (var i = 0; i < rows.Events.Length; i++)
                _validator.Validate(rows.Events[i].Data, rows.Bodies[i]);
            prepared.Add(rows);
        }
        return prepared;
    }

    // The group-commit writer's own connection, used by it alone, one commit at a time. Taken from the pool for
    // every commit, it cost a rent and, on its return, Npgsql's reset (seven statements, as the connection holds
    // a prepared statement), for groups of 10-15 events. Kept open, in alternating runs: bench ocpp 3,507 and
    // 4,007 calls/s became 4,009 and 4,230; bench append's single events 7,500 and 7,604/s became 7,672 and 9,083.
    private Npgsql.NpgsqlConnection? _writerConnection;

    private async Task ConnectWriterAsync() => _writerConnection ??= await OpenConnectionAsync(CancellationToken.None);

    /// <summary>Commits on the writer's connection; one that broke is dropped, and the next commit opens another.</summary>
    private async Task CommitAsync(IReadOnlyList<EventRows.Prepared> batch)
    {
        _writerConnection ??= await OpenConnectionAsync(CancellationToken.None);
        try
        {
            await SaveOnAsync(_writerConnection, batch, beside: null, CancellationToken.None);
        }
        finally
        {
            if (_writerConnection.State != System.Data.ConnectionState.Open)
            {
                await _writerConnection.DisposeAsync();
                _writerConnection = null;
            }
        }
    }

    private async Task SaveAsync(IReadOnlyList<EventRows.Prepared> batch, Action<IDocumentSession>? beside, CancellationToken ct)
    {
        await using var connection = await OpenConnectionAsync(ct);
        await SaveOnAsync(connection, batch, beside, ct);
    }

    private Task<Npgsql.NpgsqlConnection> OpenConnectionAsync(CancellationToken ct) =>
        ConnectionRetry.OpenAsync(() => _store.Storage.Database.CreateConnection(Marten.Storage.ConnectionUsage.ReadWrite), ct);

    /// <summary>
    /// One transaction: the events, then the inline projections' documents, then <paramref name="beside"/>'s
    /// statements. The projections see the events numbered as stored, versions and sequence included.
    /// </summary>
    private async Task SaveOnAsync(Npgsql.NpgsqlConnection connection, IReadOnlyList<EventRows.Prepared> batch, Action<IDocumentSession>? beside, CancellationToken ct)
    {
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var session = _store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(transaction, shouldAutoCommit: false));
        var streams = await _rows.WriteAsync(connection, batch, ct);
        foreach (var projection in _inlineProjections)
            await projection.ApplyAsync(session, streams, ct);
        beside?.Invoke(session);
        await session.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
    }

    public Task AppendAsync(StreamAppend append, CancellationToken ct = default) => AppendAsync([append], ct);

    public async Task<IReadOnlyList<RecordedEvent>> ReadStreamAsync(string streamId, CancellationToken ct = default)
    {
        await using var session = _store.QuerySession();
        var events = await session.Events.FetchStreamAsync(streamId, token: ct);
        return events.Select(ToRecorded).ToList();
    }

    /// <summary>
    /// Events of <paramref name="types"/> after ledger sequence <paramref name="after"/>, in sequence order, recorded at
    /// least <paramref name="settled"/> ago: a transaction still committing may hold a lower sequence than one already
    /// committed, and a reader that moved past it would never see it.
    /// </summary>
    public async Task<IReadOnlyList<RecordedEvent>> ReadEventsAfterAsync(long after, IReadOnlyCollection<Type> types, int limit, Duration settled,
        CancellationToken ct = default)
    {
        await using var session = _store.QuerySession();
        var names = types.Select(t => _events.EventMappingFor(t).EventTypeName).ToArray();
        var before = DateTimeOffset.UtcNow - settled.ToTimeSpan();
        var events = await session.Events.QueryAllRawEvents()
            .Where(e => e.Sequence > after && e.EventTypeName.IsOneOf(names) && e.Timestamp < before)
            .OrderBy(e => e.Sequence).Take(limit).ToListAsync(ct);
        return events.Select(ToRecorded).ToList();
    }

    private IEvent Wrap(PendingEvent pending)
    {
        var wrapped = _events.BuildEvent(pending.Data);
        wrapped.Id = Guid.CreateVersion7();
        wrapped.CorrelationId = pending.Metadata.CorrelationId;
        wrapped.CausationId = pending.Metadata.CausationId;
        wrapped.SetHeader(ActorHeader, pending.Metadata.Actor.ToString());
        wrapped.SetHeader(OccurredAtHeader, InstantPattern.ExtendedIso.Format(pending.Metadata.OccurredAt));
        if (pending.Metadata.SourceMessage is { } source)
            wrapped.SetHeader(SourceMessageHeader, source);
        if (pending.Metadata.SealedSourceMessage is { } sealedSource)
        {
            wrapped.SetHeader(SourceMessageDriverHeader, sealedSource.DriverRef);
            wrapped.SetHeader(SourceMessageSealedHeader, sealedSource.Ciphertext);
        }
        return wrapped;
    }

    private static RecordedEvent ToRecorded(IEvent e) => new(
        e.Id, e.StreamKey!, e.Version, e.Sequence, e.EventTypeName, e.Data,
        new EventMetadata(
            e.CorrelationId ?? "",
            e.CausationId,
            Actor.Parse(HeaderText(e, ActorHeader)),
            HeaderInstant(e, OccurredAtHeader))
        {
            SourceMessage = e.GetHeader(SourceMessageHeader) is null ? null : HeaderText(e, SourceMessageHeader),
            SealedSourceMessage = e.GetHeader(SourceMessageSealedHeader) is null ? null
                : new DriverSealed(HeaderText(e, SourceMessageDriverHeader), HeaderText(e, SourceMessageSealedHeader)),
        },
        Instant.FromDateTimeOffset(e.Timestamp));

    private static string HeaderText(IEvent e, string name) => e.GetHeader(name) switch
    {
        string text => text,
        JsonElement { ValueKind: JsonValueKind.String } element => element.GetString()!,
        var other => throw new InvalidOperationException($"Event {e.Id} has no '{name}' header (found {other?.GetType().FullName}: {other ?? "nothing"}).") ,
    };

    // Marten reads header values back as loosely typed JSON and turns ISO-8601 strings into DateTime.
    private static Instant HeaderInstant(IEvent e, string name) => e.GetHeader(name) switch
    {
        DateTimeOffset offset => Instant.FromDateTimeOffset(offset),
        DateTime { Kind: DateTimeKind.Local } local => Instant.FromDateTimeUtc(local.ToUniversalTime()),
        DateTime utc => Instant.FromDateTimeUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc)),
        _ => InstantPattern.ExtendedIso.Parse(HeaderText(e, name)).GetValueOrThrow(),
    };

    private static void ValidateMetadata(EventMetadata metadata)
    {
        if (string.IsNullOrWhiteSpace(metadata.CorrelationId))
            throw new ArgumentException("Every event needs a correlation id.");
        if (string.IsNullOrWhiteSpace(metadata.Actor.Id))
            throw new ArgumentException("Every event needs an actor (who or what caused it).");
    }

    public async ValueTask DisposeAsync()
    {
        await _commits.DisposeAsync();
        if (_writerConnection is not null) await _writerConnection.DisposeAsync();
        _store.Dispose();
        await _dataSource.DisposeAsync();
    }
}

public sealed class StreamConcurrencyException(IReadOnlyList<string> streamIds, Exception? inner = null)
    : Exception($"Another writer changed {string.Join(", ", streamIds)} first; nothing of this batch was written. Re-read the stream and retry.", inner)
{
    public IReadOnlyList<string> StreamIds { get; } = streamIds;
}
