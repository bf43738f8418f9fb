using NodaTime;

namespace Settlement.Domain.Kpis;

/// <summary>
/// A port's uptime over [<see cref="From"/>, <see cref="Until"/>) by the equation of 23 CFR 680.116(b)(3):
/// µ = ((minutes − (T_outage − T_excluded)) / minutes) × 100. <see cref="OutageMinutes"/> is T_outage,
/// <see cref="ExcludedMinutes"/> T_excluded: the part of the outage that fell in excluded windows.
/// <see cref="OperationalThroughout"/> is false when the port became operational inside the period; then
/// <see cref="Minutes"/> counts only its operational time.
/// </summary>
public sealed record PortUptime(
    Port Port,
    Instant From,
    Instant Until,
    decimal Minutes,
    decimal OutageMinutes,
    decimal ExcludedMinutes,
    bool OperationalThroughout)
{
    /// <summary>Unrounded, so that the threshold is judged on the figure itself; null without operational time.</summary>
    public decimal? Percent => Minutes == 0m ? null : (Minutes - (OutageMinutes - ExcludedMinutes)) / Minutes * 100m;

    /// <summary>680.116(b) asks for "greater than 97%": exactly 97 does not meet it.</summary>
    public bool AboveNeviMinimum => Percent > 97m;
}

/// <summary>
/// Several ports' uptime as one figure (a site's, a day's): their minutes, outage and excluded minutes summed into the
/// same equation, so each port weighs by its operational minutes. NEVI judges ports one by one; this is the overview.
/// </summary>
public sealed record PooledUptime(int Ports, int PortsAboveNeviMinimum, decimal Minutes, decimal OutageMinutes, decimal ExcludedMinutes)
{
    /// <summary>Unrounded; null without operational time.</summary>
    public decimal? Percent => Minutes == 0m ? null : (Minutes - (OutageMinutes - ExcludedMinutes)) / Minutes * 100m;

    public static PooledUptime Of(IReadOnlyCollection<PortUptime> ports) => new(
        ports.Count, ports.Count(p => p.AboveNeviMinimum), ports.Sum(p => p.Minutes), ports.Sum(p => p.OutageMinutes), ports.Sum(p => p.ExcludedMinutes));
}

/// <summary>
/// One outage of a port for EV-ChART Module 4 (680.112(a)(8): "duration (minutes) of each outage"). An outage is a
/// contiguous downtime cut to the reporting period, so <see cref="OutageId"/>, its start, is the period start when it
/// began earlier: that keeps (station, outage_id, port) unique across quarterly uploads. <see cref="ExcludedReason"/>
/// and <see cref="ExcludedNotes"/> come from the excluded window covering most of it.
/// </summary>
public sealed record PortOutage(
    Port Port,
    Instant OutageId,
    Instant Until,
    DownReasons Why,
    decimal DurationMinutes,
    decimal ExcludedMinutes,
    OutageCause? ExcludedReason,
    string? ExcludedNotes)
{
    /// <summary>Wholly or partly excluded.</summary>
    public bool Excluded => ExcludedMinutes > 0m;
}

/// <summary>
/// 23 CFR 680.116(b): a port is up when its hardware and software are online and available for use, or in use
/// ((b)(1)); uptime is calculated monthly over the previous twelve months ((b)(2)) with the (b)(3) equation on a
/// 525,600-minute year. Outage inside a window tagged with an <see cref="OutageCause"/> (the causes outside the
/// operator's control that the rule lets it exclude) is T_excluded. Only downtime counts: a window with the port up
/// excludes nothing, and downtime covered by two windows is excluded once.
/// The retrieved eCFR copy breaks off after "µ = ((525,600−(T_outage−T_excluded))"; the divisor "/ 525,600) × 100"
/// and the definitions of T_outage and T_excluded follow the rule as published, to be checked against eCFR.
/// </summary>
public static class Uptime
{
    /// <summary>The (b)(3) equation's year: 365 days of minutes, also for twelve months that hold a 29 February.</summary>
    public const decimal MinutesPerYear = 525_600m;

