using System.Diagnostics;
using Settlement.Ledger.Database;
using Settlement.Workbench.CommandLine;

namespace Settlement.Workbench.Bench;

/// <summary>
/// <c>settle serve</c> in a process of its own, so that what /proc says about its memory is the host's alone
/// and not the simulator's. Stopped when disposed, and when this process exits.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private const int OutputLinesKept = 40;
    private readonly Process _process;
    private readonly Queue<string> _output = new();
    private readonly EventHandler _onExit;
    private bool _disposed;

    private HostProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
        _onExit = (_, _) => Kill();
        AppDomain.CurrentDomain.ProcessExit += _onExit;
        process.OutputDataReceived += (_, line) => Keep(line.Data);
        process.ErrorDataReceived += (_, line) => Keep(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int ProcessId => _process.Id;
    public Uri BaseAddress { get; }
    public Uri OcppEndpoint => new(BaseAddress.AbsoluteUri.Replace("http://", "ws://") + "ocpp/");
    public bool HasExited => _process.HasExited;

    /// <summary>The host's last lines of output, to show why it stopped.</summary>
    public string OutputTail
    {
        get
        {
            lock (_output) return string.Join(Environment.NewLine, _output);
        }
    }

    public MemoryReading? Memory() => ProcFs.Memory(_process.Id);

    /// <summary>CPU ticks of .NET's tiered compilation worker, which recompiles hot methods optimised ("Compilation Worker" cut to Linux's 15 characters).</summary>
    public long? TieredJitTicks() => ProcFs.ThreadCpuTicks(_process.Id, ".NET Tiered Com");

    public TimeSpan CpuTime()
    {
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    /// <summary>The settle.dll this process runs: a bench measures hosts of the same build as itself.</summary>
    public static string RunningSettle => Path.Combine(AppContext.BaseDirectory, "settle.dll");

    /// <summary>
    /// Starts <c>dotnet settle.dll serve</c> on a free loopback port over <paramref name="database"/>, and waits
    /// until its /health answers. The connection strings go in SETTLE_CONNECTION and SETTLE_MIGRATION_CONNECTION rather
    /// than on the command line, where every local user could read their passwords.
    /// </summary>
    /// <param name="settings">Further environment variables for the host (<c>Ocpp__...</c> settings and the like).</param>
    /// <exception cref="DatabaseServerException">The host did not come up; the message carries its last output.</exception>
    /// <param name="migrationConnectionString">The schema owner's; without it the host migrates over <paramref name="connectionString"/>.</param>
    /// <param name="settle">The settle.dll to serve with: <see cref="RunningSettle"/> from a bench, the tests' own build from a test.</param>
    public static async Task<HostProcess> StartAsync(string settle, string database, string connectionString, CancellationToken ct,
        IReadOnlyDictionary<string, string>? settings = null, string? migrationConnectionString = null)
    {
        var baseAddress = new Uri($"http://127.0.0.1:{LoopbackPort.Free()}/");
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The bench's chargers send as fast as the host answers, far beyond a real charger's per-charger limit.
            Environment = { [DatabaseOptions.EnvironmentVariable] = connectionString, ["NO_COLOR"] = "1", ["Ocpp__MaxCallsPerSecond"] = "0" },
        };
        // Never inherited: a migration connection of ours would not belong with this connection string.
        if (migrationConnectionString is null)
            start.Environment.Remove(DatabaseServer.MigrationConnectionVariable);
        else
            start.Environment[DatabaseServer.MigrationConnectionVariable] = migrationConnectionString;
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        foreach (var argument in new[] { settle, "serve", "--urls", baseAddress.AbsoluteUri.TrimEnd('/'), "--database", database })
            start.ArgumentList.Add(argument);
        var host = new HostProcess(Process.Start(start) ?? throw new DatabaseServerException($"could not start {start.FileName} {settle}"), baseAddress);
        try
        {
            await host.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90), ct);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        AppDomain.CurrentDomain.ProcessExit -= _onExit;
        Kill();
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try { await _process.WaitForExitAsync(grace.Token); }
        catch (OperationCanceledException) { /* the kill is delivered; nothing more to wait for */ }
        _process.Dispose();
    }

    private async Task WaitUntilHealthyAsync(TimeSpan limit, CancellationToken ct)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                // Waits for the redirected output to drain: the lines that say why it exited come last.
                _process.WaitForExit();
                throw new DatabaseServerException($"the host process exited with code {_process.ExitCode} before it served:{Environment.NewLine}{OutputTail}");
            }
            try
            {
                using var health = await http.GetAsync("health", ct);
                if (health.IsSuccessStatusCode) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                // Not listening yet.
            }
            if (deadline.Elapsed > limit)
                throw new DatabaseServerException($"the host process did not answer /health within {limit.TotalSeconds:N0} s:{Environment.NewLine}{OutputTail}");
            await Task.Delay(200, ct);
        }
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited between the look and the kill.
        }
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.Enqueue(line);
            while (_output.Count > OutputLinesKept) _output.Dequeue();
        }
    }

    // Under `dotnet settle.dll` the running host is dotnet itself; under the settle apphost, dotnet is on PATH.
    private static string DotnetHost() =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
}
