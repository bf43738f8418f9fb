using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Domain.Roaming;
using Settlement.Domain.Sessions;
using Settlement.Domain.Tariffs;
using Settlement.Ledger.Schemas;
using Settlement.Workbench.Demo;
using static Settlement.Tests.Workbench.Demo.DemoFacts;

namespace Settlement.Tests.Workbench.Demo;

public sealed class demo_network_tests
{
    private static IReadOnlyList<DemoEvent> Month => DefaultMonth;

    [Fact]
    public void the_same_seed_generates_the_same_history()
    {
        var again = DemoNetwork.Generate(DefaultOptions);

        // Records compare by value, metadata included: correlation ids come from the seed too.
        Assert.Equal(Month.Count, again.Count);
        Assert.True(Month.SequenceEqual(again), "two generations with one seed differ");
    }

    [Fact]
    public void a_different_seed_generates_a_different_history_on_the_same_network()
    {
        var other = DemoNetwork.Generate(DefaultOptions with { Seed = DefaultOptions.Seed + 1 });

        Assert.Equal(Month.All<ChargerRegistered>().Select(c => c.ChargerId), other.All<ChargerRegistered>().Select(c => c.ChargerId));
        Assert.NotEqual(Month.All<SessionStartedV2>().Select(s => s.StartedAt).Take(50), other.All<SessionStartedV2>().Select(s => s.StartedAt).Take(50));
        Assert.Empty(Month.Select(e => e.Metadata.CorrelationId).Intersect(other.Select(e => e.Metadata.CorrelationId)));
    }

    [Fact]
    public void every_generated_event_passes_its_schema()
    {
        var validator = new EventValidator(EventCatalogue.Current);

        var broken = Month.AsParallel()
            .Select(e =>
            {
                try
                {
                    validator.Validate(e.Data);
                    return null;
                }
                catch (MalformedEventException error)
                {
                    return $"{e.StreamId}: {error.Message}";
                }
            })
            .Where(problem => problem is not null)
            .Take(10)
            .ToList();

        Assert.Empty(broken);
    }

    [Fact]
    public void meter_registers_never_go_backwards_per_evse()
    {
        AssertRegistersNeverGoBackwards(Month);

        foreach (var evse in Month.Sessions().GroupBy(s => s.Evse))
        {
            var ordered = evse.OrderBy(s => s.Started.StartedAt).ToList();
            // Nothing draws energy between sessions: each starts where the previous one stopped.
            Assert.All(ordered.Zip(ordered.Skip(1)), pair => Assert.Equal(pair.First.Stopped.MeterStopWh, pair.Second.Started.MeterStartWh));
            Assert.All(ordered, s => Assert.Equal(s.Stopped.MeterStopWh, s.MeterValues[^1].Readings[^1].EnergyWh));
        }
    }

    [Fact]
    public void sessions_never_overlap_on_one_evse() => AssertSessionsNeverOverlap(Month);

    [Fact]
    public void no_session_starts_while_its_evse_is_faulted_offline_or_in_maintenance()
    {
        Assert.Equal(["fault", "maintenance", "offline"], Month.Downtime().Select(d => d.Cause).Distinct().Order());

        AssertNothingStartsDuringDowntime(Month);
    }

    [Fact]
    public void each_evse_follows_the_ocpp_status_cycle() => AssertStatusesFollowTheChargingCycle(Month);

    [Fact]
    public void the_default_month_has_thousands_of_sessions_across_three_countries()
    {
        var countryOfCharger = ChargerCountries(Month);
        var sessions = Month.Sessions();

        Assert.InRange(sessions.Count, 3_000, 4_500);
        var byCountry = sessions.GroupBy(s => countryOfCharger[s.Started.ChargerId]).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(["DE", "FR", "US"], byCountry.Keys.Order());
        Assert.All(byCountry.Values, count => Assert.InRange(count, 800, 1_800));
        Assert.InRange(sessions.Sum(s => s.EnergyWh) / 1_000_000m, 100m, 250m);
        Assert.Equal(30, sessions.Select(s => s.Evse).Distinct().Count());
    }

