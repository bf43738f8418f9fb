using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.SelfHealing;
using Settlement.Domain.Sessions;
using Xunit;
using static Settlement.Tests.SelfHealing.HealingSpec;

namespace Settlement.Tests.SelfHealing;

/// <summary>Detection: which ledger events open an incident, when, and what shows it is over.</summary>
public sealed class incident_detection_tests
{
    private static readonly HealingRules Rules = HealingRules.Default;

    /// <summary>A ledger fed to detection in order: each event gets the next sequence and the time it is recorded at.</summary>
    private sealed class Feed
    {
        public DetectorState State { get; } = new();
        public long Sequence { get; private set; }

        public IReadOnlyList<IncidentSignal> Record(int atSecond, object @event) =>
            IncidentDetection.Observe(State, @event, ++Sequence, At(atSecond), Rules);

        public IReadOnlyList<IncidentSignal> Tick(int atSecond) => IncidentDetection.Tick(State, At(atSecond), Rules);

        public static Feed Site(params string[] chargers)
        {
            var feed = new Feed();
            foreach (var charger in chargers)
            {
                feed.Record(0, Registered(charger));
                feed.Record(0, Booted(charger));
            }
            return feed;
        }
    }

    private static IncidentOpened Opens(IReadOnlyList<IncidentSignal> signals) => Assert.IsType<OpenIncident>(Assert.Single(signals)).Opened;

    private static Recovered Recovers(IReadOnlyList<IncidentSignal> signals) => Assert.IsType<Recovered>(Assert.Single(signals));

    [Fact]
    public void offline_with_the_sites_other_chargers_online_opens_after_the_grace()
    {
        // Given two chargers of a site online, one of which goes offline
        var feed = Feed.Site("CP-1", "CP-2");
        feed.Record(100, new ChargerWentOffline("CP-1", At(40), At(100)));
        var cause = feed.Sequence;

        // When the grace passes with the other still online
        Assert.Empty(feed.Tick(219));
        var opened = Opens(feed.Tick(220));

        // Then one incident opens for the whole charger, named by its cause, and a later tick opens nothing more
        Assert.Equal($"INC-{cause}-ChargerOffline", opened.IncidentId);
        Assert.Equal((IncidentKind.ChargerOffline, "CP-1", "SITE-1", 0, cause, At(220)), (opened.Kind, opened.ChargerId, opened.SiteId, opened.EvseId, opened.CauseSequence, opened.OpenedAt));
        Assert.Contains("1 other charger(s) at site SITE-1 are online", opened.Evidence);
        Assert.Empty(feed.Tick(500));

        // And it is over when the charger reconnects
        var recovered = Recovers(feed.Record(600, new ChargerCameBackOnline("CP-1", At(600))));
        Assert.Equal((opened.IncidentId, "reconnected", feed.Sequence), (recovered.IncidentId, recovered.Evidence, recovered.Sequence));
    }

    [Fact]
    public void a_whole_site_offline_opens_nothing_until_a_neighbour_is_back()
    {
        var feed = Feed.Site("CP-1", "CP-2");
        feed.Record(100, new ChargerWentOffline("CP-1", At(90), At(100)));
        feed.Record(101, new ChargerWentOffline("CP-2", At(90), At(101)));

        Assert.Empty(feed.Tick(1_000));

        // The uplink comes back for CP-2 only: CP-1 staying offline is now the charger's own problem
        feed.Record(1_100, new ChargerCameBackOnline("CP-2", At(1_100)));
        Assert.Equal("CP-1", Opens(feed.Tick(1_101)).ChargerId);
    }

    [Fact]
    public void back_within_the_grace_opens_nothing()
    {
        var feed = Feed.Site("CP-1", "CP-2");
        feed.Record(100, new ChargerWentOffline("CP-1", At(90), At(100)));
        Assert.Empty(feed.Record(150, new ChargerCameBackOnline("CP-1", At(150))));

        Assert.Empty(feed.Tick(1_000));
    }

