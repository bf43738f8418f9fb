using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Domain.Sessions;
using Settlement.Tests.Ocpp.Client;

namespace Settlement.Tests.Ocpp;

/// <summary>
/// Our endpoint driven by an independent client: ocpp-rpc in strict mode validates every response we
/// send against the official OCPP JSON schemas; a single invalid field fails the step.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class ocpp_conformance_tests(LedgerDatabase db) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await new TestHost(db).StartAsync();
    public async Task DisposeAsync() => await _host.DisposeAsync();

    private Scenario For(string charger, string protocol, params ScenarioStep[] steps) => new()
    {
        Endpoint = _host.Endpoint.ToString().TrimEnd('/'),
        Identity = charger,
        Protocols = [protocol],
        Password = TestHost.Password,
        Steps = steps,
    };

    [Fact]
    public async Task every_ocpp16_message_a_charge_point_sends_gets_a_schema_valid_answer()
    {
        var charger = await _host.RegisterChargerAsync(OcppVersion.Ocpp16);
        var first = await OcppRpcClient.RunAsync(For(charger, "ocpp1.6",
            Step.Call("BootNotification", new { chargePointVendor = "Acme", chargePointModel = "Fast 150", firmwareVersion = "1.2.3", chargePointSerialNumber = "SN-7" }),
            Step.Call("Heartbeat"),
            Step.Call("StatusNotification", new { connectorId = 1, errorCode = "NoError", status = "Available", timestamp = "2026-10-12T09:59:00Z" }),
            Step.Call("StatusNotification", new { connectorId = 2, errorCode = "GroundFailure", status = "Faulted", vendorErrorCode = "E42" }),
            Step.Call("StatusNotification", new { connectorId = 2, errorCode = "NoError", status = "Available" }),
            Step.Call("Authorize", new { idTag = "RFID-0001" }),
            Step.Call("StartTransaction", new { connectorId = 1, idTag = "RFID-0001", meterStart = 1_000, timestamp = "2026-10-12T10:00:00Z" }),
            Step.Call("DataTransfer", new { vendorId = "com.acme", messageId = "diag", data = "{\"t\":41}" }),
            Step.Call("DiagnosticsStatusNotification", new { status = "Uploaded" }),
            Step.Call("FirmwareStatusNotification", new { status = "Installed" })));
        first.AssertAllStepsOk();
        var transactionId = first.Step(6).Response!.Value.GetProperty("transactionId").GetInt32();

        var second = await OcppRpcClient.RunAsync(For(charger, "ocpp1.6",
            Step.Call("MeterValues", new { connectorId = 1, transactionId, meterValue = new[] { new { timestamp = "2026-10-12T10:10:00Z",
                sampledValue = new object[] { new { value = "6.5", measurand = "Energy.Active.Import.Register", unit = "kWh" }, new { value = "38000", measurand = "Power.Active.Import", unit = "W" } } } } }),
            Step.Call("StopTransaction", new { transactionId, idTag = "RFID-0001", meterStop = 12_000, timestamp = "2026-10-12T10:20:00Z", reason = "Local",
                transactionData = new[] { new { timestamp = "2026-10-12T10:20:00Z", sampledValue = new[] { new { value = "12000" } } } } })));
        second.AssertAllStepsOk();

        var chargerEvents = (await _host.ChargerEventsAsync(charger)).Select(e => e.Data).ToList();
        Assert.Contains(chargerEvents, e => e is FaultReported { ErrorCode: "GroundFailure", VendorErrorCode: "E42" });
        Assert.Contains(chargerEvents, e => e is FaultCleared { EvseId: 2 });
        Assert.Contains(chargerEvents, e => e is DataTransferReceived { VendorId: "com.acme" });
        Assert.Contains(chargerEvents, e => e is DiagnosticsStatusReported { Status: DiagnosticsStatus.Uploaded });
        Assert.Contains(chargerEvents, e => e is FirmwareStatusReported { Status: FirmwareStatus.Installed });
        var authorised = Assert.Single(chargerEvents.OfType<IdTokenAuthorisedV2>());
        Assert.Equal("RFID-0001", await db.Ledger.Drivers.UnsealAsync(authorised.IdToken));
        var session = (await db.Ledger.ReadStreamAsync(StreamIds.Session($"{charger}-1-{NodaTime.Instant.FromUtc(2026, 10, 12, 10, 0).ToUnixTimeSeconds()}"))).Select(e => e.Data);
        Assert.Equal(11_000, Session.Fold(session).EnergyWh);
    }

    [Fact]
    public async Task every_ocpp201_message_a_charging_station_sends_gets_a_schema_valid_answer()
    {
        var charger = await _host.RegisterChargerAsync(OcppVersion.Ocpp201);
        static object Meter(string at, double kwh) => new[] { new { timestamp = at, sampledValue = new[] { new { value = kwh, measurand = "Energy.Active.Import.Register", unitOfMeasure = new { unit = "kWh" } } } } };
        var result = await OcppRpcClient.RunAsync(For(charger, "ocpp2.0.1",
            Step.Call("BootNotification", new { reason = "PowerUp", chargingStation = new { model = "Fast 150", vendorName = "Acme", firmwareVersion = "2.0.0" } }),
            Step.Call("Heartbeat"),
            Step.Call("StatusNotification", new { timestamp = "2026-10-12T09:59:00Z", connectorStatus = "Available", evseId = 1, connectorId = 1 }),
            Step.Call("Authorize", new { idToken = new { idToken = "RFID-0001", type = "ISO14443" } }),
            Step.Call("TransactionEvent", new { eventType = "Started", timestamp = "2026-10-12T10:00:00Z", triggerReason = "Authorized", seqNo = 0,
                transactionInfo = new { transactionId = "tx-1" }, idToken = new { idToken = "RFID-0001", type = "ISO14443" }, evse = new { id = 1, connectorId = 1 },
                meterValue = Meter("2026-10-12T10:00:00Z", 2.0) }),
            Step.Call("TransactionEvent", new { eventType = "Updated", timestamp = "2026-10-12T10:10:00Z", triggerReason = "MeterValuePeriodic", seqNo = 1,
                transactionInfo = new { transactionId = "tx-1", chargingState = "Charging" }, meterValue = Meter("2026-10-12T10:10:00Z", 9.5) }),
            Step.Call("TransactionEvent", new { eventType = "Ended", timestamp = "2026-10-12T10:20:00Z", triggerReason = "EVDeparted", seqNo = 2,
                transactionInfo = new { transactionId = "tx-1", stoppedReason = "EVDisconnected" }, meterValue = Meter("2026-10-12T10:20:00Z", 14.0) }),
            Step.Call("MeterValues", new { evseId = 0, meterValue = Meter("2026-10-12T10:21:00Z", 1_234.5) }),
            Step.Call("NotifyEvent", new { generatedAt = "2026-10-12T10:22:00Z", seqNo = 0, eventData = new[] { new { eventId = 7, timestamp = "2026-10-12T10:22:00Z",
                trigger = "Alerting", actualValue = "82", techCode = "TEMP", eventNotificationType = "HardWiredNotification", component = new { name = "PowerModule" }, variable = new { name = "Temperature" } } } }),
            Step.Call("FirmwareStatusNotification", new { status = "Downloading" }),
            Step.Call("SecurityEventNotification", new { type = "TamperDetectionActivated", timestamp = "2026-10-12T10:23:00Z", techInfo = "door" }),
            Step.Call("NotifyReport", new { requestId = 1, generatedAt = "2026-10-12T10:24:00Z", seqNo = 0, reportData = new[] { new {
                component = new { name = "OCPPCommCtrlr" }, variable = new { name = "HeartbeatInterval" }, variableAttribute = new[] { new { value = "300" } } } } })));

        result.AssertAllStepsOk();
        var chargerEvents = (await _host.ChargerEventsAsync(charger)).Select(e => e.Data).ToList();
        Assert.Contains(chargerEvents, e => e is ComponentEventsReported r && r.Events[0].Component == "PowerModule");
        Assert.Contains(chargerEvents, e => e is SecurityEventReported { Type: "TamperDetectionActivated" });
        Assert.Contains(chargerEvents, e => e is ChargerReportReceived { RequestId: 1 });
        Assert.Contains(chargerEvents, e => e is ChargerMeterValuesRecorded { EvseId: 0 });
        var session = (await db.Ledger.ReadStreamAsync(StreamIds.Session($"{charger}-tx-1"))).Select(e => e.Data).ToList();
        Assert.Single(session.OfType<SessionStopped>());
        Assert.Equal(12_000, Session.Fold(session).EnergyWh);
    }
}
