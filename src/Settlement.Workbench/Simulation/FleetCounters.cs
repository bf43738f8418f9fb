namespace Settlement.Workbench.Simulation;

/// <summary>
/// What a fleet of simulated chargers has done so far. Every charger writes here concurrently; readers take a
/// <see cref="Snapshot"/> at any time, also while the fleet runs.
/// </summary>
public sealed class FleetCounters
{
    private long _connected;
    private long _connectFailures;
    private long _disconnects;
    private long _callsSent;
    private long _callsAnswered;
    private long _callErrors;
    private long _timeouts;
    private long _retries;
    private long _serverCalls;
    private long _badFrames;
    private long _sessionsStarted;
    private long _sessionsStopped;
    private long _energyWh;
    private long _messagesSent;
    private long _messagesReceived;
    private string? _lastError;
    private string? _lastRetry;

    /// <summary>Every CALL we sent that was answered with a CALLRESULT: CALL sent → CALLRESULT read.</summary>
    public LatencyHistogram Calls { get; } = new();

    /// <summary>
    /// The meter-value CALLs only (1.6 MeterValues, 2.0.1 TransactionEvent Updated): what a charging network
    /// sends most, and what the bench measures.
    /// </summary>
    public LatencyHistogram MeterValues { get; private set; } = new();

    /// <summary>Forgets the meter-value latencies so far (a warm-up's); only while no meter-value CALL is in flight.</summary>
    public void StartMeterValuesAfresh() => MeterValues = new();

    internal void Connected() => Interlocked.Increment(ref _connected);
    internal void ConnectFailed(string why) { Interlocked.Increment(ref _connectFailures); _lastError = why; }
    internal void Disconnected(string why) { Interlocked.Decrement(ref _connected); Interlocked.Increment(ref _disconnects); _lastError = why; }
    internal void Closed() => Interlocked.Decrement(ref _connected);
    internal void CallSent() { Interlocked.Increment(ref _callsSent); Interlocked.Increment(ref _messagesSent); }
    internal void MessageSent() => Interlocked.Increment(ref _messagesSent);
    internal void MessageReceived() => Interlocked.Increment(ref _messagesReceived);
    internal void ServerCall() => Interlocked.Increment(ref _serverCalls);
    internal void SessionStarted() => Interlocked.Increment(ref _sessionsStarted);
    internal void SessionStopped(long energyWh)
    {
        Interlocked.Increment(ref _sessionsStopped);
        Interlocked.Add(ref _energyWh, energyWh);
    }

    internal void Answered(TimeSpan latency, bool meterValues)
    {
        Interlocked.Increment(ref _callsAnswered);
        Calls.Record(latency);
        if (meterValues) MeterValues.Record(latency);
    }

    internal void CallError(string why) { Interlocked.Increment(ref _callErrors); _lastError = why; }
    internal void TimedOut(string why) { Interlocked.Increment(ref _timeouts); _lastError = why; }

    /// <summary>A CALLERROR InternalError answered by sending the message again.</summary>
    internal void Retried(string why) { Interlocked.Increment(ref _retries); _lastRetry = why; }

    /// <summary>A frame we could not use, or an answer of ours that broke the schema: a bug on one side.</summary>
    internal void BadFrame(string why) { Interlocked.Increment(ref _badFrames); _lastError = why; }

    public FleetSnapshot Snapshot() => new(
        Interlocked.Read(ref _connected), Interlocked.Read(ref _connectFailures), Interlocked.Read(ref _disconnects),
        Interlocked.Read(ref _callsSent), Interlocked.Read(ref _callsAnswered), Interlocked.Read(ref _callErrors),
        Interlocked.Read(ref _timeouts), Interlocked.Read(ref _retries), Interlocked.Read(ref _serverCalls), Interlocked.Read(ref _badFrames),
        Interlocked.Read(ref _sessionsStarted), Interlocked.Read(ref _sessionsStopped), Interlocked.Read(ref _energyWh),
        Interlocked.Read(ref _messagesSent), Interlocked.Read(ref _messagesReceived), _lastError, _lastRetry);
}

public sealed record FleetSnapshot(
    long Connected, long ConnectFailures, long Disconnects,
    long CallsSent, long CallsAnswered, long CallErrors, long Timeouts, long Retries, long ServerCalls, long BadFrames,
    long SessionsStarted, long SessionsStopped, long EnergyWh, long MessagesSent, long MessagesReceived, string? LastError, string? LastRetry)
{
    public long Errors => ConnectFailures + Disconnects + CallErrors + Timeouts + BadFrames;
    public long Messages => MessagesSent + MessagesReceived;
}
