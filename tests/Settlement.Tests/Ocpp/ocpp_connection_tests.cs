using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Settlement.Domain.Chargers;
using Settlement.Ocpp;

namespace Settlement.Tests.Ocpp;

[Collection(LedgerCollection.Name)]
public sealed class ocpp_connection_tests(LedgerDatabase db)
{
    private static async Task<HttpStatusCode?> HandshakeStatus(Uri endpoint, string identity, string? password)
    {
        try
        {
            await using var client = await RawOcppClient.ConnectAsync(endpoint, identity, "ocpp1.6", password);
            return null;
        }
        catch (WebSocketException e) when (e.InnerException is null || e.WebSocketErrorCode == WebSocketError.NotAWebSocket)
        {
            return e.Message.Contains("401") ? HttpStatusCode.Unauthorized : e.Message.Contains("404") ? HttpStatusCode.NotFound : HttpStatusCode.BadRequest;
        }
    }

    [Fact]
    public async Task a_wrong_password_is_refused_at_the_handshake()
    {
        await using var host = await new TestHost(db).StartAsync();
        var charger = await host.RegisterChargerAsync(OcppVersion.Ocpp16);

        Assert.Equal(HttpStatusCode.Unauthorized, await HandshakeStatus(host.Endpoint, charger, "not-the-password"));
        Assert.Equal(HttpStatusCode.Unauthorized, await HandshakeStatus(host.Endpoint, charger, password: null));
        Assert.Null(await HandshakeStatus(host.Endpoint, charger, TestHost.Password));
    }

    [Fact]
    public async Task an_unknown_charger_is_refused_by_default()
    {
        await using var host = await new TestHost(db).StartAsync();

        Assert.Equal(HttpStatusCode.NotFound, await HandshakeStatus(host.Endpoint, "NEVER-REGISTERED", null));
    }

    [Fact]
    public async Task an_unknown_charger_accepted_as_pending_may_boot_but_not_charge()
    {
        await using var host = await new TestHost(db, new OcppOptions { UnknownChargers = UnknownChargerPolicy.AcceptPending }).StartAsync();
        var identity = "NEW" + Guid.NewGuid().ToString("N")[..8];
        await using var client = await RawOcppClient.ConnectAsync(host.Endpoint, identity, "ocpp2.0.1", password: null);

        var boot = await client.CallAsync("BootNotification", new JsonObject
            { ["reason"] = "PowerUp", ["chargingStation"] = new JsonObject { ["model"] = "X", ["vendorName"] = "Acme" } });
        var status = await client.CallAsync("StatusNotification", new JsonObject
            { ["timestamp"] = "2026-10-12T10:00:00Z", ["connectorStatus"] = "Available", ["evseId"] = 1, ["connectorId"] = 1 });

        Assert.Equal("Pending", boot[2]!["status"]!.GetValue<string>());
        Assert.Equal("SecurityError", status[2]!.GetValue<string>());
        Assert.Empty(await host.ChargerEventsAsync(identity));
    }

    [Fact]
    public async Task an_unsupported_subprotocol_is_closed_with_a_protocol_error()
    {
        await using var host = await new TestHost(db).StartAsync();
        var charger = await host.RegisterChargerAsync(OcppVersion.Ocpp16);
        await using var client = await RawOcppClient.ConnectAsync(host.Endpoint, charger, "ocpp1.5");

        Assert.Equal("", await client.ReceiveAsync());
        Assert.Null(client.SubProtocol);
        Assert.Equal(WebSocketCloseStatus.ProtocolError, client.CloseStatus);
    }

    [Fact]
    public async Task a_closed_connection_records_the_outage_from_the_last_message_and_a_reconnect_ends_it()
    {
        await using var host = await new TestHost(db).StartAsync();
        var charger = await host.RegisterChargerAsync(OcppVersion.Ocpp16);
        await using (var first = await RawOcppClient.ConnectAsync(host.Endpoint, charger, "ocpp1.6"))
            await first.CallAsync("BootNotification", new JsonObject { ["chargePointVendor"] = "Acme", ["chargePointModel"] = "Fast 150" });
        var offline = await Eventually(async () => (await host.ChargerEventsAsync(charger)).Select(e => e.Data).OfType<ChargerWentOffline>().SingleOrDefault());
        var booted = (await host.ChargerEventsAsync(charger)).Single(e => e.Data is ChargerBooted);

        await using var second = await RawOcppClient.ConnectAsync(host.Endpoint, charger, "ocpp1.6");
        await second.CallAsync("Heartbeat", []);

        Assert.InRange(offline.LastSeenAt, booted.RecordedAt - NodaTime.Duration.FromSeconds(5), offline.DetectedAt);
        Assert.Contains(await host.ChargerEventsAsync(charger), e => e.Data is ChargerCameBackOnline);
    }