    [Fact]
    public void events_are_in_time_order_and_each_stream_is_causally_ordered()
    {
        Assert.All(Month.Zip(Month.Skip(1)), pair => Assert.True(pair.First.Metadata.OccurredAt <= pair.Second.Metadata.OccurredAt));

        var streams = Month.GroupBy(e => e.StreamId[..e.StreamId.IndexOf(':')])
            .ToDictionary(g => g.Key, g => g.GroupBy(e => e.StreamId).Select(s => s.Select(e => e.Data).ToList()).ToList());
        Assert.Equal(["charger", "partner", "session", "site", "tariff"], streams.Keys.Order());
        Assert.All(streams["session"], SessionStreamIsCausal);
        Assert.All(streams["charger"], ChargerStreamIsCausal);
        Assert.All(streams["tariff"], stream => Assert.Equal([typeof(TariffPublished), typeof(TariffAssigned)], stream.Select(e => e.GetType())));
        Assert.All(streams["partner"], stream =>
        {
            Assert.IsType<RoamingPartnerRegistered>(stream[0]);
            var seen = new HashSet<string>();
            foreach (var e in stream.Skip(1))
            {
                if (e is RoamingTokenSeenV2 { Valid: true } token) seen.Add(token.TokenUid.DriverRef);
                else if (e is RoamingSessionRecordedV3 recorded) Assert.Contains(recorded.TokenUid.DriverRef, seen);
            }
        });
    }

    private static void SessionStreamIsCausal(List<object> stream)
    {
        Type[] order = [typeof(SessionAuthorisedV2), typeof(SessionStartedV2), typeof(MeterValuesRecorded), typeof(SessionStopped), typeof(SessionRated)];
        var ranks = stream.Select(e => Array.IndexOf(order, e.GetType())).ToList();
        Assert.True(ranks.SequenceEqual(ranks.Order()), string.Join(" -> ", stream.Select(e => e.GetType().Name)));
        Assert.IsType<SessionAuthorisedV2>(stream[0]);
        Assert.Single(stream.OfType<SessionAuthorisedV2>());
        var started = stream.OfType<SessionStartedV2>().Count();
        Assert.InRange(started, 0, 1);
        Assert.Equal(started, stream.OfType<SessionStopped>().Count());
        Assert.Equal(started, stream.OfType<MeterValuesRecorded>().Any() ? 1 : 0);
        // Accepted and never started is a failed start; refused and started is never.
        Assert.True(started == 0 || stream.OfType<SessionAuthorisedV2>().Single().Outcome == AuthorisationOutcome.Accepted);
    }

    private static void ChargerStreamIsCausal(List<object> stream)
    {
        Assert.IsType<ChargerRegistered>(stream[0]);
        Assert.IsType<ChargerBooted>(stream[1]);
        // Each fault clears before the next on its EVSE; each outage ends before the next.
        Assert.All(stream.OfType<FaultReported>().Select(f => f.EvseId).Distinct(), evse =>
            Assert.All(stream.Where(e => e is FaultReported r && r.EvseId == evse || e is FaultCleared c && c.EvseId == evse).Chunk(2),
                pair => Assert.Equal([typeof(FaultReported), typeof(FaultCleared)], pair.Select(e => e.GetType()))));
        Assert.All(stream.Where(e => e is ChargerWentOffline or ChargerCameBackOnline).Chunk(2),
            pair => Assert.Equal([typeof(ChargerWentOffline), typeof(ChargerCameBackOnline)], pair.Select(e => e.GetType())));
        var maintenance = stream.Where(e => e is MaintenancePlanned or MaintenanceEnded).Select(e => e.GetType()).ToList();
        Assert.True(maintenance.Count == 0 || maintenance.SequenceEqual([typeof(MaintenancePlanned), typeof(MaintenanceEnded)]));
    }

