using NodaTime;

namespace Settlement.Domain.Kpis;

/// <summary>
/// Set arithmetic on time. Lists called "sorted" are sorted by start and do not overlap, which is what
/// timelines hold; that lets every operation be one sweep.
/// </summary>
internal static class Intervals
{
    public static decimal Minutes(Duration duration) => duration.BclCompatibleTicks / (decimal)TimeSpan.TicksPerMinute;

    public static Duration Overlap(Interval a, Interval b)
    {
        var start = Instant.Max(a.Start, b.Start);
        var end = Instant.Min(a.End, b.End);
        return start < end ? end - start : Duration.Zero;
    }

    public static Duration OverlapWithin(IEnumerable<Interval> sorted, Interval window)
    {
        var total = Duration.Zero;
        foreach (var interval in sorted)
        {
            if (interval.Start >= window.End) break;
            total += Overlap(interval, window);
        }
        return total;
    }

    /// <summary>The union of any intervals, as a sorted list: overlapping or touching ones become one.</summary>
    public static List<Interval> Merge(IEnumerable<Interval> intervals)
    {
        var merged = new List<Interval>();
        foreach (var interval in intervals.OrderBy(i => i.Start))
        {
            if (merged.Count > 0 && interval.Start <= merged[^1].End)
                merged[^1] = new Interval(merged[^1].Start, Instant.Max(merged[^1].End, interval.End));
            else
                merged.Add(interval);
        }
        return merged;
    }

    public static List<Interval> Intersect(IReadOnlyList<Interval> sortedA, IReadOnlyList<Interval> sortedB)
    {
        var common = new List<Interval>();
        int a = 0, b = 0;
        while (a < sortedA.Count && b < sortedB.Count)
        {
            var start = Instant.Max(sortedA[a].Start, sortedB[b].Start);
            var end = Instant.Min(sortedA[a].End, sortedB[b].End);
            if (start < end) common.Add(new Interval(start, end));
            if (sortedA[a].End <= sortedB[b].End) a++;
            else b++;
        }
        return common;
    }
}
