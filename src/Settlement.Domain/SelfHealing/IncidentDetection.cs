using System.Text.Json.Serialization;
using NodaTime;
using NodaTime.Text;
using Settlement.Domain.Chargers;
using Settlement.Domain.Kpis;
using Settlement.Domain.Sessions;

namespace Settlement.Domain.SelfHealing;

/// <summary>What detection found: an incident to open, or the evidence that an open one is over.</summary>
public abstract record IncidentSignal;

/// <summary>Open this incident (its id is derived from the cause, so opening it twice opens it once).</summary>
public sealed record OpenIncident(IncidentOpened Opened) : IncidentSignal;

/// <summary>The problem of <paramref name="IncidentId"/> is gone: ledger event <paramref name="Sequence"/>, recorded at <paramref name="At"/>.</summary>
public sealed record Recovered(string IncidentId, string Evidence, long Sequence, Instant At) : IncidentSignal;

/// <summary>A charger as detection knows it. Site, vendor and model come from its registration; without one no incident opens.</summary>
public sealed record WatchedCharger(
    string ChargerId,
    string? SiteId,
    string? Vendor,
    string? Model,
    string? FirmwareVersion,
    bool Online,
    Instant? OnlineSince,
    OfflineSpell? Offline);

/// <summary>A charger's current time offline: the ledger event that recorded it, and whether it opened an incident yet.</summary>
public sealed record OfflineSpell(long Sequence, Instant LastSeenAt, Instant RecordedAt, bool IncidentOpened);

/// <summary>
/// A session detection still watches: while it runs (for a stuck session) and until its attempt is judged (for failed
/// starts). <paramref name="LastActivityAt"/> is when the ledger last recorded its start or meter values.
/// </summary>
public sealed record WatchedSession(
    SessionFacts Facts,
    long FirstSequence,
    long LastActivitySequence,
    Instant? LastActivityAt,
    bool Judged);

/// <summary>An incident detection takes as open: at most one per charger, EVSE and kind.</summary>
public sealed record WatchedIncident(string IncidentId, IncidentKind Kind, string ChargerId, int EvseId, string? SessionId);

/// <summary>Failed starts in a row on a port, "{chargerId}/{evseId}".</summary>
public sealed record PortFailures(string Port, int InRow);

/// <summary>
/// What detection knows, folded from the ledger in order. Mutable: <see cref="IncidentDetection.Observe"/> and
/// <see cref="IncidentDetection.Tick"/> change it in place and return what they found. A host may store it beside the
/// ledger with its <see cref="LastSequence"/> and resume from there: it serialises as lists (the dictionaries are
/// indexes over them), because a serialiser may rewrite dictionary keys (the ledger's camel-cases them) and these keys
/// are ids.
/// </summary>
public sealed class DetectorState
{
    [JsonIgnore]
    public Dictionary<string, WatchedCharger> Chargers { get; } = new(StringComparer.Ordinal);

    [JsonIgnore]
    public Dictionary<string, WatchedSession> Sessions { get; } = new(StringComparer.Ordinal);

    /// <summary>Failed starts in a row per port, keyed "{chargerId}/{evseId}".</summary>
    [JsonIgnore]
    public Dictionary<string, int> FailedStartsInRow { get; } = new(StringComparer.Ordinal);

    /// <summary>Open incidents by id: opened by detection, or read back from the ledger.</summary>
    [JsonIgnore]
    public Dictionary<string, WatchedIncident> OpenIncidents { get; } = new(StringComparer.Ordinal);

    /// <summary>The last ledger sequence observed: an event at or below it is not observed again.</summary>
    public long LastSequence { get; set; }

    public IReadOnlyList<WatchedCharger> ChargerList
    {
        get => [.. Chargers.Values.OrderBy(c => c.ChargerId, StringComparer.Ordinal)];
        init { foreach (var charger in value) Chargers[charger.ChargerId] = charger; }
    }

    public IReadOnlyList<WatchedSession> SessionList
    {
        get => [.. Sessions.Values.OrderBy(s => s.FirstSequence)];
        init { foreach (var session in value) Sessions[session.Facts.Id] = session; }
    }

    public IReadOnlyList<PortFailures> FailureList
    {
        get => [.. FailedStartsInRow.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new PortFailures(p.Key, p.Value))];
        init { foreach (var port in value) FailedStartsInRow[port.Port] = port.InRow; }
    }

    public IReadOnlyList<WatchedIncident> OpenIncidentList
    {
        get => [.. OpenIncidents.Values.OrderBy(i => i.IncidentId, StringComparer.Ordinal)];
        init { foreach (var incident in value) OpenIncidents[incident.IncidentId] = incident; }
    }
}

