using System.Numerics;

namespace Settlement.Workbench.Simulation;

/// <summary>Percentiles of a set of latencies, as <see cref="LatencyHistogram.Summarise"/> reports them.</summary>
public sealed record LatencySummary(long Count, TimeSpan P50, TimeSpan P95, TimeSpan P99, TimeSpan Max, TimeSpan Mean)
{
    public static LatencySummary Empty { get; } = new(0, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);
}

/// <summary>
/// Latencies in microseconds, recorded from many threads at once without locks. Values below 128 µs are
/// kept exactly; above, each power of two is split into 64 buckets, so a percentile is reported at most
/// 1/64 (1.6 %) above the true value and memory stays fixed (a few thousand counters) however many
/// millions of calls are recorded.
/// </summary>
public sealed class LatencyHistogram
{
    private const int ExactBits = 7;
    private const int ExactCount = 1 << ExactBits;
    private const int BucketsPerPowerOfTwo = ExactCount / 2;
    // 2^46 µs is over two years: anything slower is a hung call, and is counted as that.
    private const long Largest = (1L << 46) - 1;
    private const int MaxShift = 46 - ExactBits;

    private readonly long[] _counts = new long[ExactCount + MaxShift * BucketsPerPowerOfTwo];
    private long _count;
    private long _sumMicroseconds;
    private long _maxMicroseconds;

    public long Count => Interlocked.Read(ref _count);

    public void Record(TimeSpan latency) => RecordMicroseconds(latency.Ticks / TimeSpan.TicksPerMicrosecond);

    public void RecordMicroseconds(long microseconds)
    {
        var value = Math.Clamp(microseconds, 0, Largest);
        Interlocked.Increment(ref _counts[BucketOf(value)]);
        Interlocked.Add(ref _sumMicroseconds, value);
        var max = Interlocked.Read(ref _maxMicroseconds);
        while (value > max)
        {
            var seen = Interlocked.CompareExchange(ref _maxMicroseconds, value, max);
            if (seen == max) break;
            max = seen;
        }
        // Counted last, so a reader that sees the count also sees the bucket it belongs to.
        Interlocked.Increment(ref _count);
    }

    /// <summary>
    /// The nearest-rank percentile: the smallest recorded value that at least <paramref name="percent"/> % of
    /// the values do not exceed, given as its bucket's upper bound (never above the largest value recorded).
    /// </summary>
    public TimeSpan Percentile(double percent)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(percent, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
        var total = Count;
        if (total == 0) return TimeSpan.Zero;
        var rank = Math.Clamp((long)Math.Ceiling(percent / 100 * total), 1, total);
        var max = Interlocked.Read(ref _maxMicroseconds);
        long seen = 0;
        for (var bucket = 0; bucket < _counts.Length; bucket++)
        {
            seen += Interlocked.Read(ref _counts[bucket]);
            if (seen >= rank) return Microseconds(Math.Min(UpperBound(bucket), max));
        }
        return Microseconds(max);
    }

    public LatencySummary Summarise()
    {
        var count = Count;
        if (count == 0) return LatencySummary.Empty;
        return new LatencySummary(count, Percentile(50), Percentile(95), Percentile(99),
            Microseconds(Interlocked.Read(ref _maxMicroseconds)), Microseconds(Interlocked.Read(ref _sumMicroseconds) / count));
    }

    private static int BucketOf(long microseconds)
    {
        if (microseconds < ExactCount) return (int)microseconds;
        var shift = 63 - BitOperations.LeadingZeroCount((ulong)microseconds) - (ExactBits - 1);
        var top = microseconds >> shift;
        return ExactCount + (shift - 1) * BucketsPerPowerOfTwo + (int)(top - BucketsPerPowerOfTwo);
    }

    private static long UpperBound(int bucket)
    {
        if (bucket < ExactCount) return bucket;
        var shift = (bucket - ExactCount) / BucketsPerPowerOfTwo + 1;
        var top = (bucket - ExactCount) % BucketsPerPowerOfTwo + BucketsPerPowerOfTwo;
        return ((top + 1) << shift) - 1;
    }

    private static TimeSpan Microseconds(long value) => TimeSpan.FromTicks(value * TimeSpan.TicksPerMicrosecond);
}
