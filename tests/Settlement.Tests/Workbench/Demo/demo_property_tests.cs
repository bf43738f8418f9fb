using CsCheck;
using NodaTime;
using Settlement.Workbench.Demo;

namespace Settlement.Tests.Workbench.Demo;

public sealed class demo_property_tests
{
    // Around the EU and US clock changes, both ways, and one ordinary week.
    private static readonly LocalDate[] FirstDays =
    [
        new(2026, 10, 24), new(2026, 10, 31), new(2027, 3, 13), new(2027, 3, 27), new(2026, 6, 1),
    ];

    [Fact]
    public void any_seed_and_short_window_keeps_registers_sessions_and_downtime_consistent() =>
        Gen.Select(Gen.Int, Gen.Int[0, FirstDays.Length - 1], Gen.Int[1, 3])
            .Sample((seed, first, days) =>
            {
                var options = new DemoOptions(seed, FirstDays[first], days);
                var events = DemoNetwork.Generate(options);

                DemoFacts.AssertRegistersNeverGoBackwards(events);
                DemoFacts.AssertSessionsNeverOverlap(events);
                DemoFacts.AssertNothingStartsDuringDowntime(events);
                DemoFacts.AssertStatusesFollowTheChargingCycle(events);
                DemoFacts.AssertSessionsStartWithinTheirLocalDays(events, options);
            }, iter: 40);
}
