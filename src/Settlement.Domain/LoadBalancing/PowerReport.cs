using NodaTime;
using Settlement.Domain.Sessions;

namespace Settlement.Domain.LoadBalancing;

/// <summary>A session's cumulative energy register at one instant.</summary>
public readonly record struct RegisterPoint(Instant At, long EnergyWh);

/// <summary>
/// A session as the power report reads it: its register from start to stop (readings sorted by time, one per instant,
/// never falling), and <see cref="MaxKw"/>, what its EVSE can draw (null: not known, it is then counted as it ran).
/// </summary>
public sealed record ReportedSession(string SessionId, string ChargerId, int EvseId, Instant StartedAt, IReadOnlyList<RegisterPoint> Register, decimal? MaxKw)
{
    public long EnergyWh => Register[^1].EnergyWh - Register[0].EnergyWh;

    /// <summary>When the register first reached its last value: when the car stopped taking energy, not when it was unplugged.</summary>
    public Instant ChargedUntil => Register.First(p => p.EnergyWh == Register[^1].EnergyWh).At;
}

/// <summary>What the report shows of a session: its energy in the month, how long it charged, and how long it would have unmanaged.</summary>
public sealed record SessionPowerFigures(
    string SessionId, string ChargerId, int EvseId, Instant StartedAt, decimal EnergyKwh, decimal? MaxKw,
    decimal ChargingMinutes, decimal UnmanagedMinutes, bool Slowed, decimal ExtraMinutes, decimal? LowestShareOfMax);

/// <summary>A grid signal that held during the month, in the site's local time.</summary>
public sealed record SignalInMonth(string SignalId, GridSignalKind Kind, string? CircuitId, decimal? CapPercent, decimal? CapKw, LocalDateTime From, LocalDateTime Until);

/// <summary>
/// The month of a site's power: <see cref="PeakKw"/> is the highest 15-minute average of what its sessions drew,
/// <see cref="UnmanagedPeakKw"/> the same had every session drawn its EVSE's maximum from its start until it had the
/// same energy. A session is slowed when a decision gave it less than its EVSE's maximum without it being reclaimed
/// (it did not ask for more) or uncontrolled; its extra minutes are how much longer it charged than unmanaged.
/// </summary>
public sealed record PowerReportFigures(
    YearMonth Month, string TimeZone, decimal? GridLimitKw,
    decimal PeakKw, LocalDateTime? PeakIntervalStart, decimal UnmanagedPeakKw, LocalDateTime? UnmanagedPeakIntervalStart,
    decimal EnergyKwh, int Sessions, int SessionsSlowed, decimal ExtraMinutesTotal, decimal? ExtraMinutesAverage, decimal? LowestShareOfMax,
    IReadOnlyList<SignalInMonth> Signals, IReadOnlyList<SessionPowerFigures> SessionFigures);

/// <summary>
/// The monthly power report of a site, a pure function of its sessions' registers, the allocation decisions and the
/// signals. Energy between two readings is taken as drawn evenly (linear interpolation of the cumulative register),
/// so an interval's energy is the register's rise across it, however the readings were batched into events.
/// </summary>
public static class PowerReport
{
    public static readonly Duration Interval = Duration.FromMinutes(15);

    /// <summary>
    /// A session's register from its events (start, meter values in any batching and order, stop or close for silence,
    /// reopening); null when its start is not among them.
    /// </summary>
    public static ReportedSession? SessionOf(IEnumerable<object> events, decimal? maxKw)
    {
        SessionStartedV2? started = null;
        RegisterPoint? stop = null;
        var readings = new List<RegisterPoint>();
        foreach (var e in events)
        {
            switch (e)
            {
                case SessionStartedV2 s: started = s; break;
                case MeterValuesRecorded m: readings.AddRange(m.Readings.Select(r => new RegisterPoint(r.TakenAt, r.EnergyWh))); break;
                case SessionStopped s: stop = new RegisterPoint(s.StoppedAt, s.MeterStopWh); break;
                case SessionClosedForSilence c: stop = new RegisterPoint(c.StoppedAt, c.MeterStopWh); break;
                case SessionReopened: stop = null; break;
            }
        }
        if (started is null) return null;
        readings.Add(new RegisterPoint(started.StartedAt, started.MeterStartWh));
        if (stop is { } stopped) readings.Add(stopped);
        return new ReportedSession(started.SessionId, started.ChargerId, started.EvseId, started.StartedAt, Register(readings), maxKw);
    }

