using System.Collections.Concurrent;
using Settlement.Domain.SelfHealing;
using Settlement.Ocpp.Framing;

namespace Settlement.Workbench.Simulation;

/// <summary>
/// Fleet operations on a simulated charger: firmware updates, resets, availability, outages, and the glitches a
/// self-healer must clear (a connector fault, a frozen meter, failing starts), each cleared by the remote action a
/// test names and every stronger one on its ladder (<see cref="GlitchLadders"/>), never by a milder one.
/// </summary>
public sealed partial class SimulatedCharger
{
    private static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(100);
    private readonly ConcurrentQueue<string> _firmwareStatuses = new();
    private string? _installedFirmware;
    private bool _updatingFirmware;
    private int _boots;

    /// <summary>The firmware installed now, reported at every boot: the definition's, then each version installed.</summary>
    public string FirmwareVersion => Volatile.Read(ref _installedFirmware) ?? _definition.FirmwareVersion;

    /// <summary>What an UpdateFirmware does unless <see cref="FirmwareBehaviourByVersion"/> names its version; read when its download starts.</summary>
    public FirmwareBehaviour FirmwareBehaviour { get; set; } = FirmwareBehaviour.Installs;

    /// <summary>
    /// What an update to one version does, ahead of <see cref="FirmwareBehaviour"/>: e.g. "2.4.1" installs then faults
    /// while the rollback to "2.4.0" installs cleanly.
    /// </summary>
    public ConcurrentDictionary<string, FirmwareBehaviour> FirmwareBehaviourByVersion { get; } = new();

    /// <summary>Every FirmwareStatusNotification status sent, in order.</summary>
    public IReadOnlyList<string> FirmwareStatusesSent => [.. _firmwareStatuses];

    /// <summary>BootNotifications the CSMS accepted: one per connection, so a reboot adds one.</summary>
    public int Boots => Volatile.Read(ref _boots);

    bool IChargerState.UpdatingFirmware => Volatile.Read(ref _updatingFirmware);

    public bool HasRunningSession => _evses.Any(e => e.Session is not null);

    /// <summary>The session the EVSE runs now, whoever started it.</summary>
    public SimulatedSession? SessionOn(int evseId) => Evse(evseId).Session;

    public ConnectorFault? FaultOn(int evseId) => Evse(evseId).Fault;

    public Glitch? FrozenMeterOn(int evseId) => Evse(evseId).FrozenMeter;

    public Glitch? FailingStartsOn(int evseId) => Evse(evseId).FailingStarts;

    /// <summary>
    /// The charger drops off the network without a word (a lost modem or a power cut) and stays away, keeping its
    /// sessions and glitches, until <see cref="ReconnectAsync"/>.
    /// </summary>
    public Task GoOfflineAsync() => DropConnectionAsync(graceful: false, "");

    /// <summary>Back on the network: connects and boots (reason PowerUp) on the firmware it has, reporting every EVSE.</summary>
    public async Task ReconnectAsync(CancellationToken ct)
    {
        await ConnectAsync(ct);
        await BootAsync(ct);
    }

    /// <summary>
    /// The EVSE reports Faulted (1.6 with <paramref name="errorCode"/>) now and whenever asked, until an action on
    /// <see cref="GlitchLadders.ConnectorFault"/> at least as strong as <paramref name="clearedBy"/> clears it; after
    /// that it reports Available (Unavailable while made inoperative). Null: no remote action clears it.
    /// </summary>
    public async Task InjectFaultAsync(int evseId, HealingAction? clearedBy, string errorCode = "InternalError", CancellationToken ct = default)
    {
        GlitchLadders.Require(GlitchLadders.ConnectorFault, clearedBy, "connector fault");
        ArgumentException.ThrowIfNullOrWhiteSpace(errorCode);
        Evse(evseId).Fault = new ConnectorFault(errorCode, clearedBy);
        await ReportStatusesAsync(evseId, ct);
    }

