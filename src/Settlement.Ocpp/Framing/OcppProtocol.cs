namespace Settlement.Ocpp.Framing;

/// <summary>The OCPP-J version negotiated for a connection through the WebSocket sub-protocol.</summary>
public enum OcppProtocol
{
    Ocpp16,
    Ocpp201,
}

public static class OcppProtocols
{
    private const string Ocpp16Name = "ocpp1.6";
    private const string Ocpp201Name = "ocpp2.0.1";

    /// <summary>
    /// The sub-protocol names we accept, most preferred first: a server picks the first of these that the
    /// charger offers in Sec-WebSocket-Protocol. 2.0.1 comes first because TransactionEvent numbers every
    /// event of a transaction (seqNo), so the ledger can tell a lost or resent message from a real one. 1.6's
    /// separate Start/Stop/MeterValues messages carry no such sequence.
    /// </summary>
    public static IReadOnlyList<string> Supported { get; } = [Ocpp201Name, Ocpp16Name];

    /// <summary>
    /// Maps a sub-protocol name to its version. Matching is exact (ordinal): OCPP-J registers the names in
    /// lower case and RFC 6455 compares sub-protocol tokens as opaque strings.
    /// </summary>
    public static bool TryParse(string? subProtocol, out OcppProtocol protocol)
    {
        switch (subProtocol)
        {
            case Ocpp16Name:
                protocol = OcppProtocol.Ocpp16;
                return true;
            case Ocpp201Name:
                protocol = OcppProtocol.Ocpp201;
                return true;
            default:
                protocol = default;
                return false;
        }
    }

    /// <summary>The WebSocket sub-protocol name of this version ("ocpp1.6" or "ocpp2.0.1").</summary>
    public static string SubProtocol(this OcppProtocol protocol) => protocol switch
    {
        OcppProtocol.Ocpp16 => Ocpp16Name,
        OcppProtocol.Ocpp201 => Ocpp201Name,
        _ => throw new ArgumentOutOfRangeException(nameof(protocol), protocol, "Unknown OCPP protocol."),
    };
}