    /// <summary>Sorted by time, one point per instant (the highest reading), and never falling: a register that reads lower is taken as unchanged.</summary>
    public static IReadOnlyList<RegisterPoint> Register(IEnumerable<RegisterPoint> readings)
    {
        var points = new List<RegisterPoint>();
        var highest = long.MinValue;
        foreach (var group in readings.GroupBy(r => r.At).OrderBy(g => g.Key))
        {
            highest = Math.Max(highest, group.Max(r => r.EnergyWh));
            points.Add(new RegisterPoint(group.Key, highest));
        }
        return points;
    }

    /// <summary>
    /// For each session a decision slowed (less than its EVSE's maximum, Shared or Suspended), the lowest share of that
    /// maximum any of <paramref name="decisions"/> gave it, folded into <paramref name="lowest"/> so decisions can be read a page at a time.
    /// </summary>
    public static void FoldLowestShares(IEnumerable<LoadAllocationDecided> decisions, SitePowerModel? model, Dictionary<string, decimal> lowest)
    {
        if (model is null) return;
        var maxima = model.Evses.ToDictionary(e => (e.ChargerId, e.EvseId), e => e.MaxAmps);
        foreach (var decision in decisions)
            foreach (var s in decision.Sessions)
            {
                if (s.Status is not (AllocationStatus.Shared or AllocationStatus.Suspended)) continue;
                if (!maxima.TryGetValue((s.ChargerId, s.EvseId), out var max) || max <= 0m || s.LimitAmps >= max) continue;
                var share = s.LimitAmps / max;
                lowest[s.SessionId] = lowest.TryGetValue(s.SessionId, out var known) ? Math.Min(known, share) : share;
            }
    }

    /// <param name="from">The month's first instant in the site's zone.</param>
    /// <param name="until">The next month's first instant in the site's zone.</param>
    /// <param name="lowestShares">From <see cref="FoldLowestShares"/>: the sessions a decision slowed.</param>
    public static PowerReportFigures Compute(
        YearMonth month, DateTimeZone zone, decimal? gridLimitKw, IReadOnlyList<ReportedSession> sessions,
        IReadOnlyDictionary<string, decimal> lowestShares, IReadOnlyList<GridSignal> signals)
    {
        var from = month.OnDayOfMonth(1).AtStartOfDayInZone(zone).ToInstant();
        var until = month.PlusMonths(1).OnDayOfMonth(1).AtStartOfDayInZone(zone).ToInstant();
        var intervals = (int)((until - from).BclCompatibleTicks / Interval.BclCompatibleTicks) + 1;
        var managed = new decimal[intervals];
        var unmanaged = new decimal[intervals];

        var figures = new List<SessionPowerFigures>();
        foreach (var session in sessions.Where(s => s.Register.Count > 0 && s.Register[0].At < until && s.Register[^1].At >= from)
                     .OrderBy(s => s.StartedAt).ThenBy(s => s.SessionId, StringComparer.Ordinal))
        {
            AddRises(session.Register, from, until, managed);
            var unmanagedRegister = Unmanaged(session);
            AddRises(unmanagedRegister, from, until, unmanaged);

            var energyWh = At(session.Register, until) - At(session.Register, from);
            var charging = (decimal)(session.ChargedUntil - session.StartedAt).TotalMinutes;
            var unmanagedMinutes = (decimal)(unmanagedRegister[^1].At - unmanagedRegister[0].At).TotalMinutes;
            var slowed = lowestShares.TryGetValue(session.SessionId, out var share);
            figures.Add(new SessionPowerFigures(session.SessionId, session.ChargerId, session.EvseId, session.StartedAt, Kwh(energyWh), session.MaxKw,
                Minutes(charging), Minutes(unmanagedMinutes), slowed, slowed ? Minutes(Math.Max(0m, charging - unmanagedMinutes)) : 0m,
                slowed ? decimal.Round(share, 3) : null));
        }

        var (peak, peakAt) = Peak(managed);
        var (unmanagedPeak, unmanagedPeakAt) = Peak(unmanaged);
        var slowedSessions = figures.Where(f => f.Slowed).ToList();
        var extra = slowedSessions.Sum(f => f.ExtraMinutes);
        return new PowerReportFigures(month, zone.Id, gridLimitKw,
            peak, peakAt is { } p ? Local(from + Interval * p) : null,
            unmanagedPeak, unmanagedPeakAt is { } u ? Local(from + Interval * u) : null,
            figures.Sum(f => f.EnergyKwh), figures.Count, slowedSessions.Count, extra,
            slowedSessions.Count == 0 ? null : Minutes(extra / slowedSessions.Count),
            slowedSessions.Count == 0 ? null : slowedSessions.Min(f => f.LowestShareOfMax),
            [.. signals.Where(s => s.From < until && s.Until > from && s.Until > s.From).OrderBy(s => s.From).ThenBy(s => s.SignalId, StringComparer.Ordinal)
                .Select(s => new SignalInMonth(s.SignalId, s.Kind, s.CircuitId, s.CapPercent, s.CapKw, Local(s.From), Local(s.Until)))],
            figures);

        LocalDateTime Local(Instant at) => at.InZone(zone).LocalDateTime;

        (decimal Kw, int? Interval) Peak(decimal[] energyWh)
        {
            var best = 0;
            for (var i = 1; i < energyWh.Length; i++)
                if (energyWh[i] > energyWh[best]) best = i;
            return energyWh[best] > 0m ? (decimal.Round(energyWh[best] * 4m / 1000m, 3), best) : (0m, null);
        }
    }

