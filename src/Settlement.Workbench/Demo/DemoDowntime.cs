using System.Globalization;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Domain.Kpis;
using Settlement.Domain.Sessions;

namespace Settlement.Workbench.Demo;

/// <summary>An interval of time; <see cref="Overlaps"/> counts both ends as inside.</summary>
internal readonly record struct Window(Instant From, Instant Until)
{
    public bool Overlaps(Instant from, Instant until) => From <= until && Until >= from;
}

/// <summary>Something that ends a session in progress on the spot, and how the charger reports the stop.</summary>
internal sealed record Interruption(Instant At, Instant SessionStopsAt, StopReason Reason);

internal sealed record FaultKind(string ErrorCode, string Info, StopReason StopsSessionWith);

internal sealed record PlannedFault(int EvseId, Instant ReportedAt, Instant ClearedAt, FaultKind Kind, string VendorErrorCode);

/// <summary>A lost connection, or a power cut: the charger then reboots and ends what it was charging.</summary>
internal sealed record PlannedOutage(Instant LastSeenAt, Instant DetectedAt, Instant ReconnectedAt, bool PowerCut);

internal sealed record PlannedMaintenance(string MaintenanceId, Instant From, Instant Until, Instant EndedAt, Instant PlannedAt, string Reason);

internal sealed record PlannedFirmwareUpdate(Instant DownloadingAt, Instant DownloadedAt, Instant InstallingAt, Instant InstalledAt, Instant BootedAt);

/// <summary>Everything that takes one charger, or one of its EVSEs, out of service during the demo.</summary>
internal sealed class ChargerPlan(LocalDays days, ChargerSpec charger, string serialNumber)
{
    /// <summary>After a boot a charger reports each EVSE's status within seconds; nothing starts before.</summary>
    public static readonly Duration BootSettles = Duration.FromSeconds(6);

    // Downtimes on one charger keep apart, so each visible gap in service has one cause.
    private static readonly Duration Margin = Duration.FromHours(2);
    private readonly List<Window> _reserved = [];

    public LocalDays Days { get; } = days;
    public SiteSpec Site => Days.Site;
    public ChargerSpec Charger { get; } = charger;
    public string SerialNumber { get; } = serialNumber;
    public List<PlannedFault> Faults { get; } = [];
    public List<PlannedOutage> Outages { get; } = [];
    public PlannedMaintenance? Maintenance { get; private set; }
    public PlannedFirmwareUpdate? FirmwareUpdate { get; private set; }

    public string FirmwareAt(Instant when) =>
        FirmwareUpdate is { } update && when >= update.BootedAt ? DemoFleet.RolloutFirmware : Charger.FirmwareVersion;

    /// <summary>When no session may start on the EVSE.</summary>
    public IReadOnlyList<Window> NoStart(int evseId) =>
    [
        .. Faults.Where(f => f.EvseId == evseId).Select(f => new Window(f.ReportedAt, f.ClearedAt)),
        .. Outages.Select(o => new Window(o.LastSeenAt, o.PowerCut ? o.ReconnectedAt + BootSettles : o.ReconnectedAt)),
        .. Exclusive(),
    ];

    /// <summary>Planned work waits for an idle charger, so no session may even overlap these.</summary>
    public IReadOnlyList<Window> Exclusive()
    {
        var windows = new List<Window>();
        if (Maintenance is { } m) windows.Add(new Window(m.From, m.EndedAt + BootSettles));
        if (FirmwareUpdate is { } f) windows.Add(new Window(f.DownloadingAt, f.BootedAt + BootSettles));
        return windows;
    }

    public IReadOnlyList<Interruption> Interruptions(int evseId) =>
    [
        .. Faults.Where(f => f.EvseId == evseId)
            .Select(f => new Interruption(f.ReportedAt, f.ReportedAt + Duration.FromSeconds(2), f.Kind.StopsSessionWith)),
        .. Outages.Where(o => o.PowerCut)
            .Select(o => new Interruption(o.LastSeenAt, o.LastSeenAt, StopReason.PowerLoss)),
    ];

