using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Settlement.Ledger.Store;
using Settlement.Ocpp.Connections;
using Settlement.Ocpp.Framing;

namespace Settlement.Ocpp.Commands;

/// <summary>A charger connected to another node: that node's relay, and the protocol the charger speaks.</summary>
public sealed record RemoteCharger(int Node, OcppProtocol Protocol);

/// <summary>A host's listening session: its presence rows count while this session is alive.</summary>
public sealed record NodeSession(int Pid, DateTime Started);

/// <summary>A charger's presence row left by a node whose listening session is gone.</summary>
public sealed record OrphanedPresence(string ChargerId, NodeSession Node);

/// <summary>
/// Carries commands to chargers connected to other nodes of the cluster through PostgreSQL LISTEN/NOTIFY.
/// Each node listens on one dedicated connection, whose backend pid names the node; a presence table says
/// which node holds each charger, and a row counts only while that node's listening session is alive, so a
/// crashed node's chargers read as offline at once. The holder sends the CALL and NOTIFYs the answer back.
/// </summary>
public sealed class CommandRelay(Ledger.Ledger ledger, ConnectionRegistry connections, ILogger<CommandRelay> logger) : BackgroundService
{
    public const string CommandChannel = "settlement_commands";
    public const string ResultChannel = "settlement_command_results";

    // PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; larger messages go through a table.
    private const int NotifyLimitBytes = 7_900;
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan StartupWait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ListenerCheckInterval = TimeSpan.FromSeconds(10);
    // The holder gives up on the charger after the call timeout; this covers the two trips through the database.
    private static readonly TimeSpan RoundTripAllowance = TimeSpan.FromSeconds(5);
    // A stored message is taken within its command's timeout, minutes at most; one older than this lost its
    // receiver (a node that died before taking it) and is deleted by the next node that stores one.
    private const string OrphanAge = "1 hour";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // After a restart every charger reconnects within seconds; one statement for all the presence changes queued
    // meanwhile keeps that to a few round trips on one pooled connection, however many chargers there are.
    private const int MostPresenceChangesPerStatement = 5_000;

    private readonly ConcurrentDictionary<string, TaskCompletionSource<RelayedAnswer>> _waiting = new();
    private readonly Channel<PresenceChange> _presenceChanges = Channel.CreateUnbounded<PresenceChange>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _firstListening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private NodeSession? _self;

    /// <summary>This node holds (<paramref name="Protocol"/> given) or no longer holds the charger's connection.</summary>
    private sealed record PresenceChange(string ChargerId, NodeSession Node, OcppProtocol? Protocol, TaskCompletionSource Written);
    private sealed record Envelope(int To, string? Body, Guid? Stored);
    private sealed record RelayedCall(int ReplyTo, string ChargerId, string CommandId, string Action, JsonObject Payload, double TimeoutSeconds);

    /// <summary>The charger's result or CALLERROR; both null when it stayed silent; <see cref="Disconnected"/> when it was gone.</summary>
    private sealed record RelayedAnswer(string CommandId, JsonObject? Result, string? ErrorCode, string? ErrorDescription, JsonObject? ErrorDetails,
        bool Disconnected);

    /// <summary>The node holding the charger's connection, or null when no live node does (or this one cannot relay now).</summary>
    public async Task<RemoteCharger?> LocateAsync(string chargerId, CancellationToken ct) =>
        Volatile.Read(ref _self) is { } self ? await LiveHolderAsync(chargerId, self.Pid, ct) : null;

    /// <summary>Whether a live node, this one included, holds the charger's connection.</summary>
    public async Task<bool> HeldByLiveNodeAsync(string chargerId, CancellationToken ct) =>
        await LiveHolderAsync(chargerId, exceptNode: null, ct) is not null;

