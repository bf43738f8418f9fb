using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace Settlement.Tests.Ocpp.Client;

/// <summary>
/// tests/ocpp-client/fake-csms.js (ocpp-rpc's own RPCServer, strict, on a free port) for proving the harness
/// without our endpoint. See the script's header for the behaviour the self-tests rely on.
/// </summary>
public sealed class FakeCsms : IAsyncLifetime
{
    public const string Password = "s3cret";

    readonly ConcurrentQueue<string> stderr = new();
    Process? process;

    public int Port { get; private set; }

    public string Endpoint => $"ws://127.0.0.1:{Port}/ocpp";

    public string Stderr => string.Join(Environment.NewLine, stderr);

    public async Task InitializeAsync()
    {
        process = await OcppRpcClient.StartNodeScriptAsync("fake-csms.js", stderrLine: stderr.Enqueue);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var line = await process.StandardOutput.ReadLineAsync(timeout.Token)
            ?? throw new OcppHarnessException($"fake-csms.js exited before announcing its port: {Stderr}");
        Port = JsonDocument.Parse(line).RootElement.GetProperty("port").GetInt32();
    }

    public async Task DisposeAsync()
    {
        if (process is null)
            return;
        using (process)
        {
            if (process.HasExited)
                return;
            // Closing stdin is the script's cue to shut down; killing is only the fallback.
            process.StandardInput.Close();
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            try
            {
                await process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
