using System.Globalization;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using NodaTime;
using NodaTime.Text;
using Settlement.Domain.Chargers;

namespace Settlement.Tests.Ocpp.Client;

/// <summary>What a charger knows for sure about one of its sessions: what the central system acknowledged.</summary>
public sealed class ChargedSession(string transactionId, long meterStartWh)
{
    public string TransactionId { get; set; } = transactionId;
    public long MeterStartWh { get; } = meterStartWh;
    public long? MeterStopWh { get; set; }
    public List<Instant> AcknowledgedReadings { get; } = [];
    public long EnergyWh => MeterStopWh!.Value - MeterStartWh;
}

/// <summary>
/// A charger that behaves as chargers in the field do when the central system or its database goes away:
/// it keeps charging, holds each transaction message until it is acknowledged, reconnects, and resends what
/// was not (with a new message id, the harder case for the central system). It charges back to back on one
/// connector with a meter that only moves forward, and remembers every acknowledged message, so a test can
/// hold the ledger to it. Written independently of the host's and the simulator's code.
/// </summary>
public sealed class ChaosCharger(string id, OcppVersion version, string password, Func<Uri> endpoint) : IAsyncDisposable
{
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(6);
    private ClientWebSocket? _socket;
    private long _registerWh = 1_000_000 + Random.Shared.NextInt64(1_000_000);
    private long _nextMessageId;
    private bool _booted;

    public string Id { get; } = id;
    public OcppVersion Version { get; } = version;
    public List<ChargedSession> Sessions { get; } = [];
    public int Acknowledged { get; private set; }
    public int Resent { get; private set; }
    public int Connections { get; private set; }
    /// <summary>CALLERRORs other than InternalError: the central system refused what a charger is entitled to send.</summary>
    public List<string> Refusals { get; } = [];
    /// <summary>Messages answered with InternalError (not committed, so not acknowledged) and sent again.</summary>
    public int Deferred { get; private set; }
    /// <summary>A transaction message still waiting for its acknowledgement when the charger was told to stop.</summary>
    public string? Undelivered { get; private set; }

    /// <summary>Charges sessions back to back until <paramref name="stopStarting"/>, then finishes the one running.</summary>
    public async Task RunAsync(CancellationToken stopStarting, CancellationToken giveUp)
    {
        try
        {
            while (!stopStarting.IsCancellationRequested)
                await ChargeOneSessionAsync(giveUp);
        }
        catch (OperationCanceledException) when (giveUp.IsCancellationRequested)
        {
            // Told to give up: Undelivered says what was still waiting.
        }
    }

    private async Task ChargeOneSessionAsync(CancellationToken giveUp)
    {
        var session = Version == OcppVersion.Ocpp16
            ? new ChargedSession("", _registerWh)
            : new ChargedSession(Guid.NewGuid().ToString("N")[..20], _registerWh);
        var seqNo = 0;
        var startedAt = Now();
        var started = await DeliverAsync(Version == OcppVersion.Ocpp16
            ? ("StartTransaction", new JsonObject { ["connectorId"] = 1, ["idTag"] = "CHAOS-" + Id[^4..], ["meterStart"] = session.MeterStartWh, ["timestamp"] = Time(startedAt) })
            : ("TransactionEvent", TransactionEvent("Started", "Authorized", session, seqNo++, startedAt, session.MeterStartWh, "Transaction.Begin")), giveUp);
        if (Version == OcppVersion.Ocpp16)
            session.TransactionId = started["transactionId"]!.GetValue<int>().ToString(CultureInfo.InvariantCulture);
        Sessions.Add(session);

        for (var reading = 0; reading < 3; reading++)
        {
            await Task.Delay(200 + Random.Shared.Next(200), giveUp);
            _registerWh += 50 + Random.Shared.Next(900);
            var takenAt = Now();
            await DeliverAsync(Version == OcppVersion.Ocpp16
                ? ("MeterValues", new JsonObject
                {
                    ["connectorId"] = 1,
                    ["transactionId"] = int.Parse(session.TransactionId, CultureInfo.InvariantCulture),
                    ["meterValue"] = new JsonArray(MeterValue(takenAt, _registerWh, "Sample.Periodic")),
                })
                : ("TransactionEvent", TransactionEvent("Updated", "MeterValuePeriodic", session, seqNo++, takenAt, _registerWh, "Sample.Periodic")), giveUp);
            session.AcknowledgedReadings.Add(takenAt);
        }

        await Task.Delay(100, giveUp);
        _registerWh += 10 + Random.Shared.Next(300);
        var stoppedAt = Now();
        await DeliverAsync(Version == OcppVersion.Ocpp16
            ? ("StopTransaction", new JsonObject
            {
                ["transactionId"] = int.Parse(session.TransactionId, CultureInfo.InvariantCulture),
                ["meterStop"] = _registerWh,
                ["timestamp"] = Time(stoppedAt),
                ["reason"] = "EVDisconnected",
            })
            : ("TransactionEvent", TransactionEvent("Ended", "EVDeparted", session, seqNo, stoppedAt, _registerWh, "Transaction.End")), giveUp);
        session.MeterStopWh = _registerWh;
    }

