using NodaTime;

namespace Settlement.Workbench.Demo;

/// <summary>The draws the demo needs, all from the one seeded <see cref="Random"/> so a seed replays exactly.</summary>
internal static class DemoRandom
{
    public static bool Chance(this Random random, double probability) => random.NextDouble() < probability;

    public static double Between(this Random random, double min, double max) => min + random.NextDouble() * (max - min);

    /// <summary>Whole seconds only: chargers report second-resolution timestamps.</summary>
    public static Duration Between(this Random random, Duration min, Duration max) =>
        Duration.FromSeconds(random.NextInt64((long)min.TotalSeconds, (long)max.TotalSeconds + 1));

    /// <summary>Short durations common, long ones rare, as with real faults and outages.</summary>
    public static Duration LogUniform(this Random random, Duration min, Duration max) =>
        Duration.FromSeconds(Math.Round(Math.Exp(random.Between(Math.Log(min.TotalSeconds), Math.Log(max.TotalSeconds)))));

    public static T Pick<T>(this Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    public static T Weighted<T>(this Random random, IReadOnlyList<(T Item, double Weight)> weighted)
    {
        var roll = random.NextDouble() * weighted.Sum(w => w.Weight);
        foreach (var (item, weight) in weighted)
        {
            roll -= weight;
            if (roll < 0) return item;
        }
        return weighted[^1].Item;
    }

    public static int Poisson(this Random random, double mean)
    {
        var limit = Math.Exp(-mean);
        var count = 0;
        for (var product = random.NextDouble(); product > limit; product *= random.NextDouble()) count++;
        return count;
    }

    public static string Hex(this Random random, int bytes)
    {
        var buffer = new byte[bytes];
        random.NextBytes(buffer);
        return Convert.ToHexString(buffer);
    }

    public static string Digits(this Random random, int count) =>
        string.Concat(Enumerable.Range(0, count).Select(_ => (char)('0' + random.Next(10))));

    public static Guid Guid(this Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        return new Guid(bytes);
    }
}