    [Fact]
    public void every_event_occurs_at_its_own_time_and_names_who_caused_it()
    {
        Assert.All(Month, e =>
        {
            Assert.Equal(OwnTime(e.Data), e.Metadata.OccurredAt);
            var fromCharger = e.Metadata.Actor.Kind == ActorKind.Charger;
            Assert.Equal(fromCharger, e.Metadata.CausationId?.StartsWith("ocpp:", StringComparison.Ordinal) ?? false);
            Assert.Matches("^[0-9a-f]{32}$", e.Metadata.CorrelationId);
        });
        Assert.All(Month.Where(e => e.StreamId.StartsWith("charger:", StringComparison.Ordinal) && e.Metadata.Actor.Kind == ActorKind.Charger),
            e => Assert.Equal("charger:" + e.Metadata.Actor.Id, e.StreamId));
        Assert.All(Month.Where(e => e.Data is RoamingTokenSeenV2 or RoamingSessionRecordedV3),
            e => Assert.Equal(new Actor(ActorKind.Partner, e.StreamId["partner:".Length..]), e.Metadata.Actor));
        Assert.All(Month.Where(e => e.Data is SiteRegisteredV2 or ChargerRegistered or TariffPublished or MaintenancePlanned),
            e => Assert.Equal(new Actor(ActorKind.Operator, "demo"), e.Metadata.Actor));
    }

    private static Instant OwnTime(object data) => data switch
    {
        SiteRegisteredV2 e => e.RegisteredAt,
        ChargerRegistered e => e.RegisteredAt,
        ChargerBooted e => e.BootedAt,
        ConnectorStatusChanged e => e.ChangedAt,
        ChargerWentOffline e => e.DetectedAt,
        ChargerCameBackOnline e => e.ReconnectedAt,
        FaultReported e => e.ReportedAt,
        FaultCleared e => e.ClearedAt,
        MaintenancePlanned e => e.PlannedAt,
        MaintenanceEnded e => e.EndedAt,
        FirmwareStatusReported e => e.ReportedAt,
        SessionAuthorisedV2 e => e.AuthorisedAt,
        SessionStartedV2 e => e.StartedAt,
        MeterValuesRecorded e => e.Readings[^1].TakenAt,
        SessionStopped e => e.StoppedAt,
        SessionRated e => e.RatedAt,
        TariffPublished e => e.PublishedAt,
        TariffAssigned e => e.AssignedAt,
        RoamingPartnerRegistered e => e.RegisteredAt,
        RoamingTokenSeenV2 e => e.SeenAt,
        RoamingSessionRecordedV3 e => e.StartedAt,
        Settlement.Domain.Kpis.MaintenanceCostReported e => e.ReportedAt,
        SitePublicDetailsDescribed e => e.DescribedAt,
        _ => throw new InvalidOperationException($"No own time known for {data.GetType().Name}."),
    };

    [Fact]
    public void a_session_shares_one_correlation_id_across_all_its_streams()
    {
        var sessions = Month.Sessions();
        var byCorrelation = Month.ToLookup(e => e.Metadata.CorrelationId);

        Assert.Equal(sessions.Count, sessions.Select(s => s.CorrelationId).Distinct().Count());
        Assert.All(sessions, session =>
        {
            Assert.All(session.Events, e => Assert.Equal(session.CorrelationId, e.Metadata.CorrelationId));
            var related = byCorrelation[session.CorrelationId].Except(session.Events).ToList();
            var statuses = related.Where(e => e.StreamId == StreamIds.Charger(session.Started.ChargerId)).All<ConnectorStatusChanged>().ToList();
            Assert.All(statuses, s => Assert.Equal(session.Started.EvseId, s.EvseId));
            Assert.Equal([ConnectorStatus.Preparing, ConnectorStatus.Charging], statuses.Take(2).Select(s => s.Status));
            // The connector's story brackets the transaction's: plugged in before it starts, released after it stops.
            Assert.True(statuses[0].ChangedAt <= session.Started.StartedAt && session.Started.StartedAt <= statuses[1].ChangedAt);
            Assert.All(statuses.Skip(2), s => Assert.True(s.ChangedAt >= session.Stopped.StoppedAt));
            var roaming = related.Where(e => e.StreamId.StartsWith("partner:", StringComparison.Ordinal)).ToList();
            Assert.Equal(session.Authorised.TokenType == TokenType.Roaming ? 2 : 0, roaming.Count);
            Assert.All(roaming.All<RoamingSessionRecordedV3>(), r => Assert.Equal(session.Started.SessionId, r.SessionId));
            Assert.Equal(related.Count, statuses.Count + roaming.Count);
        });
    }

