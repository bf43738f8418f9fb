using NodaTime;

namespace Settlement.Domain.Kpis;

/// <summary>
/// Port-time and how much of it was occupied or delivering. The denominator is every operational port-minute,
/// down time included: a broken port earns nothing, and breakeven is judged on the asset, not on its good hours.
/// </summary>
public sealed record UtilisationShare(decimal PortMinutes, decimal OccupiedMinutes, decimal DeliveringMinutes)
{
    public static readonly UtilisationShare None = new(0m, 0m, 0m);

    /// <summary>Unrounded; null without operational port-time.</summary>
    public decimal? OccupiedPercent => PortMinutes == 0m ? null : OccupiedMinutes / PortMinutes * 100m;

    public decimal? DeliveringPercent => PortMinutes == 0m ? null : DeliveringMinutes / PortMinutes * 100m;

    public UtilisationShare Plus(UtilisationShare other) =>
        new(PortMinutes + other.PortMinutes, OccupiedMinutes + other.OccupiedMinutes, DeliveringMinutes + other.DeliveringMinutes);
}

/// <summary>One local day; <see cref="Length"/> is 23 or 25 hours on the days clocks change.</summary>
public sealed record DayUtilisation(LocalDate Date, Duration Length, UtilisationShare Share);

/// <summary>
/// One local hour of the day over every day of the period. On the day clocks go forward the skipped hour is
/// missing; on the day they go back the repeated hour counts twice.
/// </summary>
public sealed record HourUtilisation(int HourOfDay, UtilisationShare Share);

public sealed record SiteUtilisation(
    string SiteId,
    DateInterval Days,
    UtilisationShare Total,
    IReadOnlyList<DayUtilisation> ByDay,
    IReadOnlyList<HourUtilisation> ByHour)
{
    /// <summary>Profitability "typically requires maintaining greater than 50% hardware utilization" (the seed article).</summary>
    public const decimal BreakevenPercent = 50m;

    /// <summary>Occupied share not above the breakeven threshold. False without operational port-time: nothing to judge.</summary>
    public bool BelowBreakeven => Total.OccupiedPercent is { } occupied && occupied <= BreakevenPercent;
}

/// <summary>Utilisation of a site's ports by the wall clock of the site.</summary>
public static class Utilisation
{
    /// <param name="ports">Every port of the site, each timeline known until the end of <paramref name="days"/>.</param>
    public static SiteUtilisation ForSite(string siteId, IReadOnlyList<PortTimeline> ports, DateTimeZone zone, DateInterval days)
    {
        var hours = LocalHours(zone, days);
        var end = hours[^1].When.End;
        var portTime = new Duration[hours.Count];
        var occupied = new Duration[hours.Count];
        var delivering = new Duration[hours.Count];
        foreach (var port in ports)
        {
            if (port.Until < end)
                throw new ArgumentOutOfRangeException(nameof(ports), port.Until, $"the timeline of {port.Port} ends before {days.End}");

            IReadOnlyList<Interval> operational = port.OperationalFrom < end ? [new Interval(port.OperationalFrom, end)] : [];
            AddPerHour(operational, hours, portTime);
            AddPerHour(port.Occupied, hours, occupied);
            AddPerHour(port.Delivering, hours, delivering);
        }
        var shares = hours.Select((_, h) =>
            new UtilisationShare(Intervals.Minutes(portTime[h]), Intervals.Minutes(occupied[h]), Intervals.Minutes(delivering[h])));

        var byHour = hours.Zip(shares, (hour, share) => (hour, Share: share)).ToList();
        return new SiteUtilisation(
            siteId,
            days,
            byHour.Aggregate(UtilisationShare.None, (total, h) => total.Plus(h.Share)),
            byHour.GroupBy(h => h.hour.Date)
                .Select(day => new DayUtilisation(
                    day.Key,
                    day.Aggregate(Duration.Zero, (length, h) => length + h.hour.When.Duration),
                    day.Aggregate(UtilisationShare.None, (total, h) => total.Plus(h.Share))))
                .ToList(),
            byHour.GroupBy(h => h.hour.HourOfDay)
                .OrderBy(hour => hour.Key)
                .Select(hour => new HourUtilisation(hour.Key, hour.Aggregate(UtilisationShare.None, (total, h) => total.Plus(h.Share))))
                .ToList());
    }

    private readonly record struct LocalHour(Interval When, LocalDate Date, int HourOfDay);

    /// <summary>
    /// The period cut where the local hour changes. Each piece is at most an hour long, so a repeated hour is two
    /// pieces, and offsets that are not whole hours still cut at local hour marks.
    /// </summary>
    private static List<LocalHour> LocalHours(DateTimeZone zone, DateInterval days)
    {
        var hours = new List<LocalHour>();
        var end = zone.AtStartOfDay(days.End.PlusDays(1)).ToInstant();
        for (var at = zone.AtStartOfDay(days.Start).ToInstant(); at < end;)
        {
            var local = at.InZone(zone).LocalDateTime;
            var nextMark = zone.AtLeniently(local.Date.At(new LocalTime(local.Hour, 0)).PlusHours(1)).ToInstant();
            var next = Instant.Min(Instant.Min(nextMark, at + Duration.FromHours(1)), end);
            hours.Add(new LocalHour(new Interval(at, next), local.Date, local.Hour));
            at = next;
        }
        return hours;
    }

    /// <summary>Adds to each hour how much of it the sorted intervals cover, in one sweep.</summary>
    private static void AddPerHour(IReadOnlyList<Interval> sorted, List<LocalHour> hours, Duration[] covered)
    {
        var first = 0;
        for (var h = 0; h < hours.Count; h++)
        {
            var window = hours[h].When;
            while (first < sorted.Count && sorted[first].End <= window.Start) first++;
            for (var i = first; i < sorted.Count && sorted[i].Start < window.End; i++)
                covered[h] += Intervals.Overlap(sorted[i], window);
        }
    }
}
