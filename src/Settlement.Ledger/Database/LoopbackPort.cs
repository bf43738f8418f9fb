using System.Net;
using System.Net.Sockets;

namespace Settlement.Ledger.Database;

public static class LoopbackPort
{
    /// <summary>A port nobody listens on right now, found by letting the OS pick one and releasing it.</summary>
    public static int Free()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try { return ((IPEndPoint)listener.LocalEndpoint).Port; }
        finally { listener.Stop(); }
    }
}