    private async Task<RemoteCharger?> LiveHolderAsync(string chargerId, int? exceptNode, CancellationToken ct)
    {
        await using var connection = await ConnectionRetry.OpenAsync(ledger.DataSource, ct);
        await using var locate = new NpgsqlCommand($"""
            SELECT p.node_pid, p.protocol FROM {LedgerStore.Schema}.charger_presence p
            JOIN pg_stat_activity a ON a.pid = p.node_pid AND a.backend_start = p.node_started
            WHERE p.charger_id = @charger AND p.node_pid IS DISTINCT FROM @except
            """, connection);
        locate.Parameters.AddWithValue("charger", chargerId);
        locate.Parameters.Add(new NpgsqlParameter<int?>("except", exceptNode));
        await using var row = await locate.ExecuteReaderAsync(ct);
        return await row.ReadAsync(ct) ? new RemoteCharger(row.GetInt32(0), Enum.Parse<OcppProtocol>(row.GetString(1))) : null;
    }

    /// <summary>Presence rows whose node's listening session is gone: the node died holding these chargers.</summary>
    public async Task<IReadOnlyList<OrphanedPresence>> OrphanedPresencesAsync(CancellationToken ct)
    {
        await using var connection = await ConnectionRetry.OpenAsync(ledger.DataSource, ct);
        await using var find = new NpgsqlCommand($"""
            SELECT p.charger_id, p.node_pid, p.node_started FROM {LedgerStore.Schema}.charger_presence p
            WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = p.node_pid AND a.backend_start = p.node_started)
            """, connection);
        var orphans = new List<OrphanedPresence>();
        await using var rows = await find.ExecuteReaderAsync(ct);
        while (await rows.ReadAsync(ct))
            orphans.Add(new OrphanedPresence(rows.GetString(0), new NodeSession(rows.GetInt32(1), rows.GetDateTime(2))));
        return orphans;
    }

    /// <summary>Deletes the row once its outage is recorded; a row another node wrote meanwhile is not touched.</summary>
    public async Task ForgetAsync(OrphanedPresence orphan, CancellationToken ct)
    {
        await using var connection = await ConnectionRetry.OpenAsync(ledger.DataSource, ct);
        await using var forget = new NpgsqlCommand(
            $"DELETE FROM {LedgerStore.Schema}.charger_presence WHERE charger_id = @charger AND node_pid = @pid AND node_started = @started", connection);
        forget.Parameters.AddWithValue("charger", orphan.ChargerId);
        forget.Parameters.AddWithValue("pid", orphan.Node.Pid);
        forget.Parameters.AddWithValue("started", orphan.Node.Started);
        await forget.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Sends the CALL through the node holding the charger and waits for its answer; null when none came in time.</summary>
    /// <exception cref="ChargerDisconnectedException">The charger was gone from that node or dropped before answering.</exception>
    public async Task<CommandAnswer?> CallAsync(RemoteCharger charger, string chargerId, string commandId, string action, JsonObject payload,
        TimeSpan timeout, CancellationToken ct)
    {
        var self = Volatile.Read(ref _self) ?? throw new ChargerDisconnectedException(chargerId, null);
        var answered = new TaskCompletionSource<RelayedAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[commandId] = answered;
        try
        {
            await NotifyAsync(CommandChannel, charger.Node,
                new RelayedCall(self.Pid, chargerId, commandId, action, payload, timeout.TotalSeconds), ct);
            var answer = await answered.Task.WaitAsync(timeout + RoundTripAllowance, ct);
            if (answer.Disconnected) throw new ChargerDisconnectedException(chargerId, null);
            return answer switch
            {
                { Result: { } result } => new CommandAnswer(new OcppCallResult(commandId, result), null),
                { ErrorCode: { } code } => new CommandAnswer(null, new OcppCallError(commandId, code, answer.ErrorDescription ?? "", answer.ErrorDetails ?? [])),
                _ => null,
            };
        }
        catch (TimeoutException)
        {
            return null;
        }
        finally
        {
            _waiting.TryRemove(commandId, out _);
        }
    }

    /// <summary>Tells the cluster this node now holds the charger's connection.</summary>
    public async Task AnnounceAsync(ChargerConnection charger, CancellationToken ct)
    {
        if (Volatile.Read(ref _self) is not { } self) return; // announced with the others once the listener is up
        await AnnounceAsync(self, charger, ct);
    }

    /// <summary>Unless a newer connection of the same charger replaced this one here, or on another node.</summary>
    public async Task WithdrawAsync(string chargerId, CancellationToken ct)
    {
        if (Volatile.Read(ref _self) is not { } self || connections.Find(chargerId) is not null) return;
        await ChangePresenceAsync(chargerId, self, protocol: null, ct);
    }

    /// <summary>
    /// Hosted services start before the server accepts connections: waiting here for the listener means a
    /// charger never connects to a node the others cannot yet reach it through.
    /// </summary>
    public override async Task StartAsync(CancellationToken ct)
    {
        await base.StartAsync(ct);
        try
        {
            await _firstListening.Task.WaitAsync(StartupWait, ct);
        }
        catch (TimeoutException)
        {
            logger.LogWarning("The command relay is not listening yet; commands for chargers on other nodes fail as offline until it is");
        }
    }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        var writingPresence = WritePresenceAsync(ct);
        await RelayAsync(ct);
        await writingPresence;
    }

