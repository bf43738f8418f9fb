using System.ComponentModel.DataAnnotations;
using NodaTime;

namespace Settlement.Domain.Tariffs;

// The tariff shape follows OCPI 2.2.1 (elements of price components with restrictions) so that
// roaming can hand tariffs to partners unchanged. Times of day are the site's local "HH:MM".

public sealed record PriceComponent(
    PriceComponentType Type,
    [property: Range(0.0, 1_000_000.0)] decimal Price,
    [property: Range(0.0, 100.0)] decimal? VatPercent,
    [property: Range(1, 86_400)] int StepSize);

public sealed record TariffRestrictions(
    [property: RegularExpression("^([01][0-9]|2[0-3]):[0-5][0-9]$")] string? StartTime,
    [property: RegularExpression("^([01][0-9]|2[0-3]):[0-5][0-9]$")] string? EndTime,
    LocalDate? StartDate,
    LocalDate? EndDate,
    decimal? MinKwh,
    decimal? MaxKwh,
    decimal? MinCurrentA,
    decimal? MaxCurrentA,
    decimal? MinPowerKw,
    decimal? MaxPowerKw,
    int? MinDurationSeconds,
    int? MaxDurationSeconds,
    IReadOnlyList<IsoDayOfWeek>? DaysOfWeek,
    ReservationRestriction? Reservation)
{
    /// <summary>A time-of-use band in the site's local time, restricting nothing else.</summary>
    public static TariffRestrictions Hours(string startTime, string endTime) => new(
        startTime, endTime, StartDate: null, EndDate: null, MinKwh: null, MaxKwh: null, MinCurrentA: null, MaxCurrentA: null,
        MinPowerKw: null, MaxPowerKw: null, MinDurationSeconds: null, MaxDurationSeconds: null, DaysOfWeek: null, Reservation: null);
}

public sealed record TariffElement(
    [property: MinLength(1)] IReadOnlyList<PriceComponent> PriceComponents,
    TariffRestrictions? Restrictions);

public sealed record TariffPublished(
    [property: MinLength(1)] string TariffId,
    [property: Range(1, int.MaxValue)] int Version,
    [property: RegularExpression("^[A-Z]{3}$")] string Currency,
    bool PricesIncludeVat,
    [property: MinLength(1)] IReadOnlyList<TariffElement> Elements,
    Instant ValidFrom,
    Instant? ValidUntil,
    Instant PublishedAt);

public sealed record TariffSuperseded(
    [property: MinLength(1)] string TariffId,
    [property: Range(1, int.MaxValue)] int SupersededVersion,
    [property: Range(1, int.MaxValue)] int SupersedingVersion,
    Instant EffectiveFrom,
    Instant SupersededAt);

public sealed record TariffAssigned(
    [property: MinLength(1)] string TariffId,
    TariffScope Scope,
    [property: MinLength(1)] string ScopeId,
    Instant ValidFrom,
    Instant? ValidUntil,
    Instant AssignedAt);

public enum PriceComponentType { Energy, Flat, ParkingTime, Time }

public enum ReservationRestriction { Reservation, ReservationExpires }

public enum TariffScope { Site, Evse, CustomerGroup }
