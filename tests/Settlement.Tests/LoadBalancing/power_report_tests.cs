using CsCheck;
using NodaTime;
using Settlement.Domain.LoadBalancing;
using Settlement.Domain.Sessions;

namespace Settlement.Tests.LoadBalancing;

/// <summary>The monthly power report on sessions whose figures can be worked out by hand, and its invariants on random ones.</summary>
public sealed class power_report_tests
{
    private static readonly DateTimeZone Berlin = DateTimeZoneProviders.Tzdb["Europe/Berlin"];
    private static readonly YearMonth November = new(2026, 11);
    private static readonly IReadOnlyDictionary<string, decimal> NoneSlowed = new Dictionary<string, decimal>();

    private static Instant Local(int day, int hour, int minute = 0) => new LocalDateTime(2026, 11, day, hour, minute).InZoneStrictly(Berlin).ToInstant();

    /// <summary>A session drawing <paramref name="whPerTenMinutes"/> every ten minutes from <paramref name="start"/>, then stopped.</summary>
    private static IReadOnlyList<object> Drawing(string sessionId, Instant start, int readings, long whPerTenMinutes)
    {
        var register = 1_000L;
        var events = new List<object> { new SessionStartedV2(sessionId, "CP-" + sessionId, 1, 1, "tx-" + sessionId, null, register, start) };
        var at = start;
        for (var i = 0; i < readings; i++)
        {
            (at, register) = (at + Duration.FromMinutes(10), register + whPerTenMinutes);
            events.Add(new MeterValuesRecorded(sessionId, [new MeterReading(at, register, null, null)]));
        }
        events.Add(new SessionStopped(sessionId, register, StopReason.EVDisconnected, at));
        return events;
    }

    private static PowerReportFigures Report(IReadOnlyDictionary<string, decimal> slowed, params ReportedSession[] sessions) =>
        PowerReport.Compute(November, Berlin, 30m, sessions, slowed, []);

    [Fact]
    public void the_signals_that_held_during_the_month_are_listed_in_local_time()
    {
        IReadOnlyList<GridSignal> signals =
        [
            new("dso-oct", GridSignalKind.Throttle, null, 60m, null, Local(1, 0) - Duration.FromDays(3), Local(1, 0) - Duration.FromDays(2)),
            new("dso-nov", GridSignalKind.Throttle, null, 60m, null, Local(12, 14), Local(12, 18)),
            new("dso-withdrawn-before-it-began", GridSignalKind.DemandResponse, null, null, 50m, Local(13, 14), Local(13, 14)),
            new("outage-over-month-end", GridSignalKind.Outage, "board-a", null, null, Local(30, 23), Local(30, 23) + Duration.FromHours(3)),
        ];

        var report = PowerReport.Compute(November, Berlin, 30m, [], NoneSlowed, signals);

        Assert.Equal(["dso-nov", "outage-over-month-end"], report.Signals.Select(s => s.SignalId));
        Assert.Equal(new LocalDateTime(2026, 11, 12, 14, 0), report.Signals[0].From);
        Assert.Equal(0m, report.PeakKw);
        Assert.Null(report.PeakIntervalStart);
        Assert.Equal(0, report.Sessions);
    }

    [Fact]
    public void two_overlapping_sessions_peak_where_they_overlap_and_unmanaged_where_both_would_draw_their_maximum()
    {
        // S1 draws 12 kW from 08:00 to 10:00, S2 6 kW from 09:00 to 11:00: 18 kW from 09:00 to 10:00.
        var s1 = PowerReport.SessionOf(Drawing("S1", Local(10, 8), readings: 12, whPerTenMinutes: 2_000), maxKw: 22m)!;
        var s2 = PowerReport.SessionOf(Drawing("S2", Local(10, 9), readings: 12, whPerTenMinutes: 1_000), maxKw: 22m)!;

        var report = Report(NoneSlowed, s1, s2);

        Assert.Equal(18m, report.PeakKw);
        Assert.Equal(new LocalDateTime(2026, 11, 10, 9, 0), report.PeakIntervalStart);
        // Unmanaged, S1 takes its 24 kWh at 22 kW until 09:05:27; from 09:00 to 09:15 it takes its last 2 kWh and S2 5.5 kWh: 7.5 kWh, 30 kW.
        Assert.Equal(30m, report.UnmanagedPeakKw);
        Assert.Equal(new LocalDateTime(2026, 11, 10, 9, 0), report.UnmanagedPeakIntervalStart);
        Assert.Equal(36m, report.EnergyKwh);
        Assert.Equal(2, report.Sessions);
        Assert.Equal(0, report.SessionsSlowed);
        Assert.Equal(30m, report.GridLimitKw);
    }

