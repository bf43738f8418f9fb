using System.Text.Json.Nodes;
using Settlement.Ocpp.Framing;

namespace Settlement.Workbench.Simulation;

/// <summary>
/// A charger's local authorisation list as the CSMS sends it (SendLocalList, both versions): the card statuses it
/// decides on while it cannot ask the CSMS, and the version it reports to GetLocalListVersion.
/// </summary>
public sealed class LocalAuthorisationList
{
    private readonly Lock _lock = new();
    private Dictionary<string, string> _statuses = [];

    public int Version { get; private set; }

    /// <summary>The card's status in the list (Accepted, Blocked, Expired, Invalid...); null when the list does not hold it.</summary>
    public string? StatusOf(string idToken)
    {
        lock (_lock) return _statuses.GetValueOrDefault(idToken);
    }

    /// <summary>
    /// Applies a SendLocalList and returns the status to answer with: a full list replaces the list, a differential
    /// one changes the cards it names (removing those without info); an update older than the list is VersionMismatch.
    /// </summary>
    public string Apply(OcppProtocol protocol, JsonObject payload)
    {
        var version = payload[protocol == OcppProtocol.Ocpp16 ? "listVersion" : "versionNumber"]!.GetValue<int>();
        var full = payload["updateType"]?.GetValue<string>() == "Full";
        lock (_lock)
        {
            if (!full && version <= Version) return "VersionMismatch";
            var statuses = full ? new Dictionary<string, string>() : new Dictionary<string, string>(_statuses);
            foreach (var entry in (payload["localAuthorizationList"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var (idToken, info) = protocol == OcppProtocol.Ocpp16
                    ? (entry["idTag"]!.GetValue<string>(), entry["idTagInfo"] as JsonObject)
                    : (entry["idToken"]!["idToken"]!.GetValue<string>(), entry["idTokenInfo"] as JsonObject);
                if (info?["status"]?.GetValue<string>() is { } status) statuses[idToken] = status;
                else statuses.Remove(idToken);
            }
            (_statuses, Version) = (statuses, version);
            return "Accepted";
        }
    }
}