    /// <summary>
    /// The EVSE's running session (and any later one) sends no more readings and does not end on its own, until an
    /// action on <see cref="GlitchLadders.FrozenMeter"/> at least as strong as <paramref name="clearedBy"/> stops it.
    /// A milder RemoteStop or Reset is answered Accepted and changes nothing: the charger hangs. Null: nothing clears it.
    /// </summary>
    public void FreezeMeter(int evseId, HealingAction? clearedBy)
    {
        GlitchLadders.Require(GlitchLadders.FrozenMeter, clearedBy, "frozen meter");
        Evse(evseId).FrozenMeter = new Glitch(clearedBy);
    }

    /// <summary>
    /// Every session start on the EVSE fails the way the KPIs count a failed start (started, then stopped with 0 Wh,
    /// reason Other), until a reset at least as strong as <paramref name="clearedBy"/>. Null: nothing clears it.
    /// </summary>
    public void FailStarts(int evseId, HealingAction? clearedBy)
    {
        GlitchLadders.Require(GlitchLadders.FailingStarts, clearedBy, "run of failing starts");
        Evse(evseId).FailingStarts = new Glitch(clearedBy);
    }

    /// <summary>Started and stopped at once with the register where it stood: a 0 Wh session is a failed start.</summary>
    private async Task FailStartAsync(SimulatedEvse evse, SimulatedSession session, int? remoteStartId, CancellationToken ct)
    {
        var begin = evse.Reading(session, session.LastReadingAt, _definition.MaxPowerKw, _options.NominalVoltage, "Transaction.Begin");
        if (Protocol == OcppProtocol.Ocpp16)
        {
            var answer = await CallAsync("StartTransaction", OcppMessages.StartTransaction(evse.Id, session.IdToken, session.MeterStartWh, begin.TakenAt), ct);
            session.TransactionId = answer["transactionId"]!.GetValue<int>().ToString(System.Globalization.CultureInfo.InvariantCulture);
            var end = begin with { TakenAt = NextInstant(), Context = "Transaction.End" };
            await CallAsync("StopTransaction", OcppMessages.StopTransaction(session, end, "Other"), ct);
            await CallAsync("StatusNotification", OcppMessages.Status(Protocol, evse.Id, "Finishing", NextInstant()), ct);
        }
        else
        {
            session.TransactionId = Guid.NewGuid().ToString("N");
            await CallAsync("TransactionEvent", OcppMessages.TransactionEvent("Started", remoteStartId is null ? "Authorized" : "RemoteStart",
                session, begin, "EVConnected", remoteStartId), ct);
            session.SeqNo++;
            var end = begin with { TakenAt = NextInstant(), Context = "Transaction.End" };
            await CallAsync("TransactionEvent", OcppMessages.TransactionEvent("Ended", "AbnormalCondition", session, end, "EVConnected", stoppedReason: "Other"), ct);
        }
        session.MeterStopWh = session.MeterStartWh;
        session.StartFailed = true;
        session.MarkEnded();
        _counters.SessionStarted();
        _counters.SessionStopped(0);
        var (status, errorCode) = evse.Reported;
        await CallAsync("StatusNotification", OcppMessages.Status(Protocol, evse.Id, status, NextInstant(), errorCode), ct);
    }

    /// <summary>A remote stop ends a session, unless its meter is frozen harder than a remote stop can clear.</summary>
    private async Task StopRemotelyAsync(SimulatedSession session)
    {
        var evse = Evse(session.EvseId);
        if (evse.FrozenMeter is { } frozen)
        {
            if (!GlitchLadders.Clears(GlitchLadders.FrozenMeter, frozen.ClearedBy, HealingAction.RemoteStop)) return;
            evse.FrozenMeter = null;
            await EndSessionAsync(evse, session, "Remote");
            return;
        }
        // A session the caller runs is the caller's to stop; it sees the request.
        session.RequestStop("Remote");
    }

