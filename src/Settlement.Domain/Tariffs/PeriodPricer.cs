using NodaTime;
using Settlement.Domain.Monetary;

namespace Settlement.Domain.Tariffs;

/// <summary>
/// A stretch of a session over which nothing a tariff looks at changes. Charging and parking are
/// separate volumes because OCPI prices them separately (TIME vs PARKING_TIME).
/// <paramref name="Span"/> indexes the tariff spans the period is priced with.
/// </summary>
public readonly record struct PricingPeriod(
    Instant Start,
    Instant End,
    decimal EnergyWh,
    decimal ChargingSeconds,
    decimal ParkingSeconds,
    decimal EnergyBeforeWh,
    Duration Elapsed,
    decimal? PowerKw,
    decimal? CurrentA,
    int Span);

/// <summary>
/// Prices periods as OCPI 2.2.1 does: per period and dimension the first active element wins; a flat
/// fee is charged once, in the first period where one is active; a dimension's step size rounds up
/// the session's total volume of that dimension, with the step and price of its last priced period;
/// TIME is not rounded when parking was priced (the step belongs to the parking then).
/// </summary>
public static class PeriodPricer
{
    private const decimal SecondsPerHour = 3600m;
    private const decimal WhPerKwh = 1000m;

    public static SessionPrice Price(
        IReadOnlyList<PricingPeriod> periods, IReadOnlyList<TariffSpan> spans, DateTimeZone zone, Instant from, Instant until)
    {
        var currency = CommonCurrency(spans);
        var lines = new List<LineDraft>();
        LineDraft? lastEnergy = null, lastTime = null, lastParking = null;
        var flatCharged = false;
        var parkingPriced = false;
        decimal energyWh = 0m, chargingSeconds = 0m, parkingSeconds = 0m;

        foreach (var period in periods)
        {
            energyWh += period.EnergyWh;
            chargingSeconds += period.ChargingSeconds;
            parkingSeconds += period.ParkingSeconds;
            var span = spans[period.Span];
            var moment = new PricingMoment(
                period.Start.InZone(zone).LocalDateTime, period.EnergyBeforeWh, period.Elapsed, period.PowerKw, period.CurrentA);

            if (!flatCharged && ElementSelector.Active(span.Tariff, PriceComponentType.Flat, moment) is { } flat)
            {
                // A fee is charged at an instant, not over a period: the line must not depend on where the session was cut.
                lines.Add(new LineDraft(flat, span, period.Start, period.Start, 1m));
                flatCharged = true;
            }
            if (period.EnergyWh > 0m)
                lastEnergy = Accrue(lines, lastEnergy, span, PriceComponentType.Energy, moment, period, period.EnergyWh) ?? lastEnergy;
            if (period.ChargingSeconds > 0m)
                lastTime = Accrue(lines, lastTime, span, PriceComponentType.Time, moment, period, period.ChargingSeconds) ?? lastTime;
            if (period.ParkingSeconds > 0m && Accrue(lines, lastParking, span, PriceComponentType.ParkingTime, moment, period, period.ParkingSeconds) is { } parking)
            {
                lastParking = parking;
                parkingPriced = true;
            }
        }

        RoundUpToStep(lines, lastEnergy);
        RoundUpToStep(lines, lastParking);
        if (!parkingPriced) RoundUpToStep(lines, lastTime);

        var priced = lines.Select(line => line.ToLine(zone)).ToList();
        return new SessionPrice(
            currency.Code, zone.Id, from, until, energyWh, chargingSeconds, parkingSeconds, priced,
            Cost(priced, PriceComponentType.Energy), Cost(priced, PriceComponentType.Time),
            Cost(priced, PriceComponentType.ParkingTime), Cost(priced, PriceComponentType.Flat),
            Total(priced, currency, line => line.AmountExclVat), Total(priced, currency, line => line.AmountInclVat),
            spans.Select(s => new TariffVersionRef(s.Tariff.TariffId, s.Tariff.Version, s.StreamVersion)).Distinct().ToList());
    }