    [Fact]
    public void sessions_start_within_each_sites_local_days_and_peak_at_its_local_rush_hours()
    {
        AssertSessionsStartWithinTheirLocalDays(Month, DefaultOptions);
        var acrossTheClockChange = DefaultOptions with { From = new LocalDate(2026, 10, 24), Days = 3 };
        AssertSessionsStartWithinTheirLocalDays(DemoNetwork.Generate(acrossTheClockChange), acrossTheClockChange);

        var zoneOfCharger = ChargerZones(Month);
        foreach (var site in Month.Sessions().GroupBy(s => zoneOfCharger[s.Started.ChargerId]))
        {
            var hours = site.Select(s => s.Started.StartedAt.InZone(site.Key).Hour).ToList();
            var rush = hours.Count(h => h is >= 7 and <= 9 or >= 16 and <= 19);
            var night = hours.Count(h => h is >= 0 and <= 4);
            Assert.True(rush > 10 * night, $"{site.Key.Id}: {rush} sessions in rush hours, {night} at night");
        }
    }

    [Fact]
    public void charging_is_physically_plausible()
    {
        var maxPowerW = Month.All<ChargerRegistered>()
            .SelectMany(c => c.Evses.Select(e => (Evse: (c.ChargerId, e.EvseId), Kw: e.Connectors.Single().MaxPowerKw)))
            .ToDictionary(x => x.Evse, x => x.Kw * 1_000);
        var sessions = Month.Sessions();

        Assert.All(sessions, s =>
        {
            Assert.InRange(s.EnergyWh, 0, 110_000); // at most a 100 kWh battery, 90% of it, plus losses
            var readings = s.MeterValues.SelectMany(m => m.Readings).ToList();
            Assert.All(readings, r => Assert.InRange(r.PowerW!.Value, 0m, Math.Min(maxPowerW[s.Evse], 270_000m)));
            var soc = readings.Select(r => r.StateOfChargePercent!.Value).ToList();
            Assert.True(soc.SequenceEqual(soc.Order()), $"{s.Started.SessionId}: state of charge went down");
            Assert.InRange(soc[0], 10, 90);
            Assert.InRange(soc[^1], 10, 90);
        });
        // Unplugging after a normal charge means the car reached the 70-90% its driver aimed for.
        var unplugged = sessions.Where(s => s.Stopped.Reason == StopReason.EVDisconnected).ToList();
        Assert.All(unplugged, s => Assert.InRange(s.MeterValues[^1].Readings[^1].StateOfChargePercent!.Value, 70, 90));
        Assert.InRange(sessions.Average(s => s.EnergyWh) / 1_000, 30, 60);
    }

    [Fact]
    public void some_cars_stay_plugged_in_after_charging()
    {
        var statusesByCorrelation = Month.Where(e => e.Data is ConnectorStatusChanged)
            .ToLookup(e => e.Metadata.CorrelationId, e => (ConnectorStatusChanged)e.Data);
        var idle = Month.Sessions()
            .Select(s => statusesByCorrelation[s.CorrelationId].ToList())
            .Where(statuses => statuses.Count == 4)
            .Select(statuses => statuses[3].ChangedAt - statuses[2].ChangedAt)
            .ToList();

        Assert.All(idle, d => Assert.True(d > Duration.Zero));
        Assert.InRange(idle.Count(d => d < Duration.FromMinutes(1)) / (double)idle.Count, 0.4, 0.8);
        Assert.InRange(idle.Count(d => d >= Duration.FromMinutes(15)) / (double)idle.Count, 0.05, 0.3);
    }

