using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Settlement.Tests.Ocpp.Client;

namespace Settlement.Tests.Dashboard;

/// <summary>
/// Runs tests/dashboard-e2e/run.mjs: playwright-core driving Debian's headless Chromium over the dashboard. Nothing
/// downloads a browser: the harness installs Debian's <c>chromium</c> when it runs as root and the browser is missing,
/// and <c>npm ci</c> installs the pinned playwright-core and axe-core once, under a lock.
/// </summary>
public static class DashboardBrowser
{
    public const string Chromium = "/usr/bin/chromium";

    static readonly SemaphoreSlim InstallGate = new(1, 1);
    static volatile bool installed;
    static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(10);

    public static string ScriptDirectory => Path.Combine(RepositoryFiles.Root, "tests", "dashboard-e2e");

    /// <summary>Where the screenshots and downloads go: under the test output, which CI keeps as artefacts (git-ignored).</summary>
    public static string OutputFolder => Path.Combine(RepositoryFiles.Root, "tests", "Settlement.Tests", "TestResults", "dashboard");

    /// <summary>Why the browser tests cannot run here, or null when they can (Chromium is there, or root may install it).</summary>
    public static string? Unavailable =>
        File.Exists(Chromium) || (OperatingSystem.IsLinux() && Environment.UserName == "root" && File.Exists("/usr/bin/apt-get"))
            ? null
            : $"The dashboard's end-to-end tests drive Debian's Chromium at {Chromium}: install it (`apt-get install chromium`) or run the tests as root on Debian, which installs it.";

    /// <summary>Chromium, Node.js and the script's pinned packages, each installed at most once per machine.</summary>
    public static async Task EnsureInstalledAsync(CancellationToken ct)
    {
        if (installed) return;
        await InstallGate.WaitAsync(ct);
        try
        {
            if (installed) return;
            // Installs Node.js with apt when it is missing, as the OCPP client tests of the same run need it too.
            await OcppRpcClient.EnsureInstalledAsync(ct);
            await using (await InstallLock.AcquireAsync("settlement-dashboard-e2e", ScriptDirectory, InstallTimeout, ct))
            {
                if (!File.Exists(Chromium))
                {
                    await RunAsync("apt-get", ["-o", "DPkg::Lock::Timeout=600", "update"], null, ct);
                    await RunAsync("apt-get", ["-o", "DPkg::Lock::Timeout=600", "install", "-y", "--no-install-recommends", "chromium"], null, ct);
                    if (!File.Exists(Chromium)) throw new InvalidOperationException($"apt-get installed chromium but {Chromium} is not there");
                }
                if (!HasPinnedPackages())
                    await RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], ScriptDirectory, ct);
                if (!HasPinnedPackages())
                    throw new InvalidOperationException($"`npm ci` in {ScriptDirectory} left node_modules without the versions package.json pins");
            }
            installed = true;
        }
        finally
        {
            InstallGate.Release();
        }
    }

    /// <summary>
    /// One run of the script with <paramref name="config"/>; when it has seen the live charger Online it waits for
    /// <paramref name="disconnect"/>, then looks for the change. Returns the script's results, per check.
    /// </summary>
    public static async Task<JsonElement> RunAsync(JsonObject config, Func<Task> disconnect, TimeSpan limit, CancellationToken ct)
    {
        await EnsureInstalledAsync(ct);
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = ScriptDirectory, UseShellExecute = false,
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8, StandardErrorEncoding = Encoding.UTF8, StandardInputEncoding = new UTF8Encoding(false),
        };
        start.ArgumentList.Add("run.mjs");
        using var node = Process.Start(start) ?? throw new InvalidOperationException("could not start node");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(limit);
        var stderr = node.StandardError.ReadToEndAsync(timeout.Token);
        // What the script got through, to say where it stuck when it runs out of time.
        var progress = new List<string>();
        try
        {
            await node.StandardInput.WriteLineAsync(config.ToJsonString().AsMemory(), timeout.Token);
            await node.StandardInput.FlushAsync(timeout.Token);
            while (await node.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                var message = JsonSerializer.Deserialize<JsonElement>(line);
                switch (message.GetProperty("type").GetString())
                {
                    case "progress":
                        progress.Add(message.GetProperty("what").GetString()!);
                        break;
                    case "live-online":
                        await disconnect();
                        await node.StandardInput.WriteLineAsync("""{"type":"disconnected"}""".AsMemory(), timeout.Token);
                        await node.StandardInput.FlushAsync(timeout.Token);
                        break;
                    case "results":
                        // The script listens on its input for the harness's answers: closing it lets node exit.
                        node.StandardInput.Close();
                        await node.WaitForExitAsync(timeout.Token);
                        return message.GetProperty("results");
                }
            }
            await node.WaitForExitAsync(timeout.Token);
            throw new InvalidOperationException($"run.mjs ended (exit code {node.ExitCode}) without results: {await stderr}");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            node.Kill(entireProcessTree: true);
            throw new TimeoutException($"run.mjs did not finish within {limit.TotalSeconds:0} s; it got through: {string.Join("; ", progress)}");
        }
    }

    static bool HasPinnedPackages()
    {
        if (!File.Exists(Path.Combine(ScriptDirectory, "node_modules", ".package-lock.json"))) return false;
        using var pins = JsonDocument.Parse(File.ReadAllText(Path.Combine(ScriptDirectory, "package.json")));
        foreach (var pin in pins.RootElement.GetProperty("dependencies").EnumerateObject())
        {
            var installedPackage = Path.Combine(ScriptDirectory, "node_modules", pin.Name, "package.json");
            if (!File.Exists(installedPackage)) return false;
            using var package = JsonDocument.Parse(File.ReadAllText(installedPackage));
            if (package.RootElement.GetProperty("version").GetString() != pin.Value.GetString()) return false;
        }
        return true;
    }


    static async Task RunAsync(string tool, IReadOnlyList<string> arguments, string? folder, CancellationToken ct)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = folder ?? Environment.CurrentDirectory,
            Environment = { ["DEBIAN_FRONTEND"] = "noninteractive" },
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {tool}");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(InstallTimeout);
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var errors = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"`{tool} {string.Join(' ', arguments)}` failed with exit code {process.ExitCode}: {await errors}{await output}");
    }
}
