using CsCheck;
using NodaTime;
using Settlement.Domain.Sessions;

namespace Settlement.Tests.Sessions;

public sealed class session_decision_tests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 10, 12, 12, 0);
    private const string Id = "DE-MUC-01:42";

    private static SessionStartedV2 Started(long meterStartWh = 1_000) => new(Id, "DE-MUC-01", 1, 1, "42", TestDrivers.Seal("RFID-1"), meterStartWh, T0);
    private static MeterReading Reading(int minute, long energyWh) => new(T0.Plus(Duration.FromMinutes(minute)), energyWh, null, null);
    private static MeterValuesRecorded Meter(params MeterReading[] readings) => new(Id, readings);
    private static SessionStopped Stopped(long meterStopWh) => new(Id, meterStopWh, StopReason.EVDisconnected, T0.Plus(Duration.FromMinutes(40)));
    private static Session Given(params object[] events) => Session.Fold(events);

    [Fact]
    public void a_resent_start_adds_nothing() =>
        Assert.Empty(Session.Start(Given(Started()), Started()));

    [Fact]
    public void resent_meter_values_add_no_energy() =>
        Assert.Empty(Session.RecordMeterValues(Given(Started(), Meter(Reading(5, 2_000), Reading(10, 3_000))), Id, [Reading(10, 3_000), Reading(5, 2_000)]));

    [Fact]
    public void only_the_new_readings_of_a_partly_resent_batch_are_recorded()
    {
        var events = Session.RecordMeterValues(Given(Started(), Meter(Reading(5, 2_000))), Id, [Reading(5, 2_000), Reading(10, 3_000)]);

        var recorded = Assert.IsType<MeterValuesRecorded>(Assert.Single(events));
        Assert.Equal([Reading(10, 3_000)], recorded.Readings);
    }

    [Fact]
    public void late_readings_fold_in_the_order_they_were_taken()
    {
        var state = Given(Started(), Meter(Reading(20, 5_000)), Meter(Reading(10, 3_000)));

        Assert.Equal([T0.Plus(Duration.FromMinutes(10)), T0.Plus(Duration.FromMinutes(20))], state.ReadingTimes);
        Assert.Equal(4_000, state.EnergyWh);
    }

    [Fact]
    public void a_duplicate_stop_after_reconnect_adds_no_energy() =>
        Assert.Empty(Session.Stop(Given(Started(), Stopped(9_000)), Stopped(9_000), []));

    [Fact]
    public void stopping_records_the_final_readings_then_the_stop()
    {
        var events = Session.Stop(Given(Started()), Stopped(9_000), [Reading(39, 8_900)]);

        Assert.Collection(events, e => Assert.IsType<MeterValuesRecorded>(e), e => Assert.Equal(Stopped(9_000), e));
        Assert.Equal(8_000, Given([Started(), .. events]).EnergyWh);
    }

    [Fact]
    public void a_session_that_never_started_cannot_be_stopped() =>
        Assert.Throws<InvalidOperationException>(() => Session.Stop(Session.Initial, Stopped(9_000), []));

    [Fact]
    public void energy_is_independent_of_how_readings_are_chunked_ordered_or_resent() =>
        Gen.Select(Gen.Int[0, 2_000].Array[1, 40], Gen.Int[1, 6]).Sample((increments, chunk) =>
        {
            var readings = increments.Select((inc, i) => Reading(i + 1, 1_000 + increments.Take(i + 1).Sum(x => (long)x))).ToArray();
            var state = Given(Started());
            foreach (var batch in readings.Reverse().Chunk(chunk).Concat(readings.Chunk(chunk)))
                state = Session.RecordMeterValues(state, Id, batch).Aggregate(state, (s, e) => s.Apply(e));
            return state.EnergyWh == readings[^1].EnergyWh - 1_000 && state.ReadingTimes.Count == readings.Length;
        });
}