    [Fact]
    public void roaming_ratings_and_refusals_have_realistic_shares()
    {
        var sessions = Month.Sessions();
        var attempts = Month.All<SessionAuthorisedV2>().ToList();

        Assert.InRange(sessions.Count(s => s.Authorised.TokenType == TokenType.Roaming) / (double)sessions.Count, 0.10, 0.20);
        Assert.InRange(sessions.Count(s => s.Rated is not null) / (double)sessions.Count, 0.20, 0.40);
        var refused = attempts.Where(a => a.Outcome != AuthorisationOutcome.Accepted).ToList();
        Assert.InRange(refused.Count / (double)attempts.Count, 0.01, 0.04);
        Assert.Equal([AuthorisationOutcome.Blocked, AuthorisationOutcome.Invalid], refused.Select(a => a.Outcome).Distinct().Order());

        var rated = sessions.Where(s => s.Rated is not null).ToList();
        var troubled = rated.Where(s => s.Stopped.Reason is StopReason.EmergencyStop or StopReason.PowerLoss or StopReason.Other).ToList();
        Assert.NotEmpty(troubled);
        Assert.InRange(rated.Except(troubled).Average(s => s.Rated!.Stars), 4.0, 5.0);
        Assert.True(troubled.Average(s => s.Rated!.Stars) < rated.Except(troubled).Average(s => s.Rated!.Stars) - 1);
        Assert.InRange(sessions.Count(s => s.Stopped.Reason == StopReason.EmergencyStop), 3, 60);
        Assert.InRange(sessions.Count(s => s.Stopped.Reason == StopReason.PowerLoss), 1, 30);
    }

    [Fact]
    public void a_few_percent_of_accepted_drivers_never_start_charging_and_the_evse_is_free_again_within_minutes()
    {
        var started = Month.All<SessionStartedV2>().Select(s => s.SessionId).ToHashSet();
        var accepted = Month.All<SessionAuthorisedV2>().Where(a => a.Outcome == AuthorisationOutcome.Accepted).ToList();
        var failed = accepted.Where(a => !started.Contains(a.SessionId)).ToList();

        Assert.InRange(failed.Count / (double)accepted.Count, 0.015, 0.05);
        Assert.Equal(["DE", "FR", "US"], failed.Select(f => ChargerCountries(Month)[f.ChargerId]).Distinct().Order());
        var statuses = Month.All<ConnectorStatusChanged>().ToLookup(s => (s.ChargerId, s.EvseId));
        Assert.All(failed, attempt =>
        {
            var after = statuses[(attempt.ChargerId, attempt.EvseId)].Where(s => s.ChangedAt >= attempt.AuthorisedAt).Take(2).ToList();
            Assert.Equal([ConnectorStatus.Preparing, ConnectorStatus.Available], after.Select(s => s.Status));
            Assert.InRange(after[1].ChangedAt - attempt.AuthorisedAt, Duration.FromSeconds(45), Duration.FromMinutes(4));
        });
    }

    [Fact]
    public void the_us_site_reports_its_maintenance_costs_for_the_period_and_no_other_site_does()
    {
        var cost = Assert.Single(Month.All<Settlement.Domain.Kpis.MaintenanceCostReported>());

        Assert.Equal("US-DEN", cost.SiteId);
        Assert.Equal((DefaultOptions.From, DefaultOptions.From.PlusDays(DefaultOptions.Days - 1)), (cost.From, cost.Through));
        var faults = Month.All<FaultReported>().Count(f => f.ChargerId.StartsWith("US-DEN-", StringComparison.Ordinal));
        Assert.Equal(5 * 150m * 31 / 30 + faults * 200m + Month.All<MaintenancePlanned>().Count(m => m.ChargerId.StartsWith("US-DEN-", StringComparison.Ordinal)) * 350m,
            cost.TotalCost, precision: 2);
        Assert.Equal(Math.Round(cost.TotalCost * 0.8m, 2), cost.FederalCost);
    }

