using NodaTime;
using Settlement.Domain.Chargers;

namespace Settlement.Domain.Reports;

// What AFIR (Regulation (EU) 2023/1804) Art. 20(2) has operators of publicly accessible recharging points
// make available through the National Access Point: static data (where a pool is, who runs it, its points,
// connectors and power) and dynamic data (whether a point works and is free, its ad hoc price).
// Commission Implementing Regulation (EU) 2025/655 lists the data types in full; this feed carries the
// core of them that our ledger knows.

/// <summary>The feed as of <see cref="GeneratedAt"/>, from the ledger events in <see cref="Source"/>.</summary>
public sealed record AfirFeed(Instant GeneratedAt, EventRange Source, IReadOnlyList<AfirPool> Pools);

/// <summary>
/// A recharging pool (a site): one or more recharging points at one location. <see cref="TimeZone"/> is the
/// IANA zone the site's opening hours and time-of-use prices are meant in.
/// </summary>
/// <param name="CountryCode">ISO 3166-1 alpha-2.</param>
/// <param name="OpenTwentyFourSeven">Accessible at all hours, every day.</param>
public sealed record AfirPool(
    string PoolId,
    string Name,
    AfirOperator Operator,
    AfirCoordinates Coordinates,
    string CountryCode,
    AfirAddress? Address,
    string TimeZone,
    bool OpenTwentyFourSeven,
    IReadOnlyList<AfirRechargingPoint> RechargingPoints);

/// <param name="OperatorId">The eMI3 operator id, e.g. "DE*SET".</param>
/// <param name="HelpdeskPhone">The number shown at the station for help, in international form.</param>
public sealed record AfirOperator(string OperatorId, string Name, string? HelpdeskPhone);

/// <summary>WGS84 degrees.</summary>
public sealed record AfirCoordinates(decimal Latitude, decimal Longitude);

public sealed record AfirAddress(string Street, string PostalCode, string City);

/// <summary>
/// A recharging point, an EVSE: one vehicle charges at it at a time, through one of its connectors.
/// </summary>
/// <param name="EvseId">The eMI3 EVSE id, e.g. "DE*SET*E*MUC01*1".</param>
public sealed record AfirRechargingPoint(
    string EvseId,
    IReadOnlyList<AfirConnector> Connectors,
    AfirStatus Status,
    AfirAdHocPrice AdHocPrice);

public enum PowerType { AC, DC }

public sealed record AfirConnector(ConnectorStandard Standard, PowerType PowerType, decimal MaxPowerKw);

public enum OperationalStatus
{
    /// <summary>Works and no vehicle is using it.</summary>
    Available,
    /// <summary>Works and a vehicle is plugged in or it is reserved.</summary>
    Occupied,
    /// <summary>Faulted or taken out of service.</summary>
    OutOfOrder,
    /// <summary>We have not heard from the charger recently enough to say.</summary>
    Unknown,
}

/// <summary>The point's dynamic data, as last reported at <see cref="LastUpdated"/>.</summary>
public sealed record AfirStatus(OperationalStatus OperationalStatus, Instant LastUpdated);

/// <summary>
/// What a driver without a contract pays (AFIR Art. 5), VAT included: per kWh, per minute or per hour
/// (whichever the tariff states, so no price is rounded by converting it), per session. A component the
/// tariff does not charge is null; a point always has at least one.
/// </summary>
/// <param name="Currency">ISO 4217.</param>
public sealed record AfirAdHocPrice(
    string Currency,
    decimal? PerKwhInclVat,
    decimal? PerMinuteInclVat,
    decimal? PerHourInclVat,
    decimal? PerSessionInclVat);
