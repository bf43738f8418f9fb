using Marten;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Domain.SelfHealing;
using Settlement.Domain.Sessions;
using Settlement.Ocpp.Commands;
using Settlement.Ocpp.Framing;
using Settlement.Projections.Sessions;
using Settlement.Workbench.Simulation;

namespace Settlement.Tests.Workbench.Simulation;

/// <summary>
/// The simulator's firmware updates, resets and glitches against the real host, in both OCPP versions: what it does is
/// what the ledger records, and each glitch gives way to its own remote action and not to a milder one.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class fleet_operations_tests(LedgerDatabase db) : IAsyncLifetime
{
    private static readonly SessionProfile Endless = new(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromMilliseconds(50), 10_000, 10_000, TimeScale: 60);
    private static readonly SimulatorOptions Fast = new()
    {
        ValidatePayloads = true,
        CallTimeout = TimeSpan.FromSeconds(10),
        RemoteSessions = Endless,
        FirmwareStepTime = TimeSpan.FromMilliseconds(50),
        RebootTime = TimeSpan.FromMilliseconds(100),
        FaultRepeatInterval = TimeSpan.FromMilliseconds(400),
    };
    private static readonly Uri NewFirmware = new("https://firmware.example/acme/fast150/2.4.1.bin");
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await new TestHost(db).StartAsync();
    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [InlineData(OcppVersion.Ocpp16)]
    [InlineData(OcppVersion.Ocpp201)]
    public async Task an_update_is_reported_step_by_step_and_the_charger_boots_on_the_new_version(OcppVersion version)
    {
        await using var charger = await BootedChargerAsync(version);

        await SendAsync(new UpdateFirmware(charger.Id, NewFirmware, Instant.FromUtc(2020, 1, 1, 0, 0)));
        await Eventually(() => charger.FirmwareStatusesSent.Contains("Installed"));
        await charger.WhenFollowUpsDoneAsync();

        var events = await EventsAsync(charger.Id);
        Assert.Equal([FirmwareStatus.Downloading, FirmwareStatus.Downloaded, FirmwareStatus.Installing, FirmwareStatus.Installed],
            events.OfType<FirmwareStatusReported>().Select(r => r.Status));
        var boots = events.OfType<ChargerBooted>().ToList();
        Assert.Equal(["1.0.0", "2.4.1"], boots.Select(b => b.FirmwareVersion));
        if (version == OcppVersion.Ocpp201) Assert.Equal(BootReason.FirmwareUpdate, boots[^1].Reason);
        Assert.Equal(("2.4.1", 2), (charger.FirmwareVersion, charger.Boots));
        Assert.Equal(ConnectorStatus.Available, LastStatus(events, 1));
        AssertNoErrors(charger);
    }

    [Theory]
    [InlineData(OcppVersion.Ocpp16, FirmwareBehaviour.DownloadFails, new[] { FirmwareStatus.Downloading, FirmwareStatus.DownloadFailed })]
    [InlineData(OcppVersion.Ocpp201, FirmwareBehaviour.DownloadFails, new[] { FirmwareStatus.Downloading, FirmwareStatus.DownloadFailed })]
    [InlineData(OcppVersion.Ocpp16, FirmwareBehaviour.InstallFails,
        new[] { FirmwareStatus.Downloading, FirmwareStatus.Downloaded, FirmwareStatus.Installing, FirmwareStatus.InstallationFailed })]
    [InlineData(OcppVersion.Ocpp201, FirmwareBehaviour.InstallFails,
        new[] { FirmwareStatus.Downloading, FirmwareStatus.Downloaded, FirmwareStatus.Installing, FirmwareStatus.InstallationFailed })]
    public async Task a_failing_update_reports_its_failure_and_leaves_the_old_version(OcppVersion version, FirmwareBehaviour behaviour, FirmwareStatus[] expected)
    {
        await using var charger = await BootedChargerAsync(version);
        charger.FirmwareBehaviour = behaviour;

        await SendAsync(new UpdateFirmware(charger.Id, NewFirmware, Instant.FromUtc(2020, 1, 1, 0, 0)));
        await Eventually(() => charger.FirmwareStatusesSent.Count == expected.Length);
        await charger.WhenFollowUpsDoneAsync();

        var events = await EventsAsync(charger.Id);
        Assert.Equal(expected, events.OfType<FirmwareStatusReported>().Select(r => r.Status));
        Assert.Single(events.OfType<ChargerBooted>());
        Assert.Equal("1.0.0", charger.FirmwareVersion);
        AssertNoErrors(charger);
    }

    [Theory]
    [InlineData(OcppVersion.Ocpp16)]
    [InlineData(OcppVersion.Ocpp201)]
    public async Task a_charger_that_goes_offline_while_installing_stays_away_until_reconnected_on_its_old_version(OcppVersion version)
    {
        await using var charger = await BootedChargerAsync(version);
        charger.FirmwareBehaviour = FirmwareBehaviour.GoesOfflineWhileInstalling;

        await SendAsync(new UpdateFirmware(charger.Id, NewFirmware, Instant.FromUtc(2020, 1, 1, 0, 0)));
        await Eventually(() => charger.FirmwareStatusesSent.Contains("Installing"));
        await charger.WhenFollowUpsDoneAsync();
        Assert.False(charger.IsConnected);
        await Eventually(async () => (await EventsAsync(charger.Id)).OfType<ChargerWentOffline>().Any());
        var away = await SendAsync(new TriggerMessage(charger.Id, "Heartbeat", null));
        await charger.ReconnectAsync(CancellationToken.None);

        Assert.Equal(CommandOutcome.ChargerOffline, away.Outcome);
        var events = await EventsAsync(charger.Id);
        Assert.Equal(FirmwareStatus.Installing, events.OfType<FirmwareStatusReported>().Last().Status);
        Assert.Equal(["1.0.0", "1.0.0"], events.OfType<ChargerBooted>().Select(b => b.FirmwareVersion));
        Assert.Single(events.OfType<ChargerCameBackOnline>());
    }

    [Theory]
    [InlineData(OcppVersion.Ocpp16)]
    [InlineData(OcppVersion.Ocpp201)]
    public async Task a_firmware_that_installs_then_faults_reports_new_faults_after_its_boot_until_rolled_back(OcppVersion version)
    {
        await using var charger = await BootedChargerAsync(version);
        charger.FirmwareBehaviourByVersion["2.4.1"] = FirmwareBehaviour.InstallsThenFaults;

        await SendAsync(new UpdateFirmware(charger.Id, NewFirmware, Instant.FromUtc(2020, 1, 1, 0, 0)));
        await Eventually(async () => (await EventsAsync(charger.Id)).OfType<FaultReported>().Count() >= 2);
        await SendAsync(new UpdateFirmware(charger.Id, new Uri("https://firmware.example/acme/fast150/1.0.0.bin"), Instant.FromUtc(2020, 1, 1, 0, 0)));
        await Eventually(() => charger.Boots == 3);
        await charger.WhenFollowUpsDoneAsync();
        await Task.Delay(Fast.FaultRepeatInterval * 2);

        var events = await EventsAsync(charger.Id);
        var boots = events.OfType<ChargerBooted>().ToList();
        Assert.Equal(["1.0.0", "2.4.1", "1.0.0"], boots.Select(b => b.FirmwareVersion));
        Assert.All(events.OfType<FaultReported>(), fault => Assert.InRange(fault.ReportedAt, boots[1].BootedAt, boots[2].BootedAt));
    }

    [Theory]
    [InlineData(OcppVersion.Ocpp16, ResetKind.Soft)]
    [InlineData(OcppVersion.Ocpp16, ResetKind.Hard)]
    [InlineData(OcppVersion.Ocpp201, ResetKind.Soft)]
    [InlineData(OcppVersion.Ocpp201, ResetKind.Hard)]
    public async Task a_reset_reboots_the_charger(OcppVersion version, ResetKind kind)
    {
        await using var charger = await BootedChargerAsync(version);

        var reset = await SendAsync(new Reset(charger.Id, kind));
        await Eventually(() => charger.Boots == 2);
        await charger.WhenFollowUpsDoneAsync();

        Assert.Equal("Accepted", reset.Status);
        var boots = (await EventsAsync(charger.Id)).OfType<ChargerBooted>().ToList();
        Assert.Equal(2, boots.Count);
        if (version == OcppVersion.Ocpp201) Assert.Equal(BootReason.RemoteReset, boots[^1].Reason);
        AssertNoErrors(charger);
    }

    [Fact]
    public async Task an_on_idle_reset_during_a_session_is_scheduled_and_happens_when_the_session_ends()
    {
        await using var charger = await BootedChargerAsync(OcppVersion.Ocpp201);
        var session = await charger.StartSessionAsync(1, "RFID-IDLE", CancellationToken.None);

        var reset = await SendAsync(new Reset(charger.Id, ResetKind.Soft));
        await Task.Delay(300);
        Assert.Equal(1, charger.Boots);
        await charger.StopSessionAsync(session, "Local", CancellationToken.None);
        await Eventually(() => charger.Boots == 2);

        Assert.Equal("Scheduled", reset.Status);
    }

    [Theory]
    [InlineData(OcppVersion.Ocpp16)]
    [InlineData(OcppVersion.Ocpp201)]
    public async Task a_connector_fault_is_cleared_by_its_action_and_not_by_a_milder_one(OcppVersion version)
    {
        await using var charger = await BootedChargerAsync(version);
        await charger.InjectFaultAsync(1, HealingAction.CycleAvailability, "GroundFailure");
        await Eventually(async () => LastStatus(await EventsAsync(charger.Id), 1) == ConnectorStatus.Faulted);

        await SendAsync(new TriggerMessage(charger.Id, "StatusNotification", 1));
        await charger.WhenFollowUpsDoneAsync();
        var afterTrigger = LastStatus(await EventsAsync(charger.Id), 1);
        await SendAsync(new ChangeAvailability(charger.Id, 1, Operative: false));
        await charger.WhenFollowUpsDoneAsync();
        var afterInoperative = LastStatus(await EventsAsync(charger.Id), 1);
        await SendAsync(new ChangeAvailability(charger.Id, 1, Operative: true));
        await charger.WhenFollowUpsDoneAsync();

        Assert.Equal(ConnectorStatus.Faulted, afterTrigger);
        Assert.Equal(ConnectorStatus.Unavailable, afterInoperative);
        var events = await EventsAsync(charger.Id);
        Assert.Equal(ConnectorStatus.Available, LastStatus(events, 1));
        Assert.Contains(events.OfType<FaultCleared>(), cleared => cleared.EvseId == 1);
        if (version == OcppVersion.Ocpp16) Assert.Contains(events.OfType<FaultReported>(), fault => fault.ErrorCode == "GroundFailure");
        Assert.Null(charger.FaultOn(1));
        AssertNoErrors(charger);
    }

    [Theory]
    [InlineData(OcppVersion.Ocpp16)]
    [InlineData(OcppVersion.Ocpp201)]
    public async Task a_fault_no_action_clears_survives_a_hard_reset(OcppVersion version)
    {
        await using var charger = await BootedChargerAsync(version);
        await charger.InjectFaultAsync(2, clearedBy: null);

        await SendAsync(new Reset(charger.Id, ResetKind.Hard));
        await Eventually(() => charger.Boots == 2);
        await charger.WhenFollowUpsDoneAsync();

        Assert.Equal(ConnectorStatus.Faulted, LastStatus(await EventsAsync(charger.Id), 2));
    }

    [Theory]
    [InlineData(OcppVersion.Ocpp16)]
    [InlineData(OcppVersion.Ocpp201)]
    public async Task a_frozen_meter_ignores_a_remote_stop_and_a_soft_reset_and_gives_way_to_a_hard_reset(OcppVersion version)
    {
        await using var charger = await BootedChargerAsync(version);
        await SendAsync(new RemoteStart(charger.Id, 1, "RFID-FROZEN"));
        await Eventually(() => charger.SessionOn(1) is { MeterValuesSent: > 0 });
        var session = charger.SessionOn(1)!;
        charger.FreezeMeter(1, HealingAction.HardReset);
        var frozenAt = session.MeterValuesSent;

        await SendAsync(new RemoteStop(charger.Id, session.TransactionId));
        await SendAsync(new Reset(charger.Id, ResetKind.Soft));
        await Task.Delay(400);
        var stillRunning = (charger.SessionOn(1) == session, charger.Boots, session.MeterValuesSent);
        await SendAsync(new Reset(charger.Id, ResetKind.Hard));
        await Eventually(() => charger.Boots == 2);

        Assert.Equal((true, 1, frozenAt), stillRunning);
        await session.Ended;
        var recorded = Session.Fold((await SessionEventsAsync(charger.Id, session.TransactionId)).Select(e => e.Data));
        Assert.Equal(SessionStatus.Stopped, recorded.Status);
        Assert.Null(charger.FrozenMeterOn(1));
    }

    [Theory]
    [InlineData(OcppVersion.Ocpp16)]
    [InlineData(OcppVersion.Ocpp201)]
    public async Task a_frozen_meter_cleared_by_a_remote_stop_ends_its_session(OcppVersion version)
    {
        await using var charger = await BootedChargerAsync(version);
        var session = await charger.StartSessionAsync(2, "RFID-STUCK", CancellationToken.None);
        charger.FreezeMeter(2, HealingAction.RemoteStop);
        await charger.SendMeterValuesAsync(session, CancellationToken.None);

        var stop = await SendAsync(new RemoteStop(charger.Id, session.TransactionId));
        await session.Ended.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("Accepted", stop.Status);
        Assert.Equal(0, session.MeterValuesSent);
        var recorded = Session.Fold((await SessionEventsAsync(charger.Id, session.TransactionId)).Select(e => e.Data));
        Assert.Equal(SessionStatus.Stopped, recorded.Status);
        Assert.True(charger.IsFree(2));
        AssertNoErrors(charger);
    }

    [Theory]
    [InlineData(OcppVersion.Ocpp16)]
    [InlineData(OcppVersion.Ocpp201)]
    public async Task failing_starts_are_recorded_as_failed_starts_until_a_reset_as_strong_as_their_cure(OcppVersion version)
    {
        await using var charger = await BootedChargerAsync(version);
        charger.FailStarts(1, HealingAction.HardReset);

        var failed = await charger.StartSessionAsync(1, "RFID-FAIL-1", CancellationToken.None);
        await SendAsync(new Reset(charger.Id, ResetKind.Soft));
        await Eventually(() => charger.Boots == 2);
        await charger.WhenFollowUpsDoneAsync();
        var afterSoft = await charger.StartSessionAsync(1, "RFID-FAIL-2", CancellationToken.None);
        await SendAsync(new Reset(charger.Id, ResetKind.Hard));
        await Eventually(() => charger.Boots == 3);
        await charger.WhenFollowUpsDoneAsync();
        var healthy = await charger.StartSessionAsync(1, "RFID-FAIL-3", CancellationToken.None);
        await charger.SendMeterValuesAsync(healthy, CancellationToken.None);
        await charger.StopSessionAsync(healthy, "Local", CancellationToken.None);

        Assert.Equal((true, true, false), (failed.StartFailed, afterSoft.StartFailed, healthy.StartFailed));
        foreach (var attempt in new[] { failed, afterSoft })
        {
            var recorded = Session.Fold((await SessionEventsAsync(charger.Id, attempt.TransactionId)).Select(e => e.Data));
            Assert.Equal((SessionStatus.Stopped, 0L), (recorded.Status, recorded.EnergyWh));
        }
        AssertNoErrors(charger);
    }

    private async Task<SimulatedCharger> BootedChargerAsync(OcppVersion version)
    {
        var id = await _host.RegisterChargerAsync(version);
        var protocol = version == OcppVersion.Ocpp16 ? OcppProtocol.Ocpp16 : OcppProtocol.Ocpp201;
        var charger = new SimulatedCharger(new ChargerDefinition(id, TestHost.Password, protocol, FirmwareVersion: "1.0.0"), _host.Endpoint, Fast);
        await charger.ConnectAsync(CancellationToken.None);
        await charger.BootAsync(CancellationToken.None);
        return charger;
    }

    private async Task<CommandResult> SendAsync(ChargerCommand command) =>
        await _host.Services.GetRequiredService<IMediator>().Send(command);

    private async Task<IReadOnlyList<object>> EventsAsync(string chargerId) =>
        [.. (await _host.ChargerEventsAsync(chargerId)).Select(e => e.Data)];

    private async Task<IReadOnlyList<Settlement.Ledger.RecordedEvent>> SessionEventsAsync(string chargerId, string transactionId)
    {
        await using var query = db.Ledger.Store.QuerySession();
        var entry = await query.LoadAsync<TransactionEntry>(TransactionEntry.Key(chargerId, transactionId));
        Assert.NotNull(entry);
        return await db.Ledger.ReadStreamAsync(StreamIds.Session(entry.SessionId));
    }

    private static ConnectorStatus? LastStatus(IReadOnlyList<object> events, int evseId) =>
        events.OfType<ConnectorStatusChanged>().LastOrDefault(s => s.EvseId == evseId)?.Status;

    private static void AssertNoErrors(SimulatedCharger charger)
    {
        var counters = charger.Counters.Snapshot();
        Assert.True(counters.Errors == 0, counters.LastError);
    }

    private static Task Eventually(Func<bool> condition) => Eventually(() => Task.FromResult(condition()));

    /// <summary>Polls until the condition holds; fails after ten seconds (each step here takes well under one).</summary>
    private static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within 10 s");
            await Task.Delay(50);
        }
    }
}
