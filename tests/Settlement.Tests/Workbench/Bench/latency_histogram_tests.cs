using CsCheck;
using Settlement.Workbench.Simulation;

namespace Settlement.Tests.Workbench.Bench;

/// <summary>The percentiles the bench reports: nearest rank, exact below 128 µs, at most 1/64 high above.</summary>
public sealed class latency_histogram_tests
{
    private static TimeSpan Us(long microseconds) => TimeSpan.FromTicks(microseconds * TimeSpan.TicksPerMicrosecond);

    [Fact]
    public void small_latencies_are_exact_nearest_rank_percentiles()
    {
        var histogram = new LatencyHistogram();
        foreach (var us in Enumerable.Range(1, 100).Reverse()) histogram.RecordMicroseconds(us);

        var summary = histogram.Summarise();

        Assert.Equal(100, summary.Count);
        Assert.Equal((Us(50), Us(95), Us(99), Us(100)), (summary.P50, summary.P95, summary.P99, summary.Max));
        Assert.Equal(Us(50), summary.Mean);
        Assert.Equal(Us(1), histogram.Percentile(0));
        Assert.Equal(Us(1), histogram.Percentile(1));
        Assert.Equal(Us(2), histogram.Percentile(1.5));
    }

    [Fact]
    public void one_slow_call_in_a_hundred_is_the_p99_and_not_the_p95()
    {
        var histogram = new LatencyHistogram();
        for (var i = 0; i < 99; i++) histogram.Record(TimeSpan.FromMilliseconds(2));
        histogram.Record(TimeSpan.FromSeconds(3));

        Assert.InRange(histogram.Percentile(95).TotalMilliseconds, 2, 2 * (1 + 1 / 64.0));
        Assert.InRange(histogram.Percentile(99).TotalMilliseconds, 2, 2 * (1 + 1 / 64.0));
        Assert.Equal(TimeSpan.FromSeconds(3), histogram.Percentile(99.5));
        Assert.Equal(TimeSpan.FromSeconds(3), histogram.Summarise().Max);
    }

    [Fact]
    public void nothing_recorded_is_zero_everywhere()
    {
        Assert.Equal(LatencySummary.Empty, new LatencyHistogram().Summarise());
        Assert.Equal(TimeSpan.Zero, new LatencyHistogram().Percentile(99));
    }

    [Fact]
    public void every_percentile_is_at_or_at_most_one_sixty_fourth_above_the_true_one() =>
        Gen.Select(Gen.Long[0, 600_000_000].Array[1, 300], Gen.Double[0, 100])
            .Sample((latencies, percent) =>
            {
                var histogram = new LatencyHistogram();
                foreach (var us in latencies) histogram.RecordMicroseconds(us);
                var sorted = latencies.Order().ToArray();
                var rank = Math.Clamp((long)Math.Ceiling(percent / 100 * sorted.Length), 1, sorted.Length);
                var truth = sorted[rank - 1];

                var reported = (long)histogram.Percentile(percent).TotalMicroseconds;

                return reported >= truth && reported <= truth + truth / 64 && reported <= sorted[^1];
            });

    [Fact]
    public void recording_from_many_threads_loses_nothing()
    {
        var histogram = new LatencyHistogram();

        Parallel.For(0, 8, thread =>
        {
            for (var i = 0; i < 50_000; i++) histogram.RecordMicroseconds(i % 1_000 * 1_000);
        });

        var summary = histogram.Summarise();
        Assert.Equal(400_000, summary.Count);
        Assert.Equal(Us(999_000), summary.Max);
        Assert.InRange(summary.P50.TotalMicroseconds, 499_000, 499_000 * (1 + 1 / 64.0));
    }
}