    [Fact]
    public async Task a_charger_silent_past_its_heartbeat_interval_is_declared_offline_from_its_last_message()
    {
        await using var host = await new TestHost(db, new OcppOptions { HeartbeatIntervalSeconds = 1, OfflineGraceSeconds = 1 }).StartAsync();
        var charger = await host.RegisterChargerAsync(OcppVersion.Ocpp201);
        await using var client = await RawOcppClient.ConnectAsync(host.Endpoint, charger, "ocpp2.0.1");
        await client.CallAsync("Heartbeat", []);
        var heardAt = NodaTime.SystemClock.Instance.GetCurrentInstant();

        var offline = await Eventually(async () => (await host.ChargerEventsAsync(charger)).Select(e => e.Data).OfType<ChargerWentOffline>().SingleOrDefault());

        Assert.InRange(offline.LastSeenAt, heardAt - NodaTime.Duration.FromSeconds(2), heardAt);
        // The silence timer runs on the monotonic clock and the instants come from the wall clock: allow their drift.
        Assert.True(offline.DetectedAt - offline.LastSeenAt >= NodaTime.Duration.FromMilliseconds(1_900),
            $"last seen {offline.LastSeenAt:uuuu-MM-ddTHH:mm:ss.fff}, detected {offline.DetectedAt:uuuu-MM-ddTHH:mm:ss.fff}");
    }

    internal static async Task<T> Eventually<T>(Func<Task<T?>> probe) where T : class
    {
        for (var i = 0; i < 100; i++)
        {
            if (await probe() is { } found) return found;
            await Task.Delay(100);
        }
        throw new TimeoutException("the expected event never arrived");
    }
}

[Collection(LedgerCollection.Name)]
public sealed class charger_onboarding_tests(LedgerDatabase db)
{
    private static object Registration(string id, string? password) => new
    {
        chargerId = id, siteId = "TEST-MUC", vendor = "Acme", model = "Fast 150", protocol = "Ocpp201",
        evses = new[] { new { evseId = 1, connectors = new[] { new { connectorId = 1, standard = "Ccs2", maxPowerKw = 150m } } } },
        password,
    };

    [Fact]
    public async Task a_charger_registered_over_rest_connects_with_its_password_and_a_rotated_one_replaces_it()
    {
        await using var host = await new TestHost(db).StartAsync();
        await host.RegisterSiteAsync();
        var id = "REST" + Guid.NewGuid().ToString("N")[..8];

        var created = await host.Http.PostAsJsonAsync("/api/chargers", Registration(id, "first-password-long-enough"));
        var again = await host.Http.PostAsJsonAsync("/api/chargers", Registration(id, "first-password-long-enough"));
        var rotated = await host.Http.PutAsJsonAsync($"/api/chargers/{id}/credentials", new { password = "second-password-long-enough" });

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Conflict, HttpStatusCode.NoContent), (created.StatusCode, again.StatusCode, rotated.StatusCode));
        await using var client = await RawOcppClient.ConnectAsync(host.Endpoint, id, "ocpp2.0.1", "second-password-long-enough");
        Assert.Equal(3, (await client.CallAsync("Heartbeat", []))[0]!.GetValue<int>());
        await Assert.ThrowsAsync<WebSocketException>(() => RawOcppClient.ConnectAsync(host.Endpoint, id, "ocpp2.0.1", "first-password-long-enough"));
    }

    [Fact]
    public async Task bad_registrations_are_refused_with_the_reason()
    {
        await using var host = await new TestHost(db).StartAsync();
        await host.RegisterSiteAsync();

        var shortPassword = await host.Http.PostAsJsonAsync("/api/chargers", Registration("SHORT" + Guid.NewGuid().ToString("N")[..6], "short"));
        var noId = await host.Http.PostAsJsonAsync("/api/chargers", Registration("", "long-enough-password-1"));
        var unknown = await host.Http.PutAsJsonAsync("/api/chargers/NOBODY/credentials", new { password = "long-enough-password-1" });

        Assert.Equal(HttpStatusCode.BadRequest, shortPassword.StatusCode);
        Assert.Contains("16 characters", await shortPassword.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, noId.StatusCode);
        Assert.Contains("chargerId", await noId.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task a_message_many_times_the_first_receive_buffer_arrives_whole_and_an_empty_one_is_refused()
    {
        await using var host = await new TestHost(db).StartAsync();
        var charger = await host.RegisterChargerAsync(OcppVersion.Ocpp16);
        await using var client = await RawOcppClient.ConnectAsync(host.Endpoint, charger, "ocpp1.6");
        // 40,000 characters of data: the receive buffer, rented at 4 KiB, has to grow four times.
        var data = string.Concat(Enumerable.Range(0, 4_000).Select(i => $"{i:D9},"));

        var transfer = await client.CallAsync("DataTransfer", new JsonObject { ["vendorId"] = "Acme", ["data"] = data });
        var empty = JsonNode.Parse(await client.SendAsync(""))!.AsArray();

        Assert.Equal(3, transfer[0]!.GetValue<int>());
        Assert.Equal(data, Assert.Single((await host.ChargerEventsAsync(charger)).Select(e => e.Data).OfType<DataTransferReceived>()).Data);
        Assert.Equal(4, empty[0]!.GetValue<int>());
        Assert.Equal("FormationViolation", empty[2]!.GetValue<string>());
        Assert.Equal(3, (await client.CallAsync("Heartbeat", []))[0]!.GetValue<int>());
    }
}
