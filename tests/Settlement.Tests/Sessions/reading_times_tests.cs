using CsCheck;
using NodaTime;
using Settlement.Domain.Sessions;

namespace Settlement.Tests.Sessions;

public sealed class reading_times_tests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 10, 12, 12, 0);
    private static Instant At(int second) => T0.Plus(Duration.FromSeconds(second));

    private static ReadingTimes Of(params int[] seconds) => seconds.Aggregate(ReadingTimes.Empty, (set, s) => set.Add(At(s)));

    [Fact]
    public void every_set_keeps_what_it_held_whatever_is_added_after_it() =>
        Gen.Int[0, 200].Array[0, 120].Sample(seconds =>
        {
            var versions = new List<(ReadingTimes Set, Instant[] Expected)> { (ReadingTimes.Empty, []) };
            var expected = new SortedSet<Instant>();
            var set = ReadingTimes.Empty;
            foreach (var second in seconds)
            {
                set = set.Add(At(second));
                expected.Add(At(second));
                versions.Add((set, [.. expected]));
            }
            return versions.All(v => v.Set.SequenceEqual(v.Expected) && v.Set.Count == v.Expected.Length
                && v.Expected.All(v.Set.Contains) && !v.Set.Contains(At(-1)));
        });

    [Fact]
    public void two_sets_grown_from_the_same_set_do_not_see_each_others_times()
    {
        var shared = Of(10, 20, 30);

        var left = shared.Add(At(40));
        var right = shared.Add(At(50));
        var leftAgain = left.Add(At(45));

        Assert.Equal([At(10), At(20), At(30)], shared);
        Assert.Equal([At(10), At(20), At(30), At(40)], left);
        Assert.Equal([At(10), At(20), At(30), At(50)], right);
        Assert.Equal([At(10), At(20), At(30), At(40), At(45)], leftAgain);
        Assert.False(right.Contains(At(40)));
    }

    [Fact]
    public void sets_grown_from_one_set_on_many_threads_at_once_each_hold_only_their_own_time()
    {
        var shared = Of(1, 2, 3);
        // Room to spare, so every thread races for the same slot.
        Assert.True(shared.Count < 8);

        var grown = new ReadingTimes[64];
        Parallel.For(0, grown.Length, i => grown[i] = shared.Add(At(100 + i)));

        Assert.All(Enumerable.Range(0, grown.Length), i => Assert.Equal([At(1), At(2), At(3), At(100 + i)], grown[i]));
    }

    [Fact]
    public void a_time_already_held_leaves_the_set_as_it_is()
    {
        var set = Of(10, 20);

        Assert.Same(set, set.Add(At(10)));
        Assert.Same(set, set.Add(At(20)));
    }

    [Fact]
    public void an_index_past_the_end_is_refused_even_where_the_shared_array_holds_a_later_time()
    {
        var shorter = Of(10, 20);
        _ = shorter.Add(At(30));

        Assert.Throws<ArgumentOutOfRangeException>(() => shorter[2]);
        Assert.Equal(At(20), shorter[^1]);
    }
}
