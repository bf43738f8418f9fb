using System.Security.Cryptography.X509Certificates;
using Settlement.Domain.Drivers;

namespace Settlement.Ocpp;

public enum UnknownChargerPolicy { Reject, AcceptPending }

/// <summary>Bound from the "Ocpp" configuration section.</summary>
public sealed class OcppOptions
{
    /// <summary>A charger the operator has not registered is refused at the handshake, or accepted as Pending.</summary>
    public UnknownChargerPolicy UnknownChargers { get; set; } = UnknownChargerPolicy.Reject;

    /// <summary>
    /// A token missing from the token registry is answered Invalid (1.6) / Unknown (2.0.1), or Accepted for open charging.
    /// Either way the answer is recorded. ("Ocpp:UnknownTokens")
    /// </summary>
    public UnknownTokenPolicy UnknownTokens { get; set; } = UnknownTokenPolicy.Reject;

    /// <summary>Keep registered chargers' local authorisation lists in step with the token registry (SendLocalList).</summary>
    public bool SendLocalLists { get; set; } = true;

    /// <summary>
    /// Tokens a charger's local authorisation list holds at most (chargers announce their own limit in
    /// LocalAuthListMaxLength / LocalAuthListCtrlr.Entries); beyond it the rest are left out and authorised online.
    /// </summary>
    public int MaxLocalListEntries { get; set; } = 1_000;

    /// <summary>
    /// How often each host checks that the chargers connected to it hold the registry's list version, and brings
    /// behind ones up to date: a token changed through another host, or an update a charger missed, reaches it
    /// within this many seconds. ("Ocpp:LocalListSyncSeconds")
    /// </summary>
    public int LocalListSyncSeconds { get; set; } = 60;

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
    /// CALLs one charger may have handled per second, on average; 0 lifts the limit (the load bench does). A CALL
    /// beyond it waits, unread, until its turn: a charger emptying its offline queue is slowed, never refused, since a
    /// refused transaction message is one it drops after a few attempts.
    /// </summary>
    public double MaxCallsPerSecond { get; set; } = 10;

    /// <summary>CALLs a charger may send at once above <see cref="MaxCallsPerSecond"/> (a boot with its status reports).</summary>
    public int CallBurst { get; set; } = 50;

    /// <summary>
    /// Per charger and interval, the first protocol violation is recorded on its own and the rest are counted in one
    /// event when the interval ends, the charger disconnects or the host stops.
    /// </summary>
    public int ViolationIntervalSeconds { get; set; } = 60;

    /// <summary>A charger that breaks the protocol more often than this in one interval is disconnected.</summary>
    public int MaxViolationsPerInterval { get; set; } = 100;

    /// <summary>
    /// With <see cref="UnknownChargerPolicy.AcceptPending"/>: how many unregistered chargers are remembered (one row
    /// each, outside the ledger); beyond it further unknown chargers are refused until the operator registers or
    /// forgets some.
    /// </summary>
    public int MaxPendingChargers { get; set; } = 1_000;

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
