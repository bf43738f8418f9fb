using System.Globalization;
using System.Text.Json.Nodes;
using NodaTime;
using NodaTime.Text;
using Settlement.Ocpp.Framing;

namespace Settlement.Workbench.Simulation;

/// <summary>
/// The CALL payloads a charger sends, in each version's shape. Field lengths follow the official schemas
/// (e.g. 1.6 chargePointVendor ≤ 20, idTag ≤ 20; 2.0.1 transactionId ≤ 36).
/// </summary>
internal static class OcppMessages
{
    public static string Time(Instant at) => InstantPattern.ExtendedIso.Format(at);

    /// <param name="reason">2.0.1 BootReasonEnumType (PowerUp, RemoteReset, FirmwareUpdate, ...); 1.6 sends none.</param>
    public static JsonObject Boot(OcppProtocol protocol, ChargerDefinition charger, string firmwareVersion, string reason = "PowerUp") => protocol == OcppProtocol.Ocpp16
        ? new JsonObject
        {
            ["chargePointVendor"] = Cut(charger.Vendor, 20),
            ["chargePointModel"] = Cut(charger.Model, 20),
            ["chargePointSerialNumber"] = Serial(charger.Id),
            ["firmwareVersion"] = Cut(firmwareVersion, 50),
        }
        : new JsonObject
        {
            ["reason"] = reason,
            ["chargingStation"] = new JsonObject
            {
                ["model"] = Cut(charger.Model, 20),
                ["vendorName"] = Cut(charger.Vendor, 50),
                ["serialNumber"] = Serial(charger.Id),
                ["firmwareVersion"] = Cut(firmwareVersion, 50),
            },
        };

    /// <summary>
    /// 1.6 statuses (Available, Preparing, Charging, Finishing, Unavailable, Faulted); 2.0.1 keeps Available, Unavailable
    /// and Faulted and calls the others Occupied. A 1.6 fault names its <paramref name="errorCode"/>; 2.0.1 has none.
    /// </summary>
    public static JsonObject Status(OcppProtocol protocol, int evseId, string status16, Instant at, string errorCode = "NoError") => protocol == OcppProtocol.Ocpp16
        ? new JsonObject { ["connectorId"] = evseId, ["errorCode"] = errorCode, ["status"] = status16, ["timestamp"] = Time(at) }
        : new JsonObject
        {
            ["timestamp"] = Time(at),
            ["connectorStatus"] = status16 is "Available" or "Unavailable" or "Faulted" ? status16 : "Occupied",
            ["evseId"] = evseId,
            ["connectorId"] = 1,
        };

    /// <summary>2.0.1 names the UpdateFirmware it reports on by its requestId; 1.6 has one update at a time.</summary>
    public static JsonObject FirmwareStatus(string status, int? requestId)
    {
        var payload = new JsonObject { ["status"] = status };
        if (requestId is { } id) payload["requestId"] = id;
        return payload;
    }

    public static JsonObject Authorize(OcppProtocol protocol, string idToken) => protocol == OcppProtocol.Ocpp16
        ? new JsonObject { ["idTag"] = idToken }
        : new JsonObject { ["idToken"] = IdToken(idToken, "ISO14443") };

    public static JsonObject StartTransaction(int evseId, string idTag, long meterStartWh, Instant at) => new()
    {
        ["connectorId"] = evseId,
        ["idTag"] = idTag,
        ["meterStart"] = meterStartWh,
        ["timestamp"] = Time(at),
    };

    public static JsonObject MeterValues(int evseId, string transactionId, MeterSample sample) => new()
    {
        ["connectorId"] = evseId,
        ["transactionId"] = int.Parse(transactionId, CultureInfo.InvariantCulture),
        ["meterValue"] = new JsonArray(MeterValue(OcppProtocol.Ocpp16, sample)),
    };

