using System.Text.Json;
using System.Text.Json.Nodes;
using Mediator;
using Settlement.Domain.Chargers;
using Settlement.Domain.Sessions;
using Settlement.Ocpp.Framing;
using Settlement.Ocpp.Handling;
using static Settlement.Ocpp.Handling.OcppValues;

namespace Settlement.Ocpp.V201;

/// <summary>OCPP 2.0.1 messages a charging station sends to the CSMS.</summary>
public sealed class V201Handler(ChargerLedger chargers, SessionRecorder sessions, TokenAuthoriser tokens, Commands.LocalLists localLists, IMediator mediator, OcppOptions options) : IProtocolHandler
{
    public async Task<JsonObject> HandleAsync(ChargerLink link, InboundCall call, JsonObject payload, CancellationToken ct)
    {
        return call.Action switch
        {
            "BootNotification" => await BootAsync(link, call, payload, ct),
            "Heartbeat" => new JsonObject { ["currentTime"] = Format(call.ReceivedAt) },
            "StatusNotification" => await StatusAsync(link, call, payload, ct),
            "Authorize" => await AuthorizeAsync(call, payload, ct),
            "TransactionEvent" => await TransactionEventAsync(link, call, payload, ct),
            "MeterValues" => await MeterValuesAsync(link, call, payload, ct),
            "NotifyEvent" => await NotifyEventAsync(call, payload, ct),
            "FirmwareStatusNotification" => await chargers.RecordAndAcknowledgeAsync(call, ct,
                new FirmwareStatusReported(call.ChargerId, Enum(Text(payload, "status"), FirmwareStatus.Idle), null, call.ReceivedAt)),
            "SecurityEventNotification" => await chargers.RecordAndAcknowledgeAsync(call, ct, new SecurityEventReported(call.ChargerId, Text(payload, "type"),
                OptionalText(payload, "techInfo"), Time(payload["timestamp"], call.ReceivedAt))),
            "NotifyReport" => await chargers.RecordAndAcknowledgeAsync(call, ct, new ChargerReportReceived(call.ChargerId, Integer(payload, "requestId"),
                Integer(payload, "seqNo"), payload["tbc"]?.GetValue<bool>() ?? false,
                payload["reportData"]?.ToJsonString() ?? "[]", Time(payload["generatedAt"], call.ReceivedAt))),
            _ => throw new OcppCallException(OcppErrorCodes.NotSupported, $"{call.Action} is not a message a charging station sends to the CSMS."),
        };
    }

    private async Task<JsonObject> BootAsync(ChargerLink link, InboundCall call, JsonObject payload, CancellationToken ct)
    {
        var station = payload["chargingStation"]!.AsObject();
        await chargers.RecordAsync(call, call.ReceivedAt, ct, new ChargerBooted(call.ChargerId,
            Text(station, "vendorName"), Text(station, "model"), OptionalText(station, "serialNumber"),
            OptionalText(station, "firmwareVersion"), Enum(Text(payload, "reason"), BootReason.Unknown), call.ReceivedAt));
        if (link.Registered) localLists.SyncAfterBoot(link.ChargerId);
        return new JsonObject
        {
            ["currentTime"] = Format(call.ReceivedAt),
            ["interval"] = options.HeartbeatIntervalSeconds,
            ["status"] = link.Registered ? "Accepted" : "Pending",
        };
    }

    private async Task<JsonObject> StatusAsync(ChargerLink link, InboundCall call, JsonObject payload, CancellationToken ct)
    {
        await mediator.Send(new RecordConnectorStatus(link, call, new ReportConnectorStatus(call.ChargerId,
            Integer(payload, "evseId"), Integer(payload, "connectorId"), Enum(Text(payload, "connectorStatus"), ConnectorStatus.Unavailable),
            OcppFaultSignal.FaultedStatus, null, null, null, Time(payload["timestamp"], call.ReceivedAt))), ct);
        return [];
    }

    private async Task<JsonObject> AuthorizeAsync(InboundCall call, JsonObject payload, CancellationToken ct)
    {
        var answer = await tokens.AuthoriseAsync(call.DriverToken!, call.ChargerId, call.ReceivedAt, ct);
        await chargers.RecordAsync(call, call.ReceivedAt, ct,
            new IdTokenAuthorisedV2(call.ChargerId, call.DriverToken!, answer.Authorisation.Outcome, call.ReceivedAt));
        return new JsonObject { ["idTokenInfo"] = TokenAuthoriser.V201IdTokenInfo(answer.Authorisation) };
    }