    /// <summary>Sends until acknowledged, reconnecting as often as it takes: a charger never drops a transaction message.</summary>
    private async Task<JsonObject> DeliverAsync((string Action, JsonObject Payload) message, CancellationToken giveUp)
    {
        Undelivered = message.Action;
        for (var attempt = 1; ; attempt++)
        {
            giveUp.ThrowIfCancellationRequested();
            if (attempt > 1) Resent++;
            try
            {
                await EnsureConnectedAsync(giveUp);
                var answer = await CallAsync(message.Action, message.Payload.DeepClone().AsObject(), giveUp);
                if (answer is null) continue;
                Acknowledged++;
                Undelivered = null;
                return answer;
            }
            catch (Exception e) when (e is WebSocketException or IOException or TimeoutException or HttpRequestException
                                          || e is OperationCanceledException && !giveUp.IsCancellationRequested)
            {
                await DropConnectionAsync();
                await Task.Delay(300 + Random.Shared.Next(400), giveUp);
            }
        }
    }

    private async Task EnsureConnectedAsync(CancellationToken giveUp)
    {
        if (_socket is { State: WebSocketState.Open }) return;
        await DropConnectionAsync();
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol(Version == OcppVersion.Ocpp16 ? "ocpp1.6" : "ocpp2.0.1");
        socket.Options.SetRequestHeader("Authorization",
            new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Id}:{password}"))).ToString());
        using var connecting = CancellationTokenSource.CreateLinkedTokenSource(giveUp);
        connecting.CancelAfter(AnswerTimeout);
        try
        {
            await socket.ConnectAsync(new Uri(endpoint(), Id), connecting.Token);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        _socket = socket;
        Connections++;
        if (!_booted)
        {
            var boot = await CallAsync("BootNotification", Version == OcppVersion.Ocpp16
                ? new JsonObject { ["chargePointVendor"] = "Chaos", ["chargePointModel"] = "Drill 1" }
                : new JsonObject { ["reason"] = "PowerUp", ["chargingStation"] = new JsonObject { ["vendorName"] = "Chaos", ["model"] = "Drill 1" } }, giveUp)
                ?? throw new WebSocketException("the boot was refused");
            _booted = boot["status"]?.GetValue<string>() == "Accepted";
        }
    }

    /// <returns>The CALLRESULT's payload, or null after a CALLERROR (kept in <see cref="Refusals"/>).</returns>
    private async Task<JsonObject?> CallAsync(string action, JsonObject payload, CancellationToken giveUp)
    {
        var messageId = $"{Id}-{Interlocked.Increment(ref _nextMessageId)}";
        var frame = new JsonArray(2, messageId, action, payload).ToJsonString();
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(giveUp);
        waiting.CancelAfter(AnswerTimeout);
        await _socket!.SendAsync(Encoding.UTF8.GetBytes(frame), WebSocketMessageType.Text, true, waiting.Token);
        while (true)
        {
            var received = await ReceiveAsync(waiting.Token);
            if (received[0]!.GetValue<int>() == 2)
            {
                // The central system's own CALL (a trigger, a configuration read): not what this drill is about.
                await SendAsync(new JsonArray(4, received[1]!.GetValue<string>(), "NotSupported", "", new JsonObject()), waiting.Token);
                continue;
            }
            if (received[1]!.GetValue<string>() != messageId) continue;
            if (received[0]!.GetValue<int>() == 3) return received[2]!.AsObject();
            // InternalError is what a central system answers when it cannot commit (its database is away): try again later.
            if (received[2]!.GetValue<string>() == "InternalError") Deferred++;
            else Refusals.Add($"{action}: {received.ToJsonString()}");
            return null;
        }
    }

    private Task SendAsync(JsonArray frame, CancellationToken ct) =>
        _socket!.SendAsync(Encoding.UTF8.GetBytes(frame.ToJsonString()), WebSocketMessageType.Text, true, ct);

    private async Task<JsonArray> ReceiveAsync(CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var part = await _socket!.ReceiveAsync(buffer, ct);
            if (part.MessageType == WebSocketMessageType.Close) throw new WebSocketException("the central system closed the connection");
            message.Write(buffer, 0, part.Count);
            if (part.EndOfMessage) return JsonNode.Parse(message.ToArray())!.AsArray();
        }
    }

