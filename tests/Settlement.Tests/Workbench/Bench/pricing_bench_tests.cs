using Settlement.Workbench.Bench;

namespace Settlement.Tests.Workbench.Bench;

public sealed class pricing_bench_tests
{
    [Fact]
    public void the_same_seed_prices_the_same_sessions_to_the_same_sum()
    {
        var first = new PricingBench(sessions: 2_000, readingsPerSession: 20, seed: 7).Run(_ => { });
        var again = new PricingBench(sessions: 2_000, readingsPerSession: 20, seed: 7).Run(_ => { });

        Assert.Equal(first.TotalInclVat, again.TotalInclVat);
        Assert.Equal(first.Lines, again.Lines);
        Assert.True(first.TotalInclVat > 2_000 * 0.50m, "every day session pays at least its fee");
    }

    [Fact]
    public void progress_is_reported_up_to_every_session()
    {
        var reported = new List<int>();

        new PricingBench(sessions: 25_000, readingsPerSession: 5, seed: 1).Run(reported.Add);

        Assert.Equal([10_000, 20_000, 25_000], reported);
    }
}
