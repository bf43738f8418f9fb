using NodaTime;
using Settlement.Domain.Kpis;
using Settlement.Domain.SelfHealing;
using Xunit;
using static Settlement.Tests.SelfHealing.HealingSpec;

namespace Settlement.Tests.SelfHealing;

/// <summary>Self-healing KPIs on a small known set of incidents, and the NEVI outage cause they feed.</summary>
public sealed class healing_kpi_tests
{
    private static readonly Interval Day = new(T0, T0 + Duration.FromDays(1));
    private static readonly HealingThresholds Costs = HealingRules.Default.Thresholds;

    private static IncidentState Incident(string id, string site, int openedMinute, string model = "Volt", string firmware = "1.2.0",
        IncidentKind kind = IncidentKind.ConnectorFaulted, string? errorCode = "InternalError", string? charger = null, params object[] after) =>
        IncidentState.Replay([Opened(id, kind, chargerId: charger ?? $"CP-{id}", siteId: site, errorCode: errorCode, at: T0 + Duration.FromMinutes(openedMinute), model: model, firmware: firmware), .. after])!;

    private static IncidentResolved Resolved(string id, IncidentResolution by, int minute) =>
        new(id, by, by == IncidentResolution.RemoteAction ? 1 : null, "cleared", 1, T0 + Duration.FromMinutes(minute));

    private static IncidentEscalated Escalated(string id, int minute) => new(id, IncidentProcess.TicketIdOf(id), ["tried everything"], T0 + Duration.FromMinutes(minute));

    private static readonly IncidentState[] Incidents =
    [
        Incident("A", "SITE-1", 0, after: [Taken("A", 1, HealingAction.SoftReset, T0, 60), Resolved("A", IncidentResolution.RemoteAction, 10)]),
        Incident("B", "SITE-1", 60, after: Resolved("B", IncidentResolution.Itself, 65)),
        Incident("C", "SITE-1", 120, model: "Amp", after: [Escalated("C", 130), Resolved("C", IncidentResolution.OnSite, 180)]),
        Incident("D", "SITE-1", 240, firmware: "1.3.0", after: Escalated("D", 250)),
        Incident("E", "SITE-2", 300, kind: IncidentKind.ChargerOffline, after: Resolved("E", IncidentResolution.RemoteAction, 320)),
        // Resolved only after the period: open at its end
        Incident("F", "SITE-2", 1_430, after: Resolved("F", IncidentResolution.RemoteAction, 1_450)),
        // Opened the day before: not this period's
        Incident("G", "SITE-2", -60, after: Resolved("G", IncidentResolution.RemoteAction, -50)),
    ];

    [Fact]
    public void the_fleet_figures_count_each_incident_of_the_period_as_it_stood_at_its_end()
    {
        var fleet = Assert.Single(HealingKpis.Compute(Incidents, Day, HealingKpiGrouping.Fleet, Costs));

        // A, E remotely; B by itself; C on site; D escalated and open; F open at the period's end
        Assert.Equal(new HealingKpiRow(null, null, null, null, Incidents: 6, ResolvedRemotely: 2, ResolvedItself: 1, ResolvedOnSite: 1,
            Escalated: 2, Open: 2, ShareResolvedRemotelyPercent: 50.0m, RecurredWithinADay: 0, TruckRollsAvoided: 2, TruckRollSavings: 400m, Currency: "USD",
            MeanTimeToRecoveryMinutes: 23.8m), fleet); // (10 + 5 + 60 + 20) / 4 = 23.75
    }