/// <summary>
/// Detection of incidents from ledger events: pure and deterministic (the same events and ticks give the same signals).
/// <list type="bullet">
/// <item>ChargerOffline: a registered charger offline for <see cref="HealingThresholds.OfflineGraceSeconds"/> while at
/// least one other charger of its site is online at that moment (a whole site offline is the grid or the uplink). Over
/// when it reconnects or boots.</item>
/// <item>ConnectorFaulted: a fault whose code the rules list as transient (OCPP 1.6 codes; a 2.0.1 Faulted status is
/// recorded with the code "Faulted", transient while the rules list it). Over when the fault clears or the EVSE reports
/// Available, Preparing or Charging.</item>
/// <item>SessionStuck: a started session on an online charger with no meter values for
/// <see cref="HealingThresholds.StuckSessionSeconds"/> (counted from its last start or meter values, or from the
/// charger's reconnection if later). Over when meter values come or the session stops.</item>
/// <item>RepeatedFailedStarts: <see cref="HealingThresholds.FailedStartsInRow"/> attempts in a row on one EVSE that
/// <see cref="ChargeSuccess.Outcome"/> judges Failed. Over at the first attempt it judges Succeeded.</item>
/// </list>
/// An incident's id is "INC-{cause sequence}-{kind}": detecting the same cause again opens nothing new.
/// </summary>
public static class IncidentDetection
{
    /// <summary>The ledger event types detection reads; others are ignored.</summary>
    public static readonly IReadOnlyList<Type> Followed =
    [
        typeof(ChargerRegistered), typeof(ChargerBooted), typeof(ChargerWentOffline), typeof(ChargerCameBackOnline),
        typeof(ConnectorStatusChanged), typeof(FaultReported), typeof(FaultCleared), typeof(FirmwareStatusReported),
        .. SessionFactsFold.EventTypes.Where(type => type != typeof(SessionRated)),
        typeof(IncidentOpened), typeof(IncidentResolved),
    ];

    public static string IncidentIdOf(long causeSequence, IncidentKind kind) => $"INC-{causeSequence}-{kind}";

    /// <summary>
    /// Folds one ledger event (recorded at <paramref name="recordedAt"/> as <paramref name="sequence"/>) into the state
    /// and returns what it shows. Events at or below <see cref="DetectorState.LastSequence"/> are skipped, so a host
    /// replaying a batch after a crash finds nothing twice.
    /// </summary>
    public static IReadOnlyList<IncidentSignal> Observe(DetectorState state, object @event, long sequence, Instant recordedAt, HealingRules rules)
    {
        if (sequence <= state.LastSequence)
            return [];
        state.LastSequence = sequence;
        var signals = new List<IncidentSignal>();
        switch (@event)
        {
            case ChargerRegistered registered:
                state.Chargers[registered.ChargerId] = Charger(state, registered.ChargerId) with
                {
                    SiteId = registered.SiteId, Vendor = registered.Vendor, Model = registered.Model,
                };
                break;
            case ChargerBooted booted:
                var before = Charger(state, booted.ChargerId);
                state.Chargers[booted.ChargerId] = before with
                {
                    Vendor = before.Vendor ?? booted.Vendor, Model = before.Model ?? booted.Model,
                    FirmwareVersion = booted.FirmwareVersion ?? before.FirmwareVersion, Online = true, OnlineSince = recordedAt, Offline = null,
                };
                Recover(state, signals, booted.ChargerId, 0, IncidentKind.ChargerOffline, $"booted ({booted.Reason})", sequence, recordedAt);
                break;
            case ChargerWentOffline offline:
                state.Chargers[offline.ChargerId] = Charger(state, offline.ChargerId) with
                {
                    Online = false, OnlineSince = null, Offline = new OfflineSpell(sequence, offline.LastSeenAt, recordedAt, false),
                };
                break;
            case ChargerCameBackOnline back:
                state.Chargers[back.ChargerId] = Charger(state, back.ChargerId) with { Online = true, OnlineSince = recordedAt, Offline = null };
                Recover(state, signals, back.ChargerId, 0, IncidentKind.ChargerOffline, "reconnected", sequence, recordedAt);
                break;
            case FirmwareStatusReported { Status: FirmwareStatus.Installed, FirmwareVersion: { } version } installed:
                state.Chargers[installed.ChargerId] = Charger(state, installed.ChargerId) with { FirmwareVersion = version };
                break;
            case FaultReported fault when rules.IsTransient(fault.ErrorCode):
                var detail = string.Join(", ", new[] { fault.VendorErrorCode, fault.Info }.Where(text => !string.IsNullOrEmpty(text)));
                Open(state, signals, fault.ChargerId, fault.EvseId, IncidentKind.ConnectorFaulted, null, fault.ErrorCode,
                    $"fault {fault.ErrorCode} on EVSE {fault.EvseId} connector {fault.ConnectorId}{(detail.Length > 0 ? $" ({detail})" : "")}",
                    sequence, recordedAt);
                break;
            case FaultCleared cleared:
                Recover(state, signals, cleared.ChargerId, cleared.EvseId, IncidentKind.ConnectorFaulted,
                    $"fault {cleared.ErrorCode} cleared on EVSE {cleared.EvseId} connector {cleared.ConnectorId}", sequence, recordedAt);
                break;
            case ConnectorStatusChanged { Status: ConnectorStatus.Available or ConnectorStatus.Preparing or ConnectorStatus.Charging } status:
                Recover(state, signals, status.ChargerId, status.EvseId, IncidentKind.ConnectorFaulted,
                    $"EVSE {status.EvseId} connector {status.ConnectorId} {status.Status}", sequence, recordedAt);
                break;
            case IncidentOpened opened:
                state.OpenIncidents.TryAdd(opened.IncidentId,
                    new WatchedIncident(opened.IncidentId, opened.Kind, opened.ChargerId, opened.EvseId, opened.SessionId));
                break;
            case IncidentResolved resolved:
                state.OpenIncidents.Remove(resolved.IncidentId);
                break;
            case var session when SessionFactsFold.Handles(session):
                ObserveSession(state, signals, session, sequence, recordedAt, rules);
                break;
        }
        return signals;
    }