    /// <summary>The register of the session drawn at its EVSE's maximum from its start until it has the same energy.</summary>
    private static IReadOnlyList<RegisterPoint> Unmanaged(ReportedSession session)
    {
        var first = session.Register[0];
        if (session.MaxKw is not { } maxKw || maxKw <= 0m) return session.Register;
        var hours = session.EnergyWh / (maxKw * 1000m);
        var ticks = (long)decimal.Ceiling(hours * NodaConstants.TicksPerHour);
        return [new RegisterPoint(session.StartedAt, first.EnergyWh), new RegisterPoint(session.StartedAt + Duration.FromTicks(ticks), session.Register[^1].EnergyWh)];
    }

    /// <summary>Adds the register's rise across each interval between <paramref name="from"/> and <paramref name="until"/> to <paramref name="energyWh"/>.</summary>
    private static void AddRises(IReadOnlyList<RegisterPoint> register, Instant from, Instant until, decimal[] energyWh)
    {
        var start = Instant.Max(from, register[0].At);
        var end = Instant.Min(until, register[^1].At);
        if (end <= start) return;
        var first = (int)((start - from).BclCompatibleTicks / Interval.BclCompatibleTicks);
        var last = (int)((end - from).BclCompatibleTicks / Interval.BclCompatibleTicks);
        var previous = At(register, from + Interval * first);
        for (var i = first; i <= last && i < energyWh.Length; i++)
        {
            var next = At(register, Instant.Min(until, from + Interval * (i + 1)));
            energyWh[i] += next - previous;
            previous = next;
        }
    }

    /// <summary>The register at an instant: linear between readings, its first value before them and its last after.</summary>
    private static decimal At(IReadOnlyList<RegisterPoint> register, Instant at)
    {
        if (at <= register[0].At) return register[0].EnergyWh;
        if (at >= register[^1].At) return register[^1].EnergyWh;
        int low = 0, high = register.Count - 1;
        while (high - low > 1)
        {
            var middle = (low + high) / 2;
            if (register[middle].At <= at) low = middle;
            else high = middle;
        }
        var (a, b) = (register[low], register[high]);
        return a.EnergyWh + (decimal)(b.EnergyWh - a.EnergyWh) * (at - a.At).BclCompatibleTicks / (b.At - a.At).BclCompatibleTicks;
    }

    private static decimal Kwh(decimal wh) => decimal.Round(wh / 1000m, 3);

    private static decimal Minutes(decimal minutes) => decimal.Round(minutes, 1);
}
