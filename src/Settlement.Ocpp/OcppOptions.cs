using System.Security.Cryptography.X509Certificates;

namespace Settlement.Ocpp;

public enum UnknownChargerPolicy { Reject, AcceptPending }

/// <summary>Bound from the "Ocpp" configuration section.</summary>
public sealed class OcppOptions
{
    /// <summary>A charger the operator has not registered is refused at the handshake, or accepted as Pending.</summary>
    public UnknownChargerPolicy UnknownChargers { get; set; } = UnknownChargerPolicy.Reject;

    /// <summary>Registered chargers without a password are refused unless this is set (security profile 0).</summary>
    public bool AllowChargersWithoutPassword { get; set; }

    /// <summary>Frames above this size are refused with a CALLERROR and never parsed.</summary>
    public int MaxFrameBytes { get; set; } = 64 * 1024;

    /// <summary>The heartbeat interval we ask for in BootNotification responses.</summary>
    public int HeartbeatIntervalSeconds { get; set; } = 300;

    /// <summary>How long past a missed heartbeat a silent charger is declared offline.</summary>
    public int OfflineGraceSeconds { get; set; } = 60;

    /// <summary>How long a command waits for the charger's answer.</summary>
    public int CallTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// CALLs handled at once across all chargers; the rest wait undecoded, each as an array of its own bytes.
    /// Beyond what the database pool can serve, more would only queue holding their parsed frames.
    /// </summary>
    public int MaxConcurrentMessages { get; set; } = 32;

    /// <summary>
    /// A session the ledger heard nothing of for this long is closed at its last meter reading
    /// (<c>session_closed_for_silence</c>), and reopened if its charger reports it again.
    /// </summary>
    public TimeSpan CloseSilentSessionsAfter { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Security profiles 2 and 3: refuse chargers that connect over plain ws://.</summary>
    public bool RequireTls { get; set; }

    /// <summary>
    /// Security profile 3: the CA that issues charger certificates. A charger presenting a certificate
    /// that chains to it, with its identity as the subject CN, needs no password.
    /// </summary>
    public X509Certificate2? ChargerCertificateAuthority { get; set; }

    public TimeSpan SilenceLimit => TimeSpan.FromSeconds(HeartbeatIntervalSeconds + OfflineGraceSeconds);
}
