using Settlement.Ocpp.Framing;
using Settlement.Tests.Ocpp;
using Settlement.Workbench.Simulation;

namespace Settlement.Tests.Workbench.Simulation;

[Collection(LedgerCollection.Name)]
public sealed class fleet_tests(LedgerDatabase db) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await new TestHost(db).StartAsync();
    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task two_hundred_chargers_of_both_versions_charge_for_a_few_seconds_without_an_error()
    {
        var run = Guid.NewGuid().ToString("N")[..6];
        var chargers = Enumerable.Range(1, 200)
            .Select(i => new ChargerDefinition($"F{run}-{i:D3}", TestHost.Password, i % 2 == 0 ? OcppProtocol.Ocpp16 : OcppProtocol.Ocpp201, EvseCount: 1))
            .ToList();
        await ChargerRegistration.RegisterAsync(db.Ledger, chargers, "FLEET-SITE");
        var profile = new SessionProfile(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1.5), TimeSpan.FromMilliseconds(500), 2, 3, TimeScale: 60);
        await using var fleet = new Fleet(_host.Endpoint, chargers, new SimulatorOptions { CallTimeout = TimeSpan.FromSeconds(20) });

        Assert.Equal(200, await fleet.ConnectAsync(maxConcurrency: 20, CancellationToken.None));
        Assert.Equal(200, await fleet.BootAsync(maxConcurrency: 20, CancellationToken.None));
        await fleet.RunSessionsAsync(profile, TimeSpan.FromSeconds(3), CancellationToken.None);

        var counters = fleet.Counters.Snapshot();
        Assert.True(counters.Errors == 0, $"{counters.Errors} errors, the last: {counters.LastError}");
        Assert.True(counters.SessionsStarted >= 150, $"only {counters.SessionsStarted} sessions started");
        Assert.Equal(counters.SessionsStarted, counters.SessionsStopped);
        Assert.Equal(counters.CallsSent, counters.CallsAnswered + counters.Retries);
        Assert.True(fleet.Counters.MeterValues.Count > 0);
        Assert.Equal(200, counters.Connected);
    }
}
