using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Settlement.Domain.Access;
using Settlement.Host;
using Spectre.Console;

namespace Settlement.Workbench.Demo;

/// <summary>
/// The demo's last step: a host serving its database, so that a newcomer opens the dashboard on the data just made,
/// signed in with one of the keys printed as the demo's last lines, until Ctrl+C.
/// </summary>
internal static class DemoDashboard
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>The host shows what the demo recorded and acts on none of it: the network it simulated has gone.</summary>
    private static readonly Dictionary<string, string> QuietSettings = new()
    {
        ["Logging__LogLevel__Default"] = "Warning",
        ["SelfHealing__Run"] = "false",
        ["Firmware__Run"] = "false",
        ["LoadBalancing__Run"] = "false",
    };

    /// <returns>Null when <paramref name="url"/> is a loopback or other http(s) address a host can listen on; else why not.</returns>
    public static string? Check(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp && uri.AbsolutePath == "/"
            ? null
            : $"--dashboard-url must be an http:// address with a port and no path, like {DefaultUrl}, not '{url}'.";

    /// <summary>Serves until <paramref name="ct"/> is cancelled (Ctrl+C); a taken port gives way to a free one, and the demo says so.</summary>
    public static async Task ServeAsync(Ledger.Ledger ledger, string databaseDescription, string url, string operatorKey, CancellationToken ct)
    {
        AnsiConsole.Write(new Rule("[bold]The dashboard[/]").LeftJustified());
        foreach (var (name, value) in QuietSettings)
            if (Environment.GetEnvironmentVariable(name) is null) Environment.SetEnvironmentVariable(name, value);
        (AccessRole Role, string Key)[] keys =
        [
            (AccessRole.Operator, operatorKey),
            (AccessRole.Finance, await DemoAccess.CreateKeyAsync(ledger, AccessRole.Finance, ct)),
            (AccessRole.Regulator, await DemoAccess.CreateKeyAsync(ledger, AccessRole.Regulator, ct)),
            (AccessRole.Auditor, await DemoAccess.CreateKeyAsync(ledger, AccessRole.Auditor, ct)),
        ];
        await using var app = await StartAsync(ledger, databaseDescription, url, ct);
        AnsiConsole.MarkupLine("Open the dashboard and sign in with one of these keys (each shown once; its role decides the pages). Ctrl+C stops the host.");
        AnsiConsole.MarkupLineInterpolated($"Dashboard: [bold]{app.Urls.First().TrimEnd('/')}/dashboard/[/]");
        foreach (var (role, key) in keys)
            AnsiConsole.MarkupLineInterpolated($"{role} key: [bold]{key}[/]");
        await app.WaitForShutdownAsync(ct);
    }

    private static async Task<WebApplication> StartAsync(Ledger.Ledger ledger, string databaseDescription, string url, CancellationToken ct)
    {
        var app = SettlementHost.Build(ledger, databaseDescription, url);
        try
        {
            await app.StartAsync(ct);
            return app;
        }
        catch (IOException taken) when (!ct.IsCancellationRequested)
        {
            // Its jobs started before Kestrel failed to bind; stopping them releases their leadership for the next host.
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
            var uri = new Uri(url);
            AnsiConsole.MarkupLineInterpolated($"[yellow]{url} is taken ({taken.Message}); the dashboard listens on a free port instead.[/]");
            var fallback = SettlementHost.Build(ledger, databaseDescription, $"{uri.Scheme}://{uri.Host}:0");
            await fallback.StartAsync(ct);
            return fallback;
        }
    }
}