    /// <summary>
    /// What the passing of time shows at <paramref name="now"/>: chargers offline past their grace while a neighbour is
    /// online, sessions silent too long, authorised sessions that never started (failed starts).
    /// </summary>
    public static IReadOnlyList<IncidentSignal> Tick(DetectorState state, Instant now, HealingRules rules)
    {
        var signals = new List<IncidentSignal>();
        var grace = Duration.FromSeconds(rules.Thresholds.OfflineGraceSeconds);
        foreach (var charger in state.Chargers.Values.OrderBy(c => c.ChargerId, StringComparer.Ordinal).ToList())
        {
            if (charger is not { Online: false, Offline: { IncidentOpened: false } spell, SiteId: { } site } || now < spell.RecordedAt + grace)
                continue;
            var neighboursOnline = state.Chargers.Values.Count(other => other.SiteId == site && other.ChargerId != charger.ChargerId && other.Online);
            if (neighboursOnline == 0)
                continue;
            state.Chargers[charger.ChargerId] = charger with { Offline = spell with { IncidentOpened = true } };
            Open(state, signals, charger.ChargerId, 0, IncidentKind.ChargerOffline, null, null,
                $"offline since {Time(spell.LastSeenAt)} (recorded {Time(spell.RecordedAt)}) while {neighboursOnline} other charger(s) at site {site} are online",
                spell.Sequence, now);
        }

        var silence = Duration.FromSeconds(rules.Thresholds.StuckSessionSeconds);
        foreach (var (id, watched) in state.Sessions.OrderBy(s => s.Value.FirstSequence).ToList())
        {
            var facts = watched.Facts;
            if (facts is { StartedAt: not null, StoppedAt: null } && watched.LastActivityAt is { } lastActivity
                && state.Chargers.GetValueOrDefault(facts.ChargerId) is { Online: true, OnlineSince: var onlineSince })
            {
                var quietSince = onlineSince is { } since && since > lastActivity ? since : lastActivity;
                if (now >= quietSince + silence)
                    Open(state, signals, facts.ChargerId, facts.EvseId, IncidentKind.SessionStuck, id, null,
                        $"session {id} on EVSE {facts.EvseId}: no meter values since {Time(lastActivity)}", watched.LastActivitySequence, now);
            }
            if (!watched.Judged)
                Judge(state, signals, id, watched, watched.FirstSequence, now, rules);
            // Judged failed without a start: forgotten, lest every abandoned plug-in stay in the state for good. A start
            // reported later still (beyond the KPI's own grace) then counts as an attempt of its own.
            if (state.Sessions.GetValueOrDefault(id) is { Judged: true, Facts.StartedAt: null })
                state.Sessions.Remove(id);
        }
        return signals;
    }