    public bool TryAdd(PlannedFault fault) => Reserve(new Window(fault.ReportedAt, fault.ClearedAt), () => Faults.Add(fault));

    public bool TryAdd(PlannedOutage outage) =>
        Reserve(new Window(outage.LastSeenAt, outage.ReconnectedAt + BootSettles), () => Outages.Add(outage));

    public bool TrySet(PlannedMaintenance maintenance) =>
        Reserve(new Window(maintenance.From, maintenance.EndedAt + BootSettles), () => Maintenance = maintenance);

    public bool TrySet(PlannedFirmwareUpdate update) =>
        Reserve(new Window(update.DownloadingAt, update.BootedAt + BootSettles), () => FirmwareUpdate = update);

    public bool Fits(PlannedOutage outage) => Fits(new Window(outage.LastSeenAt, outage.ReconnectedAt + BootSettles));

    private bool Fits(Window window) =>
        window.From >= Days.Start && window.Until < Days.End
        && !_reserved.Any(r => r.Overlaps(window.From - Margin, window.Until + Margin));

    private bool Reserve(Window window, Action add)
    {
        if (!Fits(window)) return false;
        _reserved.Add(window);
        add();
        return true;
    }
}

/// <summary>
/// Plans downtime once arrivals are drawn but before any session runs, so sessions can avoid it or be
/// cut short by it; its events are written afterwards.
/// </summary>
internal static class DemoDowntime
{
    private const int Attempts = 20;

    private static readonly IReadOnlyList<FaultKind> FaultKinds =
    [
        // A tripped safety chain cuts the DC output as the emergency stop button would.
        new("GroundFailure", "Isolation monitor tripped", StopReason.EmergencyStop),
        new("OverCurrentFailure", "DC output overcurrent", StopReason.EmergencyStop),
        new("HighTemperature", "Cable temperature above limit", StopReason.Other),
        new("PowerSwitchFailure", "DC contactor did not open", StopReason.Other),
        new("EVCommunicationError", "High-level communication with the vehicle lost", StopReason.Other),
        new("PowerMeterFailure", "DC energy meter not responding", StopReason.Other),
        new("ConnectorLockFailure", "Connector lock actuator failed", StopReason.Other),
        new("InternalError", "Power module fault", StopReason.Other),
    ];

    private static readonly IReadOnlyList<string> MaintenanceReasons =
    [
        "Annual electrical safety inspection", "Charging cable replacement", "Power module swap",
        "Cooling system service", "Payment terminal replacement",
    ];

    public static void Plan(Random random, IReadOnlyList<ChargerPlan> chargers, IReadOnlyDictionary<SiteSpec, List<Instant>> arrivals)
    {
        foreach (var site in chargers.GroupBy(c => c.Site))
            PlanMaintenance(random, random.Pick(site.ToList()));
        PlanFirmwareRollout(random, chargers);
        foreach (var site in chargers.GroupBy(c => c.Site)) PlanGridOutage(random, site.ToList(), arrivals[site.Key]);
        foreach (var charger in chargers)
        {
            PlanOutages(random, charger);
            for (var evse = 1; evse <= charger.Charger.Evses.Count; evse++) PlanFaults(random, charger, evse);
        }
    }

