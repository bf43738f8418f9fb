using System.Text.Json.Nodes;
using Mediator;
using Settlement.Domain.Chargers;
using Settlement.Domain.Sessions;
using Settlement.Ocpp.Framing;
using Settlement.Ocpp.Handling;
using static Settlement.Ocpp.Handling.OcppValues;

namespace Settlement.Ocpp.V16;

/// <summary>OCPP 1.6J messages a charge point sends to the central system.</summary>
public sealed class V16Handler(ChargerLedger chargers, SessionRecorder sessions, TokenAuthoriser tokens, Commands.LocalLists localLists, IMediator mediator, OcppOptions options) : IProtocolHandler
{
    public async Task<JsonObject> HandleAsync(ChargerLink link, InboundCall call, JsonObject payload, CancellationToken ct)
    {
        return call.Action switch
        {
            "BootNotification" => await BootAsync(link, call, payload, ct),
            "Heartbeat" => new JsonObject { ["currentTime"] = Format(call.ReceivedAt) },
            "StatusNotification" => await StatusAsync(link, call, payload, ct),
            "Authorize" => await AuthorizeAsync(call, payload, ct),
            "StartTransaction" => await StartAsync(call, payload, ct),
            "MeterValues" => await MeterValuesAsync(link, call, payload, ct),
            "StopTransaction" => await StopAsync(link, call, payload, ct),
            "DataTransfer" => await DataTransferAsync(call, payload, ct),
            "DiagnosticsStatusNotification" => await chargers.RecordAndAcknowledgeAsync(call, ct,
                new DiagnosticsStatusReported(call.ChargerId, Enum(Text(payload, "status"), DiagnosticsStatus.Idle), call.ReceivedAt)),
            "FirmwareStatusNotification" => await chargers.RecordAndAcknowledgeAsync(call, ct,
                new FirmwareStatusReported(call.ChargerId, Enum(Text(payload, "status"), FirmwareStatus.Idle), null, call.ReceivedAt)),
            _ => throw new OcppCallException(OcppErrorCodes.NotSupported, $"{call.Action} is not a message a charge point sends to the central system."),
        };
    }

    private async Task<JsonObject> BootAsync(ChargerLink link, InboundCall call, JsonObject payload, CancellationToken ct)
    {
        await chargers.RecordAsync(call, call.ReceivedAt, ct, new ChargerBooted(call.ChargerId,
            Text(payload, "chargePointVendor"), Text(payload, "chargePointModel"),
            OptionalText(payload, "chargePointSerialNumber") ?? OptionalText(payload, "chargeBoxSerialNumber"),
            OptionalText(payload, "firmwareVersion"), BootReason.Unknown, call.ReceivedAt));
        if (link.Registered) localLists.SyncAfterBoot(link.ChargerId);
        return new JsonObject
        {
            ["status"] = link.Registered ? "Accepted" : "Pending",
            ["currentTime"] = Format(call.ReceivedAt),
            ["interval"] = options.HeartbeatIntervalSeconds,
        };
    }

    /// <summary>1.6 has no EVSE level: each connector is one EVSE with connector 1; connector 0 is the whole charger.</summary>
    private async Task<JsonObject> StatusAsync(ChargerLink link, InboundCall call, JsonObject payload, CancellationToken ct)
    {
        var connector = Integer(payload, "connectorId");
        var errorCode = Text(payload, "errorCode");
        await mediator.Send(new RecordConnectorStatus(link, call, new ReportConnectorStatus(call.ChargerId, connector, connector == 0 ? 0 : 1,
            Enum(Text(payload, "status"), ConnectorStatus.Unavailable), OcppFaultSignal.ErrorCode,
            errorCode == "NoError" ? null : errorCode, OptionalText(payload, "vendorErrorCode"), OptionalText(payload, "info"),
            Time(payload["timestamp"], call.ReceivedAt))), ct);
        return [];
    }

    private async Task<JsonObject> AuthorizeAsync(InboundCall call, JsonObject payload, CancellationToken ct)
    {
        var answer = await tokens.AuthoriseAsync(call.DriverToken!, call.ChargerId, call.ReceivedAt, ct);
        await chargers.RecordAsync(call, call.ReceivedAt, ct,
            new IdTokenAuthorisedV2(call.ChargerId, call.DriverToken!, answer.Authorisation.Outcome, call.ReceivedAt));
        return new JsonObject { ["idTagInfo"] = TokenAuthoriser.V16IdTagInfo(answer.Authorisation) };
    }

    private async Task<JsonObject> StartAsync(InboundCall call, JsonObject payload, CancellationToken ct)
    {
        // The charger has started already (a card it knew, or its local list); a refusal tells it to stop, and is recorded.
        var connector = Integer(payload, "connectorId");
        var answer = await tokens.AuthoriseAsync(call.DriverToken!, call.ChargerId, call.ReceivedAt, ct);
        var start = new SessionRecorder.StartRequest(connector, 1, call.DriverToken, payload["meterStart"]!.GetValue<long>(),
            Time(payload["timestamp"], call.ReceivedAt), answer.Authorisation, answer.RegisteredType ?? TokenType.Rfid);
        var transactionId = await sessions.StartAssigningIdAsync(call, start, ct);
        return new JsonObject
        {
            ["idTagInfo"] = TokenAuthoriser.V16IdTagInfo(answer.Authorisation),
            ["transactionId"] = int.Parse(transactionId, System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    private async Task<JsonObject> MeterValuesAsync(ChargerLink link, InboundCall call, JsonObject payload, CancellationToken ct)
    {
        var transactionId = payload["transactionId"]?.GetValue<int>().ToString(System.Globalization.CultureInfo.InvariantCulture);
        await sessions.RecordMeterValuesAsync(link, call, transactionId, Integer(payload, "connectorId"),
            Readings(payload["meterValue"] as JsonArray, call.ReceivedAt), ct);
        return [];
    }

    /// <summary>
    /// An unknown transaction is recorded and still answered normally: the charger must be able to
    /// delete it from its queue (OCPP 1.6 §4.10: the central system cannot refuse a StopTransaction).
    /// </summary>
    private async Task<JsonObject> StopAsync(ChargerLink link, InboundCall call, JsonObject payload, CancellationToken ct)
    {
        var transactionId = Integer(payload, "transactionId").ToString(System.Globalization.CultureInfo.InvariantCulture);
        var reason = Enum(OptionalText(payload, "reason") ?? "Local", StopReason.Other);
        var stoppedAt = Time(payload["timestamp"], call.ReceivedAt);
        await sessions.StopAsync(link, call, transactionId, payload["meterStop"]!.GetValue<long>(), reason, stoppedAt,
            Readings(payload["transactionData"] as JsonArray, stoppedAt), ct);
        return OptionalText(payload, "idTag") is null
            ? []
            : new JsonObject { ["idTagInfo"] = new JsonObject { ["status"] = "Accepted" } };
    }

    private async Task<JsonObject> DataTransferAsync(InboundCall call, JsonObject payload, CancellationToken ct)
    {
        await chargers.RecordAsync(call, call.ReceivedAt, ct, new DataTransferReceived(call.ChargerId, Text(payload, "vendorId"),
            OptionalText(payload, "messageId"), OptionalText(payload, "data"), call.ReceivedAt));
        return new JsonObject { ["status"] = "UnknownVendorId" };
    }
}
