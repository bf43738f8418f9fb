using System.Globalization;
using System.Text.Json.Nodes;
using NodaTime;
using Settlement.Ocpp.Framing;

namespace Settlement.Workbench.Simulation;

/// <summary>What a charger can tell its answers from: which EVSE can take a session, which transactions run.</summary>
public interface IChargerState
{
    /// <summary>
    /// Reserves the EVSE for a remotely started session: the one asked for, or with none asked for the first free
    /// one. False when it is busy or does not exist.
    /// </summary>
    bool TryClaimEvse(int? requested, out int evseId);

    bool HasTransaction(string transactionId);

    /// <summary>Configuration values the charger reports (1.6 keys, 2.0.1 "Component/Variable" names).</summary>
    IReadOnlyDictionary<string, string> Settings { get; }

    /// <summary>The cards the CSMS told it about, for deciding while offline.</summary>
    LocalAuthorisationList LocalList { get; }

    /// <summary>
    /// Keeps the charging profile for the EVSE (0: every EVSE), replacing the one of its purpose; false when it cannot
    /// apply: no such EVSE, or a TxProfile for a transaction the EVSE is not running.
    /// </summary>
    bool SetChargingProfile(int evseId, SimulatedProfile profile);

    /// <summary>Forgets the profile of that id (null: every profile); false when it held none.</summary>
    bool ClearChargingProfile(int? profileId);

    /// <summary>A firmware update is under way (from its UpdateFirmware until it installed or failed); none by default.</summary>
    bool UpdatingFirmware => false;

    /// <summary>Some EVSE runs a transaction: a 2.0.1 OnIdle reset is then Scheduled rather than done at once. None by default.</summary>
    bool HasRunningSession => false;
}

/// <summary>What the charger does after answering: the answer goes out first, as OCPP requires.</summary>
public abstract record FollowUp;

public sealed record StartRemoteSession(int EvseId, string IdToken, int? RemoteStartId) : FollowUp;

public sealed record StopRemoteSession(string TransactionId) : FollowUp;

public sealed record SendTriggeredMessage(string Message, int? EvseId) : FollowUp;

/// <summary>
/// Download and install the firmware at <paramref name="Location"/> from <paramref name="RetrieveAt"/> on (at once when
/// past), reporting each step in a FirmwareStatusNotification that carries the 2.0.1 <paramref name="RequestId"/>.
/// </summary>
public sealed record InstallFirmware(Uri Location, Instant RetrieveAt, int? RequestId, bool Signed) : FollowUp;

/// <summary>Reboot as a Reset asked: soft (1.6 Soft, 2.0.1 OnIdle) or hard (1.6 Hard, 2.0.1 Immediate).</summary>
public sealed record RebootOnReset(bool Hard) : FollowUp;

/// <summary>ChangeAvailability: the EVSE (0: every EVSE) becomes Unavailable or Available, and says so.</summary>
public sealed record ChangeEvseAvailability(int EvseId, bool Operative) : FollowUp;

/// <summary>A CALLRESULT payload, or a CALLERROR code and description; and what to do next.</summary>
public sealed record ServerCallAnswer(JsonObject? Result, string? ErrorCode = null, string? ErrorDescription = null, FollowUp? Then = null);

