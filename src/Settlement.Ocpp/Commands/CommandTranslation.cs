using System.Text.Json.Nodes;
using NodaTime.Text;
using Settlement.Ocpp.Framing;

namespace Settlement.Ocpp.Commands;

/// <summary>The same command in each protocol's words: 1.6 and 2.0.1 name and shape most of them differently.</summary>
public static class CommandTranslation
{
    public static (string Action, JsonObject Payload) For(ChargerCommand command, OcppProtocol protocol) =>
        protocol == OcppProtocol.Ocpp16 ? Ocpp16(command) : Ocpp201(command);

    private static (string, JsonObject) Ocpp16(ChargerCommand command) => command switch
    {
        RemoteStart c => ("RemoteStartTransaction", new JsonObject { ["connectorId"] = c.EvseId, ["idTag"] = c.IdToken }),
        RemoteStop c => ("RemoteStopTransaction", new JsonObject { ["transactionId"] = IntegerTransactionId(c.TransactionId) }),
        Reset c => ("Reset", new JsonObject { ["type"] = c.Kind.ToString() }),
        ChangeAvailability c => ("ChangeAvailability", new JsonObject { ["connectorId"] = c.EvseId, ["type"] = c.Operative ? "Operative" : "Inoperative" }),
        UnlockConnector c => ("UnlockConnector", new JsonObject { ["connectorId"] = c.EvseId }),
        SetChargingProfile c => ("SetChargingProfile", new JsonObject { ["connectorId"] = c.EvseId, ["csChargingProfiles"] = c.Profile.DeepClone() }),
        ClearChargingProfile c => ("ClearChargingProfile", c.ProfileId is { } id ? new JsonObject { ["id"] = id } : []),
        TriggerMessage c => ("TriggerMessage", WithOptional(new JsonObject { ["requestedMessage"] = c.Message }, "connectorId", c.EvseId)),
        GetSettings c => ("GetConfiguration", c.Keys.Count == 0 ? [] : new JsonObject { ["key"] = new JsonArray([.. c.Keys.Select(k => (JsonNode)k)]) }),
        ChangeSetting c => ("ChangeConfiguration", new JsonObject { ["key"] = c.Key, ["value"] = c.Value }),
        UpdateFirmware c => ("UpdateFirmware", WithOptional(WithOptional(
            new JsonObject { ["location"] = c.Location.ToString(), ["retrieveDate"] = InstantPattern.ExtendedIso.Format(c.RetrieveAt) },
            "retries", c.Retries), "retryInterval", c.RetryIntervalSeconds)),
        _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "no OCPP 1.6 translation"),
    };

    private static (string, JsonObject) Ocpp201(ChargerCommand command) => command switch
    {
        RemoteStart c => ("RequestStartTransaction", new JsonObject
        {
            ["idToken"] = new JsonObject { ["idToken"] = c.IdToken, ["type"] = "Central" },
            ["remoteStartId"] = RemoteStartId(),
            ["evseId"] = c.EvseId,
        }),
        RemoteStop c => ("RequestStopTransaction", new JsonObject { ["transactionId"] = c.TransactionId }),
        Reset c => ("Reset", new JsonObject { ["type"] = c.Kind == ResetKind.Hard ? "Immediate" : "OnIdle" }),
        ChangeAvailability c => ("ChangeAvailability", WithEvse(new JsonObject { ["operationalStatus"] = c.Operative ? "Operative" : "Inoperative" }, c.EvseId)),
        UnlockConnector c => ("UnlockConnector", new JsonObject { ["evseId"] = c.EvseId, ["connectorId"] = c.ConnectorId }),
        SetChargingProfile c => ("SetChargingProfile", new JsonObject { ["evseId"] = c.EvseId, ["chargingProfile"] = c.Profile.DeepClone() }),
        ClearChargingProfile c => ("ClearChargingProfile", c.ProfileId is { } id ? new JsonObject { ["chargingProfileId"] = id } : []),
        TriggerMessage c => ("TriggerMessage", c.EvseId is { } evse
            ? new JsonObject { ["requestedMessage"] = c.Message, ["evse"] = new JsonObject { ["id"] = evse } }
            : new JsonObject { ["requestedMessage"] = c.Message }),
        GetSettings c => ("GetVariables", new JsonObject { ["getVariableData"] = new JsonArray([.. c.Keys.Select(k => (JsonNode)ComponentVariable(k))]) }),
        ChangeSetting c => ("SetVariables", new JsonObject
        {
            ["setVariableData"] = new JsonArray(ComponentVariable(c.Key, new JsonObject { ["attributeValue"] = c.Value })),
        }),
        UpdateFirmware c => ("UpdateFirmware", WithOptional(WithOptional(new JsonObject
        {
            ["requestId"] = RemoteStartId(),
            ["firmware"] = WithOptional(WithOptional(
                new JsonObject { ["location"] = c.Location.ToString(), ["retrieveDateTime"] = InstantPattern.ExtendedIso.Format(c.RetrieveAt) },
                "signingCertificate", c.SigningCertificate), "signature", c.Signature),
        }, "retries", c.Retries), "retryInterval", c.RetryIntervalSeconds)),
        _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "no OCPP 2.0.1 translation"),
    };

    private static int IntegerTransactionId(string transactionId) =>
        int.TryParse(transactionId, out var id)
            ? id
            : throw new ArgumentException($"OCPP 1.6 transaction ids are integers, not '{transactionId}'.");

    // Identifies the request in later TransactionEvents; unique enough per charger for correlation.
    private static int RemoteStartId() => Random.Shared.Next(1, int.MaxValue);

    private static JsonObject ComponentVariable(string key, JsonObject? into = null)
    {
        var parts = key.Split('/', 2);
        if (parts.Length != 2 || parts.Any(string.IsNullOrWhiteSpace))
            throw new ArgumentException($"OCPP 2.0.1 settings are named Component/Variable (e.g. OCPPCommCtrlr/HeartbeatInterval), not '{key}'.");
        var result = into ?? [];
        result["component"] = new JsonObject { ["name"] = parts[0] };
        result["variable"] = new JsonObject { ["name"] = parts[1] };
        return result;
    }

    private static JsonObject WithOptional(JsonObject payload, string name, int? value)
    {
        if (value is { } v) payload[name] = v;
        return payload;
    }

    private static JsonObject WithOptional(JsonObject payload, string name, string? value)
    {
        if (value is not null) payload[name] = value;
        return payload;
    }

    private static JsonObject WithEvse(JsonObject payload, int evseId)
    {
        if (evseId > 0) payload["evse"] = new JsonObject { ["id"] = evseId };
        return payload;
    }
}