    private async Task RelayAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception lost)
            {
                // Until it listens again this node cannot relay: its chargers' presence rows read as offline meanwhile.
                Volatile.Write(ref _self, null);
                logger.LogWarning(lost, "The command relay lost its database connection; reconnecting");
                try
                {
                    await Task.Delay(ReconnectDelay, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task ListenAsync(CancellationToken ct)
    {
        await using var connection = await ledger.DataSource.OpenConnectionAsync(ct);
        connection.Notification += (_, notification) => _ = ReceiveAsync(notification.Channel, notification.Payload, ct);
        await using (var listen = new NpgsqlCommand($"LISTEN {CommandChannel}; LISTEN {ResultChannel}", connection))
            await listen.ExecuteNonQueryAsync(ct);
        NodeSession self;
        await using (var whoAmI = new NpgsqlCommand("SELECT pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()", connection))
        await using (var row = await whoAmI.ExecuteReaderAsync(ct))
        {
            await row.ReadAsync(ct);
            self = new NodeSession(row.GetInt32(0), row.GetDateTime(1));
        }
        // Set before announcing, so a charger connecting meanwhile is announced by one or the other.
        Volatile.Write(ref _self, self);
        try
        {
            await Task.WhenAll(connections.All.Select(charger => AnnounceAsync(self, charger, ct)));
            _firstListening.TrySetResult();
            while (true)
            {
                // Notifications arrive only while waiting; a quiet spell is the moment to check the connection still works.
                if (!await connection.WaitAsync(ListenerCheckInterval, ct))
                {
                    await using var check = new NpgsqlCommand("SELECT 1", connection);
                    await check.ExecuteScalarAsync(ct);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _self, null);
            await ForgetPresenceAsync(self);
        }
    }

    private Task AnnounceAsync(NodeSession self, ChargerConnection charger, CancellationToken ct) =>
        ChangePresenceAsync(charger.Link.ChargerId, self, charger.Link.Protocol, ct);

    /// <summary>Queues the change for the presence writer and waits until it is in the table.</summary>
    private Task ChangePresenceAsync(string chargerId, NodeSession self, OcppProtocol? protocol, CancellationToken ct)
    {
        var change = new PresenceChange(chargerId, self, protocol, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_presenceChanges.Writer.TryWrite(change)) return Task.CompletedTask; // shutting down: the rows die with the listener's session
        return change.Written.Task.WaitAsync(ct);
    }

    /// <summary>
    /// Writes the queued presence changes, as many as are waiting in one round trip, on one pooled connection at a
    /// time; a full server or a lost connection is waited out, since writing a change again does no harm.
    /// </summary>
    private async Task WritePresenceAsync(CancellationToken ct)
    {
        var batch = new List<PresenceChange>();
        try
        {
            while (await _presenceChanges.Reader.WaitToReadAsync(ct))
            {
                batch.Clear();
                while (batch.Count < MostPresenceChangesPerStatement && _presenceChanges.Reader.TryRead(out var change)) batch.Add(change);
                try
                {
                    await ConnectionRetry.UntilDoneAsync(attempt => WritePresenceAsync(batch, attempt), ct);
                    foreach (var change in batch) change.Written.TrySetResult();
                }
                catch (Exception failed) when (failed is not OperationCanceledException)
                {
                    logger.LogError(failed, "Could not record the presence of {Count} chargers", batch.Count);
                    foreach (var change in batch) change.Written.TrySetException(failed);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            _presenceChanges.Writer.TryComplete();
            foreach (var change in batch) change.Written.TrySetCanceled(ct);
            while (_presenceChanges.Reader.TryRead(out var change)) change.Written.TrySetCanceled(ct);
        }
    }

    private async Task WritePresenceAsync(IReadOnlyList<PresenceChange> changes, CancellationToken ct)
    {
        // The latest change of each charger wins, as written one by one in order; one statement may not touch a row twice.
        var latest = changes.GroupBy(c => c.ChargerId).Select(g => g.Last()).ToList();
        var held = latest.Where(c => c.Protocol is not null).ToList();
        var released = latest.Where(c => c.Protocol is null).ToList();
        await using var connection = await ConnectionRetry.OpenAsync(ledger.DataSource, ct);
        await using var write = new NpgsqlBatch(connection);
        if (held.Count > 0)
            write.BatchCommands.Add(new NpgsqlBatchCommand($"""
                INSERT INTO {LedgerStore.Schema}.charger_presence (charger_id, node_pid, node_started, protocol)
                SELECT * FROM unnest($1::text[], $2::int[], $3::timestamptz[], $4::text[])
                ON CONFLICT (charger_id) DO UPDATE SET node_pid = excluded.node_pid, node_started = excluded.node_started, protocol = excluded.protocol
                """)
            {
                Parameters =
                {
                    new() { Value = held.Select(c => c.ChargerId).ToArray() },
                    new() { Value = held.Select(c => c.Node.Pid).ToArray() },
                    new() { Value = held.Select(c => c.Node.Started).ToArray() },
                    new() { Value = held.Select(c => c.Protocol!.Value.ToString()).ToArray() },
                },
            });
        if (released.Count > 0)
            write.BatchCommands.Add(new NpgsqlBatchCommand($"""
                DELETE FROM {LedgerStore.Schema}.charger_presence p
                USING unnest($1::text[], $2::int[], $3::timestamptz[]) AS gone (charger_id, node_pid, node_started)
                WHERE p.charger_id = gone.charger_id AND p.node_pid = gone.node_pid AND p.node_started = gone.node_started
                """)
            {
                Parameters =
                {
                    new() { Value = released.Select(c => c.ChargerId).ToArray() },
                    new() { Value = released.Select(c => c.Node.Pid).ToArray() },
                    new() { Value = released.Select(c => c.Node.Started).ToArray() },
                },
            });
        await write.ExecuteNonQueryAsync(ct);
    }

    /// <summary>On the way down; a node that dies without it leaves rows its dead session already disowns.</summary>
    private async Task ForgetPresenceAsync(NodeSession self)
    {
        try
        {
            await using var connection = await ConnectionRetry.OpenAsync(ledger.DataSource, CancellationToken.None);
            await using var forget = new NpgsqlCommand(
                $"DELETE FROM {LedgerStore.Schema}.charger_presence WHERE node_pid = @pid AND node_started = @started", connection);
            forget.Parameters.AddWithValue("pid", self.Pid);
            forget.Parameters.AddWithValue("started", self.Started);
            await forget.ExecuteNonQueryAsync();
        }
        catch (Exception unreachable) when (unreachable is NpgsqlException or ObjectDisposedException)
        {
            logger.LogDebug(unreachable, "Could not clear this node's charger presence; its rows die with its session anyway");
        }
    }

    private async Task ReceiveAsync(string channel, string payload, CancellationToken ct)
    {
        try
        {
            var envelope = JsonSerializer.Deserialize<Envelope>(payload, Json)!;
            if (Volatile.Read(ref _self) is not { } self || envelope.To != self.Pid) return;
            if ((envelope.Body ?? await TakeStoredAsync(envelope.Stored!.Value, ct)) is not { } body) return;
            if (channel == CommandChannel)
                await AnswerAsync(JsonSerializer.Deserialize<RelayedCall>(body, Json)!, ct);
            else if (JsonSerializer.Deserialize<RelayedAnswer>(body, Json) is { } answer && _waiting.TryGetValue(answer.CommandId, out var waiting))
                waiting.TrySetResult(answer);
        }
        catch (Exception failed) when (!ct.IsCancellationRequested)
        {
            logger.LogError(failed, "Could not handle a relayed command message on {Channel}", channel);
        }
    }

    private async Task AnswerAsync(RelayedCall call, CancellationToken ct)
    {
        RelayedAnswer answer;
        try
        {
            var connection = connections.Find(call.ChargerId) ?? throw new ChargerDisconnectedException(call.ChargerId, null);
            var reply = await connection.CallAsync(call.CommandId, call.Action, call.Payload, TimeSpan.FromSeconds(call.TimeoutSeconds), ct);
            answer = new RelayedAnswer(call.CommandId, reply?.Result?.Payload, reply?.Error?.ErrorCode, reply?.Error?.Description,
                reply?.Error?.Details, Disconnected: false);
        }
        catch (ChargerDisconnectedException)
        {
            answer = new RelayedAnswer(call.CommandId, null, null, null, null, Disconnected: true);
        }
        await NotifyAsync(ResultChannel, call.ReplyTo, answer, ct);
    }

    private async Task NotifyAsync<T>(string channel, int to, T message, CancellationToken ct)
    {
        var body = JsonSerializer.Serialize(message, Json);
        var envelope = JsonSerializer.Serialize(new Envelope(to, body, null), Json);
        await using var connection = await ConnectionRetry.OpenAsync(ledger.DataSource, ct);
        if (Encoding.UTF8.GetByteCount(envelope) > NotifyLimitBytes)
        {
            var stored = Guid.NewGuid();
            await using var store = new NpgsqlCommand($"""
                DELETE FROM {LedgerStore.Schema}.relayed_messages WHERE stored_at < now() - interval '{OrphanAge}';
                INSERT INTO {LedgerStore.Schema}.relayed_messages (id, body) VALUES (@id, @body)
                """, connection);
            store.Parameters.AddWithValue("id", stored);
            store.Parameters.AddWithValue("body", body);
            await store.ExecuteNonQueryAsync(ct);
            envelope = JsonSerializer.Serialize(new Envelope(to, null, stored), Json);
        }
        await using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @envelope)", connection);
        notify.Parameters.AddWithValue("channel", channel);
        notify.Parameters.AddWithValue("envelope", envelope);
        await notify.ExecuteNonQueryAsync(ct);
    }

    private async Task<string?> TakeStoredAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await ConnectionRetry.OpenAsync(ledger.DataSource, ct);
        await using var take = new NpgsqlCommand($"DELETE FROM {LedgerStore.Schema}.relayed_messages WHERE id = @id RETURNING body", connection);
        take.Parameters.AddWithValue("id", id);
        return await take.ExecuteScalarAsync(ct) as string;
    }
}