    [Fact]
    public void a_slowed_session_counts_the_minutes_it_charged_beyond_its_unmanaged_duration()
    {
        var s1 = PowerReport.SessionOf(Drawing("S1", Local(10, 8), readings: 12, whPerTenMinutes: 2_000), maxKw: 22m)!;
        var s2 = PowerReport.SessionOf(Drawing("S2", Local(10, 9), readings: 12, whPerTenMinutes: 1_000), maxKw: 22m)!;

        var report = Report(new Dictionary<string, decimal> { ["S2"] = 0.25m }, s1, s2);

        // S2 charged 120 minutes for 12 kWh that 22 kW delivers in 32.7 minutes.
        var slowed = report.SessionFigures.Single(f => f.SessionId == "S2");
        Assert.Equal(1, report.SessionsSlowed);
        Assert.Equal(120m, slowed.ChargingMinutes);
        Assert.Equal(32.7m, slowed.UnmanagedMinutes);
        Assert.Equal(87.3m, report.ExtraMinutesTotal);
        Assert.Equal(87.3m, report.ExtraMinutesAverage);
        Assert.Equal(0.25m, report.LowestShareOfMax);
        Assert.False(report.SessionFigures.Single(f => f.SessionId == "S1").Slowed);
    }

    [Fact]
    public void a_session_across_the_month_end_counts_only_its_energy_inside_the_month()
    {
        // 6 kW from 23:00 on 30 November to 01:00 on 1 December, local time: 6 kWh in November.
        var crossing = PowerReport.SessionOf(Drawing("S3", Local(30, 23), readings: 12, whPerTenMinutes: 1_000), maxKw: 11m)!;

        var report = Report(NoneSlowed, crossing);

        Assert.Equal(6m, report.EnergyKwh);
        Assert.Equal(6m, report.PeakKw);
        Assert.Equal(1, report.Sessions);
    }

    [Fact]
    public void only_decisions_that_gave_less_than_the_maximum_without_reclaim_slow_a_session()
    {
        var model = new SitePowerModel(230, [new PowerCircuit("grid", null, 63m, null)],
            [new BalancedEvse("CP1", 1, "grid", [GridPhase.L1, GridPhase.L2, GridPhase.L3], 6m, 32m, ChargingRateUnit.A),
             new BalancedEvse("CP2", 1, "grid", [GridPhase.L1, GridPhase.L2, GridPhase.L3], 6m, 32m, ChargingRateUnit.A),
             new BalancedEvse("CP3", 1, "grid", [GridPhase.L1, GridPhase.L2, GridPhase.L3], 6m, 32m, ChargingRateUnit.A)],
            null, new BalancingPolicy(SharingPolicy.EqualShare, true, new Dictionary<string, int>(), 30));
        LoadAllocationDecided Decision(params (string Session, string Charger, decimal Limit, AllocationStatus Status)[] sessions) =>
            new("SITE", 1, RebalanceTrigger.Periodic, SharingPolicy.EqualShare, true, [], null, 0m, [],
                [.. sessions.Select(s => new SessionAllocationDecided(s.Session, s.Charger, 1, Local(10, 8), null, 1, null, null, null, true, null, null,
                    s.Limit, s.Status, null, null))], [], Local(10, 9));
        var lowest = new Dictionary<string, decimal>();

        PowerReport.FoldLowestShares([Decision(("A", "CP1", 16m, AllocationStatus.Shared), ("B", "CP2", 8m, AllocationStatus.Reclaimed), ("C", "CP3", 32m, AllocationStatus.AtMaximum))], model, lowest);
        PowerReport.FoldLowestShares([Decision(("A", "CP1", 24m, AllocationStatus.Shared), ("C", "CP3", 0m, AllocationStatus.Suspended))], model, lowest);

        Assert.Equal(new Dictionary<string, decimal> { ["A"] = 0.5m, ["C"] = 0m }, lowest);
    }

