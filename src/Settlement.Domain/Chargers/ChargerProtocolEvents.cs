using System.ComponentModel.DataAnnotations;
using NodaTime;
using Settlement.Domain.Drivers;
using Settlement.Domain.Events;
using Settlement.Domain.Sessions;

namespace Settlement.Domain.Chargers;

// What the central system learns from, and does to, a charger over OCPP beyond the network's core facts.
// Raw frames travel in each event's metadata (SourceMessage), so these records keep only what is decided on.

/// <summary>Security profiles 1 and 2: the charger's HTTP Basic password, stored only as a salted PBKDF2 hash.</summary>
public sealed record ChargerCredentialsSet(
    [property: MinLength(1)] string ChargerId,
    [property: MinLength(1), Secret] string PasswordHash,
    Instant SetAt);

/// <summary>
/// The same password, hashed again with the current KDF when the charger last logged in with it: not a new
/// password (that is <see cref="ChargerCredentialsSet"/>, the operator's act), only a stronger record of it.
/// </summary>
public sealed record ChargerCredentialsRehashed(
    [property: MinLength(1)] string ChargerId,
    [property: MinLength(1), Secret] string PasswordHash,
    Instant RehashedAt);

/// <summary>An Authorize request answered before any session exists (OCPP 1.6 Authorize, 2.0.1 Authorize).</summary>
public sealed record IdTokenAuthorised(
    [property: MinLength(1)] string ChargerId,
    [property: MinLength(1)] string IdToken,
    AuthorisationOutcome Outcome,
    Instant AuthorisedAt);

/// <summary>v2: the token is sealed under the driver's key, never stored in plain.</summary>
public sealed record IdTokenAuthorisedV2(
    [property: MinLength(1)] string ChargerId,
    DriverSealed IdToken,
    AuthorisationOutcome Outcome,
    Instant AuthorisedAt);

public sealed record DataTransferReceived(
    [property: MinLength(1)] string ChargerId,
    [property: MinLength(1)] string VendorId,
    string? MessageId,
    string? Data,
    Instant ReceivedAt);

public sealed record DiagnosticsStatusReported(
    [property: MinLength(1)] string ChargerId,
    DiagnosticsStatus Status,
    Instant ReportedAt);

public sealed record ComponentEvent(
    int EventId,
    Instant Timestamp,
    [property: MinLength(1)] string Trigger,
    [property: MinLength(1)] string Component,
    [property: MinLength(1)] string Variable,
    string ActualValue,
    string? TechCode,
    bool Cleared);

/// <summary>OCPP 2.0.1 NotifyEvent: component-level diagnostics (a fan failing, a temperature limit).</summary>
public sealed record ComponentEventsReported(
    [property: MinLength(1)] string ChargerId,
    [property: MinLength(1)] IReadOnlyList<ComponentEvent> Events,
    Instant GeneratedAt);

public sealed record SecurityEventReported(
    [property: MinLength(1)] string ChargerId,
    [property: MinLength(1)] string Type,
    string? TechInfo,
    Instant Timestamp);

/// <summary>One part of an OCPP 2.0.1 NotifyReport; the report data is kept as the charger sent it.</summary>
public sealed record ChargerReportReceived(
    [property: MinLength(1)] string ChargerId,
    int RequestId,
    [property: Range(0, int.MaxValue)] int SeqNo,
    bool ToBeContinued,
    string ReportDataJson,
    Instant GeneratedAt);

/// <summary>A frame the central system refused (malformed, unknown action, schema violation), with its answer.</summary>
public sealed record ProtocolViolationRecorded(
    [property: MinLength(1)] string ChargerId,
    [property: MinLength(1)] string ErrorCode,
    [property: MinLength(1)] string Description,
    string RawFrame,
    Instant DetectedAt);

