using NodaTime;

namespace Settlement.Workbench.Simulation;

/// <summary>
/// One meter reading as the charger reports it: the register only ever grows. <paramref name="Phases"/> and
/// <paramref name="Voltage"/> give the current per phase the power stands for.
/// </summary>
public sealed record MeterSample(Instant TakenAt, long EnergyWh, long PowerW, int StateOfChargePercent, string Context, int Phases = 3, int Voltage = 230)
{
    public decimal CurrentPerPhase => Math.Round((decimal)PowerW / (Voltage * Phases), 1, MidpointRounding.ToZero);
}

/// <summary>A SetChargingProfile as the charger got it, in arrival order, and whether it took it.</summary>
public sealed record ReceivedProfile(Instant ReceivedAt, int EvseId, SimulatedProfile Profile, bool Accepted);

/// <summary>A transaction on one EVSE, from the charger's side.</summary>
public sealed class SimulatedSession
{
    private readonly CancellationTokenSource _stop = new();

    internal SimulatedSession(int evseId, string idToken, long meterStartWh, Instant startedAt, int timeScale,
        decimal batteryKwh, decimal stateOfCharge, decimal carMaxKw)
    {
        EvseId = evseId;
        TimeScale = timeScale;
        IdToken = idToken;
        MeterStartWh = meterStartWh;
        BatteryKwh = batteryKwh;
        StateOfCharge = stateOfCharge;
        CarMaxKw = carMaxKw;
        LastReadingAt = startedAt;
    }

    public int EvseId { get; }
    public string IdToken { get; }
    public long MeterStartWh { get; }

    /// <summary>1.6: the integer the central system assigned, as text; 2.0.1: the id the charger chose.</summary>
    public string TransactionId { get; internal set; } = "";

    public long? MeterStopWh { get; internal set; }

    /// <summary>The start failed (the EVSE's starts are failing): stopped at once with no energy, as the KPIs count a failed start.</summary>
    public bool StartFailed { get; internal set; }

    /// <summary>The charger runs its readings and its stop itself (a remote start or RunSessionAsync), not the caller.</summary>
    internal bool RunByCharger { get; init; }

    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the session is over and its EVSE free (the stop sent, or the connection lost trying).</summary>
    public Task Ended => _ended.Task;

    internal void MarkEnded() => _ended.TrySetResult();
    public int MeterValuesSent { get; internal set; }

    /// <summary>2.0.1 TransactionEvent sequence number of the last event sent.</summary>
    internal int SeqNo { get; set; }

    /// <summary>Seconds of charging per second of simulation.</summary>
    internal int TimeScale { get; }

    internal decimal BatteryKwh { get; }
    internal decimal StateOfCharge { get; set; }
    internal decimal CarMaxKw { get; }
    internal Instant LastReadingAt { get; set; }

    /// <summary>Set when the CSMS asked to stop (RemoteStopTransaction / RequestStopTransaction).</summary>
    internal string? StopReason { get; private set; }

    internal CancellationToken StopRequested => _stop.Token;

    internal void RequestStop(string reason)
    {
        StopReason ??= reason;
        _stop.Cancel();
    }

    public long EnergyWh => (MeterStopWh ?? MeterStartWh) - MeterStartWh;
}

/// <summary>One EVSE (with one connector): its energy register and whether a session holds it.</summary>
internal sealed class SimulatedEvse(int id, long registerWh)
{
    private const long MilliJoulesPerWh = 3_600_000;
    private long _registerMilliJoules = registerWh * MilliJoulesPerWh;
    private int _claimed;

    public int Id { get; } = id;
    public long RegisterWh => Interlocked.Read(ref _registerMilliJoules) / MilliJoulesPerWh;
    public SimulatedSession? Session { get; set; }

    /// <summary>The profile the EVSE falls back to without a TxProfile for its transaction.</summary>
    public SimulatedProfile? TxDefault { get; set; }

    /// <summary>The TxProfile of the transaction running (it holds for that transaction only).</summary>
    public SimulatedProfile? Tx { get; set; }

    /// <summary>
    /// The profile in force: the TxProfile of the running transaction, else the TxDefaultProfile; null: the EVSE's
    /// maximum holds.
    /// </summary>
    public SimulatedProfile? ProfileInForce => Session is { } session && Tx is { } tx && tx.TransactionId == session.TransactionId ? tx : TxDefault;

    /// <summary>Set by ChangeAvailability Inoperative: the EVSE reports Unavailable until made Operative.</summary>
    public bool Inoperative { get; set; }

    public ConnectorFault? Fault { get; set; }

    /// <summary>While set, the running session sends no readings and does not end on its own.</summary>
    public Glitch? FrozenMeter { get; set; }

    /// <summary>While set, every session start on the EVSE fails with no energy.</summary>
    public Glitch? FailingStarts { get; set; }

    /// <summary>The status the EVSE reports now (1.6 words), with its 1.6 error code.</summary>
    public (string Status, string ErrorCode) Reported =>
        Fault is { } fault ? ("Faulted", fault.ErrorCode)
        : Inoperative ? ("Unavailable", "NoError")
        : Session is not null ? ("Charging", "NoError")
        : ("Available", "NoError");

    /// <summary>The last session start, in Unix seconds: a 1.6 central system tells transactions apart by their start second.</summary>
    public long LastStartSecond { get; set; }

    public bool TryClaim() => Interlocked.CompareExchange(ref _claimed, 1, 0) == 0;
    public bool IsFree => Volatile.Read(ref _claimed) == 0;

    public void Release()
    {
        Session = null;
        Volatile.Write(ref _claimed, 0);
    }

    /// <summary>
    /// Charges the car from its last reading up to <paramref name="now"/>: the power tapers above 80 % state of
    /// charge, as a DC charge curve does, and the energy goes into the register in whole milli-joules.
    /// </summary>
    public MeterSample Advance(SimulatedSession session, Instant now, int timeScale, decimal chargerMaxKw, int voltage, string context)
    {
        var powerW = PowerW(session, now, chargerMaxKw, voltage);
        var elapsedMs = Math.Max(0, (long)(now - session.LastReadingAt).TotalMilliseconds) * timeScale;
        var milliJoules = powerW * elapsedMs;
        Interlocked.Add(ref _registerMilliJoules, milliJoules);
        session.LastReadingAt = now;
        session.StateOfCharge = Math.Min(100m, session.StateOfCharge + milliJoules / (decimal)MilliJoulesPerWh / (session.BatteryKwh * 10m));
        return new MeterSample(now, RegisterWh, powerW, (int)Math.Floor(session.StateOfCharge), context, PhasesAt(now), voltage);
    }

    public MeterSample Reading(SimulatedSession session, Instant now, decimal chargerMaxKw, int voltage, string context) =>
        new(now, RegisterWh, PowerW(session, now, chargerMaxKw, voltage), (int)Math.Floor(session.StateOfCharge), context, PhasesAt(now), voltage);

    /// <summary>What the car asks for (its peak, tapering above 80 %), at most what the profile in force allows.</summary>
    private long PowerW(SimulatedSession session, Instant now, decimal chargerMaxKw, int voltage)
    {
        var peakKw = Math.Min(chargerMaxKw, session.CarMaxKw);
        var taper = session.StateOfCharge <= 80m ? 1m : Math.Max(0.1m, (100m - session.StateOfCharge) / 20m);
        var wish = peakKw * taper * 1000m;
        return (long)(ProfileInForce is { } limit ? Math.Min(wish, limit.LimitW(now, voltage)) : wish);
    }

    private int PhasesAt(Instant now) => ProfileInForce?.PeriodAt(now).NumberPhases ?? 3;
}
