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

/// <summary>A site's postal address; <paramref name="CountryCode"/> is ISO 3166-1 alpha-2.</summary>
public sealed record SiteAddress(
    [property: MinLength(1), MaxLength(200)] string Street,
    [property: MinLength(1), MaxLength(20)] string PostalCode,
    [property: MinLength(1), MaxLength(100)] string City,
    [property: RegularExpression("^[A-Z]{2}$")] string CountryCode);

/// <summary>
/// v2 adds the postal address (null for sites registered as v1, before it was asked for) and the grid connection's
/// limit in amperes per phase where the grid operator states one. v1 reads as v2 through an upcaster.
/// </summary>
public sealed record SiteRegisteredV2(
    [property: MinLength(1)] string SiteId,
    [property: MinLength(1)] string Name,
    SiteAddress? Address,
    [property: RegularExpression("^[A-Z]{2}$")] string CountryCode,
    [property: MinLength(1)] string TimeZone,
    [property: Range(-90.0, 90.0)] decimal Latitude,
    [property: Range(-180.0, 180.0)] decimal Longitude,
    [property: Range(0.0, 100_000.0)] decimal GridCapacityKw,
    [property: Range(0.0, 100_000.0)] decimal? GridCapacityAmpsPerPhase,
    Instant RegisteredAt);

/// <summary>
/// The operator corrected or changed a site's details: every field holds the site's details from now on. A
/// jurisdiction already recorded for the site stays until the operator overrides it.
/// </summary>
public sealed record SiteDetailsChanged(
    [property: MinLength(1)] string SiteId,
    [property: MinLength(1)] string Name,
    SiteAddress Address,
    [property: RegularExpression("^[A-Z]{2}$")] string CountryCode,
    [property: MinLength(1)] string TimeZone,
    [property: Range(-90.0, 90.0)] decimal Latitude,
    [property: Range(-180.0, 180.0)] decimal Longitude,
    [property: Range(0.0, 100_000.0)] decimal GridCapacityKw,
    [property: Range(0.0, 100_000.0)] decimal? GridCapacityAmpsPerPhase,
    Instant ChangedAt);

/// <summary>
/// What a driver and a National Access Point need to know about a site beyond where it is (AFIR Art. 20, the static
/// data of Implementing Regulation (EU) 2025/655): who operates it (name and eMI3 operator id, e.g. DE*SET), the
/// helpdesk number shown at the station, when it is open in the site's local time, how a driver without a contract
/// pays there, and whether it is barrier-free (null: not stated). Every field holds from now on.
/// </summary>
public sealed record SitePublicDetailsDescribed(
    [property: MinLength(1)] string SiteId,
    [property: MinLength(1), MaxLength(200)] string OperatorName,
    [property: RegularExpression("^[A-Z]{2}\\*[A-Z0-9]{3}$")] string OperatorId,
    [property: RegularExpression("^\\+[1-9][0-9]{6,14}$")] string HelpdeskPhone,
    OpeningHours OpeningHours,
    [property: MinLength(1)] IReadOnlyList<AdHocPaymentMethod> AdHocPaymentMethods,
    bool? BarrierFree,
    Instant DescribedAt);

/// <summary>Open at all hours every day, or only in the weekly <paramref name="Periods"/> (site's local time).</summary>
public sealed record OpeningHours(bool TwentyFourSeven, IReadOnlyList<OpeningPeriod> Periods);

/// <summary>
/// Open on <paramref name="Days"/> from <paramref name="From"/> until <paramref name="Until"/> ("HH:MM", local time;
/// "24:00" for the end of the day). A period past midnight is two periods, one on each day.
/// </summary>
public sealed record OpeningPeriod(
    [property: MinLength(1)] IReadOnlyList<IsoDayOfWeek> Days,
    [property: RegularExpression("^([01][0-9]|2[0-3]):[0-5][0-9]$")] string From,
    [property: RegularExpression("^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$")] string Until);

/// <summary>How a driver without a contract pays for ad hoc charging at the site (AFIR Art. 5).</summary>
public enum AdHocPaymentMethod
{
    /// <summary>A payment card held against a contactless reader.</summary>
    PaymentCardContactless,
    /// <summary>A payment card inserted into a chip card reader.</summary>
    PaymentCardReader,
    /// <summary>A QR code at the station opening a secure payment web page.</summary>
    QrCodeWebPayment,
}

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

/// <summary>The operator added an EVSE to a registered charger, or replaced the connectors of one it has.</summary>
public sealed record EvseConfigured(
    [property: MinLength(1)] string ChargerId,
    EvseSpecification Evse,
    Instant ConfiguredAt);

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
