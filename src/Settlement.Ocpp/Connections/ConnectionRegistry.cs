using System.Collections.Concurrent;

namespace Settlement.Ocpp.Connections;

/// <summary>The live connection of each charger: commands find their charger here.</summary>
public sealed class ConnectionRegistry
{
    private readonly ConcurrentDictionary<string, ChargerConnection> _connections = new();

    public int Count => _connections.Count;

    public IEnumerable<ChargerConnection> All => _connections.Values;

    public ChargerConnection? Find(string chargerId) => _connections.GetValueOrDefault(chargerId);

    /// <summary>A charger that reconnects while its old socket still looks open replaces it.</summary>
    public ChargerConnection? Register(ChargerConnection connection)
    {
        ChargerConnection? previous = null;
        _connections.AddOrUpdate(connection.Link.ChargerId, connection, (_, old) =>
        {
            previous = old;
            return connection;
        });
        return previous;
    }

    public void Remove(ChargerConnection connection) =>
        _connections.TryRemove(new KeyValuePair<string, ChargerConnection>(connection.Link.ChargerId, connection));
}
