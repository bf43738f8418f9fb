using NodaTime;

namespace Settlement.Domain.Tariffs;

/// <summary>
/// One unit price, to a millionth of the currency unit (round further only for display): per kWh, per hour or per session. Without a VAT
/// percentage the two amounts are equal. <paramref name="StepSize"/> is OCPI's billing step (Wh for
/// energy, seconds for time).
/// </summary>
public sealed record QuotedPrice(decimal ExclVat, decimal InclVat, decimal? VatPercent, int StepSize);

/// <summary>
/// The price a driver without a contract pays for a session starting now (EU AFIR ad-hoc price), for a
/// payment terminal or QR page to show before the session starts. A component the tariff does not charge
/// at the start of a session is null. <paramref name="ValidUntil"/> is the earliest instant the quote may
/// change (a time-of-use boundary, a new day, the end of the tariff version); null when nothing ends it.
/// </summary>
public sealed record AdHocPriceQuote(
    string TariffId,
    int TariffVersion,
    string Currency,
    Instant QuotedAt,
    Instant? ValidUntil,
    QuotedPrice? PerKwh,
    QuotedPrice? PerChargingHour,
    QuotedPrice? PerParkingHour,
    QuotedPrice? SessionFee);

public static class AdHocPrice
{
    /// <summary>
    /// Quotes the span's tariff for a session that would start at <paramref name="at"/>: nothing charged
    /// yet, no time elapsed, power and current unknown, restrictions judged in the site's time zone.
    /// The span's end is taken as the end of the version, so pass one not clipped short, e.g. from
    /// <c>InForce(evse, null, at, Instant.MaxValue)</c>.
    /// </summary>
    public static AdHocPriceQuote At(TariffSpan span, Instant at, DateTimeZone zone)
    {
        if (at < span.From || at >= span.Until)
            throw new ArgumentOutOfRangeException(nameof(at), at, $"The quote is asked outside the span [{span.From}, {span.Until}).");

        var tariff = span.Tariff;
        var local = at.InZone(zone).LocalDateTime;
        var freshSession = new PricingMoment(local, EnergyBeforeWh: 0m, Elapsed: Duration.Zero, PowerKw: null, CurrentA: null);
        QuotedPrice? Quote(PriceComponentType type) =>
            ElementSelector.Active(tariff, type, freshSession) is { Component: var component }
                ? Price(component, tariff.PricesIncludeVat)
                : null;

        return new AdHocPriceQuote(
            tariff.TariffId,
            tariff.Version,
            tariff.Currency,
            at,
            ValidUntil(span, local, zone, at),
            PerKwh: Quote(PriceComponentType.Energy),
            PerChargingHour: Quote(PriceComponentType.Time),
            PerParkingHour: Quote(PriceComponentType.ParkingTime),
            SessionFee: Quote(PriceComponentType.Flat));
    }

    private static QuotedPrice Price(PriceComponent component, bool includesVat)
    {
        var factor = 1m + (component.VatPercent ?? 0m) / 100m;
        return includesVat
            ? new QuotedPrice(SubUnit.Round(component.Price / factor), component.Price, component.VatPercent, component.StepSize)
            : new QuotedPrice(component.Price, SubUnit.Round(component.Price * factor), component.VatPercent, component.StepSize);
    }

    /// <summary>
    /// For a fresh session only the wall clock moves what applies: an element's start or end time of
    /// day, or midnight for dates, days of week and a time window open on one side. Any of these may
    /// change the price, so the first one coming (or the end of the span) ends the quote.
    /// </summary>
    private static Instant? ValidUntil(TariffSpan span, LocalDateTime local, DateTimeZone zone, Instant at)
    {
        var changes = LocalBoundaries(span.Tariff, local.Date)
            .Select(boundary => ClockTime.Crossings(boundary, zone).Where(instant => instant > at).Cast<Instant?>().Min())
            .ToList();
        if (span.Until != Instant.MaxValue)
            changes.Add(span.Until);
        return changes.Min();
    }

    private static IEnumerable<LocalDateTime> LocalBoundaries(TariffPublished tariff, LocalDate today)
    {
        var tomorrow = today.PlusDays(1);
        foreach (var restrictions in tariff.Elements.Select(e => e.Restrictions).OfType<TariffRestrictions>())
        {
            foreach (var clock in new[] { restrictions.StartTime, restrictions.EndTime }.OfType<string>())
            {
                var time = ClockTime.Parse(clock);
                yield return today + time;
                yield return tomorrow + time;
            }
            var openOnOneSide = (restrictions.StartTime is null) != (restrictions.EndTime is null);
            if (openOnOneSide || restrictions.StartDate is not null || restrictions.EndDate is not null || restrictions.DaysOfWeek is not null)
                yield return tomorrow.AtMidnight();
        }
    }
}
