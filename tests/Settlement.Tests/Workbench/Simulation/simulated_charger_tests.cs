using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Marten;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Domain.Sessions;
using Settlement.Ocpp.Framing;
using Settlement.Projections.Sessions;
using Settlement.Tests.Ocpp;
using Settlement.Workbench.Simulation;

namespace Settlement.Tests.Workbench.Simulation;

/// <summary>The simulator against the real host: what it sends is recorded as the sessions it says it ran.</summary>
[Collection(LedgerCollection.Name)]
public sealed class simulated_charger_tests(LedgerDatabase db) : IAsyncLifetime
{
    private static readonly SessionProfile Quick = new(TimeSpan.Zero, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(30), 3, 3, TimeScale: 60);
    private static readonly SimulatorOptions Strict = new() { ValidatePayloads = true, CallTimeout = TimeSpan.FromSeconds(10), RemoteSessions = Quick };
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await new TestHost(db).StartAsync();
    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<SimulatedCharger> BootedChargerAsync(OcppVersion version)
    {
        var id = await _host.RegisterChargerAsync(version);
        var protocol = version == OcppVersion.Ocpp16 ? OcppProtocol.Ocpp16 : OcppProtocol.Ocpp201;
        var charger = new SimulatedCharger(new ChargerDefinition(id, TestHost.Password, protocol), _host.Endpoint, Strict);
        await charger.ConnectAsync(CancellationToken.None);
        await charger.BootAsync(CancellationToken.None);
        return charger;
    }

    private async Task<IReadOnlyList<Settlement.Ledger.RecordedEvent>> SessionEventsAsync(string chargerId, string transactionId)
    {
        await using var query = db.Ledger.Store.QuerySession();
        var entry = await query.LoadAsync<TransactionEntry>(TransactionEntry.Key(chargerId, transactionId));
        Assert.NotNull(entry);
        return await db.Ledger.ReadStreamAsync(StreamIds.Session(entry.SessionId));
    }

    [Theory]
    [InlineData(OcppVersion.Ocpp16)]
    [InlineData(OcppVersion.Ocpp201)]
    public async Task a_session_is_recorded_with_the_energy_the_meter_shows(OcppVersion version)
    {
        await using var charger = await BootedChargerAsync(version);

        var first = await charger.RunSessionAsync(1, "RFID-SIM-1", Quick, CancellationToken.None);
        var second = await charger.RunSessionAsync(1, "RFID-SIM-2", Quick, CancellationToken.None);

        foreach (var session in new[] { first, second })
        {
            var events = await SessionEventsAsync(charger.Id, session.TransactionId);
            var recorded = Session.Fold(events.Select(e => e.Data));
            Assert.Equal(SessionStatus.Stopped, recorded.Status);
            Assert.Equal(session.MeterStartWh, recorded.MeterStartWh);
            Assert.Equal(session.MeterStopWh, recorded.MeterStopWh);
            Assert.True(session.EnergyWh > 0, "a session of three readings at a 60x time scale delivers energy");
            Assert.Equal(session.EnergyWh, recorded.EnergyWh);
            Assert.Equal(3, session.MeterValuesSent);
            var registers = events.Select(e => e.Data).OfType<MeterValuesRecorded>().SelectMany(m => m.Readings)
                .OrderBy(r => r.TakenAt).Select(r => r.EnergyWh).ToList();
            Assert.True(registers.SequenceEqual(registers.Order()), "the register never goes back");
        }
        Assert.True(second.MeterStartWh >= first.MeterStopWh, "the next session starts where the register stood");
        var snapshot = charger.Counters.Snapshot();
        Assert.True(snapshot.Errors == 0, snapshot.LastError);
        Assert.Equal(2, snapshot.SessionsStopped);
        Assert.Equal(snapshot.CallsSent, snapshot.CallsAnswered + snapshot.Retries);
    }

    [Theory]
    [InlineData(OcppVersion.Ocpp16)]
    [InlineData(OcppVersion.Ocpp201)]
    public async Task the_charger_answers_the_csms_commands_and_starts_a_session_when_asked(OcppVersion version)
    {
        await using var charger = await BootedChargerAsync(version);

        var start = await Command(charger.Id, "remote-start", new { evseId = 2, idToken = "REMOTE-1" });
        Assert.Equal((HttpStatusCode.OK, "Accepted"), (start.Status, start.Body.GetProperty("status").GetString()));
        Assert.Equal("Accepted", (await Command(charger.Id, "trigger-message", new { message = "Heartbeat", evseId = (int?)null })).Body.GetProperty("status").GetString());
        Assert.Equal("Unlocked", (await Command(charger.Id, "unlock-connector", new { evseId = 1, connectorId = 1 })).Body.GetProperty("status").GetString());
        var setting = version == OcppVersion.Ocpp16 ? "HeartbeatInterval" : "OCPPCommCtrlr/HeartbeatInterval";
        Assert.Equal(HttpStatusCode.OK, (await Command(charger.Id, "get-settings", new { keys = new[] { setting } })).Status);
        await charger.WhenFollowUpsDoneAsync();
        // Last: a reset reboots the charger, which answers nothing while it is away.
        Assert.Equal("Accepted", (await Command(charger.Id, "reset", new { kind = "Soft" })).Body.GetProperty("status").GetString());
        await charger.WhenFollowUpsDoneAsync();

        var remote = charger.Counters.Snapshot();
        Assert.True(remote.Errors == 0, remote.LastError);
        Assert.Equal(5, remote.ServerCalls);
        Assert.Equal(1, remote.SessionsStopped);
        var recorded = (await _host.ChargerEventsAsync(charger.Id)).Select(e => e.Data).OfType<CommandCompleted>().ToList();
        Assert.Equal(5, recorded.Count);
        Assert.All(recorded, c => Assert.Equal(CommandOutcome.Answered, c.Outcome));
    }

    [Fact]
    public async Task a_wrong_password_is_a_clear_refusal()
    {
        var id = await _host.RegisterChargerAsync(OcppVersion.Ocpp16);
        await using var charger = new SimulatedCharger(new ChargerDefinition(id, "not-the-password-at-all", OcppProtocol.Ocpp16), _host.Endpoint);

        var refused = await Assert.ThrowsAsync<SimulatorException>(() => charger.ConnectAsync(CancellationToken.None));

        Assert.Contains("HTTP 401", refused.Message);
        Assert.Equal(1, charger.Counters.Snapshot().ConnectFailures);
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> Command(string charger, string command, object body)
    {
        var response = await _host.Http.PostAsJsonAsync($"/api/chargers/{charger}/commands/{command}", body);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }
}
