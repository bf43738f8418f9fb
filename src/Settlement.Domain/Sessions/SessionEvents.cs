using System.ComponentModel.DataAnnotations;
using NodaTime;
using Settlement.Domain.Drivers;
using Settlement.Domain.Events;

namespace Settlement.Domain.Sessions;

public sealed record SessionAuthorised(
    [property: MinLength(1)] string SessionId,
    [property: MinLength(1)] string ChargerId,
    [property: Range(0, 99)] int EvseId,
    [property: MinLength(1)] string IdToken,
    TokenType TokenType,
    AuthorisationOutcome Outcome,
    Instant AuthorisedAt);

/// <summary>v2: the token is sealed under the driver's key (<see cref="DriverSealed"/>), never stored in plain.</summary>
public sealed record SessionAuthorisedV2(
    [property: MinLength(1)] string SessionId,
    [property: MinLength(1)] string ChargerId,
    [property: Range(0, 99)] int EvseId,
    DriverSealed IdToken,
    TokenType TokenType,
    AuthorisationOutcome Outcome,
    Instant AuthorisedAt);

/// <summary>
/// <paramref name="TransactionId"/> is the charger-side id (assigned by the CSMS in OCPP 1.6, by the
/// charger in 2.0.1); <paramref name="SessionId"/> is ours and names the stream.
/// </summary>
public sealed record SessionStarted(
    [property: MinLength(1)] string SessionId,
    [property: MinLength(1)] string ChargerId,
    [property: Range(1, 99)] int EvseId,
    [property: Range(1, 99)] int ConnectorId,
    [property: MinLength(1)] string TransactionId,
    [property: MinLength(1)] string IdToken,
    [property: AtLeast(0)] long MeterStartWh,
    Instant StartedAt);

/// <summary>
/// v2: the token is sealed under the driver's key; null when the charger named none (an OCPP 2.0.1
/// transaction started without an idToken).
/// </summary>
public sealed record SessionStartedV2(
    [property: MinLength(1)] string SessionId,
    [property: MinLength(1)] string ChargerId,
    [property: Range(1, 99)] int EvseId,
    [property: Range(1, 99)] int ConnectorId,
    [property: MinLength(1)] string TransactionId,
    DriverSealed? IdToken,
    [property: AtLeast(0)] long MeterStartWh,
    Instant StartedAt);

/// <summary>Energy is the cumulative register (Energy.Active.Import.Register), never a delta.</summary>
public sealed record MeterReading(
    Instant TakenAt,
    [property: AtLeast(0)] long EnergyWh,
    [property: Range(0.0, 1_000_000.0)] decimal? PowerW,
    [property: Range(0, 100)] int? StateOfChargePercent);

public sealed record MeterValuesRecorded(
    [property: MinLength(1)] string SessionId,
    [property: MinLength(1)] IReadOnlyList<MeterReading> Readings);

public sealed record SessionStopped(
    [property: MinLength(1)] string SessionId,
    [property: AtLeast(0)] long MeterStopWh,
    StopReason Reason,
    Instant StoppedAt);

/// <summary>
/// The central system closed a session that went silent for longer than it allows (its charger crashed, lost
/// the transaction or never came back): the energy is the last register reading, and the session is taken to
/// end at that reading's time (<paramref name="StoppedAt"/>, the charger's clock). <paramref name="SilentSince"/>
/// is when the ledger last recorded anything of the session. If the charger later reports the session again,
/// a <see cref="SessionReopened"/> withdraws this close and the charger's own stop decides.
/// </summary>
public sealed record SessionClosedForSilence(
    [property: MinLength(1)] string SessionId,
    [property: AtLeast(0)] long MeterStopWh,
    Instant StoppedAt,
    Instant SilentSince,
    Instant ClosedAt);

/// <summary>The charger spoke of a session closed for silence: that close no longer stands, what the charger reports does.</summary>
public sealed record SessionReopened(
    [property: MinLength(1)] string SessionId,
    [property: MinLength(1)] string ChargerId,
    Instant ReopenedAt);

public sealed record SessionRated(
    [property: MinLength(1)] string SessionId,
    [property: Range(1, 5)] int Stars,
    string? Comment,
    Instant RatedAt);

public enum TokenType { Rfid, App, Emaid, CreditCard, Roaming, Local }

public enum AuthorisationOutcome { Accepted, Blocked, Expired, Invalid, ConcurrentTx, Unknown }

/// <summary>OCPP stop reasons, plus Timeout for sessions the CSMS had to close itself (e.g. a StopTransaction never came).</summary>
public enum StopReason
{
    Local, Remote, EVDisconnected, HardReset, SoftReset, PowerLoss, Reboot, EmergencyStop, DeAuthorized,
    UnlockCommand, EnergyLimitReached, TimeLimitReached, Timeout, Other,
}

/// <summary>OCPP 2.0.1 TransactionEvent seqNo skipped ahead: messages were lost between charger and us.</summary>
public sealed record TransactionSequenceGapDetected(
    [property: MinLength(1)] string SessionId,
    [property: Range(0, int.MaxValue)] int ExpectedSeqNo,
    [property: Range(0, int.MaxValue)] int ReceivedSeqNo,
    Instant DetectedAt);

/// <summary>
/// The session is priced with the tariff of this customer group (a tariff assigned with scope CustomerGroup), as the
/// token registry had the driver's token in it when the session was authorised.
/// </summary>
public sealed record SessionCustomerGroupAssigned(
    [property: MinLength(1)] string SessionId,
    [property: MinLength(1), MaxLength(Tokens.MaxGroupLength)] string CustomerGroup,
    Instant AssignedAt);
