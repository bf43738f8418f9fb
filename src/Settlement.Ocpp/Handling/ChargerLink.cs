using System.Text.Json.Nodes;
using Settlement.Domain.Chargers;
using Settlement.Ocpp.Framing;

namespace Settlement.Ocpp.Handling;

/// <summary>What the handlers know about the charger on the other end of one connection.</summary>
public sealed class ChargerLink(string chargerId, OcppProtocol protocol, bool registered)
{
    public string ChargerId { get; } = chargerId;
    public OcppProtocol Protocol { get; } = protocol;

    /// <summary>Unregistered chargers are accepted as Pending: they may boot and heartbeat, nothing else.</summary>
    public bool Registered { get; } = registered;

    /// <summary>Which connectors this connection last recorded as faulted, to record when a fault clears.</summary>
    public ConnectorFaults Faults { get; set; } = ConnectorFaults.None;

    /// <summary>The last 2.0.1 TransactionEvent seqNo seen per session.</summary>
    public Dictionary<string, int> LastSeqNo { get; } = [];

    /// <summary>
    /// Each open session's folded state and stream version as this connection last wrote it, so a
    /// MeterValues costs one append instead of re-reading the session. A stale entry is caught by the
    /// append's expected version and re-read.
    /// </summary>
    public Dictionary<string, (Domain.Sessions.Session State, long Version)> Sessions { get; } = [];

    /// <summary>Which session each of this charger's transaction ids names.</summary>
    public Dictionary<string, string> SessionsByTransaction { get; } = [];
}

public interface IProtocolHandler
{
    /// <summary>Records what the CALL reports and returns the CALLRESULT payload, only once it is committed.</summary>
    /// <exception cref="OcppCallException">The CALL is answered with a CALLERROR.</exception>
    Task<JsonObject> HandleAsync(ChargerLink link, InboundCall call, JsonObject payload, CancellationToken ct);
}
