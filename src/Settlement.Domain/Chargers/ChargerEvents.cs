using System.ComponentModel.DataAnnotations;
using NodaTime;

namespace Settlement.Domain.Chargers;

// Sites carry what prices and taxes depend on: the local time zone (TOU periods) and the GPS
// position (VAT jurisdiction). Site streams hold these; charger streams hold everything a charger does.

public sealed record SiteRegistered(
    [property: MinLength(1)] string SiteId,
    [property: MinLength(1)] string Name,
    [property: RegularExpression("^[A-Z]{2}$")] string CountryCode,
    [property: MinLength(1)] string TimeZone,
    [property: Range(-90.0, 90.0)] decimal Latitude,
    [property: Range(-180.0, 180.0)] decimal Longitude,
    [property: Range(0.0, 100_000.0)] decimal GridCapacityKw,
    Instant RegisteredAt);

public sealed record ConnectorSpecification(
    [property: Range(1, 99)] int ConnectorId,
    ConnectorStandard Standard,
    [property: Range(0.0, 1_000.0)] decimal MaxPowerKw);

public sealed record EvseSpecification(
    [property: Range(1, 99)] int EvseId,
    IReadOnlyList<ConnectorSpecification> Connectors);

public sealed record ChargerRegistered(
    [property: MinLength(1)] string ChargerId,
    [property: MinLength(1)] string SiteId,
    [property: MinLength(1)] string Vendor,
    [property: MinLength(1)] string Model,
    OcppVersion Protocol,
    IReadOnlyList<EvseSpecification> Evses,
    Instant RegisteredAt);

public sealed record ChargerBooted(
    [property: MinLength(1)] string ChargerId,
    [property: MinLength(1)] string Vendor,
    [property: MinLength(1)] string Model,
    string? SerialNumber,
    string? FirmwareVersion,
    BootReason Reason,
    Instant BootedAt);

// EvseId (and ConnectorId) 0 means the whole charger, as connectorId 0 does in OCPP 1.6.

/// <summary>OCPP 1.6 reports status per connector; 2.0.1 per EVSE and connector. Both fit here.</summary>
public sealed record ConnectorStatusChanged(
    [property: MinLength(1)] string ChargerId,
    [property: Range(0, 99)] int EvseId,
    [property: Range(0, 99)] int ConnectorId,
    ConnectorStatus Status,
    Instant ChangedAt);

/// <summary>
/// <paramref name="LastSeenAt"/> is when the outage began (the last message heard), not when it was
/// noticed: uptime KPIs count from there.
/// </summary>
public sealed record ChargerWentOffline(
    [property: MinLength(1)] string ChargerId,
    Instant LastSeenAt,
    Instant DetectedAt);

public sealed record ChargerCameBackOnline(
    [property: MinLength(1)] string ChargerId,
    Instant ReconnectedAt);

public sealed record FaultReported(
    [property: MinLength(1)] string ChargerId,
    [property: Range(0, 99)] int EvseId,
    [property: Range(0, 99)] int ConnectorId,
    [property: MinLength(1)] string ErrorCode,
    string? VendorErrorCode,
    string? Info,
    Instant ReportedAt);

public sealed record FaultCleared(
    [property: MinLength(1)] string ChargerId,
    [property: Range(0, 99)] int EvseId,
    [property: Range(0, 99)] int ConnectorId,
    [property: MinLength(1)] string ErrorCode,
    Instant ClearedAt);

/// <summary>Planned downtime: NEVI uptime excludes it, so it is recorded before it starts.</summary>
public sealed record MaintenancePlanned(
    [property: MinLength(1)] string ChargerId,
    [property: MinLength(1)] string MaintenanceId,
    [property: Range(0, 99)] int EvseId,
    Instant From,
    Instant Until,
    [property: MinLength(1)] string Reason,
    Instant PlannedAt);

public sealed record MaintenanceEnded(
    [property: MinLength(1)] string ChargerId,
    [property: MinLength(1)] string MaintenanceId,
    Instant EndedAt);

public sealed record FirmwareStatusReported(
    [property: MinLength(1)] string ChargerId,
    FirmwareStatus Status,
    string? FirmwareVersion,
    Instant ReportedAt);

public enum OcppVersion { Ocpp16, Ocpp201 }

public enum ConnectorStandard { Type2, Ccs2, Ccs1, Chademo, Nacs, Type1 }

public enum BootReason
{
    PowerUp, ApplicationReset, FirmwareUpdate, LocalReset, RemoteReset, ScheduledReset, Triggered, Watchdog, Unknown,
}

/// <summary>The union of OCPP 1.6 ChargePointStatus and 2.0.1 ConnectorStatusEnumType.</summary>
public enum ConnectorStatus
{
    Available, Preparing, Charging, SuspendedEV, SuspendedEVSE, Finishing, Reserved, Unavailable, Faulted, Occupied,
}

public enum FirmwareStatus
{
    Idle, Downloading, Downloaded, DownloadFailed, DownloadScheduled, DownloadPaused, Installing, Installed,
    InstallationFailed, InstallRebooting, InstallScheduled, InstallVerificationFailed, InvalidSignature, SignatureVerified,
}