    private async Task DropConnectionAsync()
    {
        if (_socket is null) return;
        var socket = _socket;
        _socket = null;
        if (socket.State == WebSocketState.Open)
        {
            using var closing = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try { await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "reconnecting", closing.Token); }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException) { /* the other side is already gone */ }
        }
        socket.Dispose();
    }

    /// <summary>Closes the connection as a charger being switched off does.</summary>
    public ValueTask DisposeAsync() => new(DropConnectionAsync());

    private static JsonObject TransactionEvent(string eventType, string trigger, ChargedSession session, int seqNo, Instant at, long registerWh, string context)
    {
        var info = new JsonObject { ["transactionId"] = session.TransactionId };
        if (eventType == "Ended") info["stoppedReason"] = "EVDisconnected";
        var payload = new JsonObject
        {
            ["eventType"] = eventType,
            ["timestamp"] = Time(at),
            ["triggerReason"] = trigger,
            ["seqNo"] = seqNo,
            ["transactionInfo"] = info,
            ["evse"] = new JsonObject { ["id"] = 1, ["connectorId"] = 1 },
            ["meterValue"] = new JsonArray(new JsonObject
            {
                ["timestamp"] = Time(at),
                ["sampledValue"] = new JsonArray(new JsonObject
                {
                    ["value"] = registerWh, ["context"] = context, ["measurand"] = "Energy.Active.Import.Register",
                    ["unitOfMeasure"] = new JsonObject { ["unit"] = "Wh" },
                }),
            }),
        };
        if (eventType == "Started") payload["idToken"] = new JsonObject { ["idToken"] = "CHAOS-" + session.TransactionId[..6], ["type"] = "ISO14443" };
        return payload;
    }

    private static JsonObject MeterValue(Instant at, long registerWh, string context) => new()
    {
        ["timestamp"] = Time(at),
        ["sampledValue"] = new JsonArray(new JsonObject
        {
            ["value"] = registerWh.ToString(CultureInfo.InvariantCulture), ["context"] = context,
            ["measurand"] = "Energy.Active.Import.Register", ["unit"] = "Wh",
        }),
    };

    /// <summary>Milliseconds, as chargers report time.</summary>
    private static Instant Now() => Instant.FromUnixTimeMilliseconds(SystemClock.Instance.GetCurrentInstant().ToUnixTimeMilliseconds());

    private static string Time(Instant at) => InstantPattern.ExtendedIso.Format(at);
}
