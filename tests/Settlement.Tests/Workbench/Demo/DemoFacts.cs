using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Sessions;
using Settlement.Workbench.Demo;

namespace Settlement.Tests.Workbench.Demo;

/// <summary>A session that started, with everything recorded in its stream.</summary>
internal sealed record SessionFacts(
    SessionAuthorisedV2 Authorised, SessionStartedV2 Started, IReadOnlyList<MeterValuesRecorded> MeterValues,
    SessionStopped Stopped, SessionRated? Rated, IReadOnlyList<DemoEvent> Events)
{
    public (string ChargerId, int EvseId) Evse => (Started.ChargerId, Started.EvseId);
    public long EnergyWh => Stopped.MeterStopWh - Started.MeterStartWh;
    public string CorrelationId => Events[0].Metadata.CorrelationId;
}

internal sealed record Downtime(string ChargerId, int EvseId, Instant From, Instant Until, string Cause)
{
    public bool Contains(Instant at) => From <= at && at <= Until;
}

/// <summary>Reads a generated history the way a projection would, so tests state facts, not parsing.</summary>
internal static class DemoFacts
{
    public static readonly DemoOptions DefaultOptions = new(2026, new LocalDate(2026, 10, 1), 31);

    private static readonly Lazy<IReadOnlyList<DemoEvent>> Default = new(() => DemoNetwork.Generate(DefaultOptions));

    /// <summary>Generated once for all tests: the history is pure, so sharing it is safe.</summary>
    public static IReadOnlyList<DemoEvent> DefaultMonth => Default.Value;

    public static IEnumerable<T> All<T>(this IEnumerable<DemoEvent> events) => events.Select(e => e.Data).OfType<T>();

    public static IReadOnlyList<SessionFacts> Sessions(this IEnumerable<DemoEvent> events) =>
        events.Where(e => e.StreamId.StartsWith("session:", StringComparison.Ordinal))
            .GroupBy(e => e.StreamId)
            .Where(g => g.Any(e => e.Data is SessionStartedV2))
            .Select(g =>
            {
                var stream = g.ToList();
                return new SessionFacts(
                    stream.All<SessionAuthorisedV2>().Single(), stream.All<SessionStartedV2>().Single(),
                    stream.All<MeterValuesRecorded>().ToList(), stream.All<SessionStopped>().Single(),
                    stream.All<SessionRated>().SingleOrDefault(), stream);
            })
            .ToList();

    public static IReadOnlyList<(string ChargerId, int EvseId)> Evses(this IEnumerable<DemoEvent> events) =>
        events.All<ChargerRegistered>().SelectMany(c => c.Evses.Select(e => (c.ChargerId, e.EvseId))).ToList();

    /// <summary>Faults of one EVSE, and outages and maintenance of its whole charger.</summary>
    public static IReadOnlyList<Downtime> Downtime(this IReadOnlyList<DemoEvent> events)
    {
        var evses = events.Evses();
        var downtime = new List<Downtime>();
        var cleared = events.All<FaultCleared>().ToList();
        foreach (var fault in events.All<FaultReported>())
        {
            var end = cleared.First(c => c.ChargerId == fault.ChargerId && c.EvseId == fault.EvseId && c.ClearedAt >= fault.ReportedAt);
            downtime.Add(new Downtime(fault.ChargerId, fault.EvseId, fault.ReportedAt, end.ClearedAt, "fault"));
        }
        var online = events.All<ChargerCameBackOnline>().ToList();
        foreach (var offline in events.All<ChargerWentOffline>())
        {
            var end = online.First(o => o.ChargerId == offline.ChargerId && o.ReconnectedAt >= offline.LastSeenAt);
            downtime.AddRange(evses.Where(e => e.ChargerId == offline.ChargerId)
                .Select(e => new Downtime(e.ChargerId, e.EvseId, offline.LastSeenAt, end.ReconnectedAt, "offline")));
        }
        var ended = events.All<MaintenanceEnded>().ToList();
        foreach (var planned in events.All<MaintenancePlanned>())
        {
            var end = ended.Single(m => m.MaintenanceId == planned.MaintenanceId);
            downtime.AddRange(evses.Where(e => e.ChargerId == planned.ChargerId && (planned.EvseId == 0 || planned.EvseId == e.EvseId))
                .Select(e => new Downtime(e.ChargerId, e.EvseId, planned.From, end.EndedAt, "maintenance")));
        }
        return downtime;
    }

    public static Dictionary<string, DateTimeZone> ChargerZones(IReadOnlyList<DemoEvent> events)
    {
        var zones = events.All<SiteRegisteredV2>().ToDictionary(s => s.SiteId, s => DateTimeZoneProviders.Tzdb[s.TimeZone]);
        return events.All<ChargerRegistered>().ToDictionary(c => c.ChargerId, c => zones[c.SiteId]);
    }