    public static JsonObject StopTransaction(SimulatedSession session, MeterSample final, string reason) => new()
    {
        ["idTag"] = session.IdToken,
        ["meterStop"] = final.EnergyWh,
        ["timestamp"] = Time(final.TakenAt),
        ["transactionId"] = int.Parse(session.TransactionId, CultureInfo.InvariantCulture),
        ["reason"] = reason,
        ["transactionData"] = new JsonArray(MeterValue(OcppProtocol.Ocpp16, final)),
    };

    /// <summary>2.0.1 TransactionEvent: Started (with the id token), Updated, or Ended (with the stop reason).</summary>
    public static JsonObject TransactionEvent(
        string eventType, string triggerReason, SimulatedSession session, MeterSample sample,
        string chargingState, int? remoteStartId = null, string? stoppedReason = null)
    {
        var info = new JsonObject { ["transactionId"] = session.TransactionId, ["chargingState"] = chargingState };
        if (stoppedReason is not null) info["stoppedReason"] = stoppedReason;
        if (remoteStartId is { } remote) info["remoteStartId"] = remote;
        var payload = new JsonObject
        {
            ["eventType"] = eventType,
            ["timestamp"] = Time(sample.TakenAt),
            ["triggerReason"] = triggerReason,
            ["seqNo"] = session.SeqNo,
            ["transactionInfo"] = info,
            ["evse"] = new JsonObject { ["id"] = session.EvseId, ["connectorId"] = 1 },
            ["meterValue"] = new JsonArray(MeterValue(OcppProtocol.Ocpp201, sample)),
        };
        if (eventType == "Started")
            payload["idToken"] = IdToken(session.IdToken, remoteStartId is null ? "ISO14443" : "Central");
        return payload;
    }

    /// <summary>
    /// The energy register, and while charging the power and the car's state of charge. 1.6 sends values as
    /// decimal strings with a "unit"; 2.0.1 as numbers with a "unitOfMeasure".
    /// </summary>
    private static JsonObject MeterValue(OcppProtocol protocol, MeterSample sample)
    {
        var values = new JsonArray(Sampled(protocol, sample.EnergyWh, "Energy.Active.Import.Register", "Wh", "Outlet", sample.Context));
        if (sample.Context is "Sample.Periodic")
        {
            values.Add(Sampled(protocol, sample.PowerW, "Power.Active.Import", "W", "Outlet", sample.Context));
            values.Add(Sampled(protocol, sample.StateOfChargePercent, "SoC", "Percent", "EV", sample.Context));
            foreach (var phase in new[] { "L1", "L2", "L3" }.Take(sample.Phases))
            {
                var current = Sampled(protocol, 0, "Current.Import", "A", "Outlet", sample.Context);
                current["value"] = protocol == OcppProtocol.Ocpp16 ? sample.CurrentPerPhase.ToString(CultureInfo.InvariantCulture) : sample.CurrentPerPhase;
                current["phase"] = phase;
                values.Add(current);
            }
        }
        return new JsonObject { ["timestamp"] = Time(sample.TakenAt), ["sampledValue"] = values };
    }

    private static JsonObject Sampled(OcppProtocol protocol, long value, string measurand, string unit, string location, string context) =>
        protocol == OcppProtocol.Ocpp16
            ? new JsonObject
            {
                ["value"] = value.ToString(CultureInfo.InvariantCulture),
                ["context"] = context,
                ["measurand"] = measurand,
                ["location"] = location,
                ["unit"] = unit,
            }
            : new JsonObject
            {
                ["value"] = value,
                ["context"] = context,
                ["measurand"] = measurand,
                ["location"] = location,
                ["unitOfMeasure"] = new JsonObject { ["unit"] = unit },
            };

    private static JsonObject IdToken(string idToken, string type) => new() { ["idToken"] = idToken, ["type"] = type };

    private static string Serial(string chargerId) => Cut($"SIM-{chargerId}", 25);

    private static string Cut(string text, int maxLength) => text.Length <= maxLength ? text : text[..maxLength];
}