    [Fact]
    public void a_transient_fault_opens_once_and_the_connector_available_again_is_its_recovery()
    {
        var feed = Feed.Site("CP-1");

        var opened = Opens(feed.Record(10, new FaultReported("CP-1", 1, 1, "InternalError", "E42", null, At(10))));
        Assert.Equal((IncidentKind.ConnectorFaulted, 1, "InternalError", "Acme", "Volt", "1.2.0", At(10)),
            (opened.Kind, opened.EvseId, opened.ErrorCode, opened.Vendor, opened.Model, opened.FirmwareVersion, opened.OpenedAt));
        Assert.Equal("fault InternalError on EVSE 1 connector 1 (E42)", opened.Evidence);
        Assert.Empty(feed.Record(20, new FaultReported("CP-1", 1, 1, "OtherError", null, null, At(20))));

        Assert.Equal(opened.IncidentId, Recovers(feed.Record(30, new ConnectorStatusChanged("CP-1", 1, 1, ConnectorStatus.Available, At(30)))).IncidentId);
        Assert.Empty(feed.Record(30, new FaultCleared("CP-1", 1, 1, "Faulted", At(30))));

        // A fault after the recovery is a new incident
        Assert.NotEqual(opened.IncidentId, Opens(feed.Record(40, new FaultReported("CP-1", 1, 1, "InternalError", null, null, At(40)))).IncidentId);
    }

    [Fact]
    public void a_fault_that_is_not_transient_opens_nothing_and_a_201_faulted_status_does()
    {
        var feed = Feed.Site("CP-1");

        Assert.Empty(feed.Record(10, new FaultReported("CP-1", 1, 1, "GroundFailure", null, null, At(10))));
        Assert.Equal("Faulted", Opens(feed.Record(20, new FaultReported("CP-1", 2, 1, HealingRules.CodelessFault, null, null, At(20)))).ErrorCode);
    }

    [Fact]
    public void a_charger_never_registered_opens_nothing_for_want_of_a_site()
    {
        var feed = Feed.Site("CP-1");
        feed.Record(5, Booted("CP-9"));

        Assert.Empty(feed.Record(10, new FaultReported("CP-9", 1, 1, "InternalError", null, null, At(10))));
    }

    [Fact]
    public void a_session_without_meter_values_for_the_stuck_time_opens_and_meter_values_end_it()
    {
        // Given a session started, with meter values five minutes in
        var feed = Feed.Site("CP-1");
        feed.Record(0, new SessionStartedV2("S-1", "CP-1", 1, 1, "TX-1", null, 1_000, At(0)));
        feed.Record(300, new MeterValuesRecorded("S-1", [new MeterReading(At(300), 2_000, 7_000m, null)]));
        var lastMeter = feed.Sequence;

        // When 15 minutes pass without more
        Assert.Empty(feed.Tick(1_199));
        var opened = Opens(feed.Tick(1_200));

        // Then it opens for the session, named by its last meter values, and new meter values end it
        Assert.Equal((IncidentKind.SessionStuck, "S-1", 1, lastMeter), (opened.Kind, opened.SessionId, opened.EvseId, opened.CauseSequence));
        Assert.Equal(opened.IncidentId, Recovers(feed.Record(1_300, new MeterValuesRecorded("S-1", [new MeterReading(At(1_300), 2_500, null, null)]))).IncidentId);
    }

    [Fact]
    public void a_silent_session_on_an_offline_charger_is_not_stuck_until_the_charger_is_back_for_the_stuck_time()
    {
        var feed = Feed.Site("CP-1");
        feed.Record(0, new SessionStartedV2("S-1", "CP-1", 1, 1, "TX-1", null, 1_000, At(0)));
        feed.Record(60, new ChargerWentOffline("CP-1", At(50), At(60)));

        Assert.Empty(feed.Tick(2_000));
        feed.Record(2_000, new ChargerCameBackOnline("CP-1", At(2_000)));
        Assert.Empty(feed.Tick(2_899));
        Assert.Equal(IncidentKind.SessionStuck, Opens(feed.Tick(2_900)).Kind);
    }