    /// <summary>Days are each site's calendar days, however long the clock change makes them.</summary>
    public static void AssertSessionsStartWithinTheirLocalDays(IReadOnlyList<DemoEvent> events, DemoOptions options)
    {
        var zones = ChargerZones(events);
        var last = options.From.PlusDays(options.Days - 1);
        foreach (var attempt in events.All<SessionAuthorisedV2>())
        {
            var day = attempt.AuthorisedAt.InZone(zones[attempt.ChargerId]).Date;
            Assert.True(day >= options.From && day <= last, $"{attempt.SessionId} began on local {day}, outside {options.From}..{last}");
        }
    }

    public static void AssertRegistersNeverGoBackwards(IReadOnlyList<DemoEvent> events)
    {
        foreach (var evse in events.Sessions().GroupBy(s => s.Evse))
        {
            var registers = evse.OrderBy(s => s.Started.StartedAt).SelectMany(s =>
                s.MeterValues.SelectMany(m => m.Readings).Select(r => r.EnergyWh)
                    .Prepend(s.Started.MeterStartWh).Append(s.Stopped.MeterStopWh)).ToList();
            var backwards = registers.Zip(registers.Skip(1)).FirstOrDefault(p => p.Second < p.First);
            Assert.True(backwards == default, $"{evse.Key}: register went from {backwards.First} Wh to {backwards.Second} Wh");
        }
    }

    /// <summary>Not even a refused card is tapped on an EVSE while another car is charging there.</summary>
    public static void AssertSessionsNeverOverlap(IReadOnlyList<DemoEvent> events)
    {
        var sessions = events.Sessions();
        foreach (var evse in sessions.GroupBy(s => s.Evse))
        {
            var ordered = evse.OrderBy(s => s.Started.StartedAt).ToList();
            foreach (var (earlier, later) in ordered.Zip(ordered.Skip(1)))
                Assert.True(later.Authorised.AuthorisedAt > earlier.Stopped.StoppedAt,
                    $"{later.Started.SessionId} was authorised before {earlier.Started.SessionId} stopped");
        }
        var byEvse = sessions.ToLookup(s => s.Evse);
        foreach (var attempt in events.All<SessionAuthorisedV2>())
        {
            var busy = byEvse[(attempt.ChargerId, attempt.EvseId)].FirstOrDefault(s => s.Started.SessionId != attempt.SessionId
                && s.Started.StartedAt <= attempt.AuthorisedAt && attempt.AuthorisedAt <= s.Stopped.StoppedAt);
            Assert.True(busy is null, $"{attempt.SessionId} was tried while {busy?.Started.SessionId} was charging");
        }
    }

    public static void AssertNothingStartsDuringDowntime(IReadOnlyList<DemoEvent> events)
    {
        var downtime = events.Downtime().ToLookup(d => (d.ChargerId, d.EvseId));
        var attempts = events.All<SessionAuthorisedV2>().Select(a => (a.SessionId, a.ChargerId, a.EvseId, At: a.AuthorisedAt))
            .Concat(events.All<SessionStartedV2>().Select(s => (s.SessionId, s.ChargerId, s.EvseId, At: s.StartedAt)));
        foreach (var attempt in attempts)
        {
            var during = downtime[(attempt.ChargerId, attempt.EvseId)].FirstOrDefault(d => d.Contains(attempt.At));
            Assert.True(during is null, $"{attempt.SessionId} began at {attempt.At} during {during}");
        }
    }

    /// <summary>The OCPP status cycle as the demo drives it; anything else means two stories crossed on one EVSE.</summary>
    public static void AssertStatusesFollowTheChargingCycle(IReadOnlyList<DemoEvent> events)
    {
        var allowed = new Dictionary<ConnectorStatus, ConnectorStatus[]>
        {
            // Available again on its own is a charger re-reporting after a boot.
            [ConnectorStatus.Available] = [ConnectorStatus.Preparing, ConnectorStatus.Faulted, ConnectorStatus.Unavailable, ConnectorStatus.Available],
            // A car that never starts charging: the charger gives up and the EVSE is available again.
            [ConnectorStatus.Preparing] = [ConnectorStatus.Charging, ConnectorStatus.Available],
            // A power cut reboots the charger mid-charge: it comes back Available.
            [ConnectorStatus.Charging] = [ConnectorStatus.Finishing, ConnectorStatus.Faulted, ConnectorStatus.Available],
            [ConnectorStatus.Finishing] = [ConnectorStatus.Available, ConnectorStatus.Faulted],
            [ConnectorStatus.Faulted] = [ConnectorStatus.Available],
            [ConnectorStatus.Unavailable] = [ConnectorStatus.Available],
        };
        foreach (var evse in events.All<ConnectorStatusChanged>().GroupBy(s => (s.ChargerId, s.EvseId)))
        {
            var statuses = evse.ToList();
            Assert.Equal(ConnectorStatus.Available, statuses[0].Status);
            foreach (var (from, to) in statuses.Zip(statuses.Skip(1)))
                Assert.True(allowed[from.Status].Contains(to.Status),
                    $"{evse.Key} went {from.Status} -> {to.Status} at {to.ChangedAt}");
        }
    }
}
