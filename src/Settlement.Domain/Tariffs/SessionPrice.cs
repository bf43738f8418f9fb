using NodaTime;
using Settlement.Domain.Monetary;
using Settlement.Domain.Sessions;

namespace Settlement.Domain.Tariffs;

/// <summary>
/// What pricing needs of a session: its meter register over time. A session still running is priced up
/// to its last reading.
/// </summary>
public sealed record SessionUsage(
    Instant StartedAt,
    long MeterStartWh,
    IReadOnlyList<RegisterReading> Readings,
    Instant? StoppedAt,
    long? MeterStopWh);

/// <summary>
/// The part of a <see cref="MeterReading"/> pricing looks at. A value, so that a running session's
/// readings, kept until it stops, cost no object each.
/// </summary>
public readonly record struct RegisterReading(Instant TakenAt, long EnergyWh)
{
    public static RegisterReading Of(MeterReading reading) => new(reading.TakenAt, reading.EnergyWh);
}

/// <summary>A tariff version in force for an EVSE over [From, Until). <paramref name="StreamVersion"/> locates its TariffPublished event in stream "tariff:{id}".</summary>
public sealed record TariffSpan(Instant From, Instant Until, TariffPublished Tariff, long StreamVersion);

/// <summary>A stretch of a session as metered: energy in Wh, charging and parking (idle after the register last rose) in seconds.</summary>
public sealed record UsageSlice(Instant From, Instant Until, decimal EnergyWh, decimal ChargingSeconds, decimal ParkingSeconds);

public sealed record TariffVersionRef(string TariffId, int Version, long StreamVersion);

/// <summary>Volumes are Wh for energy, seconds for time and parking, 1 for a flat fee; prices per kWh, per hour, per session.</summary>
public sealed record PriceLine(
    PriceComponentType Component,
    string TariffId,
    int TariffVersion,
    int ElementIndex,
    Instant From,
    Instant Until,
    LocalDateTime LocalFrom,
    LocalDateTime LocalUntil,
    decimal Volume,
    decimal BilledVolume,
    decimal UnitPrice,
    decimal? VatPercent,
    decimal AmountExclVat,
    decimal AmountInclVat);

public sealed record ComponentCost(decimal ExclVat, decimal InclVat)
{
    public static ComponentCost Zero { get; } = new(0m, 0m);
}

/// <summary>
/// A session's price: one line per component and tariff period, amounts to a millionth of the currency
/// unit (rounded half to even, never to the minor unit per line), and totals rounded to the currency's
/// minor units half away from zero.
/// </summary>
public sealed record SessionPrice(
    string Currency,
    string TimeZone,
    Instant From,
    Instant Until,
    decimal EnergyWh,
    decimal ChargingSeconds,
    decimal ParkingSeconds,
    IReadOnlyList<PriceLine> Lines,
    ComponentCost Energy,
    ComponentCost Time,
    ComponentCost Parking,
    ComponentCost Flat,
    Money TotalExclVat,
    Money TotalInclVat,
    IReadOnlyList<TariffVersionRef> Tariffs);

/// <summary>
/// Per-hour prices and VAT-inclusive prices divide. Line amounts and quoted unit prices keep a millionth
/// of the currency unit (far below any minor unit), rounded half to even; only totals are rounded to
/// what can be paid.
/// </summary>
public static class SubUnit
{
    public const int Decimals = 6;

    public static decimal Round(decimal amount) => decimal.Round(amount, Decimals, MidpointRounding.ToEven);
}

/// <summary>Pricing refused: no tariff in force for part of the session, or versions in different currencies.</summary>
public sealed class UnpriceableSessionException(string message) : Exception(message);