/// <summary>
/// v2: the refused frame is kept with every value that may name a driver redacted (<see cref="FrameRedaction"/>),
/// since a frame that broke the protocol cannot be trusted to say whose token it carries. The frame as received
/// travels in the metadata: sealed under the driver's key when it names one driver, not kept when it names
/// several or one cut off, in plain when it names none.
/// </summary>
public sealed record ProtocolViolationRecordedV2(
    [property: MinLength(1)] string ChargerId,
    [property: MinLength(1)] string ErrorCode,
    [property: MinLength(1)] string Description,
    string RedactedFrame,
    Instant DetectedAt);

/// <summary>How many violations of one kind (the CALLERROR code they were answered with) an interval counted.</summary>
public sealed record ViolationKindCount(
    [property: MinLength(1)] string ErrorCode,
    [property: Range(1, int.MaxValue)] int Count);

/// <summary>
/// The protocol violations of one charger in one interval that were not recorded one by one: the first of an interval
/// is, as a <see cref="ProtocolViolationRecordedV2"/>; those after it are counted here, with the first of them as a
/// sample, its frame redacted as that event's is and cut to <see cref="SampleFrameLimit"/> characters. A flood of bad
/// frames thus costs the ledger two events per charger and interval, whatever its size.
/// </summary>
public sealed record ProtocolViolationsCounted(
    [property: MinLength(1)] string ChargerId,
    [property: Range(1, int.MaxValue)] int Count,
    Instant FirstAt,
    Instant LastAt,
    [property: MinLength(1)] IReadOnlyList<ViolationKindCount> Kinds,
    [property: MinLength(1)] string SampleErrorCode,
    [property: MinLength(1), MaxLength(ProtocolViolationsCounted.SampleDescriptionLimit)] string SampleDescription,
    [property: MaxLength(ProtocolViolationsCounted.SampleFrameLimit)] string SampleRedactedFrame)
{
    public const int SampleDescriptionLimit = 500;
    public const int SampleFrameLimit = 1_024;
}

/// <summary>Meter values a charger sent outside any transaction (OCPP allows it, e.g. for a whole charger).</summary>
public sealed record ChargerMeterValuesRecorded(
    [property: MinLength(1)] string ChargerId,
    [property: Range(0, 99)] int EvseId,
    [property: MinLength(1)] IReadOnlyList<MeterReading> Readings);

/// <summary>A StopTransaction for a transaction the ledger never saw start (e.g. started while offline and lost).</summary>
public sealed record UnknownTransactionStopped(
    [property: MinLength(1)] string ChargerId,
    [property: MinLength(1)] string TransactionId,
    [property: Events.AtLeast(0)] long MeterStopWh,
    string? Reason,
    Instant StoppedAt);

/// <summary>A command to a charger, recorded before it is sent (an offline charger's command is issued, never sent).</summary>
public sealed record CommandIssued(
    [property: MinLength(1)] string ChargerId,
    [property: MinLength(1)] string CommandId,
    [property: MinLength(1)] string Action,
    string PayloadJson,
    Instant IssuedAt);

/// <summary>
/// v2: <paramref name="PayloadJson"/> is the payload sent without the driver's token (a remote start's 1.6
/// <c>idTag</c>, 2.0.1 <c>idToken.idToken</c>); <paramref name="DriverToken"/> is that token sealed under the
/// driver's key, null when the command names no driver.
/// </summary>
public sealed record CommandIssuedV2(
    [property: MinLength(1)] string ChargerId,
    [property: MinLength(1)] string CommandId,
    [property: MinLength(1)] string Action,
    string PayloadJson,
    DriverSealed? DriverToken,
    Instant IssuedAt);

/// <summary><paramref name="Status"/> is the charger's own answer (Accepted, Rejected, ...) when it answered.</summary>
public sealed record CommandCompleted(
    [property: MinLength(1)] string ChargerId,
    [property: MinLength(1)] string CommandId,
    CommandOutcome Outcome,
    string? Status,
    string? ResponseJson,
    Instant CompletedAt);

public enum DiagnosticsStatus { Idle, Uploaded, UploadFailed, Uploading }

public enum CommandOutcome { Answered, CallError, TimedOut, ChargerOffline }