    private static void PlanMaintenance(Random random, ChargerPlan charger)
    {
        var site = charger.Site;
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var day = charger.Days.First.PlusDays(random.Next(charger.Days.Count));
            var from = site.At(day, new LocalTime(8, 0)) + Duration.FromMinutes(15 * random.Next(13));
            var until = from + Duration.FromMinutes(30 * random.Next(4, 13));
            var maintenance = new PlannedMaintenance(
                MaintenanceId: $"MNT-{charger.Charger.Id}-{day.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}",
                From: from,
                Until: until,
                EndedAt: until + Duration.FromMinutes(random.Next(-45, 31)),
                PlannedAt: site.At(day.PlusDays(-random.Next(2, 6)), new LocalTime(10, 0)) + random.Between(Duration.Zero, Duration.FromHours(6)),
                Reason: random.Pick(MaintenanceReasons));
            if (charger.TrySet(maintenance)) return;
        }
    }

    /// <summary>One model's update, staged two days apart and run at night when the chargers are idle.</summary>
    private static void PlanFirmwareRollout(Random random, IReadOnlyList<ChargerPlan> chargers)
    {
        var candidates = chargers.Where(c => c.Charger.Model == DemoFleet.RolloutModel).ToArray();
        random.Shuffle(candidates);
        var day = random.Next(Math.Max(1, candidates[0].Days.Count - 4));
        foreach (var charger in candidates.Take(random.Next(2, 4)))
        {
            for (; day < charger.Days.Count; day++)
            {
                var downloading = charger.Site.At(charger.Days.First.PlusDays(day), new LocalTime(2, 0))
                    + random.Between(Duration.Zero, Duration.FromMinutes(90));
                var downloaded = downloading + random.Between(Duration.FromMinutes(3), Duration.FromMinutes(12));
                var installing = downloaded + random.Between(Duration.FromSeconds(10), Duration.FromSeconds(60));
                var installed = installing + random.Between(Duration.FromMinutes(4), Duration.FromMinutes(10));
                var booted = installed + random.Between(Duration.FromSeconds(40), Duration.FromSeconds(90));
                if (charger.TrySet(new PlannedFirmwareUpdate(downloading, downloaded, installing, installed, booted))) break;
            }
            day += 2;
        }
    }

    /// <summary>
    /// A blackout of the whole site: every charger drops at once and ends what it was charging. It
    /// strikes a few minutes after a daytime arrival, as a site trips most readily under load.
    /// </summary>
    private static void PlanGridOutage(Random random, IReadOnlyList<ChargerPlan> site, IReadOnlyList<Instant> arrivals)
    {
        var daytime = arrivals.Where(at => at.InZone(site[0].Site.Zone).Hour is >= 10 and < 20).ToList();
        for (var attempt = 0; attempt < Attempts && daytime.Count > 0; attempt++)
        {
            var lastSeen = random.Pick(daytime) + random.Between(Duration.FromMinutes(5), Duration.FromMinutes(15));
            var reconnected = lastSeen + random.LogUniform(Duration.FromMinutes(10), Duration.FromHours(1));
            // Each charger's own heartbeat timer notices the silence.
            var outages = site.Select(_ => new PlannedOutage(
                lastSeen, lastSeen + random.Between(Duration.FromMinutes(2), Duration.FromMinutes(6)), reconnected, PowerCut: true)).ToList();
            if (!site.Zip(outages).All(x => x.First.Fits(x.Second))) continue;
            foreach (var (charger, outage) in site.Zip(outages)) charger.TryAdd(outage);
            return;
        }
    }

    private static void PlanOutages(Random random, ChargerPlan charger)
    {
        var days = charger.Days;
        for (var count = random.Next(3); count > 0; count--)
            for (var attempt = 0; attempt < Attempts; attempt++)
            {
                var lastSeen = days.Start + random.Between(Duration.FromMinutes(30), days.Length - Duration.FromMinutes(30));
                var outage = new PlannedOutage(
                    LastSeenAt: lastSeen,
                    // Heartbeats every few minutes: a silent charger is noticed when one is missed.
                    DetectedAt: lastSeen + random.Between(Duration.FromMinutes(2), Duration.FromMinutes(6)),
                    ReconnectedAt: lastSeen + random.LogUniform(Duration.FromMinutes(10), Duration.FromHours(6)),
                    PowerCut: random.Chance(0.2));
                if (charger.TryAdd(outage)) break;
            }
    }

    private static void PlanFaults(Random random, ChargerPlan charger, int evseId)
    {
        var days = charger.Days;
        for (var count = random.Next(3); count > 0; count--)
            for (var attempt = 0; attempt < Attempts; attempt++)
            {
                var reported = days.Start + random.Between(Duration.FromMinutes(30), days.Length - Duration.FromMinutes(30));
                var fault = new PlannedFault(
                    evseId,
                    reported,
                    ClearedAt: reported + random.LogUniform(Duration.FromMinutes(30), Duration.FromDays(2)),
                    random.Pick(FaultKinds),
                    VendorErrorCode: $"E{random.Next(1000, 10000)}");
                if (charger.TryAdd(fault)) break;
            }
    }

    public static void Record(DemoHistory history, ChargerPlan plan)
    {
        foreach (var fault in plan.Faults) RecordFault(history, plan, fault);
        foreach (var outage in plan.Outages) RecordOutage(history, plan, outage);
        if (plan.Maintenance is { } maintenance) RecordMaintenance(history, plan, maintenance);
        if (plan.FirmwareUpdate is { } update) RecordFirmwareUpdate(history, plan, update);
    }

    // What keeping a DC fast charger running costs a US operator: a service contract per charger and month, a
    // technician's visit per fault (the seed article's $200 truck roll plus parts), and the planned maintenance visits.
    private const decimal ServiceContractPerChargerMonth = 150m;
    private const decimal RepairVisit = 200m;
    private const decimal MaintenanceVisit = 350m;

    /// <summary>NEVI formula funds pay up to 80% of a project's eligible costs (23 U.S.C. 120, as applied to NEVI).</summary>
    private const decimal FederalShare = 0.80m;

    /// <summary>
    /// A NEVI-funded site's maintenance and repair costs over the period, reported by the operator after its last day
    /// for EV-ChART module 5: the service contracts, a visit for each fault and each planned maintenance.
    /// </summary>
    public static void ReportMaintenanceCosts(DemoHistory history, LocalDays days, IReadOnlyList<ChargerPlan> plans)
    {
        var repairs = plans.Sum(p => p.Faults.Count);
        var maintenances = plans.Count(p => p.Maintenance is not null);
        var months = days.Count / 30m;
        var total = Math.Round(plans.Count * ServiceContractPerChargerMonth * months + repairs * RepairVisit + maintenances * MaintenanceVisit,
            2, MidpointRounding.AwayFromZero);
        var reportedAt = days.End + Duration.FromHours(9);
        history.Record(StreamIds.Site(days.Site.Id),
            new MaintenanceCostReported(days.Site.Id, days.First, days.First.PlusDays(days.Count - 1), total,
                Math.Round(total * FederalShare, 2, MidpointRounding.AwayFromZero), ChargingAsAService: false, ProjectId: null,
                $"Service contract for {plans.Count} chargers; {repairs} repair visits; {maintenances} planned maintenance visits.",
                reportedAt),
            new Actor(ActorKind.Operator, "demo"), history.NewCorrelationId(), reportedAt);
    }

    private static void RecordFault(DemoHistory history, ChargerPlan plan, PlannedFault fault)
    {
        var id = plan.Charger.Id;
        var stream = StreamIds.Charger(id);
        var correlation = history.NewCorrelationId();
        // One StatusNotification carries both the error and the Faulted status, and one the recovery.
        var reported = new OcppMessage(id);
        history.Reported(reported, stream,
            new FaultReported(id, fault.EvseId, 1, fault.Kind.ErrorCode, fault.VendorErrorCode, fault.Kind.Info, fault.ReportedAt),
            correlation, fault.ReportedAt);
        history.Reported(reported, stream, new ConnectorStatusChanged(id, fault.EvseId, 1, ConnectorStatus.Faulted, fault.ReportedAt),
            correlation, fault.ReportedAt);
        var cleared = new OcppMessage(id);
        history.Reported(cleared, stream, new FaultCleared(id, fault.EvseId, 1, fault.Kind.ErrorCode, fault.ClearedAt),
            correlation, fault.ClearedAt);
        history.Reported(cleared, stream, new ConnectorStatusChanged(id, fault.EvseId, 1, ConnectorStatus.Available, fault.ClearedAt),
            correlation, fault.ClearedAt);
    }

    private static void RecordOutage(DemoHistory history, ChargerPlan plan, PlannedOutage outage)
    {
        var id = plan.Charger.Id;
        var stream = StreamIds.Charger(id);
        var correlation = history.NewCorrelationId();
        // The charger cannot report its own silence: the central system's heartbeat watch does.
        history.Record(stream, new ChargerWentOffline(id, outage.LastSeenAt, outage.DetectedAt),
            Actor.Job("heartbeat-monitor"), correlation, outage.DetectedAt);
        var back = history.Reported(id, stream, new ChargerCameBackOnline(id, outage.ReconnectedAt), correlation, outage.ReconnectedAt);
        if (outage.PowerCut) RecordBoot(history, plan, back, BootReason.PowerUp, outage.ReconnectedAt, correlation);
    }

    private static void RecordMaintenance(DemoHistory history, ChargerPlan plan, PlannedMaintenance maintenance)
    {
        var id = plan.Charger.Id;
        var stream = StreamIds.Charger(id);
        var correlation = history.NewCorrelationId();
        var operatorActor = new Actor(ActorKind.Operator, "demo");
        history.Record(stream,
            new MaintenancePlanned(id, maintenance.MaintenanceId, 0, maintenance.From, maintenance.Until, maintenance.Reason, maintenance.PlannedAt),
            operatorActor, correlation, maintenance.PlannedAt);
        for (var evse = 1; evse <= plan.Charger.Evses.Count; evse++)
            history.Reported(id, stream, new ConnectorStatusChanged(id, evse, 1, ConnectorStatus.Unavailable, maintenance.From),
                correlation, maintenance.From);
        history.Record(stream, new MaintenanceEnded(id, maintenance.MaintenanceId, maintenance.EndedAt),
            operatorActor, correlation, maintenance.EndedAt);
        RecordAvailable(history, plan, maintenance.EndedAt, correlation);
    }

    private static void RecordFirmwareUpdate(DemoHistory history, ChargerPlan plan, PlannedFirmwareUpdate update)
    {
        var id = plan.Charger.Id;
        var stream = StreamIds.Charger(id);
        var correlation = history.NewCorrelationId();
        foreach (var (status, at) in new[]
                 {
                     (FirmwareStatus.Downloading, update.DownloadingAt), (FirmwareStatus.Downloaded, update.DownloadedAt),
                     (FirmwareStatus.Installing, update.InstallingAt), (FirmwareStatus.Installed, update.InstalledAt),
                 })
            history.Reported(id, stream, new FirmwareStatusReported(id, status, DemoFleet.RolloutFirmware, at), correlation, at);
        RecordBoot(history, plan, new OcppMessage(id), BootReason.FirmwareUpdate, update.BootedAt, correlation);
    }

    /// <summary>A BootNotification, then the status of every EVSE, as chargers report after any boot.</summary>
    public static void RecordBoot(DemoHistory history, ChargerPlan plan, OcppMessage message, BootReason reason, Instant at, string correlation)
    {
        var charger = plan.Charger;
        history.Reported(message, StreamIds.Charger(charger.Id),
            new ChargerBooted(charger.Id, charger.Vendor, charger.Model, plan.SerialNumber, plan.FirmwareAt(at), reason, at),
            correlation, at);
        RecordAvailable(history, plan, at, correlation);
    }

    private static void RecordAvailable(DemoHistory history, ChargerPlan plan, Instant after, string correlation)
    {
        var id = plan.Charger.Id;
        for (var evse = 1; evse <= plan.Charger.Evses.Count; evse++)
        {
            var at = after + Duration.FromSeconds(3 + evse);
            history.Reported(id, StreamIds.Charger(id), new ConnectorStatusChanged(id, evse, 1, ConnectorStatus.Available, at), correlation, at);
        }
    }
}