    [Fact]
    public void a_remote_fix_whose_fault_is_back_within_a_day_is_not_a_truck_roll_avoided()
    {
        // Given a connector fixed remotely twice, its fault back an hour after the first fix, and another fixed for good
        IncidentState[] incidents =
        [
            Incident("H", "SITE-3", 0, charger: "CP-FLAP", after: [Taken("H", 1, HealingAction.SoftReset, T0, 60), Resolved("H", IncidentResolution.RemoteAction, 5)]),
            Incident("I", "SITE-3", 65, charger: "CP-FLAP", after: [Taken("I", 1, HealingAction.SoftReset, T0 + Duration.FromMinutes(65), 60), Resolved("I", IncidentResolution.RemoteAction, 70)]),
            Incident("J", "SITE-3", 0, charger: "CP-OK", after: [Taken("J", 1, HealingAction.SoftReset, T0, 60), Resolved("J", IncidentResolution.RemoteAction, 5)]),
        ];

        // When the day's figures are computed
        var row = Assert.Single(HealingKpis.Compute(incidents, Day, HealingKpiGrouping.Fleet, Costs));

        // Then three remote fixes, one of which did not hold: two truck rolls avoided
        Assert.Equal((3, 1, 2, 400m), (row.ResolvedRemotely, row.RecurredWithinADay, row.TruckRollsAvoided, row.TruckRollSavings));
    }

    [Fact]
    public void per_site_the_figures_are_of_that_sites_incidents()
    {
        var rows = HealingKpis.Compute(Incidents, Day, HealingKpiGrouping.Site, Costs with { TruckRollCost = 150.50m, Currency = "EUR" });

        Assert.Equal(["SITE-1", "SITE-2"], rows.Select(r => r.SiteId));
        Assert.Equal((4, 1, 1, 1, 2, 1, 33.3m, 150.50m, "EUR", 25.0m),
            (rows[0].Incidents, rows[0].ResolvedRemotely, rows[0].ResolvedItself, rows[0].ResolvedOnSite, rows[0].Escalated, rows[0].Open,
             rows[0].ShareResolvedRemotelyPercent, rows[0].TruckRollSavings, rows[0].Currency, rows[0].MeanTimeToRecoveryMinutes));
        Assert.Equal((2, 1, 1, 100.0m, 20.0m),
            (rows[1].Incidents, rows[1].ResolvedRemotely, rows[1].Open, rows[1].ShareResolvedRemotelyPercent, rows[1].MeanTimeToRecoveryMinutes));
    }

    [Fact]
    public void per_model_and_firmware_the_vendors_own_keys_group()
    {
        var models = HealingKpis.Compute(Incidents, Day, HealingKpiGrouping.Model, Costs);
        var firmware = HealingKpis.Compute(Incidents, Day, HealingKpiGrouping.Firmware, Costs);

        Assert.Equal([("Acme", "Amp", 1), ("Acme", "Volt", 5)], models.Select(r => (r.Vendor!, r.Model!, r.Incidents)));
        Assert.Equal([("Amp", "1.2.0", 1), ("Volt", "1.2.0", 4), ("Volt", "1.3.0", 1)], firmware.Select(r => (r.Model!, r.FirmwareVersion!, r.Incidents)));
        Assert.All(firmware, row => Assert.Null(row.SiteId));
    }

    [Fact]
    public void an_open_only_group_has_no_share_and_no_time_to_recovery()
    {
        var row = Assert.Single(HealingKpis.Compute([Incidents[3]], Day, HealingKpiGrouping.Fleet, Costs));

        Assert.Equal((1, 1, (decimal?)null, (decimal?)null, 0m), (row.Open, row.Escalated, row.ShareResolvedRemotelyPercent, row.MeanTimeToRecoveryMinutes, row.TruckRollSavings));
    }

    [Fact]
    public void a_resolved_fault_the_vehicle_caused_is_a_vehicle_fault_outage_for_nevi()
    {
        var vehicle = Incident("V", "SITE-1", 30, errorCode: "EVCommunicationError", after: Resolved("V", IncidentResolution.Itself, 42));

        var tagged = HealingKpis.OutageCause(vehicle);

        Assert.Equal(new OutageCauseTagged("CP-V", 1, T0 + Duration.FromMinutes(30), T0 + Duration.FromMinutes(42), OutageCause.VehicleFault,
            "self-healing incident V: EVCommunicationError", T0 + Duration.FromMinutes(42)), tagged);
    }

    [Fact]
    public void nothing_else_maps_to_an_outage_cause()
    {
        Assert.Null(HealingKpis.OutageCause(Incident("O", "SITE-1", 30, errorCode: "EVCommunicationError")));
        Assert.Null(HealingKpis.OutageCause(Incidents[0]));
        Assert.Null(HealingKpis.OutageCause(Incidents[4]));
    }
}
