using NodaTime;

namespace Settlement.Domain.Tariffs;

/// <summary>
/// Prices a session from its meter register. The register is taken as linear between readings, so
/// energy between two readings is apportioned by time; the session is cut wherever anything a tariff
/// looks at can change (a reading, a tariff version, a local time of day or midnight, a DST change, a
/// duration or kWh threshold), and each piece is priced with the tariff version in force at its start.
/// Time is charging time until the register last rose, parking (idle) time after it.
/// </summary>
public static class SessionPricer
{
    // Interpolated register values are kept to the micro-Wh: every period's energy is the difference
    // of two such values, so the periods always add up to the metered energy exactly.
    private const int RegisterDecimals = 6;
    private const decimal NanosecondsPerSecond = 1_000_000_000m;

    public static SessionPrice Price(SessionUsage usage, IReadOnlyList<TariffSpan> tariffs, DateTimeZone zone)
    {
        var register = Register(usage);
        var start = usage.StartedAt;
        var end = register[^1].At;
        var spans = tariffs.OrderBy(s => s.From).ToList();
        var periods = Periods(register, spans, zone, start, end);
        return PeriodPricer.Price(periods, spans, zone, start, end);
    }

    /// <summary>
    /// The session's usage cut at <paramref name="cuts"/> (instants strictly inside the session; others are ignored):
    /// energy, charging and parking time per slice, measured exactly as <see cref="Price"/> measures them, so the
    /// slices add up to the price's <see cref="SessionPrice.EnergyWh"/>, charging and parking seconds.
    /// </summary>
    public static IReadOnlyList<UsageSlice> Slices(SessionUsage usage, IEnumerable<Instant> cuts)
    {
        var register = Register(usage);
        var start = usage.StartedAt;
        var end = register[^1].At;
        if (end <= start) return [];
        var chargingUntil = LastRise(register);
        var slices = new List<UsageSlice>();
        var from = start;
        var fromWh = register[0].Wh;
        foreach (var to in cuts.Where(c => c > start && c < end).Append(end).Distinct().Order())
        {
            var seconds = Seconds(to - from);
            var charging = chargingUntil <= from ? 0m : chargingUntil >= to ? seconds : Seconds(chargingUntil - from);
            var toWh = WhAt(register, to);
            slices.Add(new UsageSlice(from, to, toWh - fromWh, charging, seconds - charging));
            (from, fromWh) = (to, toWh);
        }
        return slices;
    }

    private static decimal Seconds(Duration duration) => (decimal)duration.ToInt64Nanoseconds() / NanosecondsPerSecond;

    private static decimal WhAt(List<RegisterPoint> register, Instant at)
    {
        for (var i = 1; i < register.Count; i++)
            if (register[i].At >= at)
                return register[i].At == at ? register[i].Wh : Interpolate(register[i - 1], register[i], at);
        return register[^1].Wh;
    }

    private readonly record struct RegisterPoint(Instant At, decimal Wh);

    /// <summary>
    /// Start, readings and stop in time order. A register that goes backwards (a meter swap, a bad
    /// reading) delivers nothing until it passes its earlier maximum, so no period is ever negative.
    /// </summary>
    private static List<RegisterPoint> Register(SessionUsage usage)
    {
        var start = usage.StartedAt;
        var end = usage.StoppedAt ?? Instant.MaxValue;
        var points = new List<RegisterPoint>(usage.Readings.Count + 2) { new(start, usage.MeterStartWh) };
        foreach (var reading in usage.Readings.OrderBy(r => r.TakenAt))
        {
            if (reading.TakenAt <= start || reading.TakenAt > end) continue;
            Add(points, reading.TakenAt, reading.EnergyWh);
        }
        if (usage.StoppedAt is { } stoppedAt && stoppedAt > start)
            Add(points, stoppedAt, usage.MeterStopWh ?? points[^1].Wh);
        return points;

        static void Add(List<RegisterPoint> points, Instant at, decimal wh)
        {
            var last = points[^1];
            var value = Math.Max(wh, last.Wh);
            if (at == last.At) points[^1] = last with { Wh = value };
            else points.Add(new RegisterPoint(at, value));
        }
    }

