using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Drivers;
using Settlement.Ledger.Schemas;
using Settlement.Ocpp.Framing;
using Settlement.Ocpp.Handling;

namespace Settlement.Ocpp.Connections;

public sealed record CommandAnswer(OcppCallResult? Result, OcppCallError? Error);

public sealed class ChargerDisconnectedException(string chargerId, Exception? inner)
    : Exception($"{chargerId} disconnected before answering", inner);

/// <summary>
/// One charger's WebSocket: CALLs in are handled one at a time and answered only after what they
/// report is committed; CALLs out (commands) are one at a time too, as OCPP-J requires per direction.
/// Bad frames are answered with a CALLERROR and counted by <see cref="ProtocolViolations"/>, which records the first of
/// an interval and disconnects a charger that keeps sending them. A Pending charger's CALLs are answered by
/// <see cref="PendingChargers"/> and reach no ledger.
/// </summary>
public sealed class ChargerConnection(
    WebSocket socket, ChargerLink link, IProtocolHandler handler, ChargerLedger chargers, OcppOptions options,
    IClock clock, ILogger logger, MessageGate gate, ProtocolViolations violations, PendingChargers pending)
{
    private const int RawFrameLimitInEvents = 4 * 1024;
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly SemaphoreSlim _outbound = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<CommandAnswer>> _pending = new();
    private readonly CallRateLimiter _rate = new(options);
    private (string MessageId, string Frame, string Reply)? _lastAnswered;

    public ChargerLink Link => link;
    public Instant LastSeenAt { get; private set; } = clock.GetCurrentInstant();

    /// <summary>Set when a newer connection from the same charger took over: this one's end is not an outage.</summary>
    public bool Replaced { get; set; }

    /// <summary>CALLs of a Pending charger refused on this connection: counted, never recorded one by one.</summary>
    public int RefusedWhilePending { get; private set; }

    public async Task RunAsync(CancellationToken ct)
    {
        while (socket.State == WebSocketState.Open && !ct.IsCancellationRequested)
        {
            var (received, frame, oversizedStart) = await ReceiveAsync(ct);
            if (received == Received.Closed) return;
            if (OcppFrames.StartsAsCall(frame) || received == Received.TooLarge) await _rate.WaitTurnAsync(ct);
            LastSeenAt = clock.GetCurrentInstant();
            if (received == Received.TooLarge)
            {
                var description = $"frame exceeds the limit of {options.MaxFrameBytes} bytes";
                await RefuseAsync(new OcppCallError(OcppFrames.UnreadableMessageId, OcppErrorCodes.FormatViolationFor(link.Protocol), description, []),
                    oversizedStart!, ct);
                continue;
            }
            // A CALL waits for its turn still undecoded: with thousands of chargers queued, each then holds only its
            // bytes, not a string and a parsed JSON tree that live long enough to reach gen 2. Answers to our commands
            // never queue behind the chargers' reports.
            using (OcppFrames.StartsAsCall(frame) ? await gate.EnterAsync(ct) : null)
                await DispatchAsync(Encoding.UTF8.GetString(frame), ct);
        }
    }

    private async Task DispatchAsync(string text, CancellationToken ct)
    {
        switch (OcppFrames.Parse(text, link.Protocol))
        {
            case OcppCall call:
                await AnswerAsync(call, text, ct);
                break;
            case OcppCallResult result when _pending.TryRemove(result.MessageId, out var waiting):
                waiting.TrySetResult(new CommandAnswer(result, null));
                break;
            case OcppCallError error when _pending.TryRemove(error.MessageId, out var waiting):
                waiting.TrySetResult(new CommandAnswer(null, error));
                break;
            case OcppCallResult or OcppCallError:
                logger.LogWarning("{Charger} answered a CALL we are not waiting for: {Frame}", link.ChargerId, Truncated(text));
                break;
            case OcppFrameError bad:
                await RefuseAsync(bad.ToCallError(), text, ct);
                break;
        }
    }

    private async Task AnswerAsync(OcppCall call, string frame, CancellationToken ct)
    {
        // A CALL resent with the same id after a lost answer gets the same answer, not a second recording.
        if (_lastAnswered is { } last && last.MessageId == call.MessageId && last.Frame == frame)
        {
            await SendAsync(last.Reply, ct);
            return;
        }

        if (OcppSchemaValidator.Default.ValidateRequest(link.Protocol, call.Action, call.Payload) is { } invalid)
        {
            await RefuseAsync(invalid.ToCallError(call.MessageId), frame, ct);
            return;
        }

        if (!link.Registered && call.Action is not ("BootNotification" or "Heartbeat"))
        {
            await RefuseAsync(new OcppCallError(call.MessageId, OcppErrorCodes.SecurityError,
                $"{link.ChargerId} is not registered: only BootNotification and Heartbeat are accepted while Pending.", []), frame, ct);
            return;
        }
        if (!link.Registered)
        {
            await SendAsync(OcppFrames.Serialize(new OcppCallResult(call.MessageId, await pending.AnswerAsync(link, call, ct))), ct);
            return;
        }

        var inbound = new InboundCall(link.ChargerId, call.MessageId, call.Action, frame, clock.GetCurrentInstant());
        string reply;
        try
        {
            inbound = await inbound.SealingDriverTokenAsync(call.Payload, chargers.Ledger.Drivers, ct);
            var payload = await handler.HandleAsync(link, inbound, call.Payload, ct);
            reply = OcppFrames.Serialize(new OcppCallResult(call.MessageId, payload));
        }
        catch (OcppCallException refused)
        {
            await RefuseAsync(new OcppCallError(call.MessageId, refused.ErrorCode, refused.Message, []), frame, ct);
            return;
        }
        catch (MalformedEventException malformed)
        {
            await RefuseAsync(new OcppCallError(call.MessageId, OcppErrorCodes.PropertyConstraintViolation, malformed.Message, []), frame, ct);
            return;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Nothing was committed, so the charger must keep the message and send it again.
            logger.LogError(e, "Could not record {Action} from {Charger}", call.Action, link.ChargerId);
            await SendAsync(OcppFrames.Serialize(new OcppCallError(call.MessageId, OcppErrorCodes.InternalError,
                "the central system could not record this message; send it again", [])), ct);
            return;
        }
        _lastAnswered = (call.MessageId, frame, reply);
        await SendAsync(reply, ct);
    }

    /// <summary>
    /// Answers with the CALLERROR and records what was refused, so a misbehaving charger is visible: the first of an
    /// interval on its own, the rest as a count. A Pending charger's refusals are only counted on its pending row.
    /// </summary>
    private async Task RefuseAsync(OcppCallError error, string frame, CancellationToken ct)
    {
        if (!link.Registered)
        {
            RefusedWhilePending++;
            await SendAsync(OcppFrames.Serialize(error), ct);
            return;
        }
        var verdict = await violations.CountAsync(link.ChargerId, error, frame, ct);
        if (verdict == ViolationVerdict.RecordOnItsOwn)
            await RecordViolationAsync(error, frame, ct);
        await SendAsync(OcppFrames.Serialize(error), ct);
        if (verdict == ViolationVerdict.CountedPastTheLimit)
        {
            logger.LogWarning("{Charger} broke the protocol more than {Limit} times in {Interval} s; disconnecting it",
                link.ChargerId, options.MaxViolationsPerInterval, options.ViolationIntervalSeconds);
            await CloseAsync(WebSocketCloseStatus.PolicyViolation,
                $"more than {options.MaxViolationsPerInterval} protocol violations in {options.ViolationIntervalSeconds} s");
        }
    }

    private async Task RecordViolationAsync(OcppCallError error, string frame, CancellationToken ct)
    {
        try
        {
            var now = clock.GetCurrentInstant();
            var kept = Truncated(frame);
            var redacted = FrameRedaction.Redact(kept);
            var refused = await new InboundCall(link.ChargerId, error.MessageId, "refused", kept, now)
                .SealingRefusedFrameAsync(redacted, chargers.Ledger.Drivers, ct);
            await chargers.Ledger.AppendAsync(new Ledger.StreamAppend(Domain.Events.StreamIds.Charger(link.ChargerId),
            [
                new Ledger.PendingEvent(new ProtocolViolationRecordedV2(link.ChargerId, error.ErrorCode, error.Description, redacted.Text, now),
                    refused.Metadata(now)),
            ]), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Could not record a refused frame from {Charger}", link.ChargerId);
        }
    }

    /// <summary>Sends a CALL to the charger and waits for its answer; null when it did not answer in time.</summary>
    /// <exception cref="ChargerDisconnectedException">The connection closed before the charger answered.</exception>
    public async Task<CommandAnswer?> CallAsync(string messageId, string action, JsonObject payload, TimeSpan timeout, CancellationToken ct)
    {
        await _outbound.WaitAsync(ct);
        try
        {
            var answer = new TaskCompletionSource<CommandAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);
            _pending[messageId] = answer;
            try
            {
                await SendAsync(OcppFrames.Serialize(new OcppCall(messageId, action, payload)), ct);
                return await answer.Task.WaitAsync(timeout, ct);
            }
            catch (TimeoutException)
            {
                return null;
            }
            catch (Exception e) when (e is WebSocketException or ObjectDisposedException)
            {
                throw new ChargerDisconnectedException(link.ChargerId, e);
            }
            finally
            {
                _pending.TryRemove(messageId, out _);
            }
        }
        finally
        {
            _outbound.Release();
        }
    }

    /// <summary>Commands still waiting when the connection ends learn it at once instead of timing out.</summary>
    public void FailPendingCalls()
    {
        foreach (var (_, waiting) in _pending)
            waiting.TrySetException(new ChargerDisconnectedException(link.ChargerId, null));
    }

    public async Task CloseAsync(WebSocketCloseStatus status, string reason)
    {
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try { await socket.CloseOutputAsync(status, reason, timeout.Token); }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException) { /* already gone */ }
        }
    }

    private async Task SendAsync(string text, CancellationToken ct)
    {
        await _sending.WaitAsync(ct);
        try
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, ct);
        }
        finally
        {
            _sending.Release();
        }
    }

    private enum Received { Frame, TooLarge, Closed }

    /// <summary>
    /// Reads one message. A charger silent for longer than its heartbeat interval plus grace is
    /// treated as gone: the caller records the outage from the last time it was heard.
    /// </summary>
    /// <remarks>
    /// An idle connection holds no buffer: a zero-byte receive waits for the next frame, and only then is one
    /// rented. The message is kept in an array of its own size, so one waiting for the gate holds just its bytes.
    /// </remarks>
    private async Task<(Received, byte[] Frame, string? OversizedStart)> ReceiveAsync(CancellationToken ct)
    {
        using var silence = CancellationTokenSource.CreateLinkedTokenSource(ct);
        silence.CancelAfter(options.SilenceLimit);
        var buffer = Array.Empty<byte>();
        var written = 0;
        string? oversizedStart = null;
        try
        {
            var waited = await socket.ReceiveAsync(Memory<byte>.Empty, silence.Token);
            if (waited.MessageType == WebSocketMessageType.Close) return await ClosedByChargerAsync();
            if (waited.EndOfMessage) return (Received.Frame, [], null);
            buffer = ArrayPool<byte>.Shared.Rent(4096);
            while (true)
            {
                if (written == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, written).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var result = await socket.ReceiveAsync(buffer.AsMemory(written), silence.Token);
                if (result.MessageType == WebSocketMessageType.Close) return await ClosedByChargerAsync();
                written += result.Count;
                if (oversizedStart is null && written > options.MaxFrameBytes)
                    oversizedStart = Encoding.UTF8.GetString(buffer.AsSpan(0, Math.Min(written, RawFrameLimitInEvents)));
                // Past the limit the rest is read and dropped: one oversized frame must not end the connection.
                if (oversizedStart is not null) written = 0;
                if (result.EndOfMessage)
                    return oversizedStart is null ? (Received.Frame, buffer[..written], null) : (Received.TooLarge, [], oversizedStart);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            logger.LogInformation("{Charger} silent for {Limit}; closing", link.ChargerId, options.SilenceLimit);
            socket.Abort();
            return (Received.Closed, [], null);
        }
        catch (WebSocketException)
        {
            return (Received.Closed, [], null);
        }
        finally
        {
            if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task<(Received, byte[], string?)> ClosedByChargerAsync()
    {
        await CloseAsync(WebSocketCloseStatus.NormalClosure, "closed by the charger");
        return (Received.Closed, [], null);
    }

    private static string Truncated(string frame) => frame.Length <= RawFrameLimitInEvents ? frame : frame[..RawFrameLimitInEvents];
}
