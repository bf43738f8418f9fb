using System.Text.Json;
using System.Text.Json.Nodes;
using Settlement.Domain.Access;
using Settlement.Ocpp.Framing;
using Settlement.Projections;
using Settlement.Tests.Cli;
using Settlement.Workbench.Simulation;

namespace Settlement.Tests.Dashboard;

/// <summary>
/// The dashboard's acceptance run, once for its test class: two days of the demo in a ledger of their own, the real
/// host serving it on loopback with a key per role, a simulated charger connected over OCPP, and one browser run over
/// every page. Each test asserts on its part of the results.
/// </summary>
public sealed class DashboardRun : IAsyncLifetime
{
    /// <summary>A charger of the demo's Munich site that only this run connects, so its status is the harness's to change.</summary>
    public const string LiveChargerId = "DE-MUC-E2E";

    public static readonly AccessRole[] Roles = [AccessRole.Operator, AccessRole.Finance, AccessRole.Regulator, AccessRole.Auditor, AccessRole.Integration];

    /// <summary>The roles whose every page is rendered, shot and checked; the others are checked for what they are refused.</summary>
    static readonly AccessRole[] RenderedRoles = [AccessRole.Operator, AccessRole.Finance, AccessRole.Auditor];

    readonly SemaphoreSlim _starting = new(1, 1);
    Task<JsonElement>? _results;
    Settlement.Ledger.Ledger? _ledger;
    TestHost? _host;
    SimulatedCharger? _charger;

    public IReadOnlyDictionary<AccessRole, string> Keys { get; private set; } = new Dictionary<AccessRole, string>();
    public TestHost Host => _host ?? throw new InvalidOperationException("the run has not started");

    /// <summary>The browser run's results, per check; the first caller starts it, the others wait for the same run.</summary>
    public async Task<JsonElement> ResultsAsync(LedgerDatabase db)
    {
        await _starting.WaitAsync();
        try
        {
            _results ??= RunAsync(db);
        }
        finally
        {
            _starting.Release();
        }
        return await _results;
    }

    async Task<JsonElement> RunAsync(LedgerDatabase db)
    {
        var ct = CancellationToken.None;
        await DashboardBrowser.EnsureInstalledAsync(ct);
        // Through the CLI, as a user fills a demo: priced, invoiced, paid in part, checkpointed; two days take seconds.
        var database = db.Scratch("dashboard");
        var documents = Directory.CreateTempSubdirectory("settle-dashboard-documents-");
        var demo = await SettleProcess.RunAsync(db, "demo", "--days", "2", "--live-seconds", "0", "--no-dashboard", "--database", database,
            "--documents", documents.FullName);
        documents.Delete(recursive: true);
        Assert.True(demo.ExitCode == 0, $"settle demo failed: {demo.Output}");

        _ledger = await db.Server.OpenLedgerAsync(database, SettlementReadModels.All, ct);
        _host = await new TestHost(db, ledger: _ledger).StartAsync();
        var keys = new Dictionary<AccessRole, string> { [AccessRole.Operator] = _host.OperatorKey };
        foreach (var role in Roles.Where(r => r != AccessRole.Operator))
            keys[role] = await _host.CreateKeyAsync(role, name: $"dashboard e2e {role}");
        Keys = keys;

        var live = new ChargerDefinition(LiveChargerId, TestHost.Password, OcppProtocol.Ocpp16, Vendor: "Alpitronic", Model: "HYC300", FirmwareVersion: "1.4.2");
        await ChargerRegistration.RegisterAsync(_ledger, [live], "DE-MUC", ct: ct);
        _charger = new SimulatedCharger(live, _host.Endpoint);
        await _charger.ConnectAsync(ct);
        await _charger.BootAsync(ct);

        Directory.CreateDirectory(DashboardBrowser.OutputFolder);
        var config = new JsonObject
        {
            ["baseUrl"] = _host.Http.BaseAddress!.ToString(),
            ["chromium"] = DashboardBrowser.Chromium,
            ["output"] = DashboardBrowser.OutputFolder,
            ["liveChargerId"] = LiveChargerId,
            ["keys"] = new JsonObject(keys.Select(k => KeyValuePair.Create(k.Key.ToString(), (JsonNode?)k.Value))),
            ["renderRoles"] = new JsonArray([.. RenderedRoles.Select(r => (JsonNode?)r.ToString())]),
        };
        // A normal close, as a charger going away does: the host records it offline and the live feed pushes the change.
        return await DashboardBrowser.RunAsync(config, () => _charger.CloseAsync(), TimeSpan.FromMinutes(4), ct);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_charger is not null) await _charger.DisposeAsync();
        if (_host is not null) await _host.DisposeAsync();
        if (_ledger is not null) await _ledger.DisposeAsync();
    }
}
