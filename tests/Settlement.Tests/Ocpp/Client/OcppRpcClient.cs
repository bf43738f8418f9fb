using System.ComponentModel;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Settlement.Tests.Ocpp.Client;

/// <summary>
/// Runs scenarios through tests/ocpp-client/run-scenario.js, i.e. through ocpp-rpc's strict client, an OCPP-J
/// implementation independent of ours that validates every frame against the official schemas.
/// </summary>
public static class OcppRpcClient
{
    static readonly SemaphoreSlim InstallGate = new(1, 1);
    static volatile bool installed;

    static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);
    static readonly TimeSpan HarnessSlack = TimeSpan.FromSeconds(15);
    const int DefaultScenarioTimeoutMs = 30_000;
    const int MinimumNodeMajor = 18;

    internal static readonly JsonSerializerOptions WireJson = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    internal static readonly JsonSerializerOptions IndentedJson = new() { WriteIndented = true };

    /// <summary>tests/ocpp-client of the checkout the tests run from.</summary>
    public static string ClientDirectory => Path.Combine(RepositoryFiles.Root, "tests", "ocpp-client");

    public static async Task<ScenarioResult> RunAsync(Scenario scenario, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        await EnsureInstalledAsync(ct);

        var scenarioJson = JsonSerializer.Serialize(scenario, WireJson);
        // The script enforces the scenario's budget itself; this only catches a wedged node.
        var limit = TimeSpan.FromMilliseconds(scenario.TimeoutMs ?? DefaultScenarioTimeoutMs) + HarnessSlack;
        var run = await RunNodeToolAsync("node", ["run-scenario.js", "-"], scenarioJson, limit, ct);

        if (run.ExitCode != 0)
            throw new OcppHarnessException(
                $"run-scenario.js failed with exit code {run.ExitCode} (2 = unusable scenario, 1 = harness crash): {run.Stderr.Trim()}" +
                $"{Environment.NewLine}scenario: {scenarioJson}");

        return Parse(run.Stdout, run.Stderr);
    }

    /// <summary>
    /// Makes sure node_modules holds the pinned ocpp-rpc, running <c>npm ci</c> at most once even when several test
    /// classes or test processes ask at the same time.
    /// </summary>
    public static async Task EnsureInstalledAsync(CancellationToken ct = default)
    {
        if (installed)
            return;

        await InstallGate.WaitAsync(ct);
        try
        {
            if (installed)
                return;

            // The semaphore covers this process; the lock file covers parallel `dotnet test` processes. The check
            // happens under the lock too, since another process's npm ci may be halfway through unpacking.
            await using (await InstallLock.AcquireAsync("settlement-ocpp-client", ClientDirectory, InstallTimeout, ct))
            {
                await InstallNodeIfMissingAsync(ct);
                await CheckNodeAsync(ct);
                if (!HasPinnedOcppRpc())
                {
                    var run = await RunNodeToolAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], null, InstallTimeout, ct);
                    if (run.ExitCode != 0)
                        throw new OcppHarnessException($"`npm ci` in {ClientDirectory} failed with exit code {run.ExitCode}:{Environment.NewLine}{run.Stderr}{run.Stdout}");
                    if (!HasPinnedOcppRpc())
                        throw new OcppHarnessException($"`npm ci` in {ClientDirectory} succeeded but node_modules/ocpp-rpc is not version {PinnedOcppRpcVersion()}");
                }
            }

            installed = true;
        }
        finally
        {
            InstallGate.Release();
        }
    }

    /// <summary>
    /// Starts a script from tests/ocpp-client with node once the packages are installed. Stdin and stdout are
    /// redirected for the caller; stderr lines go to <paramref name="stderrLine"/>.
    /// </summary>
    public static async Task<Process> StartNodeScriptAsync(string script, IReadOnlyList<string>? arguments = null, Action<string>? stderrLine = null, CancellationToken ct = default)
    {
        await EnsureInstalledAsync(ct);
        var start = NodeStartInfo("node", [script, .. arguments ?? []]);
        var process = Start(start);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                stderrLine?.Invoke(e.Data);
        };
        process.BeginErrorReadLine();
        return process;
    }

    static ScenarioResult Parse(string stdout, string stderr)
    {
        JsonElement document;
        try
        {
            document = JsonSerializer.Deserialize<JsonElement>(stdout);
        }
        catch (JsonException e)
        {
            throw new OcppHarnessException($"run-scenario.js printed something other than one JSON document: {e.Message}{Environment.NewLine}stdout: {stdout}{Environment.NewLine}stderr: {stderr}");
        }

        var result = document.Deserialize<ScenarioResult>(WireJson)
            ?? throw new OcppHarnessException($"run-scenario.js printed null{Environment.NewLine}stderr: {stderr}");

        var steps = result.Results;
        if (document.TryGetProperty("results", out var rawSteps) && rawSteps.ValueKind == JsonValueKind.Array)
            steps = [.. steps.Zip(rawSteps.EnumerateArray(), (step, raw) => step with { Json = raw })];

        return result with { Json = document, Results = steps };
    }

    /// <summary>
    /// Like the embedded PostgreSQL, a fresh Debian machine needs nothing by hand: as root the harness
    /// installs Debian's nodejs and npm when node is not on PATH.
    /// </summary>
    static async Task InstallNodeIfMissingAsync(CancellationToken ct)
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Any(dir => File.Exists(Path.Combine(dir, "node")));
        if (onPath || Environment.UserName != "root" || OperatingSystem.IsWindows())
            return;
        string[][] steps = [["update"], ["install", "-y", "--no-install-recommends", "nodejs", "npm"]];
        foreach (var arguments in steps)
        {
            var start = new ProcessStartInfo("apt-get") { RedirectStandardOutput = true, RedirectStandardError = true, Environment = { ["DEBIAN_FRONTEND"] = "noninteractive" } };
            foreach (var argument in new[] { "-o", "DPkg::Lock::Timeout=600" }.Concat(arguments)) start.ArgumentList.Add(argument);
            using var apt = Start(start);
            var output = apt.StandardOutput.ReadToEndAsync(ct);
            var errors = apt.StandardError.ReadToEndAsync(ct);
            await apt.WaitForExitAsync(ct);
            if (apt.ExitCode != 0)
                throw new OcppHarnessException($"installing Node.js with apt-get {string.Join(' ', arguments)} failed: {await errors}{await output}. {InstallHint}");
        }
    }

    static async Task CheckNodeAsync(CancellationToken ct)
    {
        var run = await RunNodeToolAsync("node", ["--version"], null, TimeSpan.FromSeconds(30), ct);
        var version = run.Stdout.Trim().TrimStart('v');
        if (run.ExitCode != 0 || !int.TryParse(version.Split('.')[0], out var major))
            throw new OcppHarnessException($"`node --version` did not work (exit code {run.ExitCode}): {run.Stderr.Trim()}. {InstallHint}");
        if (major < MinimumNodeMajor)
            throw new OcppHarnessException($"Node.js {version} is too old for the OCPP client harness (needs {MinimumNodeMajor}+). {InstallHint}");
    }

    const string InstallHint =
        "The OCPP integration tests drive the endpoint with the ocpp-rpc npm package, so Node.js (18 or newer) and npm " +
        "must be on PATH: install them, e.g. `apt-get install nodejs npm` (or from https://nodejs.org).";

    static bool HasPinnedOcppRpc()
    {
        var installedPackage = Path.Combine(ClientDirectory, "node_modules", "ocpp-rpc", "package.json");
        // npm writes its hidden lockfile once an install completes, so an interrupted npm ci does not count.
        if (!File.Exists(installedPackage) || !File.Exists(Path.Combine(ClientDirectory, "node_modules", ".package-lock.json")))
            return false;
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(installedPackage));
            return json.RootElement.TryGetProperty("version", out var version) && version.GetString() == PinnedOcppRpcVersion();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    // package.json is the single place the version is pinned, so a bump there triggers a reinstall.
    static string PinnedOcppRpcVersion()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(ClientDirectory, "package.json")));
        return json.RootElement.GetProperty("dependencies").GetProperty("ocpp-rpc").GetString()
            ?? throw new OcppHarnessException("tests/ocpp-client/package.json does not pin ocpp-rpc");
    }



    sealed record ToolRun(int ExitCode, string Stdout, string Stderr);

    static async Task<ToolRun> RunNodeToolAsync(string tool, IReadOnlyList<string> arguments, string? stdin, TimeSpan limit, CancellationToken ct)
    {
        var start = NodeStartInfo(tool, arguments);
        using var process = Start(start);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(limit);

        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            if (stdin is not null)
                await process.StandardInput.WriteAsync(stdin.AsMemory(), timeout.Token);
            process.StandardInput.Close();
            await process.WaitForExitAsync(timeout.Token);
            return new ToolRun(process.ExitCode, await stdout, await stderr);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (ct.IsCancellationRequested)
                throw;
            throw new OcppHarnessException($"`{tool} {string.Join(' ', arguments)}` did not finish within {limit.TotalSeconds:0} s");
        }
    }

    static ProcessStartInfo NodeStartInfo(string tool, IEnumerable<string> arguments)
    {
        // npm is a .cmd shim on Windows, which CreateProcess cannot start directly.
        var start = OperatingSystem.IsWindows() && tool == "npm"
            ? new ProcessStartInfo("cmd.exe") { ArgumentList = { "/d", "/c", "npm" } }
            : new ProcessStartInfo(tool);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.WorkingDirectory = ClientDirectory;
        start.UseShellExecute = false;
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.StandardOutputEncoding = Encoding.UTF8;
        start.StandardErrorEncoding = Encoding.UTF8;
        start.StandardInputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        return start;
    }

    static Process Start(ProcessStartInfo start)
    {
        try
        {
            return Process.Start(start) ?? throw new OcppHarnessException($"could not start {start.FileName}");
        }
        catch (Win32Exception e)
        {
            throw new OcppHarnessException($"could not start `{start.FileName}` ({e.Message}). {InstallHint}", e);
        }
    }
}

/// <summary>The harness itself failed (Node missing, npm ci failed, bad scenario), as opposed to the endpoint misbehaving.</summary>
public sealed class OcppHarnessException : Exception
{
    public OcppHarnessException(string message) : base(message) { }

    public OcppHarnessException(string message, Exception inner) : base(message, inner) { }
}
