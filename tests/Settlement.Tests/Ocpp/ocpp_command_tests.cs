using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Settlement.Domain.Chargers;
using Settlement.Ocpp;
using Settlement.Tests.Ocpp.Client;

namespace Settlement.Tests.Ocpp;

/// <summary>Commands over REST, answered by the strict ocpp-rpc client, which also checks every CALL we send.</summary>
[Collection(LedgerCollection.Name)]
public sealed class ocpp_command_tests(LedgerDatabase db) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await new TestHost(db).StartAsync();
    public async Task DisposeAsync() => await _host.DisposeAsync();

    private Task<(Task<ScenarioResult> Charger, string Id)> ConnectAsync(OcppVersion version, params ScenarioStep[] steps) =>
        _host.ConnectStrictChargerAsync(version, steps);

    private Task<(HttpStatusCode Status, JsonElement Body)> Command(string charger, string command, object body) =>
        Command(_host, charger, command, body);

    private static async Task<(HttpStatusCode Status, JsonElement Body)> Command(TestHost host, string charger, string command, object body)
    {
        var response = await host.Http.PostAsJsonAsync($"/api/chargers/{charger}/commands/{command}", body);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    [Theory]
    [InlineData(OcppVersion.Ocpp16, "RemoteStartTransaction", "Reset")]
    [InlineData(OcppVersion.Ocpp201, "RequestStartTransaction", "Reset")]
    public async Task a_command_reaches_the_charger_in_its_protocol_and_its_answer_is_recorded(OcppVersion version, string startAction, string resetAction)
    {
        var (charger, id) = await ConnectAsync(version,
            Step.Expect(startAction, new { status = "Accepted" }, 10_000),
            Step.Expect(resetAction, new { status = "Rejected" }, 10_000));

        var start = await Command(id, "remote-start", new { evseId = 1, idToken = "RFID-1" });
        var reset = await Command(id, "reset", new { kind = "Hard" });

        Assert.Equal((HttpStatusCode.OK, "Accepted"), (start.Status, start.Body.GetProperty("status").GetString()));
        Assert.Equal((HttpStatusCode.OK, "Rejected"), (reset.Status, reset.Body.GetProperty("status").GetString()));
        (await charger).AssertAllStepsOk();
        var events = (await _host.ChargerEventsAsync(id)).Select(e => e.Data).ToList();
        Assert.Equal([startAction, resetAction], events.OfType<CommandIssuedV2>().Select(c => c.Action));
        Assert.Equal(["Accepted", "Rejected"], events.OfType<CommandCompleted>().Select(c => c.Status));
    }

    [Fact]
    public async Task a_command_for_a_charger_that_is_not_connected_is_a_409_and_recorded_as_such()
    {
        var id = await _host.RegisterChargerAsync(OcppVersion.Ocpp16);

        var (status, body) = await Command(id, "unlock-connector", new { evseId = 1, connectorId = 1 });

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("ChargerOffline", body.GetProperty("outcome").GetString());
        var completed = Assert.Single((await _host.ChargerEventsAsync(id)).Select(e => e.Data).OfType<CommandCompleted>());
        Assert.Equal(CommandOutcome.ChargerOffline, completed.Outcome);
    }

    [Fact]
    public async Task a_charger_that_never_answers_times_out_and_one_that_refuses_is_a_502()
    {
        await using var impatient = await new TestHost(db, new OcppOptions { CallTimeoutSeconds = 2 }).StartAsync();
        var (charger, id) = await impatient.ConnectStrictChargerAsync(OcppVersion.Ocpp16,
            Step.ExpectAndIgnore("TriggerMessage", 20_000),
            Step.ExpectAndFail("GetConfiguration", "InternalError", "busy", 20_000));

        var silent = await Command(impatient, id, "trigger-message", new { message = "StatusNotification", evseId = 1 });
        var refused = await Command(impatient, id, "get-settings", new { keys = new[] { "HeartbeatInterval" } });

        Assert.Equal(HttpStatusCode.GatewayTimeout, silent.Status);
        Assert.Equal(HttpStatusCode.BadGateway, refused.Status);
        Assert.Contains("InternalError", refused.Body.GetProperty("error").GetString());
        await charger;
        Assert.Equal([CommandOutcome.TimedOut, CommandOutcome.CallError],
            (await impatient.ChargerEventsAsync(id)).Select(e => e.Data).OfType<CommandCompleted>().Select(c => c.Outcome));
    }

    [Fact]
    public async Task a_charger_that_disconnects_while_a_command_waits_is_recorded_offline_at_once()
    {
        var (charger, id) = await ConnectAsync(OcppVersion.Ocpp201, Step.ExpectAndIgnore("UnlockConnector", 20_000), Step.Close());

        var started = System.Diagnostics.Stopwatch.StartNew();
        var (status, body) = await Command(id, "unlock-connector", new { evseId = 1, connectorId = 1 });

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("disconnected", body.GetProperty("error").GetString());
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(20), "the command waited for its timeout instead of learning of the disconnect");
        await charger;
        Assert.Equal(CommandOutcome.ChargerOffline,
            Assert.Single((await _host.ChargerEventsAsync(id)).Select(e => e.Data).OfType<CommandCompleted>()).Outcome);
    }

    [Fact]
    public async Task optional_fields_may_be_left_out_and_a_malformed_body_is_a_400_that_says_why()
    {
        var id = await _host.RegisterChargerAsync(OcppVersion.Ocpp201);

        var withoutEvse = await Command(id, "trigger-message", new { message = "Heartbeat" });
        var response = await _host.Http.PostAsync($"/api/chargers/{id}/commands/reset",
            new StringContent("""{"kind": "Sideways"}""", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Conflict, withoutEvse.Status);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.Content.ReadAsStringAsync();
        Assert.Contains("kind: expected one of", error);
        Assert.Contains("Sideways", error);
    }

    [Fact]
    public async Task a_command_that_would_break_the_ocpp_schema_is_refused_before_it_is_sent()
    {
        var (charger, id) = await ConnectAsync(OcppVersion.Ocpp201, Step.Sleep(500));

        var (status, body) = await Command(id, "set-charging-profile", new { evseId = 1, profile = new { id = 1, stackLevel = "high" } });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("SetChargingProfile", body.GetProperty("error").GetString());
        await charger;
        Assert.DoesNotContain((await _host.ChargerEventsAsync(id)).Select(e => e.Data), e => e is CommandIssuedV2);
    }
}
