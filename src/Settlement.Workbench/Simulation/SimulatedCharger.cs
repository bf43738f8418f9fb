using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using NodaTime;
using Settlement.Ocpp.Framing;

namespace Settlement.Workbench.Simulation;

/// <summary>The simulator could not do what was asked: not connected, no answer in time, refused at the handshake.</summary>
public sealed class SimulatorException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The CSMS answered one of our CALLs with a CALLERROR.</summary>
public sealed class OcppCallErrorException(string chargerId, string action, OcppCallError error)
    : Exception($"{chargerId}: the CSMS answered {action} with {error.ErrorCode}: {error.Description}")
{
    public OcppCallError Error { get; } = error;
}

/// <summary>
/// A charger speaking OCPP-J 1.6 or 2.0.1 over a real WebSocket, as a charger in the field does: Basic auth at
/// the handshake, BootNotification, StatusNotification, Heartbeat at the interval the CSMS asks for, and
/// sessions (Authorize, then StartTransaction / MeterValues / StopTransaction in 1.6 or TransactionEvent
/// Started / Updated / Ended in 2.0.1). It answers the CSMS's CALLs (<see cref="ServerCallAnswers"/>).
/// </summary>
/// <remarks>
/// One CALL is outstanding per direction, as OCPP-J requires: our CALLs wait their turn, and the CSMS's are
/// answered in order by the one task that reads the socket. Everything is asynchronous and a connection holds
/// one small read buffer, so a process can run tens of thousands of chargers on a couple of threads.
/// </remarks>
public sealed partial class SimulatedCharger : IChargerState, IAsyncDisposable
{
    // A WebSocket upgrade takes its connection out of the handler's pool, so one handler serves every charger;
    // a handler each would cost its own pools and timers. No proxy: the simulator talks to a host it knows.
    private static readonly HttpMessageInvoker Http = new(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(30) });

    private readonly ChargerDefinition _definition;
    private readonly Uri _endpoint;
    private readonly SimulatorOptions _options;
    private readonly FleetCounters _counters;
    private readonly SimulatedEvse[] _evses;
    private readonly SemaphoreSlim _calling = new(1, 1);
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly CancellationTokenSource _lifetime = new();
    private readonly CancellationTokenSource _sessionsEnding = new();
    private readonly ConcurrentDictionary<Task, byte> _followUps = new();
    private readonly ConcurrentQueue<ReceivedProfile> _receivedProfiles = new();
    // Read by the CSMS's GetConfiguration/GetVariables on the reading task while BootAsync writes the interval.
    private readonly ConcurrentDictionary<string, string> _settings;
    private ClientWebSocket? _socket;
    private Task _receiving = Task.CompletedTask;
    private Task _heartbeating = Task.CompletedTask;
    private PendingCall? _pending;
    private string? _connectionLost;
    private long _nextMessageId;
    private long _lastTimestampMs;
    private long _lastSentAt = Stopwatch.GetTimestamp();
    private volatile bool _closing;

    public SimulatedCharger(ChargerDefinition definition, Uri endpoint, SimulatorOptions? options = null, FleetCounters? counters = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(definition.EvseCount, 1);
        _definition = definition;
        _endpoint = endpoint.AbsoluteUri.EndsWith('/') ? endpoint : new Uri(endpoint.AbsoluteUri + "/");
        _options = options ?? new SimulatorOptions();
        _counters = counters ?? new FleetCounters();
        _evses = [.. Enumerable.Range(1, definition.EvseCount).Select(id => new SimulatedEvse(id,
            definition.InitialRegistersWh.TryGetValue(id, out var wh) ? wh : 5_000_000 + Random.Shared.NextInt64(20_000_000)))];
        _settings = new ConcurrentDictionary<string, string>
        {
            ["HeartbeatInterval"] = "0",
            ["MeterValueSampleInterval"] = "60",
            ["NumberOfConnectors"] = definition.EvseCount.ToString(CultureInfo.InvariantCulture),
            ["OCPPCommCtrlr/HeartbeatInterval"] = "0",
            ["SampledDataCtrlr/TxUpdatedInterval"] = "60",
        };
    }

    public string Id => _definition.Id;
    public OcppProtocol Protocol => _definition.Protocol;
    public int EvseCount => _evses.Length;
    public FleetCounters Counters => _counters;
    public bool IsConnected => _socket?.State == WebSocketState.Open && Volatile.Read(ref _connectionLost) is null;

    /// <summary>What the CSMS asked for in its BootNotification answer.</summary>
    public TimeSpan HeartbeatInterval { get; private set; }

    public bool IsFree(int evseId) => Evse(evseId).IsFree;

    public IReadOnlyDictionary<string, string> Settings => _settings;

    public LocalAuthorisationList LocalList { get; } = new();

    /// <summary>
    /// Whether a card may start a session while the CSMS cannot be asked (LocalAuthorizeOffline): only a card the
    /// local list holds as Accepted; a blocked, expired or unlisted one is refused.
    /// </summary>
    public bool AuthorisesOffline(string idToken) => LocalList.StatusOf(idToken) == "Accepted";

    /// <exception cref="SimulatorException">The handshake failed: unreachable, refused (e.g. HTTP 401), or no common subprotocol.</exception>
    public async Task ConnectAsync(CancellationToken ct)
    {
        // After a reboot or an outage: the last connection's reader has let go of it before the next one starts.
        await _receiving.ContinueWith(_ => { }, TaskScheduler.Default);
        _socket?.Dispose();
        _closing = false;
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol(Protocol.SubProtocol());
        socket.Options.SetRequestHeader("Authorization",
            "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Id}:{_definition.Password}")));
        socket.Options.CollectHttpResponseDetails = true;
        try
        {
            await socket.ConnectAsync(new Uri(_endpoint, Uri.EscapeDataString(Id)), Http, ct);
        }
        catch (Exception e) when (e is WebSocketException or HttpRequestException)
        {
            var why = socket.HttpStatusCode == 0 ? e.Message : $"refused with HTTP {(int)socket.HttpStatusCode} ({socket.HttpStatusCode})";
            socket.Dispose();
            _counters.ConnectFailed($"{Id}: {why}");
            throw new SimulatorException($"{Id} could not connect to {_endpoint}: {why}", e);
        }
        if (socket.SubProtocol != Protocol.SubProtocol())
        {
            socket.Abort();
            socket.Dispose();
            var why = $"the CSMS did not accept subprotocol {Protocol.SubProtocol()} (it chose '{socket.SubProtocol}')";
            _counters.ConnectFailed($"{Id}: {why}");
            throw new SimulatorException($"{Id}: {why}");
        }
        _socket = socket;
        Volatile.Write(ref _connectionLost, null);
        _counters.Connected();
        _receiving = ReceiveAsync(socket);
    }

    /// <summary>
    /// BootNotification (with the firmware version installed now), then every EVSE's status (Available unless it is
    /// faulted or made inoperative); heartbeats follow at the interval the CSMS asked for.
    /// </summary>
    public async Task BootAsync(CancellationToken ct) => await BootAsync("PowerUp", ct);

    private async Task BootAsync(string reason, CancellationToken ct)
    {
        await SendBootNotificationAsync(reason, ct);
        await ReportStatusesAsync(null, ct);
    }

    private async Task SendBootNotificationAsync(string reason, CancellationToken ct)
    {
        var answer = await CallAsync("BootNotification", OcppMessages.Boot(Protocol, _definition, FirmwareVersion, reason), ct);
        var status = answer["status"]?.GetValue<string>();
        if (status != "Accepted")
        {
            _counters.CallError($"{Id}: BootNotification answered {status}");
            throw new SimulatorException($"{Id}: the CSMS answered BootNotification with {status}, not Accepted");
        }
        HeartbeatInterval = TimeSpan.FromSeconds(answer["interval"]!.GetValue<int>());
        var interval = ((int)HeartbeatInterval.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        _settings["HeartbeatInterval"] = _settings["OCPPCommCtrlr/HeartbeatInterval"] = interval;
        Interlocked.Increment(ref _boots);
        if (_heartbeating.IsCompleted && HeartbeatInterval > TimeSpan.Zero)
            _heartbeating = HeartbeatAsync();
    }

    /// <summary>StatusNotification of the EVSE (null: every EVSE) as it stands: faulted, unavailable, charging or available.</summary>
    private async Task ReportStatusesAsync(int? evseId, CancellationToken ct)
    {
        foreach (var evse in _evses.Where(e => evseId is null or 0 || e.Id == evseId))
        {
            var (status, errorCode) = evse.Reported;
            await CallAsync("StatusNotification", OcppMessages.Status(Protocol, evse.Id, status, NextInstant(), errorCode), ct);
        }
    }

    /// <summary>Sends a CALL and waits for its CALLRESULT; one at a time per charger, in the order asked.</summary>
    /// <exception cref="OcppCallErrorException">The CSMS answered with a CALLERROR.</exception>
    /// <exception cref="SimulatorException">Not connected, the connection dropped, or no answer within the call timeout.</exception>
    public Task<JsonObject> CallAsync(string action, JsonObject payload, CancellationToken ct) => CallAsync(action, payload, meterValues: false, ct);

    /// <summary>Authorize (unless started remotely), the EVSE Preparing/Occupied, the transaction started, and Charging.</summary>
    /// <param name="timeScale">Seconds of charging per second of simulation for this session's meter.</param>
    /// <exception cref="SimulatorException">The EVSE is busy, or a CALL failed.</exception>
    public async Task<SimulatedSession> StartSessionAsync(int evseId, string idToken, CancellationToken ct, bool authorize = true, int timeScale = 1)
    {
        var evse = Evse(evseId);
        if (!evse.TryClaim()) throw new SimulatorException($"{Id}: EVSE {evseId} is busy");
        try
        {
            var session = await StartClaimedAsync(evse, idToken, authorize, remoteStartId: null, timeScale, runByCharger: false, ct);
            if (session.StartFailed) evse.Release();
            return session;
        }
        catch
        {
            evse.Release();
            throw;
        }
    }

    /// <summary>
    /// One periodic reading: 1.6 MeterValues, 2.0.1 TransactionEvent Updated. These are what the bench times. While the
    /// EVSE's meter is frozen (<see cref="FreezeMeter"/>) nothing is sent and the register stands still.
    /// </summary>
    /// <returns>The reading sent (or, frozen, the one that stands).</returns>
    public async Task<MeterSample> SendMeterValuesAsync(SimulatedSession session, CancellationToken ct)
    {
        var evse = Evse(session.EvseId);
        if (evse.FrozenMeter is not null)
            return evse.Reading(session, NextInstant(), _definition.MaxPowerKw, _options.NominalVoltage, "Sample.Periodic");
        var sample = evse.Advance(session, NextInstant(), session.TimeScale, _definition.MaxPowerKw, _options.NominalVoltage, "Sample.Periodic");
        if (Protocol == OcppProtocol.Ocpp16)
        {
            await CallAsync("MeterValues", OcppMessages.MeterValues(session.EvseId, session.TransactionId, sample), meterValues: true, ct);
        }
        else
        {
            session.SeqNo++;
            await CallAsync("TransactionEvent",
                OcppMessages.TransactionEvent("Updated", "MeterValuePeriodic", session, sample, "Charging"), meterValues: true, ct);
        }
        session.MeterValuesSent++;
        return sample;
    }

    /// <param name="reason">Local, Remote or EVDisconnected.</param>
    public async Task StopSessionAsync(SimulatedSession session, string reason, CancellationToken ct)
    {
        var evse = Evse(session.EvseId);
        try
        {
            await StopClaimedAsync(evse, session, reason, ct);
        }
        finally
        {
            evse.Release();
            session.MarkEnded();
        }
    }

    /// <summary>A whole session as <paramref name="profile"/> describes it, ended early when the CSMS stops it.</summary>
    public async Task<SimulatedSession> RunSessionAsync(int evseId, string idToken, SessionProfile profile, CancellationToken ct)
    {
        var evse = Evse(evseId);
        if (!evse.TryClaim()) throw new SimulatorException($"{Id}: EVSE {evseId} is busy");
        return await RunClaimedSessionAsync(evse, idToken, remote: false, remoteStartId: null, profile, ct);
    }

    /// <summary>Sessions back to back on one EVSE, with idle time between them, until <see cref="EndSessions"/>.</summary>
    internal async Task RunEvseAsync(int evseId, SessionProfile profile, CancellationToken ct)
    {
        var evse = Evse(evseId);
        while (!_sessionsEnding.IsCancellationRequested)
        {
            var idle = profile.MinIdle + (profile.MaxIdle - profile.MinIdle) * Random.Shared.NextDouble();
            try
            {
                await Task.Delay(idle, _sessionsEnding.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return;
            }
            // Taken by a session the CSMS started remotely: try again after the next idle time.
            if (!evse.TryClaim()) continue;
            try
            {
                await RunClaimedSessionAsync(evse, RandomIdTag(), remote: false, remoteStartId: null, profile, ct);
            }
            catch (Exception e) when (e is SimulatorException or OcppCallErrorException)
            {
                // Counted where it happened; a charger whose connection is gone stops trying.
                if (!IsConnected) return;
            }
        }
    }

    /// <summary>Running sessions stop (reason Local) at their next reading, and no new ones start.</summary>
    public void EndSessions() => _sessionsEnding.Cancel();

    /// <summary>What the charger is still doing because the CSMS asked (e.g. a remotely started session).</summary>
    public Task WhenFollowUpsDoneAsync() => Task.WhenAll(_followUps.Keys);

    bool IChargerState.TryClaimEvse(int? requested, out int evseId)
    {
        if (requested is { } id)
        {
            evseId = id;
            return id >= 1 && id <= _evses.Length && _evses[id - 1].TryClaim();
        }
        var free = _evses.FirstOrDefault(e => e.TryClaim());
        evseId = free?.Id ?? 0;
        return free is not null;
    }

    bool IChargerState.HasTransaction(string transactionId) => FindSession(transactionId) is not null;

    bool IChargerState.SetChargingProfile(int evseId, SimulatedProfile profile)
    {
        SimulatedEvse[] evses = evseId == 0 ? _evses : evseId >= 1 && evseId <= _evses.Length ? [_evses[evseId - 1]] : [];
        var accepted = profile.Purpose switch
        {
            "TxDefaultProfile" => evses.Length > 0,
            // A TxProfile is for the transaction the EVSE runs (the one it names, if it names one).
            "TxProfile" => evseId != 0 && evses.Length == 1 && evses[0].Session is { } running
                && (profile.TransactionId is null || profile.TransactionId == running.TransactionId),
            _ => evses.Length > 0,
        };
        if (accepted)
            foreach (var evse in evses)
            {
                if (profile.Purpose == "TxDefaultProfile") evse.TxDefault = profile;
                if (profile.Purpose == "TxProfile") evse.Tx = profile with { TransactionId = evse.Session!.TransactionId };
            }
        _receivedProfiles.Enqueue(new ReceivedProfile(SystemClock.Instance.GetCurrentInstant(), evseId, profile, accepted));
        return accepted;
    }

    bool IChargerState.ClearChargingProfile(int? profileId)
    {
        var cleared = false;
        foreach (var evse in _evses)
        {
            if (evse.TxDefault is { } fallback && (profileId is null || fallback.ProfileId == profileId)) (evse.TxDefault, cleared) = (null, true);
            if (evse.Tx is { } tx && (profileId is null || tx.ProfileId == profileId)) (evse.Tx, cleared) = (null, true);
        }
        return cleared;
    }

    /// <summary>Every SetChargingProfile the charger got, in arrival order, and whether it took it.</summary>
    public IReadOnlyList<ReceivedProfile> ReceivedProfiles => [.. _receivedProfiles];

    /// <summary>The profile in force at the EVSE (null: its maximum holds).</summary>
    public SimulatedProfile? ProfileInForce(int evseId) => Evse(evseId).ProfileInForce;

    /// <summary>
    /// While set, the charger reads the CSMS's CALLs and answers none, as a charger whose firmware hangs does: the CSMS's
    /// commands time out. Its own messages still go out.
    /// </summary>
    public bool IgnoresServerCalls { get; set; }

    /// <summary>A normal close: the CSMS records the charger as gone offline.</summary>
    public async Task CloseAsync()
    {
        await DropConnectionAsync(graceful: true, "simulation over");
        await StopAsync();
    }

    /// <summary>Drops the connection without a close handshake, as a power cut would.</summary>
    public async Task AbortAsync()
    {
        await DropConnectionAsync(graceful: false, "");
        await StopAsync();
    }

    /// <summary>
    /// Ends the connection (with a close handshake, as a rebooting charger does, or without, as a power cut does) and
    /// waits for its reader to finish; the charger keeps its state and may connect again.
    /// </summary>
    private async Task DropConnectionAsync(bool graceful, string why)
    {
        _closing = true;
        if (!graceful)
        {
            _socket?.Abort();
        }
        else if (_socket is { State: WebSocketState.Open or WebSocketState.CloseReceived } socket)
        {
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _sending.WaitAsync(grace.Token);
                try { await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, why, grace.Token); }
                finally { _sending.Release(); }
                await _receiving.WaitAsync(grace.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or TimeoutException or ObjectDisposedException)
            {
                // The CSMS went away first or did not answer the close: nothing left to say goodbye to.
                socket.Abort();
            }
        }
        await _receiving.ContinueWith(_ => { }, TaskScheduler.Default);
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync();
        _socket?.Dispose();
        _lifetime.Dispose();
        _sessionsEnding.Dispose();
    }

    private async Task StopAsync()
    {
        EndSessions();
        await _lifetime.CancelAsync();
        await Task.WhenAll(_receiving, _heartbeating).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private async Task<SimulatedSession> RunClaimedSessionAsync(
        SimulatedEvse evse, string idToken, bool remote, int? remoteStartId, SessionProfile profile, CancellationToken ct)
    {
        SimulatedSession? session = null;
        try
        {
            session = await StartClaimedAsync(evse, idToken, authorize: !remote, remoteStartId, profile.TimeScale, runByCharger: true, ct);
            if (session.StartFailed) return session;
            var readings = Random.Shared.Next(profile.MinMeterValues, profile.MaxMeterValues + 1);
            using var ending = CancellationTokenSource.CreateLinkedTokenSource(session.StopRequested, _sessionsEnding.Token);
            for (var sent = 0; sent < readings && !ending.IsCancellationRequested;)
            {
                try
                {
                    await Task.Delay(profile.MeterInterval, ending.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                // A frozen meter sends nothing and the session does not end on its own: only what clears it stops it.
                if (evse.FrozenMeter is not null) continue;
                await SendMeterValuesAsync(session, ct);
                sent++;
            }
            var reason = session.StopReason ?? (_sessionsEnding.IsCancellationRequested ? "Local" : "EVDisconnected");
            await StopClaimedAsync(evse, session, reason, ct);
            return session;
        }
        finally
        {
            evse.Release();
            // Whoever waits for the session to end (a reset) stops waiting, even when the stop could not be sent.
            session?.MarkEnded();
        }
    }

    private async Task<SimulatedSession> StartClaimedAsync(
        SimulatedEvse evse, string idToken, bool authorize, int? remoteStartId, int timeScale, bool runByCharger, CancellationToken ct)
    {
        if (authorize)
            await CallAsync("Authorize", OcppMessages.Authorize(Protocol, idToken), ct);
        await CallAsync("StatusNotification", OcppMessages.Status(Protocol, evse.Id, "Preparing", NextInstant()), ct);

        var startedAt = await StartInstantAsync(evse, ct);
        var session = new SimulatedSession(evse.Id, idToken, evse.RegisterWh, startedAt, timeScale,
            batteryKwh: 50 + Random.Shared.Next(51), stateOfCharge: 10 + Random.Shared.Next(41), carMaxKw: 50 + Random.Shared.Next(201))
        {
            RunByCharger = runByCharger,
        };
        if (evse.FailingStarts is not null)
        {
            await FailStartAsync(evse, session, remoteStartId, ct);
            return session;
        }
        if (Protocol == OcppProtocol.Ocpp16)
        {
            var answer = await CallAsync("StartTransaction", OcppMessages.StartTransaction(evse.Id, idToken, session.MeterStartWh, startedAt), ct);
            session.TransactionId = answer["transactionId"]!.GetValue<int>().ToString(CultureInfo.InvariantCulture);
            evse.Session = session;
            await CallAsync("StatusNotification", OcppMessages.Status(Protocol, evse.Id, "Charging", NextInstant()), ct);
        }
        else
        {
            session.TransactionId = Guid.NewGuid().ToString("N");
            evse.Session = session;
            var begin = evse.Reading(session, startedAt, _definition.MaxPowerKw, _options.NominalVoltage, "Transaction.Begin");
            await CallAsync("TransactionEvent", OcppMessages.TransactionEvent("Started", remoteStartId is null ? "Authorized" : "RemoteStart",
                session, begin, "Charging", remoteStartId), ct);
        }
        _counters.SessionStarted();
        return session;
    }

    private async Task StopClaimedAsync(SimulatedEvse evse, SimulatedSession session, string reason, CancellationToken ct)
    {
        var final = evse.Advance(session, NextInstant(), session.TimeScale, _definition.MaxPowerKw, _options.NominalVoltage, "Transaction.End");
        session.MeterStopWh = final.EnergyWh;
        if (Protocol == OcppProtocol.Ocpp16)
        {
            await CallAsync("StopTransaction", OcppMessages.StopTransaction(session, final, reason), ct);
            await CallAsync("StatusNotification", OcppMessages.Status(Protocol, evse.Id, "Finishing", NextInstant()), ct);
        }
        else
        {
            session.SeqNo++;
            var trigger = reason switch { "Remote" => "RemoteStop", "Local" => "StopAuthorized", "ImmediateReset" => "ResetCommand", _ => "EVDeparted" };
            await CallAsync("TransactionEvent", OcppMessages.TransactionEvent("Ended", trigger, session, final,
                reason == "EVDisconnected" ? "Idle" : "EVConnected", stoppedReason: reason), ct);
        }
        evse.Session = null;
        _counters.SessionStopped(session.EnergyWh);
        var (status, errorCode) = evse.Reported;
        await CallAsync("StatusNotification", OcppMessages.Status(Protocol, evse.Id, status, NextInstant(), errorCode), ct);
    }

    /// <summary>
    /// A 1.6 central system tells a resent StartTransaction from a new one by its connector and start second, so
    /// two sessions on one EVSE never start in the same second (no real car could either).
    /// </summary>
    private async Task<Instant> StartInstantAsync(SimulatedEvse evse, CancellationToken ct)
    {
        var at = NextInstant();
        while (at.ToUnixTimeSeconds() <= evse.LastStartSecond)
        {
            await Task.Delay((Instant.FromUnixTimeSeconds(evse.LastStartSecond + 1) - at).ToTimeSpan(), ct);
            at = NextInstant();
        }
        evse.LastStartSecond = at.ToUnixTimeSeconds();
        return at;
    }

    private async Task<JsonObject> CallAsync(string action, JsonObject payload, bool meterValues, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await CallOnceAsync(action, payload, meterValues, ct);
            }
            catch (OcppCallErrorException e) when (e.Error.ErrorCode == OcppErrorCodes.InternalError && attempt < _options.MessageAttempts)
            {
                _counters.Retried(e.Message);
                await Task.Delay(_options.MessageRetryInterval * attempt, ct);
            }
            catch (OcppCallErrorException e)
            {
                _counters.CallError(e.Message);
                throw;
            }
        }
    }

    private async Task<JsonObject> CallOnceAsync(string action, JsonObject payload, bool meterValues, CancellationToken ct)
    {
        if (_options.ValidatePayloads && OcppSchemaValidator.Default.ValidateRequest(Protocol, action, payload) is { } invalid)
        {
            _counters.BadFrame($"{Id}: our {action} breaks its schema: {invalid.Description}");
            throw new SimulatorException($"{Id}: our {action} breaks its schema: {invalid.Description}");
        }
        await _calling.WaitAsync(ct);
        try
        {
            var messageId = Interlocked.Increment(ref _nextMessageId).ToString(CultureInfo.InvariantCulture);
            var pending = new PendingCall(messageId) { Action = action };
            Interlocked.Exchange(ref _pending, pending);
            var lost = Volatile.Read(ref _connectionLost);
            if (lost is not null || _socket is null)
                throw new SimulatorException($"{Id} is not connected{(lost is null ? "" : $": {lost}")}");

            var started = Stopwatch.GetTimestamp();
            await SendAsync(OcppFrames.Serialize(new OcppCall(messageId, action, payload)), ct);
            _counters.CallSent();
            JsonObject result;
            try
            {
                result = await pending.Task.WaitAsync(_options.CallTimeout, ct);
            }
            catch (TimeoutException)
            {
                var why = $"{Id}: no answer to {action} within {_options.CallTimeout.TotalSeconds:N0} s";
                _counters.TimedOut(why);
                throw new SimulatorException(why);
            }
            _counters.Answered(Stopwatch.GetElapsedTime(started), meterValues);
            if (_options.ValidatePayloads && OcppSchemaValidator.Default.ValidateResponse(Protocol, action, result) is { } bad)
                _counters.BadFrame($"{Id}: the CSMS's answer to {action} breaks its schema: {bad.Description}");
            return result;
        }
        finally
        {
            Interlocked.Exchange(ref _pending, null);
            _calling.Release();
        }
    }

    private async Task SendAsync(string frame, CancellationToken ct)
    {
        var bytes = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(frame.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(frame, bytes);
            await _sending.WaitAsync(ct);
            try
            {
                await _socket!.SendAsync(bytes.AsMemory(0, length), WebSocketMessageType.Text, endOfMessage: true, ct);
            }
            finally
            {
                _sending.Release();
            }
            Volatile.Write(ref _lastSentAt, Stopwatch.GetTimestamp());
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            throw new SimulatorException($"{Id}: could not send: {e.Message}", e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>The one reader of the socket: answers to our CALLs complete them, the CSMS's CALLs are answered here.</summary>
    private async Task ReceiveAsync(ClientWebSocket socket)
    {
        var buffer = new byte[_options.ReceiveBufferBytes];
        ArrayBufferWriter<byte>? longer = null;
        string? lost = null;
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), _lifetime.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    lost = $"the CSMS closed the connection ({socket.CloseStatus}: {socket.CloseStatusDescription})";
                    break;
                }
                if (!result.EndOfMessage || longer is not null)
                {
                    longer ??= new ArrayBufferWriter<byte>(buffer.Length * 4);
                    longer.Write(buffer.AsSpan(0, result.Count));
                    if (!result.EndOfMessage) continue;
                }
                var text = longer is null ? Encoding.UTF8.GetString(buffer, 0, result.Count) : Encoding.UTF8.GetString(longer.WrittenSpan);
                longer = null;
                _counters.MessageReceived();
                await DispatchAsync(text);
            }
        }
        catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
        {
            lost = "closed by the simulation";
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or SimulatorException)
        {
            lost = $"connection lost: {e.Message}";
        }
        finally
        {
            lost ??= "connection closed";
            Volatile.Write(ref _connectionLost, lost);
            Interlocked.MemoryBarrier();
            Volatile.Read(ref _pending)?.TrySetException(new SimulatorException($"{Id}: {lost}"));
            if (_closing) _counters.Closed();
            else _counters.Disconnected($"{Id}: {lost}");
        }
        if (socket.State == WebSocketState.CloseReceived)
        {
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try { await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "closing as asked", grace.Token); }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException) { /* already gone */ }
        }
    }

    private async Task DispatchAsync(string text)
    {
        switch (OcppFrames.Parse(text, Protocol))
        {
            case OcppCallResult result when Volatile.Read(ref _pending) is { } pending && pending.MessageId == result.MessageId:
                pending.TrySetResult(result.Payload);
                break;
            case OcppCallError error when Volatile.Read(ref _pending) is { } pending && pending.MessageId == error.MessageId:
                pending.TrySetException(new OcppCallErrorException(Id, pending.Action, error));
                break;
            case OcppCallResult or OcppCallError:
                _counters.BadFrame($"{Id}: an answer to a CALL we are not waiting for: {Cut(text)}");
                break;
            case OcppCall call:
                await AnswerAsync(call);
                break;
            case OcppFrameError bad:
                _counters.BadFrame($"{Id}: an unreadable frame from the CSMS ({bad.Description}): {Cut(text)}");
                break;
        }
    }

    private async Task AnswerAsync(OcppCall call)
    {
        _counters.ServerCall();
        if (IgnoresServerCalls) return;
        var answer = ServerCallAnswers.Answer(Protocol, call, this);
        // Taken before the next CALL is read, so that a second UpdateFirmware finds this one under way.
        if (answer.Then is InstallFirmware) Volatile.Write(ref _updatingFirmware, true);
        string frame;
        if (answer.Result is { } result)
        {
            if (_options.ValidatePayloads && OcppSchemaValidator.Default.ValidateResponse(Protocol, call.Action, result) is { } invalid)
                _counters.BadFrame($"{Id}: our answer to {call.Action} breaks its schema: {invalid.Description}");
            frame = OcppFrames.Serialize(new OcppCallResult(call.MessageId, result));
        }
        else
        {
            frame = OcppFrames.Serialize(new OcppCallError(call.MessageId, answer.ErrorCode!, answer.ErrorDescription ?? "", []));
        }
        // Tracked before the answer leaves, so that whoever got the answer finds the follow-up in WhenFollowUpsDoneAsync;
        // it starts only once the answer is out, as OCPP requires.
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (answer.Then is { } then)
            Track(FollowUpAsync(then, answered.Task));
        try
        {
            await SendAsync(frame, _lifetime.Token);
            answered.TrySetResult();
        }
        finally
        {
            answered.TrySetCanceled();
        }
        _counters.MessageSent();
    }

    private async Task FollowUpAsync(FollowUp then, Task answered)
    {
        // Off the reading task: a follow-up waits for answers that only the reading task can deliver.
        await Task.Yield();
        try
        {
            await answered;
            switch (then)
            {
                case StartRemoteSession start:
                    var profile = _options.RemoteSessions;
                    await RunClaimedSessionAsync(Evse(start.EvseId), start.IdToken, remote: true, start.RemoteStartId, profile, _lifetime.Token);
                    break;
                case StopRemoteSession stop when FindSession(stop.TransactionId) is { } session:
                    await StopRemotelyAsync(session);
                    break;
                case SendTriggeredMessage { Message: "BootNotification" }:
                    await CallAsync("BootNotification", OcppMessages.Boot(Protocol, _definition, FirmwareVersion, "Triggered"), _lifetime.Token);
                    break;
                case SendTriggeredMessage { Message: "Heartbeat" }:
                    await CallAsync("Heartbeat", [], _lifetime.Token);
                    break;
                case SendTriggeredMessage { Message: "StatusNotification" } status:
                    await ReportStatusOnTriggerAsync(status.EvseId);
                    break;
                case InstallFirmware install:
                    await InstallFirmwareAsync(install);
                    break;
                case RebootOnReset reset:
                    await ResetAsync(reset.Hard);
                    break;
                case ChangeEvseAvailability change:
                    await ChangeAvailabilityAsync(change.EvseId, change.Operative);
                    break;
            }
        }
        catch (Exception e) when (e is SimulatorException or OcppCallErrorException or OperationCanceledException)
        {
            // Counted where it happened (or the simulation is over).
        }
    }

    private void Track(Task task)
    {
        _followUps.TryAdd(task, 0);
        task.ContinueWith(done => _followUps.TryRemove(done, out _), TaskScheduler.Default);
    }

    /// <summary>Heartbeats when nothing else was sent for an interval: any message shows the CSMS we are alive.</summary>
    private async Task HeartbeatAsync()
    {
        try
        {
            while (!_lifetime.IsCancellationRequested)
            {
                var quiet = Stopwatch.GetElapsedTime(Volatile.Read(ref _lastSentAt));
                if (quiet < HeartbeatInterval)
                {
                    await Task.Delay(HeartbeatInterval - quiet, _lifetime.Token);
                    continue;
                }
                try
                {
                    await CallAsync("Heartbeat", [], _lifetime.Token);
                }
                catch (Exception e) when (e is SimulatorException or OcppCallErrorException)
                {
                    if (!IsConnected) return;
                    await Task.Delay(HeartbeatInterval, _lifetime.Token);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The charger is closing.
        }
    }

    /// <summary>Timestamps the charger sends: real time to the millisecond, and strictly increasing per charger.</summary>
    private Instant NextInstant()
    {
        var now = SystemClock.Instance.GetCurrentInstant().ToUnixTimeMilliseconds();
        long last, next;
        do
        {
            last = Interlocked.Read(ref _lastTimestampMs);
            next = Math.Max(now, last + 1);
        } while (Interlocked.CompareExchange(ref _lastTimestampMs, next, last) != last);
        return Instant.FromUnixTimeMilliseconds(next);
    }

    private SimulatedSession? FindSession(string transactionId) =>
        _evses.Select(e => e.Session).FirstOrDefault(s => s?.TransactionId == transactionId);

    private SimulatedEvse Evse(int evseId) =>
        evseId >= 1 && evseId <= _evses.Length
            ? _evses[evseId - 1]
            : throw new ArgumentOutOfRangeException(nameof(evseId), evseId, $"{Id} has EVSEs 1 to {_evses.Length}");

    // 1.6 idTag is at most 20 characters.
    private static string RandomIdTag() => $"RFID-{Random.Shared.Next(1_000_000):D6}";

    private static string Cut(string text) => text.Length <= 200 ? text : text[..200] + "…";

    private sealed class PendingCall(string messageId) : TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public string MessageId { get; } = messageId;
        public string Action { get; init; } = "";
    }
}
