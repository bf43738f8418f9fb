using NodaTime;
using Settlement.Domain.Sessions;
using Settlement.Domain.Tariffs;

namespace Settlement.Tests.Tariffs;

/// <summary>Builders for readable pricing tests.</summary>
internal static class Tariffs
{
    public static DateTimeZone Zone(string id) => DateTimeZoneProviders.Tzdb[id];

    public static PriceComponent Energy(decimal perKwh, int stepWh = 1, decimal? vat = null) => new(PriceComponentType.Energy, perKwh, vat, stepWh);
    public static PriceComponent Time(decimal perHour, int stepSeconds = 1, decimal? vat = null) => new(PriceComponentType.Time, perHour, vat, stepSeconds);
    public static PriceComponent Parking(decimal perHour, int stepSeconds = 1, decimal? vat = null) => new(PriceComponentType.ParkingTime, perHour, vat, stepSeconds);
    public static PriceComponent Flat(decimal fee, decimal? vat = null) => new(PriceComponentType.Flat, fee, vat, 1);

    public static TariffRestrictions Restrict(
        string? start = null, string? end = null, IsoDayOfWeek[]? days = null, decimal? minKwh = null, decimal? maxKwh = null,
        int? minDuration = null, int? maxDuration = null, decimal? minPowerKw = null, decimal? maxPowerKw = null) => new(
        start, end, StartDate: null, EndDate: null, minKwh, maxKwh, MinCurrentA: null, MaxCurrentA: null, minPowerKw, maxPowerKw,
        minDuration, maxDuration, days, Reservation: null);

    public static TariffElement Element(TariffRestrictions? restrictions, params PriceComponent[] components) => new(components, restrictions);

    public static TariffPublished Tariff(string currency, params TariffElement[] elements) => Version("T", 1, currency, elements);

    public static TariffPublished Version(string id, int version, string currency, params TariffElement[] elements) =>
        new(id, version, currency, PricesIncludeVat: false, elements, Instant.FromUtc(2020, 1, 1, 0, 0), null, Instant.FromUtc(2020, 1, 1, 0, 0));

    public static TariffSpan Always(TariffPublished tariff) =>
        new(Instant.FromUtc(2020, 1, 1, 0, 0), Instant.FromUtc(2040, 1, 1, 0, 0), tariff, StreamVersion: tariff.Version);

    /// <summary>A session drawing constant power from start to stop, with a reading every <paramref name="everyMinutes"/>.</summary>
    public static SessionUsage Steady(Instant start, Instant stop, decimal kw, int everyMinutes = 15)
    {
        var readings = new List<RegisterReading>();
        for (var t = start + Duration.FromMinutes(everyMinutes); t < stop; t += Duration.FromMinutes(everyMinutes))
            readings.Add(new RegisterReading(t, WhAt(t)));
        return new SessionUsage(start, 0, readings, stop, WhAt(stop));

        long WhAt(Instant t) => (long)(kw * 1000m * (decimal)(t - start).TotalSeconds / 3600m);
    }

    public static Instant Local(string zone, int year, int month, int day, int hour, int minute = 0) =>
        new LocalDateTime(year, month, day, hour, minute).InZoneLeniently(Zone(zone)).ToInstant();

    public static decimal Wh(SessionPrice price, decimal unitPrice) =>
        price.Lines.Where(l => l.Component == PriceComponentType.Energy && l.UnitPrice == unitPrice).Sum(l => l.Volume);

    public static decimal Seconds(SessionPrice price, PriceComponentType component, decimal unitPrice) =>
        price.Lines.Where(l => l.Component == component && l.UnitPrice == unitPrice).Sum(l => l.Volume);
}