    [Fact]
    public void faults_outages_and_maintenance_stay_within_their_monthly_bounds()
    {
        var faults = Month.All<FaultReported>().ToList();
        Assert.InRange(faults.Count, 10, 60);
        Assert.All(faults.GroupBy(f => (f.ChargerId, f.EvseId)), evse => Assert.InRange(evse.Count(), 1, 2));
        Assert.All(Month.Downtime().Where(d => d.Cause == "fault"),
            d => Assert.InRange(d.Until - d.From, Duration.FromMinutes(30), Duration.FromDays(2)));

        var offline = Month.All<ChargerWentOffline>().ToList();
        Assert.All(offline, o => Assert.InRange(o.DetectedAt - o.LastSeenAt, Duration.FromMinutes(2), Duration.FromMinutes(6)));
        // Up to two of a charger's own, plus its site's one blackout.
        Assert.All(offline.GroupBy(o => o.ChargerId), charger => Assert.InRange(charger.Count(), 1, 3));
        Assert.All(Month.Downtime().Where(d => d.Cause == "offline"),
            d => Assert.InRange(d.Until - d.From, Duration.FromMinutes(10), Duration.FromHours(6)));

        var maintenance = Month.All<MaintenancePlanned>().ToList();
        Assert.Equal(["DE-MUC", "FR-LYS", "US-DEN"], maintenance.Select(m => m.ChargerId[..6]).Order());
        Assert.All(maintenance, m => Assert.InRange(m.From - m.PlannedAt, Duration.FromDays(1), Duration.FromDays(6)));
    }

    [Fact]
    public void the_firmware_rollout_updates_two_or_three_chargers_while_they_are_idle()
    {
        var updated = Month.Where(e => e.Data is FirmwareStatusReported).Select(e => e.StreamId).Distinct().ToList();
        Assert.InRange(updated.Count, 2, 3);

        var sessions = Month.Sessions();
        foreach (var stream in updated)
        {
            var events = Month.Where(e => e.StreamId == stream).Select(e => e.Data).ToList();
            var first = events.FindIndex(e => e is FirmwareStatusReported);
            var rollout = events.Skip(first).Take(5).ToList();
            Assert.Equal(
                [FirmwareStatus.Downloading, FirmwareStatus.Downloaded, FirmwareStatus.Installing, FirmwareStatus.Installed],
                rollout.Take(4).Cast<FirmwareStatusReported>().Select(f => f.Status));
            var boot = Assert.IsType<ChargerBooted>(rollout[4]);
            Assert.Equal(BootReason.FirmwareUpdate, boot.Reason);
            Assert.Equal(((FirmwareStatusReported)rollout[0]).FirmwareVersion, boot.FirmwareVersion);
            Assert.NotEqual(events.OfType<ChargerBooted>().First().FirmwareVersion, boot.FirmwareVersion);

            var from = ((FirmwareStatusReported)rollout[0]).ReportedAt;
            Assert.DoesNotContain(sessions, s => stream == StreamIds.Charger(s.Started.ChargerId)
                && s.Authorised.AuthorisedAt <= boot.BootedAt && s.Stopped.StoppedAt >= from);
        }
        Assert.Single(updated.Select(s => Month.All<ChargerRegistered>().Single(c => StreamIds.Charger(c.ChargerId) == s).Model).Distinct());
    }