    private async Task ReportStatusOnTriggerAsync(int? evseId)
    {
        foreach (var evse in _evses.Where(e => evseId is null or 0 || e.Id == evseId))
            if (evse.Fault is { } fault && GlitchLadders.Clears(GlitchLadders.ConnectorFault, fault.ClearedBy, HealingAction.TriggerStatus))
                evse.Fault = null;
        await ReportStatusesAsync(evseId, _lifetime.Token);
    }

    /// <summary>Inoperative: Unavailable (a fault the cycle clears is gone); Operative: Available, or Faulted if a fault stayed.</summary>
    private async Task ChangeAvailabilityAsync(int evseId, bool operative)
    {
        foreach (var evse in _evses.Where(e => evseId == 0 || e.Id == evseId))
        {
            evse.Inoperative = !operative;
            if (!operative && evse.Fault is { } fault && GlitchLadders.Clears(GlitchLadders.ConnectorFault, fault.ClearedBy, HealingAction.CycleAvailability))
                evse.Fault = null;
        }
        await ReportStatusesAsync(evseId, _lifetime.Token);
    }

    /// <summary>
    /// A reset ends the running sessions (1.6 soft: gracefully, reason SoftReset; hard: HardReset; 2.0.1 Immediate:
    /// ImmediateReset) and reboots with reason RemoteReset. A 2.0.1 OnIdle reset waits for the sessions to end first. A
    /// frozen meter whose cure is stronger than this reset wedges the charger: the reset was accepted and nothing happens.
    /// </summary>
    private async Task ResetAsync(bool hard)
    {
        var level = hard ? HealingAction.HardReset : HealingAction.SoftReset;
        if (_evses.Any(e => e.Session is not null && e.FrozenMeter is { } frozen && !GlitchLadders.Clears(GlitchLadders.FrozenMeter, frozen.ClearedBy, level)))
            return;
        var stopReason = Protocol == OcppProtocol.Ocpp16 ? (hard ? "HardReset" : "SoftReset") : "ImmediateReset";
        foreach (var evse in _evses)
        {
            if (evse.Session is not { } session) continue;
            var frozen = evse.FrozenMeter is not null;
            evse.FrozenMeter = null;
            if (hard || frozen || Protocol == OcppProtocol.Ocpp16) await EndSessionAsync(evse, session, stopReason);
        }
        // 2.0.1 OnIdle: the reset was Scheduled for when the last transaction ends.
        while (HasRunningSession) await Task.Delay(IdlePoll, _lifetime.Token);
        foreach (var evse in _evses)
        {
            if (evse.Fault is { } fault && GlitchLadders.Clears(GlitchLadders.ConnectorFault, fault.ClearedBy, level)) evse.Fault = null;
            if (evse.FailingStarts is { } failing && GlitchLadders.Clears(GlitchLadders.FailingStarts, failing.ClearedBy, level)) evse.FailingStarts = null;
        }
        await RebootAsync("RemoteReset", installing: null, afterBoot: null);
    }

    /// <summary>Stops a session: one the charger runs is asked to stop and awaited; one a caller started is stopped here.</summary>
    private async Task EndSessionAsync(SimulatedEvse evse, SimulatedSession session, string reason)
    {
        if (session.RunByCharger)
        {
            session.RequestStop(reason);
            await session.Ended.WaitAsync(_lifetime.Token);
            return;
        }
        try
        {
            await StopClaimedAsync(evse, session, reason, _lifetime.Token);
        }
        finally
        {
            evse.Release();
            session.MarkEnded();
        }
    }

