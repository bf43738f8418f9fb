using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Settlement.Ledger;
using Settlement.Ledger.Store;
using Settlement.Ocpp.Connections;
using Settlement.Ocpp.Framing;

namespace Settlement.Ocpp.Commands;

/// <summary>A charger connected to another node: that node's relay, and the protocol the charger speaks.</summary>
public sealed record RemoteCharger(int Node, OcppProtocol Protocol);

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

    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan StartupWait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ListenerCheckInterval = TimeSpan.FromSeconds(10);
    // The holder gives up on the charger after the call timeout; this covers the two trips through the database.
    private static readonly TimeSpan RoundTripAllowance = TimeSpan.FromSeconds(5);
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

    private async Task<RemoteCharger?> LiveHolderAsync(string chargerId, int? exceptNode, CancellationToken ct) =>
        await ledger.LiveHolderAsync(chargerId, exceptNode, ct) is var (node, protocol)
            ? new RemoteCharger(node, Enum.Parse<OcppProtocol>(protocol))
            : null;

    /// <summary>Presence rows whose node's listening session is gone: the node died holding these chargers.</summary>
    public Task<IReadOnlyList<OrphanedPresence>> OrphanedPresencesAsync(CancellationToken ct) => ledger.OrphanedPresencesAsync(ct);

    /// <summary>Deletes the row once its outage is recorded; a row another node wrote meanwhile is not touched.</summary>
    public Task ForgetAsync(OrphanedPresence orphan, CancellationToken ct) => ledger.ForgetPresenceAsync(orphan, ct);

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
        await using var listener = await ledger.ListenAsync([CommandChannel, ResultChannel], (channel, payload) => _ = ReceiveAsync(channel, payload, ct), ct);
        var self = listener.Session;
        // Set before announcing, so a charger connecting meanwhile is announced by one or the other.
        Volatile.Write(ref _self, self);
        try
        {
            await Task.WhenAll(connections.All.Select(charger => AnnounceAsync(self, charger, ct)));
            _firstListening.TrySetResult();
            await listener.ListenAsync(ListenerCheckInterval, ct);
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

    // The latest change of each charger wins, as written one by one in order.
    private Task WritePresenceAsync(IReadOnlyList<PresenceChange> changes, CancellationToken ct) =>
        ledger.WritePresenceAsync([.. changes.GroupBy(c => c.ChargerId).Select(g => g.Last())
            .Select(c => new PresenceRow(c.ChargerId, c.Node, c.Protocol?.ToString()))], ct);

    /// <summary>On the way down; a node that dies without it leaves rows its dead session already disowns.</summary>
    private async Task ForgetPresenceAsync(NodeSession self)
    {
        try
        {
            await ledger.ForgetNodePresenceAsync(self, CancellationToken.None);
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

    private Task NotifyAsync<T>(string channel, int to, T message, CancellationToken ct)
    {
        var body = JsonSerializer.Serialize(message, Json);
        return ledger.NotifyAsync(channel, body, stored => JsonSerializer.Serialize(new Envelope(to, stored is null ? body : null, stored), Json), ct);
    }

    private Task<string?> TakeStoredAsync(Guid id, CancellationToken ct) => ledger.TakeRelayedMessageAsync(id, ct);
}