/// <summary>
/// How a simulated charger answers the CSMS's CALLs, in both versions. Every answer is valid for the official
/// response schema (the tests check each one). Requests the simulator does not model get a CALLERROR
/// NotImplemented, which both versions define for "Requested Action is not known by receiver".
/// </summary>
public static class ServerCallAnswers
{
    public static ServerCallAnswer Answer(OcppProtocol protocol, OcppCall call, IChargerState charger)
    {
        var payload = call.Payload;
        return (protocol, call.Action) switch
        {
            (OcppProtocol.Ocpp16, "RemoteStartTransaction") => RemoteStart(charger, OptionalInt(payload, "connectorId"), Text(payload, "idTag"), null),
            (OcppProtocol.Ocpp201, "RequestStartTransaction") => RemoteStart(charger, OptionalInt(payload, "evseId"),
                Text(payload["idToken"] as JsonObject, "idToken"), OptionalInt(payload, "remoteStartId")),
            (OcppProtocol.Ocpp16, "RemoteStopTransaction") => RemoteStop(charger, OptionalInt(payload, "transactionId")?.ToString(CultureInfo.InvariantCulture)),
            (OcppProtocol.Ocpp201, "RequestStopTransaction") => RemoteStop(charger, payload["transactionId"]?.GetValue<string>()),
            (_, "TriggerMessage") => Trigger(payload, protocol),
            (OcppProtocol.Ocpp16, "GetConfiguration") => GetConfiguration(payload, charger),
            (OcppProtocol.Ocpp201, "GetVariables") => GetVariables(payload, charger),
            (OcppProtocol.Ocpp201, "SetVariables") => SetVariables(payload),
            (_, "UnlockConnector") => Status("Unlocked"),
            (_, "DataTransfer") => Status("UnknownVendorId"),
            (OcppProtocol.Ocpp16, "GetLocalListVersion") => new ServerCallAnswer(new JsonObject { ["listVersion"] = charger.LocalList.Version }),
            (OcppProtocol.Ocpp201, "GetLocalListVersion") => new ServerCallAnswer(new JsonObject { ["versionNumber"] = charger.LocalList.Version }),
            (_, "SendLocalList") => Status(charger.LocalList.Apply(protocol, payload)),
            (OcppProtocol.Ocpp201, "GetTransactionStatus") => new ServerCallAnswer(new JsonObject { ["messagesInQueue"] = false }),
            // Accepting a report request obliges the charger to send NotifyReport; it has nothing to report.
            (OcppProtocol.Ocpp201, "GetBaseReport" or "GetReport") => Status("EmptyResultSet"),
            (OcppProtocol.Ocpp16, "UpdateFirmware") => UpdateFirmware16(payload, charger),
            (OcppProtocol.Ocpp201, "UpdateFirmware") => UpdateFirmware201(payload, charger),
            (OcppProtocol.Ocpp16, "GetDiagnostics") => new ServerCallAnswer([]),
            (_, "GetCompositeSchedule") => Status("Rejected"),
            (_, "SetChargingProfile") => SetChargingProfile(protocol, payload, charger),
            (OcppProtocol.Ocpp16, "ClearChargingProfile") => Status(charger.ClearChargingProfile(OptionalInt(payload, "id")) ? "Accepted" : "Unknown"),
            (OcppProtocol.Ocpp201, "ClearChargingProfile") => Status(charger.ClearChargingProfile(OptionalInt(payload, "chargingProfileId")) ? "Accepted" : "Unknown"),
            (OcppProtocol.Ocpp16, "Reset") => new ServerCallAnswer(Accepted(), Then: new RebootOnReset(Text(payload, "type") == "Hard")),
            (OcppProtocol.Ocpp201, "Reset") => Reset201(payload, charger),
            (OcppProtocol.Ocpp16, "ChangeAvailability") => new ServerCallAnswer(Accepted(),
                Then: new ChangeEvseAvailability(OptionalInt(payload, "connectorId") ?? 0, Text(payload, "type") == "Operative")),
            (OcppProtocol.Ocpp201, "ChangeAvailability") => new ServerCallAnswer(Accepted(),
                Then: new ChangeEvseAvailability(OptionalInt(payload["evse"] as JsonObject, "id") ?? 0, Text(payload, "operationalStatus") == "Operative")),
            (_, "ChangeConfiguration" or "ClearCache" or "ReserveNow" or "CancelReservation") => Status("Accepted"),
            _ => new ServerCallAnswer(null, OcppErrorCodes.NotImplemented, $"the simulator does not implement {call.Action}"),
        };
    }

    private static ServerCallAnswer RemoteStart(IChargerState charger, int? evse, string idToken, int? remoteStartId) =>
        charger.TryClaimEvse(evse, out var claimed)
            ? new ServerCallAnswer(Accepted(), Then: new StartRemoteSession(claimed, idToken, remoteStartId))
            : Status("Rejected");

    private static ServerCallAnswer RemoteStop(IChargerState charger, string? transactionId) =>
        transactionId is not null && charger.HasTransaction(transactionId)
            ? new ServerCallAnswer(Accepted(), Then: new StopRemoteSession(transactionId))
            : Status("Rejected");

    /// <summary>
    /// 1.6 answers UpdateFirmware with an empty payload whatever happens next, so a location it cannot read is simply
    /// never downloaded; while another update runs the new one is ignored.
    /// </summary>
    private static ServerCallAnswer UpdateFirmware16(JsonObject payload, IChargerState charger) =>
        !charger.UpdatingFirmware && FirmwareLocation(Text(payload, "location")) is { } location
            ? new ServerCallAnswer([], Then: new InstallFirmware(location, RetrieveAt(payload["retrieveDate"]), null, Signed: false))
            : new ServerCallAnswer([]);