    private static void ObserveSession(DetectorState state, List<IncidentSignal> signals, object @event, long sequence, Instant recordedAt, HealingRules rules)
    {
        var id = SessionFactsFold.KeyOf(@event);
        var known = state.Sessions.GetValueOrDefault(id);
        if (SessionFactsFold.Evolve(known?.Facts, id, @event) is not { } facts)
            return;
        var watched = (known ?? new WatchedSession(facts, sequence, sequence, null, false)) with { Facts = facts };
        if (@event is SessionStartedV2 or MeterValuesRecorded)
            watched = watched with { LastActivitySequence = sequence, LastActivityAt = recordedAt };
        if (@event is SessionReopened)
            watched = watched with { LastActivityAt = recordedAt };
        state.Sessions[id] = watched;

        if (@event is MeterValuesRecorded)
            Recover(state, signals, facts.ChargerId, facts.EvseId, IncidentKind.SessionStuck, $"meter values from session {id}", sequence, recordedAt);
        if (@event is SessionStopped or SessionClosedForSilence)
            Recover(state, signals, facts.ChargerId, facts.EvseId, IncidentKind.SessionStuck, $"session {id} stopped", sequence, recordedAt);

        if (!watched.Judged)
            Judge(state, signals, id, watched, sequence, recordedAt, rules);
        // A session that is no attempt (turned away), or judged and stopped, has nothing more to show.
        if (ChargeSuccess.AttemptedAt(facts) is null || (state.Sessions[id].Judged && facts.StoppedAt is not null))
            state.Sessions.Remove(id);
    }

    /// <summary>Counts an attempt once its outcome is known, exactly as the charge success KPI judges it.</summary>
    private static void Judge(DetectorState state, List<IncidentSignal> signals, string id, WatchedSession watched, long sequence, Instant at, HealingRules rules)
    {
        var facts = watched.Facts;
        if (ChargeSuccess.AttemptedAt(facts) is null)
            return;
        var outcome = ChargeSuccess.Outcome(facts, at);
        if (outcome == AttemptOutcome.Undecided)
            return;
        state.Sessions[id] = watched with { Judged = true };
        var port = $"{facts.ChargerId}/{facts.EvseId}";
        if (outcome == AttemptOutcome.Succeeded)
        {
            state.FailedStartsInRow.Remove(port);
            Recover(state, signals, facts.ChargerId, facts.EvseId, IncidentKind.RepeatedFailedStarts,
                $"session {id} transferred {facts.EnergyWh} Wh", sequence, at);
            return;
        }
        var inRow = state.FailedStartsInRow.GetValueOrDefault(port) + 1;
        state.FailedStartsInRow[port] = inRow;
        if (inRow >= rules.Thresholds.FailedStartsInRow)
            Open(state, signals, facts.ChargerId, facts.EvseId, IncidentKind.RepeatedFailedStarts, id, null,
                $"{inRow} failed starts in a row on EVSE {facts.EvseId}, the last session {id}", sequence, at);
    }

    private static void Open(DetectorState state, List<IncidentSignal> signals, string chargerId, int evseId, IncidentKind kind,
        string? sessionId, string? errorCode, string evidence, long causeSequence, Instant at)
    {
        if (state.Chargers.GetValueOrDefault(chargerId) is not { SiteId: { } site, Vendor: { } vendor, Model: { } model } charger)
            return;
        if (state.OpenIncidents.Values.Any(open => open.ChargerId == chargerId && open.EvseId == evseId && open.Kind == kind))
            return;
        var incidentId = IncidentIdOf(causeSequence, kind);
        state.OpenIncidents[incidentId] = new WatchedIncident(incidentId, kind, chargerId, evseId, sessionId);
        signals.Add(new OpenIncident(new IncidentOpened(incidentId, kind, chargerId, site, vendor, model, charger.FirmwareVersion,
            evseId, sessionId, errorCode, Truncate(evidence), causeSequence, at)));
    }

    private static void Recover(DetectorState state, List<IncidentSignal> signals, string chargerId, int evseId, IncidentKind kind,
        string evidence, long sequence, Instant at)
    {
        if (state.OpenIncidents.Values.FirstOrDefault(open => open.ChargerId == chargerId && open.EvseId == evseId && open.Kind == kind) is not { } incident)
            return;
        state.OpenIncidents.Remove(incident.IncidentId);
        signals.Add(new Recovered(incident.IncidentId, Truncate(evidence), sequence, at));
    }

    private static WatchedCharger Charger(DetectorState state, string chargerId) =>
        state.Chargers.GetValueOrDefault(chargerId) ?? new WatchedCharger(chargerId, null, null, null, null, false, null, null);

    private static string Time(Instant at) => InstantPattern.General.Format(at);

    private static string Truncate(string text) => text.Length <= 1_000 ? text : text[..1_000];
}
