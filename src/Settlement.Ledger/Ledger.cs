using System.Text.Json;
using JasperFx.Events;
using Marten;
using Marten.Exceptions;
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
public sealed class Ledger : IAsyncDisposable
{
    private readonly DocumentStore _store;
    private readonly EventValidator _validator;
    private readonly Npgsql.NpgsqlDataSource _dataSource;
    private readonly GroupCommit _commits;

    public Ledger(DocumentStore store, EventValidator validator, Npgsql.NpgsqlDataSource dataSource, VaultSecret vaultSecret)
    {
        _store = store;
        _validator = validator;
        _dataSource = dataSource;
        Drivers = new DriverVault(dataSource, store.Options.DatabaseSchemaName, vaultSecret);
        _commits = new GroupCommit(batch => SaveAsync(batch, CancellationToken.None), CommitAloneAsync);
    }

    private const string ActorHeader = "actor";
    private const string OccurredAtHeader = "occurredAt";
    private const string SourceMessageHeader = "sourceMessage";
    private const string SourceMessageDriverHeader = "sourceMessageDriver";
    private const string SourceMessageSealedHeader = "sourceMessageSealed";
    private const int UnversionedAttempts = 10;

    public IDocumentStore Store => _store;

    /// <summary>The drivers' keys: personal data goes into events only sealed under them.</summary>
    public DriverVault Drivers { get; }

    /// <summary>The PostgreSQL schema of its events and read models: the ledger's own, or an audit replay's copy.</summary>
    public string Schema => _store.Options.DatabaseSchemaName;

    /// <summary>For the few things that are plain SQL next to the event store (e.g. id sequences).</summary>
    public Npgsql.NpgsqlDataSource DataSource => _dataSource;

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

    public async Task AppendAsync(IReadOnlyList<StreamAppend> batch, CancellationToken ct = default)
    {
        Validate(batch);
        await _commits.SubmitAsync(batch, ct);
    }

    /// <summary>
    /// Appends and runs one SQL statement beside the ledger (Marten's <c>?</c> placeholders) in the same
    /// transaction: both happen or neither does.
    /// </summary>
    public async Task AppendWithStatementAsync(StreamAppend append, string sql, object[] parameters, CancellationToken ct = default)
    {
        Validate([append]);
        await using var session = _store.LightweightSession();
        session.QueueSqlCommand(sql, parameters);
        try
        {
            await StageAsync(session, [append], ct);
            await session.SaveChangesAsync(ct);
        }
        catch (Exception e) when (e is JasperFx.ConcurrencyException or JasperFx.Events.ExistingStreamIdCollisionException
                                      or Marten.Exceptions.ExistingStreamIdCollisionException or EventStreamUnexpectedMaxEventIdException)
        {
            throw new StreamConcurrencyException([append.StreamId], e);
        }
    }

    private void Validate(IReadOnlyList<StreamAppend> batch)
    {
        foreach (var append in batch)
        {
            if (string.IsNullOrWhiteSpace(append.StreamId))
                throw new ArgumentException("Every stream append needs a stream id.", nameof(batch));
            foreach (var pending in append.Events)
            {
                _validator.Validate(pending.Data);
                ValidateMetadata(pending.Metadata);
            }
        }
    }

