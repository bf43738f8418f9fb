using System.Net;
using System.Net.Http.Json;
using Marten;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Domain.Firmware;
using Settlement.Ledger;
using Settlement.Ocpp.Framing;
using Settlement.Projections.Sessions;
using Settlement.Workbench.Simulation;

namespace Settlement.Tests.Firmware;

/// <summary>
/// Rollouts driven by the runner against simulated chargers of both OCPP versions over WebSockets, each test on a site
/// of its own with soaks of seconds: what the ledger records of every UpdateFirmware (requested, issued, answered) and
/// of every charger's firmware statuses and boots is what is checked.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class rollout_integration_tests(LedgerDatabase db) : IAsyncLifetime
{
    private static readonly IReadOnlyDictionary<string, string?> WithRunner = new Dictionary<string, string?> { [TestHost.RolloutRunnerSetting] = "true" };
    private static readonly SimulatorOptions Strict = new()
    {
        ValidatePayloads = true, CallTimeout = TimeSpan.FromSeconds(10), FaultRepeatInterval = TimeSpan.FromMilliseconds(400),
    };
    private const string NewVersion = "2.4.1";
    private const string Location = "https://firmware.example/acme/" + NewVersion + ".bin";

    private readonly List<SimulatedCharger> _chargers = [];
    private readonly List<TestHost> _hosts = [];
    private TestHost _host = null!;
    private RolloutTestSite _site = null!;

    public async Task InitializeAsync()
    {
        _host = await StartHostAsync();
        _site = await new RolloutTestSite(_host).RegisterAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var charger in _chargers) await charger.DisposeAsync();
        foreach (var host in _hosts) await host.DisposeAsync();
    }

    [Fact]
    public async Task a_healthy_rollout_respects_its_concurrency_and_fails_the_charger_that_failed_and_the_one_that_went_away()
    {
        // Given a canary and five chargers of both versions: one whose install fails, one that goes offline while installing
        var canary = await ChargerAsync(OcppProtocol.Ocpp201, FirmwareBehaviour.Installs);
        // The waves take the chargers in id order: one failure in each wave, since a wave whose every charger failed halts.
        var waveOrder = new[]
        {
            await ChargerAsync(OcppProtocol.Ocpp16, FirmwareBehaviour.Installs), await ChargerAsync(OcppProtocol.Ocpp201, FirmwareBehaviour.Installs),
            await ChargerAsync(OcppProtocol.Ocpp16, FirmwareBehaviour.Installs), await ChargerAsync(OcppProtocol.Ocpp16, FirmwareBehaviour.Installs),
            await ChargerAsync(OcppProtocol.Ocpp201, FirmwareBehaviour.Installs),
        }.OrderBy(c => c.Id, StringComparer.Ordinal).ToArray();
        var (installFails, goesAway) = (waveOrder[0], waveOrder[2]);
        installFails.FirmwareBehaviour = FirmwareBehaviour.InstallFails;
        goesAway.FirmwareBehaviour = FirmwareBehaviour.GoesOfflineWhileInstalling;
        var healthy = new[] { waveOrder[1], waveOrder[3], waveOrder[4] };

        // When a rollout goes out: the canary soaks 2 s, then waves of 2 and 3 with at most 2 updating at once, and 12 s for each update
        var rolloutId = await CreateAsync(canary.Id, canarySoakSeconds: 2, waveSoakSeconds: 1, maxConcurrency: 2, firstWave: 2, abortPercent: 100m);
        var done = await UntilAsync(rolloutId, r => r.Phase is RolloutPhase.Completed or RolloutPhase.Halted, TimeSpan.FromSeconds(120));

        // Then it completed: the canary and the healthy chargers booted on the new version, the two others failed with their reasons
        Assert.Equal(RolloutPhase.Completed, done.Phase);
        var events = await RolloutEventsAsync(rolloutId);
        var succeeded = events.OfType<ChargerUpdateSucceeded>().Select(s => s.ChargerId).Order().ToList();
        Assert.Equal(healthy.Append(canary).Select(c => c.Id).Order(), succeeded);
        foreach (var charger in healthy.Append(canary))
            Assert.Contains(await _host.ChargerEventsAsync(charger.Id), e => e.Data is ChargerBooted { FirmwareVersion: NewVersion });
        var failed = events.OfType<ChargerUpdateFailed>().ToDictionary(f => f.ChargerId);
        Assert.Equal(FirmwareStatus.InstallationFailed, failed[installFails.Id].LastStatus);
        Assert.Contains("offline", failed[goesAway.Id].Reason);
        Assert.Equal(2, failed.Count);

        // And the canary went alone and soaked before any wave, and never were more than 2 updating at once
        var stages = events.OfType<RolloutStageStarted>().ToList();
        Assert.Equal([canary.Id], stages[0].ChargerIds);
        var canaryDone = events.OfType<ChargerUpdateSucceeded>().Single(s => s.ChargerId == canary.Id).SucceededAt;
        Assert.True(stages[1].StartedAt - canaryDone >= NodaTime.Duration.FromSeconds(2), "the first wave started before the canary's soak ended");
        Assert.True(MaxInFlight(events) <= 2, $"{MaxInFlight(events)} chargers were updating at once");
        // And each charger was sent exactly one UpdateFirmware, the signed fields to the 2.0.1 ones
        foreach (var charger in _chargers)
        {
            var issued = (CommandIssuedV2)Assert.Single(await UpdateFirmwareIssuedAsync(charger.Id)).Data;
            Assert.Equal(charger.Protocol == OcppProtocol.Ocpp201, issued.PayloadJson.Contains("\"signature\"", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task a_canary_that_installs_then_faults_fails_its_gate_and_halts_the_rollout_before_any_wave()
    {
        // Given a canary whose new firmware faults every 400 ms once installed, and two chargers after it
        var canary = await ChargerAsync(OcppProtocol.Ocpp16, FirmwareBehaviour.InstallsThenFaults);
        var others = new[] { await ChargerAsync(OcppProtocol.Ocpp201, FirmwareBehaviour.Installs), await ChargerAsync(OcppProtocol.Ocpp16, FirmwareBehaviour.Installs) };

        // When the rollout runs with a 3 s canary soak
        var rolloutId = await CreateAsync(canary.Id, canarySoakSeconds: 3, waveSoakSeconds: 1, maxConcurrency: 2, firstWave: 2, abortPercent: 50m);
        var halted = await UntilAsync(rolloutId, r => r.Phase is RolloutPhase.Halted or RolloutPhase.Completed, TimeSpan.FromSeconds(60));

        // Then the gate failed on faults per hour against the canary's own baseline, and the rollout halted at stage 0
        Assert.Equal(RolloutPhase.Halted, halted.Phase);
        var events = await RolloutEventsAsync(rolloutId);
        var gate = Assert.Single(events.OfType<RolloutGateEvaluated>());
        Assert.False(gate.Passed);
        var result = Assert.Single(gate.Results);
        Assert.True(result.Since.FaultsPerHour > result.Baseline.FaultsPerHour, $"faults/h since {result.Since.FaultsPerHour}, baseline {result.Baseline.FaultsPerHour}");
        Assert.Equal(0, Assert.Single(events.OfType<RolloutHalted>()).Stage);
        // And no wave started, and no other charger was sent UpdateFirmware
        Assert.Equal([0], events.OfType<RolloutStageStarted>().Select(s => s.Stage));
        foreach (var other in others) Assert.Empty(await UpdateFirmwareIssuedAsync(other.Id));
        Assert.Single(await UpdateFirmwareIssuedAsync(canary.Id));
    }

    [Fact]
    public async Task a_charger_in_a_session_is_not_updated_until_the_session_ended()
    {
        // Given a canary in a session
        var canary = await ChargerAsync(OcppProtocol.Ocpp201, FirmwareBehaviour.Installs);
        var session = await canary.StartSessionAsync(1, "RFID-FW-1", CancellationToken.None);
        await UntilSessionAsync(canary.Id);

        // When the rollout reaches it
        var rolloutId = await CreateAsync(canary.Id, canarySoakSeconds: 1, waveSoakSeconds: 1, maxConcurrency: 1, firstWave: 1, abortPercent: 100m);
        await UntilAsync(rolloutId, r => r.Chargers[canary.Id].Status == ChargerUpdateStatus.Deferred, TimeSpan.FromSeconds(20));

        // Then it was deferred and sent nothing while the session ran
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Empty(await UpdateFirmwareIssuedAsync(canary.Id));
        var deferred = (await RolloutEventsAsync(rolloutId)).OfType<ChargerUpdateDeferred>().First();
        Assert.Equal("in a session", deferred.Reason);

        // When the session ends, then it is updated as soon as the runner sees it free
        await canary.StopSessionAsync(session, "Local", CancellationToken.None);
        var stoppedAt = NodaTime.SystemClock.Instance.GetCurrentInstant();
        await UntilAsync(rolloutId, r => r.Chargers[canary.Id].Status == ChargerUpdateStatus.Succeeded,
            TimeSpan.FromSeconds(30));
        var issued = Assert.Single(await UpdateFirmwareIssuedAsync(canary.Id));
        Assert.True(issued.RecordedAt >= stoppedAt, "UpdateFirmware went out before the session ended");
    }

    [Fact]
    public async Task a_rollout_resumes_on_another_host_without_repeating_or_skipping_a_charger()
    {
        // Given chargers connected to a second host, while the first leads the runner
        var second = await StartHostAsync();
        var canary = await ChargerAsync(OcppProtocol.Ocpp16, FirmwareBehaviour.Installs, second);
        var wave = new[]
        {
            await ChargerAsync(OcppProtocol.Ocpp201, FirmwareBehaviour.Installs, second), await ChargerAsync(OcppProtocol.Ocpp16, FirmwareBehaviour.Installs, second),
            await ChargerAsync(OcppProtocol.Ocpp201, FirmwareBehaviour.Installs, second),
        };

        // When the first host goes away during the first wave's soak
        var rolloutId = await CreateAsync(canary.Id, canarySoakSeconds: 1, waveSoakSeconds: 4, maxConcurrency: 2, firstWave: 2, abortPercent: 100m);
        await UntilAsync(rolloutId, r => r is { Stage: 1, Phase: RolloutPhase.Soaking }, TimeSpan.FromSeconds(60));
        await _host.DisposeAsync();
        _hosts.Remove(_host);
        _host = second;
        var done = await UntilAsync(rolloutId, r => r.Phase is RolloutPhase.Completed or RolloutPhase.Halted, TimeSpan.FromSeconds(60));

        // Then the second host finished it: every charger on the new version, each sent UpdateFirmware exactly once, every stage once
        Assert.Equal(RolloutPhase.Completed, done.Phase);
        foreach (var charger in wave.Append(canary))
            Assert.Single(await UpdateFirmwareIssuedAsync(charger.Id));
        var events = await RolloutEventsAsync(rolloutId);
        Assert.Equal([0, 1, 2], events.OfType<RolloutStageStarted>().Select(s => s.Stage));
        Assert.Equal(4, events.OfType<ChargerUpdateSucceeded>().Count());
    }

    private async Task<TestHost> StartHostAsync()
    {
        var host = await new TestHost(db, new Settlement.Ocpp.OcppOptions { CallTimeoutSeconds = 5 }, settings: WithRunner).StartAsync();
        _hosts.Add(host);
        return host;
    }

    private async Task<SimulatedCharger> ChargerAsync(OcppProtocol protocol, FirmwareBehaviour behaviour, TestHost? at = null)
    {
        var id = await _site.ChargerAsync(protocol == OcppProtocol.Ocpp16 ? OcppVersion.Ocpp16 : OcppVersion.Ocpp201);
        var charger = new SimulatedCharger(new ChargerDefinition(id, TestHost.Password, protocol, EvseCount: 1, Vendor: "Acme", Model: "Fast 150"),
            (at ?? _host).Endpoint, Strict) { FirmwareBehaviour = behaviour };
        _chargers.Add(charger);
        await charger.ConnectAsync(CancellationToken.None);
        await charger.BootAsync(CancellationToken.None);
        return charger;
    }

    private async Task<string> CreateAsync(string canaryId, int canarySoakSeconds, int waveSoakSeconds, int maxConcurrency, int firstWave, decimal abortPercent)
    {
        var rolloutId = "ro-" + Guid.NewGuid().ToString("N")[..12];
        var response = await _host.Http.PostAsJsonAsync("/api/firmware/rollouts", new
        {
            rolloutId, name = "Acme " + NewVersion,
            image = new { version = NewVersion, location = Location, signature = "c2lnbmVkIGJ5IEFjbWU=", signingCertificate = "-----BEGIN CERTIFICATE-----\nMIIBdemo\n-----END CERTIFICATE-----" },
            target = new { sites = new[] { _site.SiteId } }, canary = new { chargerIds = new[] { canaryId } }, soakSeconds = canarySoakSeconds,
            waves = new { firstWaveSize = firstWave, growth = 2m, maxConcurrency, soakSeconds = waveSoakSeconds },
            abort = new { maxFailedPercent = abortPercent, minSample = 1 }, updateTimeoutSeconds = 12,
        });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return rolloutId;
    }

    private async Task<RolloutState> UntilAsync(string rolloutId, Func<RolloutState, bool> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        RolloutState? state = null;
        while (DateTime.UtcNow < deadline)
        {
            state = RolloutState.Fold((await db.Ledger.ReadStreamAsync(StreamIds.Rollout(rolloutId))).Select(e => e.Data));
            if (state is not null && condition(state)) return state;
            await Task.Delay(200);
        }
        Assert.Fail($"rollout {rolloutId} did not get there within {within.TotalSeconds} s: {state?.Phase} stage {state?.Stage}, " +
                    string.Join(", ", state?.Chargers.Values.Select(c => $"{c.ChargerId} {c.Status}") ?? []));
        return null!;
    }

    private async Task UntilSessionAsync(string chargerId)
    {
        for (var i = 0; i < 100; i++)
        {
            await using (var query = db.Ledger.QueryReadModels())
                if (await query.Query<SessionEntry>().AnyAsync(s => s.ChargerId == chargerId))
                    return;
            await Task.Delay(100);
        }
        Assert.Fail($"no session started at {chargerId}");
    }

    private async Task<IReadOnlyList<object>> RolloutEventsAsync(string rolloutId) =>
        [.. (await db.Ledger.ReadStreamAsync(StreamIds.Rollout(rolloutId))).Select(e => e.Data)];

    /// <summary>The UpdateFirmware commands issued to the charger, as its stream recorded them.</summary>
    private async Task<IReadOnlyList<RecordedEvent>> UpdateFirmwareIssuedAsync(string chargerId) =>
        [.. (await db.Ledger.ReadStreamAsync(StreamIds.Charger(chargerId))).Where(e => e.Data is CommandIssuedV2 { Action: "UpdateFirmware" })];

    /// <summary>The most updates in flight at once: from each request to its charger's outcome, in the order recorded.</summary>
    private static int MaxInFlight(IReadOnlyList<object> events)
    {
        var inFlight = new HashSet<string>();
        var max = 0;
        foreach (var e in events)
        {
            if (e is ChargerUpdateRequested requested) inFlight.Add(requested.ChargerId);
            if (e is ChargerUpdateSucceeded succeeded) inFlight.Remove(succeeded.ChargerId);
            if (e is ChargerUpdateFailed failed) inFlight.Remove(failed.ChargerId);
            max = Math.Max(max, inFlight.Count);
        }
        return max;
    }
}