    private sealed record RandomSession(int StartMinute, int[] Gaps, int[] Deltas, decimal MaxKw, int[] Cuts);

    private static readonly Gen<RandomSession> Sessions =
        from start in Gen.Int[0, 30 * 24 * 60 - 1]
        from count in Gen.Int[1, 20]
        from gaps in Gen.Int[1, 40].Array[count]
        from deltas in Gen.Int[0, 8_000].Array[count]
        from maxKw in Gen.Int[1, 350]
        from cuts in Gen.Int[0, count].Array[0, 6]
        select new RandomSession(start, gaps, deltas, maxKw, cuts);

    /// <summary>The session's events with its readings split into batches at <see cref="RandomSession.Cuts"/>, the batches in reverse order.</summary>
    private static IReadOnlyList<object> Events(string id, RandomSession s, bool batched)
    {
        var start = November.OnDayOfMonth(1).AtStartOfDayInZone(Berlin).ToInstant() + Duration.FromMinutes(s.StartMinute);
        var readings = new List<MeterReading>();
        var (at, register) = (start, 500L);
        for (var i = 0; i < s.Gaps.Length; i++)
        {
            (at, register) = (at + Duration.FromMinutes(s.Gaps[i]), register + s.Deltas[i]);
            readings.Add(new MeterReading(at, register, null, null));
        }
        var cuts = batched ? s.Cuts.Where(c => c > 0 && c < readings.Count).Distinct().Order().ToList() : [];
        var bounds = cuts.Prepend(0).Append(readings.Count).ToList();
        var batches = bounds.Zip(bounds.Skip(1)).Select(b => (object)new MeterValuesRecorded(id, readings[b.First..b.Second])).ToList();
        if (batched) batches.Reverse();
        return [new SessionStartedV2(id, "CP-" + id, 1, 1, "tx", null, 500L, start), .. batches, new SessionStopped(id, register, StopReason.Local, at)];
    }

    [Fact]
    public void the_figures_do_not_depend_on_how_readings_are_batched_and_energy_adds_up() =>
        Sessions.Array[1, 6].Sample(sessions =>
        {
            ReportedSession[] Of(bool batched) => [.. sessions.Select((s, i) => PowerReport.SessionOf(Events($"S{i}", s, batched), s.MaxKw)!)];
            var whole = Report(NoneSlowed, Of(batched: false));
            var batched = Report(NoneSlowed, Of(batched: true));

            Assert.Equal(whole.PeakKw, batched.PeakKw);
            Assert.Equal(whole.UnmanagedPeakKw, batched.UnmanagedPeakKw);
            Assert.Equal(whole.EnergyKwh, batched.EnergyKwh);
            Assert.Equal(whole.SessionFigures.Sum(f => f.EnergyKwh), whole.EnergyKwh);
            // No quarter hour holds more than the month's energy, and the month's energy spread evenly is no more than its peak.
            var tolerance = 0.001m * (sessions.Length + 1);
            Assert.True(whole.PeakKw / 4m <= whole.EnergyKwh + tolerance, $"peak {whole.PeakKw} kW over 15 minutes is more than {whole.EnergyKwh} kWh");
            Assert.True(whole.PeakKw + tolerance >= whole.EnergyKwh / (30m * 24m), "the peak is below the month's average");
            // Unmanaged, each session draws at most its maximum.
            Assert.True(whole.UnmanagedPeakKw <= sessions.Sum(s => s.MaxKw) + tolerance, $"unmanaged peak {whole.UnmanagedPeakKw} kW above every maximum together");
        });
}