    private static Currency CommonCurrency(IReadOnlyList<TariffSpan> spans)
    {
        if (spans.Count == 0) throw new UnpriceableSessionException("No tariff is in force for the session.");
        var code = spans[0].Tariff.Currency;
        foreach (var span in spans)
            if (span.Tariff.Currency != code)
                throw new UnpriceableSessionException(
                    $"Tariffs in force during the session are in different currencies ({code}, {span.Tariff.Currency}); one session has one currency.");
        return Currency.TryFromCode(code, out var currency)
            ? currency
            : throw new UnpriceableSessionException($"Tariff {spans[0].Tariff.TariffId} has an unknown currency '{code}'.");
    }

    /// <summary>Adds the volume to the line it continues, or opens a line; null when no element prices the dimension now.</summary>
    private static LineDraft? Accrue(
        List<LineDraft> lines, LineDraft? last, TariffSpan span, PriceComponentType type, in PricingMoment moment,
        in PricingPeriod period, decimal volume)
    {
        if (ElementSelector.Active(span.Tariff, type, moment) is not { } active) return null;
        if (last is not null && last.Continues(active, span, period.Start))
        {
            last.Extend(period.End, volume);
            return last;
        }
        var line = new LineDraft(active, span, period.Start, period.End, volume);
        lines.Add(line);
        return line;
    }

    private static void RoundUpToStep(List<LineDraft> lines, LineDraft? last)
    {
        if (last is null) return;
        var total = lines.Where(l => l.Component.Type == last.Component.Type).Sum(l => l.Volume);
        var step = (decimal)last.Component.StepSize;
        if (step <= 0m) return;
        var rounded = Math.Ceiling(total / step) * step;
        last.BilledVolume += rounded - total;
    }

    private static ComponentCost Cost(List<PriceLine> lines, PriceComponentType type)
    {
        decimal excl = 0m, incl = 0m;
        foreach (var line in lines)
            if (line.Component == type)
            {
                excl += line.AmountExclVat;
                incl += line.AmountInclVat;
            }
        return new ComponentCost(excl, incl);
    }

    private static Money Total(List<PriceLine> lines, Currency currency, Func<PriceLine, decimal> amount) =>
        new Money(lines.Sum(amount), currency).Round(MidpointRounding.AwayFromZero);

    private sealed class LineDraft(ActiveComponent active, TariffSpan span, Instant from, Instant until, decimal volume)
    {
        public PriceComponent Component { get; } = active.Component;
        private int ElementIndex { get; } = active.ElementIndex;
        private TariffSpan Span { get; } = span;
        private Instant Until { get; set; } = until;
        public decimal Volume { get; private set; } = volume;
        public decimal BilledVolume { get; set; } = volume;

        public bool Continues(ActiveComponent next, TariffSpan span, Instant start) =>
            next.ElementIndex == ElementIndex && start == Until
            && span.Tariff.TariffId == Span.Tariff.TariffId && span.Tariff.Version == Span.Tariff.Version;

        public void Extend(Instant until, decimal volume)
        {
            Until = until;
            Volume += volume;
            BilledVolume += volume;
        }

        public PriceLine ToLine(DateTimeZone zone)
        {
            var tariff = Span.Tariff;
            var amount = Component.Type switch
            {
                PriceComponentType.Energy => BilledVolume * Component.Price / WhPerKwh,
                PriceComponentType.Flat => Component.Price,
                _ => BilledVolume * Component.Price / SecondsPerHour,
            };
            var vatFactor = 1m + (Component.VatPercent ?? 0m) / 100m;
            var (excl, incl) = tariff.PricesIncludeVat ? (amount / vatFactor, amount) : (amount, amount * vatFactor);
            excl = SubUnit.Round(excl);
            incl = SubUnit.Round(incl);
            return new PriceLine(
                Component.Type, tariff.TariffId, tariff.Version, ElementIndex, from, Until,
                from.InZone(zone).LocalDateTime, Until.InZone(zone).LocalDateTime,
                Volume, BilledVolume, Component.Price, Component.VatPercent, excl, incl);
        }
    }
}