    private static List<PricingPeriod> Periods(
        List<RegisterPoint> register, List<TariffSpan> spans, DateTimeZone zone, Instant start, Instant end)
    {
        var periods = new List<PricingPeriod>();
        if (end <= start) return periods;

        var cuts = Cuts(register, spans, zone, start, end);
        var chargingUntil = LastRise(register);
        var segment = 0;
        var span = 0;
        var from = start;
        var fromWh = register[0].Wh;
        foreach (var to in cuts)
        {
            while (register[segment + 1].At <= from) segment++;
            var a = register[segment];
            var b = register[segment + 1];
            var toWh = to == b.At ? b.Wh : Interpolate(a, b, to);

            while (span < spans.Count && spans[span].Until <= from) span++;
            if (span == spans.Count || spans[span].From > from)
                throw new UnpriceableSessionException(
                    $"No tariff is in force at {from} ({from.InZone(zone).LocalDateTime:uuuu-MM-dd HH:mm:ss} {zone.Id}).");

            var seconds = (decimal)(to - from).ToInt64Nanoseconds() / NanosecondsPerSecond;
            var charging = to <= chargingUntil;
            var powerKw = SegmentPowerKw(a, b);
            periods.Add(new PricingPeriod(
                from, to, toWh - fromWh,
                ChargingSeconds: charging ? seconds : 0m,
                ParkingSeconds: charging ? 0m : seconds,
                EnergyBeforeWh: fromWh - register[0].Wh,
                Elapsed: from - start,
                PowerKw: powerKw,
                CurrentA: null,
                Span: span));
            from = to;
            fromWh = toWh;
        }
        return periods;
    }

    /// <summary>
    /// When the register last rose. Idle time after it is parking; a pause before it (the car waiting for
    /// load management, say) is still part of charging, so a driver pays no parking for the site's limits.
    /// </summary>
    private static Instant LastRise(List<RegisterPoint> register)
    {
        for (var i = register.Count - 1; i > 0; i--)
            if (register[i].Wh > register[i - 1].Wh) return register[i].At;
        return register[0].At;
    }

    private static decimal Interpolate(RegisterPoint a, RegisterPoint b, Instant at)
    {
        var part = (decimal)(at - a.At).ToInt64Nanoseconds();
        var whole = (decimal)(b.At - a.At).ToInt64Nanoseconds();
        return a.Wh + decimal.Round((b.Wh - a.Wh) * part / whole, RegisterDecimals, MidpointRounding.ToEven);
    }

    /// <summary>Average power between two readings, in kW: what power restrictions are checked against.</summary>
    private static decimal SegmentPowerKw(RegisterPoint a, RegisterPoint b)
    {
        var seconds = (decimal)(b.At - a.At).ToInt64Nanoseconds() / NanosecondsPerSecond;
        return decimal.Round((b.Wh - a.Wh) * 3.6m / seconds, 3, MidpointRounding.ToEven);
    }

    /// <summary>Every instant in (start, end) where a price could change, in order, ending with end.</summary>
    private static List<Instant> Cuts(List<RegisterPoint> register, List<TariffSpan> spans, DateTimeZone zone, Instant start, Instant end)
    {
        var cuts = new List<Instant>();
        foreach (var point in register) cuts.Add(point.At);
        foreach (var span in spans)
        {
            cuts.Add(span.From);
            cuts.Add(span.Until);
        }
        foreach (var tariff in spans.Select(s => s.Tariff).Distinct())
        {
            var shape = TariffShape.Of(tariff);
            if (shape.TimesOfDay.Count > 0) AddLocalTimes(cuts, zone, start, end, shape.TimesOfDay);
            foreach (var seconds in shape.DurationThresholdsSeconds) cuts.Add(start + Duration.FromSeconds(seconds));
            foreach (var wh in shape.EnergyThresholdsWh)
                if (Crossing(register, register[0].Wh + wh) is { } crossing) cuts.Add(crossing);
        }
        cuts.RemoveAll(cut => cut <= start || cut >= end);
        cuts.Add(end);
        cuts.Sort();
        var distinct = new List<Instant>(cuts.Count);
        foreach (var cut in cuts)
            if (distinct.Count == 0 || distinct[^1] != cut) distinct.Add(cut);
        return distinct;
    }

    /// <summary>
    /// Every crossing of each local time of day on every date the session touches. The crossings at a
    /// DST change are the only places a change of offset can move the price.
    /// </summary>
    private static void AddLocalTimes(List<Instant> cuts, DateTimeZone zone, Instant start, Instant end, IReadOnlyList<LocalTime> times)
    {
        var first = start.InZone(zone).Date.PlusDays(-1);
        var last = end.InZone(zone).Date.PlusDays(1);
        for (var date = first; date <= last; date = date.PlusDays(1))
            foreach (var time in times)
                cuts.AddRange(ClockTime.Crossings(date + time, zone));
    }

    /// <summary>The first instant (to the nanosecond, rounded up) at which the register reaches the value.</summary>
    private static Instant? Crossing(List<RegisterPoint> register, decimal wh)
    {
        for (var i = 1; i < register.Count; i++)
        {
            var a = register[i - 1];
            var b = register[i];
            if (b.Wh < wh || a.Wh >= wh) continue;
            var whole = (decimal)(b.At - a.At).ToInt64Nanoseconds();
            var nanos = Math.Ceiling((wh - a.Wh) * whole / (b.Wh - a.Wh));
            return a.At + Duration.FromNanoseconds((long)nanos);
        }
        return null;
    }
}