    /// <summary>
    /// 2.0.1: Rejected while another update runs or for a location it cannot read; InvalidCertificate for a signing
    /// certificate that is not PEM; otherwise Accepted, with the signature checked after the download.
    /// </summary>
    private static ServerCallAnswer UpdateFirmware201(JsonObject payload, IChargerState charger)
    {
        var firmware = payload["firmware"] as JsonObject;
        if (charger.UpdatingFirmware || FirmwareLocation(Text(firmware, "location")) is not { } location) return Status("Rejected");
        if (firmware!["signingCertificate"]?.GetValue<string>() is { } certificate && !certificate.StartsWith("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
            return Status("InvalidCertificate");
        return new ServerCallAnswer(Accepted(), Then: new InstallFirmware(location, RetrieveAt(firmware["retrieveDateTime"]),
            OptionalInt(payload, "requestId"), Signed: firmware["signature"] is not null));
    }

    /// <summary>
    /// Immediate reboots at once; OnIdle waits for running transactions to end (Scheduled). A reset of one EVSE is
    /// Rejected: the simulator reboots as a whole.
    /// </summary>
    private static ServerCallAnswer Reset201(JsonObject payload, IChargerState charger)
    {
        if (payload["evseId"] is not null) return Status("Rejected");
        var hard = Text(payload, "type") == "Immediate";
        return new ServerCallAnswer(Status(!hard && charger.HasRunningSession ? "Scheduled" : "Accepted").Result, Then: new RebootOnReset(hard));
    }

    private static Uri? FirmwareLocation(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var location) && location.AbsolutePath.Length > 1 ? location : null;

    private static Instant RetrieveAt(JsonNode? value) =>
        value?.GetValue<string>() is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? Instant.FromDateTimeOffset(at)
            : SystemClock.Instance.GetCurrentInstant();

    private static ServerCallAnswer SetChargingProfile(OcppProtocol protocol, JsonObject payload, IChargerState charger) =>
        SimulatedProfile.Read(protocol, payload, SystemClock.Instance.GetCurrentInstant(), out var evseId) is { } profile
        && charger.SetChargingProfile(evseId, profile)
            ? Status("Accepted")
            : Status("Rejected");

    private static ServerCallAnswer Trigger(JsonObject payload, OcppProtocol protocol)
    {
        var message = Text(payload, "requestedMessage");
        var evse = protocol == OcppProtocol.Ocpp16 ? OptionalInt(payload, "connectorId") : OptionalInt(payload["evse"] as JsonObject, "id");
        return message is "BootNotification" or "Heartbeat" or "StatusNotification"
            ? new ServerCallAnswer(Accepted(), Then: new SendTriggeredMessage(message, evse))
            : Status("NotImplemented");
    }

    private static ServerCallAnswer GetConfiguration(JsonObject payload, IChargerState charger)
    {
        var asked = (payload["key"] as JsonArray)?.Select(k => k!.GetValue<string>()).ToList();
        var known = new JsonArray();
        foreach (var (key, value) in charger.Settings.Where(s => !s.Key.Contains('/') && (asked is null || asked.Contains(s.Key))))
            known.Add(new JsonObject { ["key"] = key, ["readonly"] = false, ["value"] = value });
        var result = new JsonObject { ["configurationKey"] = known };
        var unknown = asked?.Where(k => !charger.Settings.ContainsKey(k)).ToList() ?? [];
        if (unknown.Count > 0) result["unknownKey"] = new JsonArray([.. unknown.Select(k => (JsonNode)k)]);
        return new ServerCallAnswer(result);
    }

    private static ServerCallAnswer GetVariables(JsonObject payload, IChargerState charger)
    {
        var results = new JsonArray();
        foreach (var request in payload["getVariableData"]!.AsArray().OfType<JsonObject>())
        {
            var (component, variable) = (request["component"]!.AsObject(), request["variable"]!.AsObject());
            var name = $"{Text(component, "name")}/{Text(variable, "name")}";
            var result = new JsonObject
            {
                ["attributeStatus"] = charger.Settings.ContainsKey(name) ? "Accepted" : "UnknownVariable",
                ["component"] = component.DeepClone(),
                ["variable"] = variable.DeepClone(),
            };
            if (charger.Settings.TryGetValue(name, out var value)) result["attributeValue"] = value;
            results.Add(result);
        }
        return new ServerCallAnswer(new JsonObject { ["getVariableResult"] = results });
    }

    private static ServerCallAnswer SetVariables(JsonObject payload) => new(new JsonObject
    {
        ["setVariableResult"] = new JsonArray([.. payload["setVariableData"]!.AsArray().OfType<JsonObject>().Select(request => (JsonNode)new JsonObject
        {
            ["attributeStatus"] = "Accepted",
            ["component"] = request["component"]!.DeepClone(),
            ["variable"] = request["variable"]!.DeepClone(),
        })]),
    });

    private static ServerCallAnswer Status(string status) => new(new JsonObject { ["status"] = status });

    private static JsonObject Accepted() => new() { ["status"] = "Accepted" };

    private static string Text(JsonObject? payload, string name) => payload?[name]?.GetValue<string>() ?? "";

    private static int? OptionalInt(JsonObject? payload, string name) => payload?[name]?.GetValue<int>();
}