    /// <summary>One caller's batch in its own transaction.</summary>
    private async Task CommitAloneAsync(IReadOnlyList<StreamAppend> batch)
    {
        // Appends that name no version only collide with another writer's rows, never with a decision:
        // the losing transaction wrote nothing, so it is simply tried again on top of the winner.
        var retryable = batch.All(a => a.ExpectedVersion is null);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await SaveAsync(batch, CancellationToken.None);
                return;
            }
            catch (Exception e) when (e is JasperFx.ConcurrencyException or JasperFx.Events.ExistingStreamIdCollisionException
                                          or Marten.Exceptions.ExistingStreamIdCollisionException or EventStreamUnexpectedMaxEventIdException)
            {
                if (retryable && attempt < UnversionedAttempts)
                {
                    await Task.Delay(Random.Shared.Next(1, 10 * attempt));
                    continue;
                }
                throw new StreamConcurrencyException(batch.Select(a => a.StreamId).Distinct().ToList(), e);
            }
        }
    }

    private async Task SaveAsync(IReadOnlyList<StreamAppend> batch, CancellationToken ct)
    {
        await using var session = _store.LightweightSession();
        // The inline projections load the documents they fold into before writing; begun first, those reads
        // share the batch's connection and transaction instead of committing one implicit transaction each.
        await session.BeginTransactionAsync(ct);
        await StageAsync(session, batch, ct);
        await session.SaveChangesAsync(ct);
    }

    private static async Task StageAsync(IDocumentSession session, IReadOnlyList<StreamAppend> batch, CancellationToken ct)
    {
        foreach (var append in await AtRecordedVersionsAsync(session, batch, ct))
        {
            var events = append.Events.Select(e => (object)Wrap(session, e)).ToArray();
            switch (append.ExpectedVersion)
            {
                case null: session.Events.Append(append.StreamId, events); break;
                case 0: session.Events.StartStream(append.StreamId, events); break;
                case var version: session.Events.Append(append.StreamId, version.Value + events.Length, events); break;
            }
        }
    }

    /// <summary>
    /// Names the version for the appends that name none but carry an event whose stream version an inline
    /// projection records (<see cref="LedgerStore.StreamVersionRecordedInline"/>). Under quick append the
    /// database numbers an unversioned append's events only after the inline projections ran, which then
    /// record version 0; given the version, Marten numbers the events before. It costs a read of each such
    /// stream's version, which only these rare appends pay: ingest stays unversioned. It still appends
    /// wherever the stream is: a writer that got in between makes it a stale version, retried as any
    /// unversioned collision is.
    /// </summary>
    private static async Task<IReadOnlyList<StreamAppend>> AtRecordedVersionsAsync(
        IQuerySession session, IReadOnlyList<StreamAppend> batch, CancellationToken ct)
    {
        var streams = batch
            .Where(a => a.ExpectedVersion is null && a.Events.Any(e => LedgerStore.StreamVersionRecordedInline.Contains(e.Data.GetType())))
            .Select(a => a.StreamId)
            .ToHashSet();
        if (streams.Count == 0) return batch;

        var versions = new Dictionary<string, long>();
        foreach (var stream in streams)
            versions[stream] = (await session.Events.FetchStreamStateAsync(stream, ct))?.Version ?? 0;
        // A batch may append to one stream more than once (group commit combines callers): each starts where the one before ends.
        return batch.Select(append =>
        {
            if (append.ExpectedVersion is not null || !versions.TryGetValue(append.StreamId, out var version)) return append;
            versions[append.StreamId] = version + append.Events.Count;
            return append with { ExpectedVersion = version };
        }).ToList();
    }

    public Task AppendAsync(StreamAppend append, CancellationToken ct = default) => AppendAsync([append], ct);

    public async Task<IReadOnlyList<RecordedEvent>> ReadStreamAsync(string streamId, CancellationToken ct = default)
    {
        await using var session = _store.QuerySession();
        var events = await session.Events.FetchStreamAsync(streamId, token: ct);
        return events.Select(ToRecorded).ToList();
    }

    private static IEvent Wrap(IDocumentSession session, PendingEvent pending)
    {
        var wrapped = session.Events.BuildEvent(pending.Data);
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
        _store.Dispose();
        await _dataSource.DisposeAsync();
    }
}

public sealed class StreamConcurrencyException(IReadOnlyList<string> streamIds, Exception inner)
    : Exception($"Another writer changed {string.Join(", ", streamIds)} first; nothing of this batch was written. Re-read the stream and retry.", inner)
{
    public IReadOnlyList<string> StreamIds { get; } = streamIds;
}