    /// <summary>
    /// Downloading, Downloaded, (2.0.1 signed: SignatureVerified), Installing, then a reboot onto the new version and
    /// Installed, or the failure <see cref="FirmwareBehaviour"/> asks for. It never installs during a transaction: it
    /// waits for the last one to end. The version is the location's file name without its extension.
    /// </summary>
    private async Task InstallFirmwareAsync(InstallFirmware install)
    {
        var ct = _lifetime.Token;
        try
        {
            var wait = install.RetrieveAt - NodaTime.SystemClock.Instance.GetCurrentInstant();
            if (wait > NodaTime.Duration.Zero) await Task.Delay(wait.ToTimeSpan(), ct);
            var version = Path.GetFileNameWithoutExtension(install.Location.AbsolutePath);
            var behaviour = FirmwareBehaviourByVersion.TryGetValue(version, out var chosen) ? chosen : FirmwareBehaviour;
            await ReportFirmwareAsync("Downloading", install, ct);
            if (behaviour == FirmwareBehaviour.DownloadFails)
            {
                await ReportFirmwareAsync("DownloadFailed", install, ct);
                return;
            }
            await ReportFirmwareAsync("Downloaded", install, ct);
            if (Protocol == OcppProtocol.Ocpp201 && install.Signed)
            {
                if (behaviour == FirmwareBehaviour.InvalidSignature)
                {
                    await ReportFirmwareAsync("InvalidSignature", install, ct);
                    return;
                }
                await ReportFirmwareAsync("SignatureVerified", install, ct);
            }
            while (HasRunningSession) await Task.Delay(IdlePoll, ct);
            await ReportFirmwareAsync("Installing", install, ct);
            switch (behaviour)
            {
                case FirmwareBehaviour.InstallFails:
                    await ReportFirmwareAsync("InstallationFailed", install, ct);
                    return;
                case FirmwareBehaviour.GoesOfflineWhileInstalling:
                    await GoOfflineAsync();
                    return;
            }
            await RebootAsync("FirmwareUpdate", installing: version, afterBoot: () => ReportFirmwareAsync("Installed", install, ct, pause: false));
            if (behaviour == FirmwareBehaviour.InstallsThenFaults) _ = FaultRepeatedlyAsync(version);
        }
        finally
        {
            Volatile.Write(ref _updatingFirmware, false);
        }
    }

    private async Task ReportFirmwareAsync(string status, InstallFirmware install, CancellationToken ct, bool pause = true)
    {
        _firmwareStatuses.Enqueue(status);
        await CallAsync("FirmwareStatusNotification",
            OcppMessages.FirmwareStatus(status, Protocol == OcppProtocol.Ocpp201 ? install.RequestId : null), ct);
        if (pause) await Task.Delay(_options.FirmwareStepTime, ct);
    }

    /// <summary>
    /// Closes the connection, stays off for <see cref="SimulatorOptions.RebootTime"/> (switching to the version being
    /// installed, if any), connects, boots with <paramref name="reason"/>, then reports its EVSEs.
    /// </summary>
    private async Task RebootAsync(string reason, string? installing, Func<Task>? afterBoot)
    {
        await DropConnectionAsync(graceful: true, "rebooting");
        if (installing is not null) Volatile.Write(ref _installedFirmware, installing);
        await Task.Delay(_options.RebootTime, _lifetime.Token);
        await ConnectAsync(_lifetime.Token);
        await SendBootNotificationAsync(reason, _lifetime.Token);
        if (afterBoot is not null) await afterBoot();
        await ReportStatusesAsync(null, _lifetime.Token);
    }

    /// <summary>
    /// EVSE 1 reports Faulted and, shortly after, its status again, every <see cref="SimulatorOptions.FaultRepeatInterval"/>
    /// while <paramref name="version"/> stays installed: each report is a new fault for the CSMS to count.
    /// </summary>
    private async Task FaultRepeatedlyAsync(string version)
    {
        var ct = _lifetime.Token;
        try
        {
            while (FirmwareVersion == version)
            {
                await Task.Delay(_options.FaultRepeatInterval, ct);
                if (!IsConnected || FirmwareVersion != version) continue;
                try
                {
                    await CallAsync("StatusNotification", OcppMessages.Status(Protocol, 1, "Faulted", NextInstant(), "InternalError"), ct);
                    await Task.Delay(_options.FaultRepeatInterval / 4, ct);
                    await ReportStatusesAsync(1, ct);
                }
                catch (Exception e) when (e is SimulatorException or OcppCallErrorException)
                {
                    // Counted where it happened; the next round tries again once connected.
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The charger is closing.
        }
    }
}
