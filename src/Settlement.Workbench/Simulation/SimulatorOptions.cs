using Settlement.Ocpp.Framing;

namespace Settlement.Workbench.Simulation;

/// <summary>One simulated charger: who it is, how it logs in, which OCPP it speaks and what hardware it reports.</summary>
/// <param name="Password">HTTP Basic password (OCPP security profile 1), at least 16 characters.</param>
/// <param name="InitialRegistersWh">
/// Each EVSE's energy register (Wh) when the simulation starts, e.g. where the charger's recorded history left it;
/// EVSEs not listed start at a random reading, as a charger that has been in service for a while would.
/// </param>
public sealed record ChargerDefinition(
    string Id, string Password, OcppProtocol Protocol, int EvseCount = 2,
    string Vendor = "Settlement", string Model = "Simulator", string FirmwareVersion = "1.0.0", decimal MaxPowerKw = 150m)
{
    public IReadOnlyDictionary<int, long> InitialRegistersWh { get; init; } = new Dictionary<int, long>();
}

/// <summary>How one simulated session unfolds, and the idle time between sessions.</summary>
/// <param name="MeterInterval">Time between two meter-value messages (OCPP MeterValueSampleInterval).</param>
/// <param name="TimeScale">
/// How many seconds of charging one second of simulation stands for: at 60 a short live demo shows sessions that
/// deliver what a real hour would, while timestamps stay real.
/// </param>
public sealed record SessionProfile(
    TimeSpan MinIdle, TimeSpan MaxIdle, TimeSpan MeterInterval, int MinMeterValues, int MaxMeterValues, int TimeScale)
{
    /// <summary>A busy network in fast motion: sessions of a few seconds, each a real-looking hour of charging.</summary>
    public static SessionProfile Demo { get; } =
        new(TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(1), 3, 8, 60);
}

public sealed record SimulatorOptions
{
    /// <summary>How long a CALL waits for its answer before it counts as timed out.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How often a message is sent when the CSMS answers InternalError, which means "nothing was recorded, send it
    /// again" (OCPP 1.6 §4.7 TransactionMessageAttempts, 2.0.1 MessageAttemptsTransactionEvent). A resend that
    /// gets through counts as a retry, not an error.
    /// </summary>
    public int MessageAttempts { get; init; } = 3;

    public TimeSpan MessageRetryInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Check every CALL we send and every answer we give against the official schemas first (about 40 µs each):
    /// for tests, to prove the simulator speaks valid OCPP; off for load.
    /// </summary>
    public bool ValidatePayloads { get; init; }

    /// <summary>Bytes each connection keeps for reading; longer messages are assembled in a temporary buffer.</summary>
    public int ReceiveBufferBytes { get; init; } = 1024;

    /// <summary>How a session the CSMS starts remotely (RemoteStartTransaction / RequestStartTransaction) unfolds.</summary>
    public SessionProfile RemoteSessions { get; init; } = SessionProfile.Demo;

    /// <summary>The phase-to-neutral voltage that turns a limit in amperes per phase into the power a session may draw.</summary>
    public int NominalVoltage { get; init; } = 230;

    /// <summary>How long each firmware step takes (download, verification, installation): short, so tests take seconds.</summary>
    public TimeSpan FirmwareStepTime { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long a reboot keeps the charger off the network, from closing its connection to connecting again.</summary>
    public TimeSpan RebootTime { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>How often a firmware that installs and then faults (<see cref="FirmwareBehaviour.InstallsThenFaults"/>) faults again.</summary>
    public TimeSpan FaultRepeatInterval { get; init; } = TimeSpan.FromSeconds(2);
}