    [Fact]
    public void failed_starts_in_a_row_open_and_a_session_that_charges_ends_it()
    {
        // Given three sessions on EVSE 1 that stop without energy (the charge success KPI's failed attempt)
        var feed = Feed.Site("CP-1");
        IReadOnlyList<IncidentSignal> signals = [];
        for (var n = 1; n <= 3; n++)
        {
            feed.Record(n * 100, new SessionStartedV2($"S-{n}", "CP-1", 1, 1, $"TX-{n}", null, 5_000, At(n * 100)));
            signals = feed.Record(n * 100 + 30, Stopped($"S-{n}", 5_000, n * 100 + 30));
            if (n < 3)
                Assert.Empty(signals);
        }

        // Then the third opens the incident, caused by its stop
        var opened = Opens(signals);
        Assert.Equal((IncidentKind.RepeatedFailedStarts, 1, "S-3", feed.Sequence), (opened.Kind, opened.EvseId, opened.SessionId, opened.CauseSequence));
        Assert.Contains("3 failed starts in a row on EVSE 1", opened.Evidence);

        // And the next session that transfers energy is the evidence it is over
        feed.Record(500, new SessionStartedV2("S-4", "CP-1", 1, 1, "TX-4", null, 5_000, At(500)));
        var recovered = Recovers(feed.Record(560, new MeterValuesRecorded("S-4", [new MeterReading(At(560), 5_400, 11_000m, null)])));
        Assert.Equal((opened.IncidentId, "session S-4 transferred 400 Wh"), (recovered.IncidentId, recovered.Evidence));
    }

    [Fact]
    public void a_success_between_failures_restarts_the_count()
    {
        var feed = Feed.Site("CP-1");
        void Attempt(int n, long stopWh)
        {
            feed.Record(n * 100, new SessionStartedV2($"S-{n}", "CP-1", 1, 1, $"TX-{n}", null, 5_000, At(n * 100)));
            Assert.Empty(feed.Record(n * 100 + 30, Stopped($"S-{n}", stopWh, n * 100 + 30)));
        }

        Attempt(1, 5_000);
        Attempt(2, 5_000);
        Attempt(3, 6_000);
        Attempt(4, 5_000);
        Attempt(5, 5_000);
        Assert.Empty(feed.Tick(10_000));
    }

    [Fact]
    public void an_incident_read_back_from_the_ledger_is_open_and_its_resolution_closes_it()
    {
        var feed = Feed.Site("CP-1");
        feed.Record(5, Opened("INC-1-ConnectorFaulted", chargerId: "CP-1"));

        Assert.Empty(feed.Record(10, new FaultReported("CP-1", 1, 1, "InternalError", null, null, At(10))));
        feed.Record(20, new IncidentResolved("INC-1-ConnectorFaulted", IncidentResolution.OnSite, null, "fixed", 3, At(20)));
        Assert.Single(feed.Record(30, new FaultReported("CP-1", 1, 1, "InternalError", null, null, At(30))));
    }

    [Fact]
    public void an_event_at_or_below_the_last_sequence_is_not_observed_again()
    {
        var feed = Feed.Site("CP-1");
        var fault = new FaultReported("CP-1", 1, 1, "InternalError", null, null, At(10));
        Assert.Single(feed.Record(10, fault));

        Assert.Empty(IncidentDetection.Observe(feed.State, new ConnectorStatusChanged("CP-1", 1, 1, ConnectorStatus.Available, At(11)), feed.Sequence, At(11), Rules));
    }

    private static SessionStopped Stopped(string sessionId, long meterStopWh, int atSecond) =>
        new(sessionId, meterStopWh, StopReason.EVDisconnected, At(atSecond));
}
