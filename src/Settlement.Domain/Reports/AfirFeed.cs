using NodaTime;
using Settlement.Domain.Chargers;

namespace Settlement.Domain.Reports;

// What AFIR (Regulation (EU) 2023/1804) Art. 20(2) has operators of publicly accessible recharging points
// make available through the National Access Point: static data (where a pool is, who runs it, its points,
// connectors and power) and dynamic data (whether a point works and is free, its ad hoc price).
// Commission Implementing Regulation (EU) 2025/655 lists the data types in full; this feed carries the
// core of them that our ledger knows.

/// <summary>
/// The feed as of <see cref="GeneratedAt"/>, from the ledger events in <see cref="Source"/>: the pools published, and
/// the sites left out with why, so the operator sees what to complete (only the EU/EEA pools are ever published).
/// </summary>
public sealed record AfirFeed(Instant GeneratedAt, EventRange Source, IReadOnlyList<AfirPool> Pools, IReadOnlyList<AfirWithheldPool> Withheld)
{
    /// <summary>
    /// Where AFIR applies: the EU member states and, by the EEA Agreement (the regulation is "text with EEA
    /// relevance"), Iceland, Liechtenstein and Norway. A site anywhere else is never published.
    /// </summary>
    public static readonly IReadOnlySet<string> Countries = new HashSet<string>(
        Settlement.Domain.Invoicing.InvoiceDrafting.EuMemberStates.Concat(["IS", "LI", "NO"]));

    /// <summary>Only the pools where AFIR applies: the open publications never carry any other.</summary>
    public AfirFeed WhereAfirApplies() => this with
    {
        Pools = [.. Pools.Where(p => Countries.Contains(p.CountryCode))],
        Withheld = [.. Withheld.Where(w => Countries.Contains(w.CountryCode))],
    };
}

/// <summary>Why a site is not in the feed: no public details described yet, no recharging point with an ad hoc price in force.</summary>
public enum WithheldReason { NoPublicDetails, NoAdHocPriceInForce }

public sealed record AfirWithheldPool(string PoolId, string CountryCode, IReadOnlyList<WithheldReason> Reasons);

/// <summary>
/// A recharging pool (a site): one or more recharging points at one location. <see cref="TimeZone"/> is the
/// IANA zone the site's opening hours and time-of-use prices are meant in.
/// </summary>
/// <param name="CountryCode">ISO 3166-1 alpha-2.</param>
/// <param name="Address">Null for a site registered before addresses were asked for.</param>
/// <param name="OpeningHours">When the pool is accessible, in its local time.</param>
/// <param name="AdHocPaymentMethods">How a driver without a contract pays there.</param>
/// <param name="BarrierFree">Null where the operator has not said.</param>
public sealed record AfirPool(
    string PoolId,
    string Name,
    AfirOperator Operator,
    AfirCoordinates Coordinates,
    string CountryCode,
    AfirAddress? Address,
    string TimeZone,
    OpeningHours OpeningHours,
    IReadOnlyList<AdHocPaymentMethod> AdHocPaymentMethods,
    bool? BarrierFree,
    IReadOnlyList<AfirRechargingPoint> RechargingPoints);

/// <param name="OperatorId">The eMI3 operator id, e.g. "DE*SET".</param>
/// <param name="HelpdeskPhone">The number shown at the station for help, in international form.</param>
public sealed record AfirOperator(string OperatorId, string Name, string HelpdeskPhone);

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
/// What a driver without a contract pays (AFIR Art. 5), VAT included: per kWh, per minute or per hour of
/// charging (whichever the tariff states, so no price is rounded by converting it), per hour parked after
/// charging (the idle fee), per session. A component the tariff does not charge is null; a point always has
/// at least one. <paramref name="VatPercent"/> is the rate the prices include (null: the tariff states none).
/// </summary>
/// <param name="Currency">ISO 4217.</param>
/// <param name="PublishedAt">When the tariff version in force was published: when this price last changed.</param>
public sealed record AfirAdHocPrice(
    string Currency,
    decimal? PerKwhInclVat,
    decimal? PerMinuteInclVat,
    decimal? PerHourInclVat,
    decimal? PerSessionInclVat,
    decimal? PerIdleHourInclVat = null,
    decimal? VatPercent = null,
    Instant? PublishedAt = null);