    [Fact]
    public void the_network_has_three_sites_thirty_evses_and_a_time_of_use_tariff_each()
    {
        var sites = Month.All<SiteRegisteredV2>().ToList();
        var chargers = Month.All<ChargerRegistered>().ToList();

        Assert.Equal(["Europe/Berlin", "Europe/Paris", "America/Denver"], sites.Select(s => s.TimeZone));
        Assert.All(sites, s => Assert.Equal(5, chargers.Count(c => c.SiteId == s.SiteId)));
        Assert.Equal(30, chargers.Sum(c => c.Evses.Count));
        Assert.All(chargers.SelectMany(c => c.Evses), e => Assert.Single(e.Connectors));
        Assert.Equal([ConnectorStandard.Ccs2], chargers.Where(c => c.SiteId != "US-DEN").SelectMany(c => c.Evses).Select(e => e.Connectors[0].Standard).Distinct());
        Assert.Equal([ConnectorStandard.Ccs1, ConnectorStandard.Nacs],
            chargers.Where(c => c.SiteId == "US-DEN").SelectMany(c => c.Evses).Select(e => e.Connectors[0].Standard).Distinct().Order());
        Assert.Equal([OcppVersion.Ocpp16, OcppVersion.Ocpp201], chargers.Select(c => c.Protocol).Distinct().Order());
        Assert.True(chargers.Select(c => c.Vendor).Distinct().Count() >= 4);

        var tariffs = Month.All<TariffPublished>().ToList();
        Assert.Equal(["EUR", "EUR", "USD"], tariffs.Select(t => t.Currency));
        Assert.All(tariffs, t =>
        {
            Assert.Equal([("22:00", "06:00"), ("06:00", "22:00")], t.Elements.Select(e => (e.Restrictions!.StartTime, e.Restrictions.EndTime)));
            Assert.All(t.Elements, e => Assert.Contains(e.PriceComponents, p => p.Type == PriceComponentType.Energy));
            Assert.All(t.Elements, e => Assert.Contains(e.PriceComponents, p => p.Type == PriceComponentType.ParkingTime));
            Assert.Single(t.Elements.SelectMany(e => e.PriceComponents), p => p.Type == PriceComponentType.Flat);
            var offPeak = t.Elements[0].PriceComponents.Single(p => p.Type == PriceComponentType.Energy).Price;
            var peak = t.Elements[1].PriceComponents.Single(p => p.Type == PriceComponentType.Energy).Price;
            Assert.True(offPeak < peak);
        });
        Assert.Equal(sites.Select(s => s.SiteId), Month.All<TariffAssigned>().Where(a => a.Scope == TariffScope.Site).Select(a => a.ScopeId));

        var partners = Month.All<RoamingPartnerRegistered>().ToList();
        Assert.Equal(2, partners.Count);
        Assert.All(partners, p => Assert.InRange(p.CommissionPercent, 5m, 15m));
    }

    [Fact]
    public void the_network_is_set_up_before_its_first_day()
    {
        var zones = ChargerZones(Month);
        var firstMidnight = zones.Values.Distinct().Min(zone => DefaultOptions.From.AtStartOfDayInZone(zone).ToInstant());
        Type[] setUp =
        [
            typeof(RoamingPartnerRegistered), typeof(SiteRegisteredV2), typeof(SitePublicDetailsDescribed), typeof(ChargerRegistered), typeof(ChargerBooted),
            typeof(ConnectorStatusChanged), typeof(TariffPublished), typeof(TariffAssigned), typeof(MaintenancePlanned),
        ];

        var before = Month.TakeWhile(e => e.Metadata.OccurredAt < firstMidnight).ToList();

        Assert.All(before, e => Assert.Contains(e.Data.GetType(), setUp));
        Assert.All(before.All<ConnectorStatusChanged>(), s => Assert.Equal(ConnectorStatus.Available, s.Status));
        Assert.Equal(30, before.All<ConnectorStatusChanged>().Count());
        Assert.All(Month.All<TariffPublished>(), t => Assert.True(t.PublishedAt < t.ValidFrom && t.ValidFrom < firstMidnight + Duration.FromDays(1)));
    }

    private static Dictionary<string, string> ChargerCountries(IReadOnlyList<DemoEvent> events)
    {
        var sites = events.All<SiteRegisteredV2>().ToDictionary(s => s.SiteId);
        return events.All<ChargerRegistered>().ToDictionary(c => c.ChargerId, c => sites[c.SiteId].CountryCode);
    }
}