    /// <summary>
    /// Uptime over any [from, until), e.g. a month or quarter for 680.112(a)(7), with the period's own minutes. An
    /// outage crossing a bound counts only its part inside. Time before the port was operational is not in the
    /// period: the rule measures ports in service.
    /// </summary>
    public static PortUptime For(PortTimeline port, Instant from, Instant until)
    {
        EnsureCovered(port, until);
        var start = Instant.Max(from, port.OperationalFrom);
        if (start >= until)
            return new PortUptime(port.Port, from, until, 0m, 0m, 0m, OperationalThroughout: false);

        var window = new Interval(start, until);
        var down = port.Down.Select(d => d.When).ToList();
        var excludedDown = Intervals.Intersect(down, Intervals.Merge(port.Excluded.Select(w => w.When)));
        return new PortUptime(
            port.Port,
            from,
            until,
            Intervals.Minutes(window.Duration),
            Intervals.Minutes(Intervals.OverlapWithin(down, window)),
            Intervals.Minutes(Intervals.OverlapWithin(excludedDown, window)),
            OperationalThroughout: port.OperationalFrom <= from);
    }

    /// <summary>
    /// The (b)(2) figure reported after <paramref name="throughMonth"/>: T_outage and T_excluded summed month by month
    /// over the twelve calendar months ending with it, in the site's zone, over the rule's 525,600 minutes. The rule
    /// does not say how to treat a port in service for less than the year; EV-ChART lets such a station leave uptime
    /// empty (Module 3). Here its figure runs over its operational minutes only, and says so with
    /// <see cref="PortUptime.OperationalThroughout"/> = false.
    /// </summary>
    public static PortUptime TrailingYear(PortTimeline port, YearMonth throughMonth, DateTimeZone zone)
    {
        var months = Enumerable.Range(0, 12)
            .Select(back => throughMonth.PlusMonths(-back))
            .Select(month => For(port, StartOf(month, zone), StartOf(month.PlusMonths(1), zone)))
            .ToList();
        var from = StartOf(throughMonth.PlusMonths(-11), zone);
        var throughout = port.OperationalFrom <= from;
        return new PortUptime(
            port.Port,
            from,
            StartOf(throughMonth.PlusMonths(1), zone),
            throughout ? MinutesPerYear : months.Sum(month => month.Minutes),
            months.Sum(month => month.OutageMinutes),
            months.Sum(month => month.ExcludedMinutes),
            throughout);
    }

    /// <summary>The port's outages in [from, until), oldest first, durations in minutes to 2 dp.</summary>
    public static IReadOnlyList<PortOutage> Outages(PortTimeline port, Instant from, Instant until)
    {
        EnsureCovered(port, until);
        var excluded = Intervals.Merge(port.Excluded.Select(w => w.When));
        return port.Down
            .Where(down => down.When.Start < until && down.When.End > from)
            .Select(down => (down.Why, Piece: new Interval(Instant.Max(down.When.Start, from), Instant.Min(down.When.End, until))))
            .Select(outage =>
            {
                var mainWindow = port.Excluded
                    .Select(window => (window, Overlap: Intervals.Overlap(window.When, outage.Piece)))
                    .Where(w => w.Overlap > Duration.Zero)
                    .OrderByDescending(w => w.Overlap)
                    .Select(w => w.window)
                    .FirstOrDefault();
                return new PortOutage(
                    port.Port,
                    outage.Piece.Start,
                    outage.Piece.End,
                    outage.Why,
                    ReportedDuration(outage.Piece.Duration),
                    Math.Round(Intervals.Minutes(Intervals.OverlapWithin(excluded, outage.Piece)), 2, MidpointRounding.AwayFromZero),
                    mainWindow?.Cause,
                    mainWindow?.Notes);
            })
            .ToList();
    }

    private static Instant StartOf(YearMonth month, DateTimeZone zone) => zone.AtStartOfDay(month.OnDayOfMonth(1)).ToInstant();

    // EV-ChART rejects an outage_duration under 0.01; an outage too short to show at 2 dp is reported as the least it takes.
    private static decimal ReportedDuration(Duration duration) =>
        Math.Max(0.01m, Math.Round(Intervals.Minutes(duration), 2, MidpointRounding.AwayFromZero));

    private static void EnsureCovered(PortTimeline port, Instant until)
    {
        if (until > port.Until)
            throw new ArgumentOutOfRangeException(nameof(until), until, $"the timeline of {port.Port} is only known until {port.Until}");
    }
}
