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
    private static readonly Instant Heard = T0.Plus(Duration.FromHours(9));
    private static readonly Instant SilentSince = T0.Plus(Duration.FromMinutes(21));
    private static readonly Instant ClosedAt = T0.Plus(Duration.FromHours(6));
    private static SessionClosedForSilence ClosedForSilence(long meterStopWh, int lastReadingMinute) =>
        new(Id, meterStopWh, T0.Plus(Duration.FromMinutes(lastReadingMinute)), SilentSince, ClosedAt);

    [Fact]
    public void a_resent_start_adds_nothing() =>
        Assert.Empty(Session.Start(Given(Started()), Started()));

    [Fact]
    public void resent_meter_values_add_no_energy() =>
        Assert.Empty(Session.RecordMeterValues(Given(Started(), Meter(Reading(5, 2_000), Reading(10, 3_000))), Id, [Reading(10, 3_000), Reading(5, 2_000)], Heard));

    [Fact]
    public void only_the_new_readings_of_a_partly_resent_batch_are_recorded()
    {
        var events = Session.RecordMeterValues(Given(Started(), Meter(Reading(5, 2_000))), Id, [Reading(5, 2_000), Reading(10, 3_000)], Heard);

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
        Assert.Empty(Session.Stop(Given(Started(), Stopped(9_000)), Stopped(9_000), [], Heard));

    [Fact]
    public void stopping_records_the_final_readings_then_the_stop()
    {
        var events = Session.Stop(Given(Started()), Stopped(9_000), [Reading(39, 8_900)], Heard);

        Assert.Collection(events, e => Assert.IsType<MeterValuesRecorded>(e), e => Assert.Equal(Stopped(9_000), e));
        Assert.Equal(8_000, Given([Started(), .. events]).EnergyWh);
    }

    [Fact]
    public void a_session_that_never_started_cannot_be_stopped() =>
        Assert.Throws<InvalidOperationException>(() => Session.Stop(Session.Initial, Stopped(9_000), [], Heard));

    [Fact]
    public void a_silent_session_is_closed_at_its_last_reading() =>
        Assert.Equal([ClosedForSilence(5_000, lastReadingMinute: 20)],
            Session.CloseForSilence(Given(Started(), Meter(Reading(10, 3_000), Reading(20, 5_000))), Id, SilentSince, ClosedAt));

    [Fact]
    public void a_silent_session_without_readings_is_closed_at_its_start_with_no_energy()
    {
        var events = Session.CloseForSilence(Given(Started(meterStartWh: 1_000)), Id, SilentSince, ClosedAt);

        Assert.Equal([ClosedForSilence(1_000, lastReadingMinute: 0)], events);
        Assert.Equal(0, Given([Started(), .. events]).EnergyWh);
    }

    [Fact]
    public void a_session_stopped_or_closed_already_is_not_closed_for_silence()
    {
        Assert.Empty(Session.CloseForSilence(Given(Started(), Stopped(9_000)), Id, SilentSince, ClosedAt));
        Assert.Empty(Session.CloseForSilence(Given(Started(), ClosedForSilence(1_000, 0)), Id, SilentSince, ClosedAt));
    }

    [Fact]
    public void the_real_stop_after_a_close_for_silence_reopens_the_session_and_its_meter_value_wins()
    {
        var closed = Given(Started(), Meter(Reading(20, 5_000)), ClosedForSilence(5_000, 20));

        var events = Session.Stop(closed, Stopped(9_000), [Reading(39, 8_900)], Heard);

        Assert.Collection(events,
            e => Assert.Equal(new SessionReopened(Id, "DE-MUC-01", Heard), e),
            e => Assert.IsType<MeterValuesRecorded>(e),
            e => Assert.Equal(Stopped(9_000), e));
        var after = Given([Started(), Meter(Reading(20, 5_000)), ClosedForSilence(5_000, 20), .. events]);
        Assert.Equal((SessionStatus.Stopped, 8_000L), (after.Status, after.EnergyWh));
        Assert.Empty(Session.Stop(after, Stopped(9_000), [], Heard));
    }

    [Fact]
    public void new_readings_for_a_session_closed_for_silence_reopen_it_and_resent_ones_do_not()
    {
        var closed = Given(Started(), Meter(Reading(20, 5_000)), ClosedForSilence(5_000, 20));

        Assert.Empty(Session.RecordMeterValues(closed, Id, [Reading(20, 5_000)], Heard));
        var events = Session.RecordMeterValues(closed, Id, [Reading(30, 6_500)], Heard);
        Assert.Collection(events, e => Assert.IsType<SessionReopened>(e), e => Assert.IsType<MeterValuesRecorded>(e));
        var reopened = events.Aggregate(closed, (state, e) => state.Apply(e));
        Assert.Equal((SessionStatus.Charging, 5_500L), (reopened.Status, reopened.EnergyWh));
    }

    [Fact]
    public void energy_is_independent_of_how_readings_are_chunked_ordered_or_resent() =>
        Gen.Select(Gen.Int[0, 2_000].Array[1, 40], Gen.Int[1, 6]).Sample((increments, chunk) =>
        {
            var readings = increments.Select((inc, i) => Reading(i + 1, 1_000 + increments.Take(i + 1).Sum(x => (long)x))).ToArray();
            var state = Given(Started());
            foreach (var batch in readings.Reverse().Chunk(chunk).Concat(readings.Chunk(chunk)))
                state = Session.RecordMeterValues(state, Id, batch, Heard).Aggregate(state, (s, e) => s.Apply(e));
            return state.EnergyWh == readings[^1].EnergyWh - 1_000 && state.ReadingTimes.Count == readings.Length;
        });
}