    /// <summary>
    /// Started / Updated / Ended, each with the transaction's seqNo. Duplicates (a queue resent after a
    /// reconnect) fold to nothing new; a seqNo that skips ahead is recorded as a gap.
    /// </summary>
    private async Task<JsonObject> TransactionEventAsync(ChargerLink link, InboundCall call, JsonObject payload, CancellationToken ct)
    {
        var info = payload["transactionInfo"]!.AsObject();
        var transactionId = Text(info, "transactionId");
        var at = Time(payload["timestamp"], call.ReceivedAt);
        var readings = Readings(payload["meterValue"] as JsonArray, at);
        var evse = payload["evse"] as JsonObject;
        var idToken = payload["idToken"] as JsonObject;
        var seqNo = Integer(payload, "seqNo");

        var answer = call.DriverToken is { } token ? await tokens.AuthoriseAsync(token, call.ChargerId, call.ReceivedAt, ct) : null;
        var tokenType = answer?.RegisteredType ?? TokenTypeOf(idToken);
        var sessionId = await sessions.FindSessionAsync(link, transactionId, ct);
        if (sessionId is null && Text(payload, "eventType") != "Ended")
        {
            var meterStart = readings.Count == 0 ? 0 : readings.Min(r => r.EnergyWh);
            sessionId = await sessions.StartAsync(call, transactionId, new SessionRecorder.StartRequest(
                evse?["id"]?.GetValue<int>() ?? 1, evse?["connectorId"]?.GetValue<int>() ?? 1, call.DriverToken, meterStart, at,
                answer?.Authorisation, tokenType), ct);
        }
        else if (sessionId is not null && answer is not null)
            await sessions.RecordLateAuthorisationAsync(call, sessionId, evse?["id"]?.GetValue<int>() ?? 1, call.DriverToken!, tokenType, answer.Authorisation, ct);
        if (sessionId is not null)
        {
            await RecordSequenceAsync(link, call, sessionId, seqNo, ct);
            await sessions.RecordMeterValuesAsync(link, call, transactionId, evse?["id"]?.GetValue<int>() ?? 0, readings, ct);
        }
        if (Text(payload, "eventType") == "Ended")
        {
            var (state, _) = sessionId is null ? (Session.Initial, []) : await sessions.LoadAsync(sessionId, ct);
            var meterStop = readings.Count > 0 ? readings.Max(r => r.EnergyWh) : state.RegisterWh;
            var reason = Enum(OptionalText(info, "stoppedReason") ?? "Local", StopReason.Other);
            await sessions.StopAsync(link, call, transactionId, meterStop, reason, at, readings, ct);
        }
        return answer is null ? [] : new JsonObject { ["idTokenInfo"] = TokenAuthoriser.V201IdTokenInfo(answer.Authorisation) };
    }

    /// <summary>An unregistered token's kind, from the IdTokenEnumType the charger names.</summary>
    private static TokenType TokenTypeOf(JsonObject? idToken) => OptionalText(idToken, "type") switch
    {
        "eMAID" => TokenType.Emaid,
        "Central" => TokenType.App,
        "Local" => TokenType.Local,
        _ => TokenType.Rfid,
    };

    private async Task RecordSequenceAsync(ChargerLink link, InboundCall call, string sessionId, int seqNo, CancellationToken ct)
    {
        if (!link.LastSeqNo.TryGetValue(sessionId, out var last))
            last = await LastRecordedSeqNoAsync(sessionId, ct) ?? seqNo - 1;
        if (seqNo > last + 1)
            await sessions.RecordSequenceGapAsync(call, sessionId, last + 1, seqNo, ct);
        link.LastSeqNo[sessionId] = Math.Max(last, seqNo);
    }

    /// <summary>After a reconnect the last seqNo is read back from the frames kept with the session's events.</summary>
    private async Task<int?> LastRecordedSeqNoAsync(string sessionId, CancellationToken ct)
    {
        var (_, events) = await sessions.LoadAsync(sessionId, ct);
        int? last = null;
        var drivers = chargers.Ledger.Drivers;
        foreach (var metadata in events.Select(e => e.Metadata).DistinctBy(m => m.CausationId))
        {
            // A frame of an erased driver is unreadable; its seqNo is then taken as the one just received.
            var source = metadata.SourceMessage
                         ?? (metadata.SealedSourceMessage is { } sealedFrame ? await drivers.UnsealAsync(sealedFrame, ct) : null);
            if (source is null) continue;
            using var frame = JsonDocument.Parse(source);
            if (frame.RootElement.GetArrayLength() == 4 && frame.RootElement[2].GetString() == "TransactionEvent"
                && frame.RootElement[3].TryGetProperty("seqNo", out var recorded))
                last = Math.Max(last ?? int.MinValue, recorded.GetInt32());
        }
        return last;
    }

    private async Task<JsonObject> MeterValuesAsync(ChargerLink link, InboundCall call, JsonObject payload, CancellationToken ct)
    {
        await sessions.RecordMeterValuesAsync(link, call, null, Integer(payload, "evseId"), Readings(payload["meterValue"] as JsonArray, call.ReceivedAt), ct);
        return [];
    }

    private async Task<JsonObject> NotifyEventAsync(InboundCall call, JsonObject payload, CancellationToken ct)
    {
        var events = payload["eventData"]!.AsArray().OfType<JsonObject>().Select(e => new ComponentEvent(
            Integer(e, "eventId"), Time(e["timestamp"], call.ReceivedAt), Text(e, "trigger"),
            Text(e["component"]!.AsObject(), "name"), Text(e["variable"]!.AsObject(), "name"), Text(e, "actualValue"),
            OptionalText(e, "techCode"), e["cleared"]?.GetValue<bool>() ?? false)).ToList();
        return await chargers.RecordAndAcknowledgeAsync(call, ct, new ComponentEventsReported(call.ChargerId, events, Time(payload["generatedAt"], call.ReceivedAt)));
    }
}
