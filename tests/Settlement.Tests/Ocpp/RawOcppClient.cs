using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Settlement.Tests.Ocpp;

/// <summary>A bare OCPP-J client for what a strict client would refuse to send (malformed frames).</summary>
public sealed class RawOcppClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private int _nextId;

    public string? SubProtocol => _socket.SubProtocol;
    public WebSocketState State => _socket.State;
    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    public static async Task<RawOcppClient> ConnectAsync(Uri endpoint, string identity, string protocol, string? password = TestHost.Password,
        Action<ClientWebSocketOptions>? configure = null)
    {
        var client = new RawOcppClient();
        client._socket.Options.AddSubProtocol(protocol);
        configure?.Invoke(client._socket.Options);
        if (password is not null)
            client._socket.Options.SetRequestHeader("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{identity}:{password}")));
        await client._socket.ConnectAsync(new Uri(endpoint, identity), CancellationToken.None);
        return client;
    }

    public async Task<JsonArray> CallAsync(string action, JsonObject payload) =>
        JsonNode.Parse(await SendAsync(new JsonArray(2, $"m{++_nextId}", action, payload).ToJsonString()))!.AsArray();

    public async Task<string> SendAsync(string frame)
    {
        await _socket.SendAsync(Encoding.UTF8.GetBytes(frame), WebSocketMessageType.Text, true, CancellationToken.None);
        return await ReceiveAsync();
    }

    public async Task<string> ReceiveAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[64 * 1024];
        var text = new StringBuilder();
        WebSocketReceiveResult result;
        do
        {
            result = await _socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close) return "";
            text.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
        } while (!result.EndOfMessage);
        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        }
        catch (WebSocketException)
        {
            // The server already dropped the connection (e.g. after silence): nothing left to close.
        }
        _socket.Dispose();
    }
}
