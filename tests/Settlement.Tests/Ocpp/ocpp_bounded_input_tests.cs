using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Marten;
using Settlement.Domain.Chargers;
using Settlement.Ocpp;
using Settlement.Projections.Chargers;

namespace Settlement.Tests.Ocpp;

/// <summary>Nothing a charger sends, however much of it, fills the ledger beyond a bound.</summary>
[Collection(LedgerCollection.Name)]
public sealed class ocpp_bounded_input_tests(LedgerDatabase db)
{
    private const string NotJson = "this is not json";

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> read) where T : class
    {
        for (var i = 0; i < 100; i++)
        {
            if (await read() is { } found) return found;
            await Task.Delay(100);
        }
        throw new TimeoutException("never appeared");
    }

    private static async Task<ProtocolViolationsCounted> CountedAsync(TestHost host, string charger) =>
        await EventuallyAsync(async () => (await host.ChargerEventsAsync(charger)).Select(e => e.Data).OfType<ProtocolViolationsCounted>().SingleOrDefault());

    [Fact]
    public async Task a_flood_of_malformed_frames_is_one_violation_recorded_and_one_count()
    {
        await using var host = await new TestHost(db, new OcppOptions { MaxCallsPerSecond = 0, MaxViolationsPerInterval = 10_000 }).StartAsync();
        var charger = await host.RegisterChargerAsync(OcppVersion.Ocpp16);
        await using (var client = await RawOcppClient.ConnectAsync(host.Endpoint, charger, "ocpp1.6"))
            for (var i = 0; i < 1_000; i++)
                Assert.Equal("FormationViolation", JsonNode.Parse(await client.SendAsync(NotJson))![2]!.GetValue<string>());

        var counted = await CountedAsync(host, charger);

        var events = (await host.ChargerEventsAsync(charger)).Select(e => e.Data).ToList();
        Assert.Single(events.OfType<ProtocolViolationRecordedV2>());
        Assert.Equal(999, counted.Count);
        Assert.Equal([new ViolationKindCount("FormationViolation", 999)], counted.Kinds);
        Assert.Equal(NotJson, counted.SampleRedactedFrame);
        Assert.True(counted.FirstAt <= counted.LastAt);
        Assert.Equal(["ChargerRegistered", "ChargerCredentialsSet", "ProtocolViolationRecordedV2", "ProtocolViolationsCounted", "ChargerWentOffline"],
            events.Select(e => e.GetType().Name));
    }

    [Fact]
    public async Task a_counted_sample_is_redacted_and_cut_and_no_driver_key_is_made_for_it()
    {
        await using var host = await new TestHost(db).StartAsync();
        var charger = await host.RegisterChargerAsync(OcppVersion.Ocpp16);
        var token = "FLOOD-" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var frame = $$"""[2,"s1","Authorize",{"idTag":"{{token}}","padding":"{{new string('x', 5_000)}}"}]""";
        await using (var client = await RawOcppClient.ConnectAsync(host.Endpoint, charger, "ocpp1.6"))
        {
            await client.SendAsync(NotJson);
            await client.SendAsync(frame);
        }

        var counted = await CountedAsync(host, charger);

        Assert.Equal(1, counted.Count);
        Assert.InRange(counted.SampleRedactedFrame.Length, 1_000, ProtocolViolationsCounted.SampleFrameLimit);
        Assert.StartsWith("""[2,"s1","Authorize",{"idTag":"[redacted]","padding":"xxx""", counted.SampleRedactedFrame);
        Assert.Equal(0, await TestDrivers.StoredRowsMentioningAsync(db.Ledger, token));
        Assert.Null(await db.Ledger.Drivers.FindDriverRefAsync(token));
    }

    [Fact]
    public async Task a_burst_followed_by_silence_is_counted_when_its_interval_ends_with_the_charger_still_connected()
    {
        await using var host = await new TestHost(db, new OcppOptions { ViolationIntervalSeconds = 1 }).StartAsync();
        var charger = await host.RegisterChargerAsync(OcppVersion.Ocpp16);
        await using var client = await RawOcppClient.ConnectAsync(host.Endpoint, charger, "ocpp1.6");
        for (var i = 0; i < 4; i++) await client.SendAsync(NotJson);

        var counted = await CountedAsync(host, charger);

        Assert.Equal(3, counted.Count);
        Assert.Equal(WebSocketState.Open, client.State);
    }

    [Fact]
    public async Task a_charger_that_keeps_breaking_the_protocol_is_disconnected_and_its_count_kept()
    {
        await using var host = await new TestHost(db, new OcppOptions { MaxViolationsPerInterval = 5 }).StartAsync();
        var charger = await host.RegisterChargerAsync(OcppVersion.Ocpp201);
        await using var client = await RawOcppClient.ConnectAsync(host.Endpoint, charger, "ocpp2.0.1");

        var answered = 0;
        while (answered < 20 && await client.SendAsync(NotJson) is { Length: > 0 }) answered++;

        Assert.Equal(6, answered);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, client.CloseStatus);
        Assert.Equal(5, (await CountedAsync(host, charger)).Count);
        Assert.Single((await host.ChargerEventsAsync(charger)).Select(e => e.Data).OfType<ProtocolViolationRecordedV2>());
    }

    [Fact]
    public async Task calls_beyond_the_burst_wait_for_their_turn_and_are_all_answered()
    {
        await using var host = await new TestHost(db, new OcppOptions { MaxCallsPerSecond = 5, CallBurst = 2 }).StartAsync();
        var charger = await host.RegisterChargerAsync(OcppVersion.Ocpp16);
        await using var client = await RawOcppClient.ConnectAsync(host.Endpoint, charger, "ocpp1.6");

        var elapsed = Stopwatch.StartNew();
        var answers = new List<JsonArray>();
        for (var i = 0; i < 8; i++) answers.Add(await client.CallAsync("Heartbeat", []));
        elapsed.Stop();

        Assert.All(answers, answer => Assert.Equal(3, answer[0]!.GetValue<int>()));
        // 2 at once, then 6 at 5 per second.
        Assert.True(elapsed.Elapsed >= TimeSpan.FromSeconds(1.0), $"8 heartbeats took {elapsed.Elapsed}");
    }

    [Fact]
    public async Task a_pending_charger_leaves_one_row_and_no_ledger_event_or_driver_key_until_it_is_registered()
    {
        await using var host = await new TestHost(db, new OcppOptions { UnknownChargers = UnknownChargerPolicy.AcceptPending, MaxCallsPerSecond = 0 }).StartAsync();
        var identity = "PEND" + Guid.NewGuid().ToString("N")[..8];
        // 1.6 idTags are at most 20 characters.
        var tokens = Enumerable.Range(0, 20).Select(i => $"P{i}-{identity[4..]}").ToList();
        await using (var client = await RawOcppClient.ConnectAsync(host.Endpoint, identity, "ocpp1.6", password: null))
        {
            for (var boot = 0; boot < 3; boot++)
                await client.CallAsync("BootNotification", new JsonObject { ["chargePointVendor"] = "Acme", ["chargePointModel"] = "Fast 150" });
            await client.CallAsync("Heartbeat", []);
            foreach (var token in tokens)
                Assert.Equal("SecurityError", (await client.CallAsync("Authorize", new JsonObject { ["idTag"] = token }))[2]!.GetValue<string>());
            await client.SendAsync($$"""[2,"bad","StartTransaction",{"connectorId":"one","idTag":"{{tokens[0]}}"}]""");
        }

        var row = await EventuallyAsync(async () =>
        {
            await using var query = db.Ledger.Store.QuerySession();
            return await query.LoadAsync<PendingCharger>(identity) is { RefusedFrames: > 0 } seen ? seen : null;
        });

        Assert.Empty(await host.ChargerEventsAsync(identity));
        foreach (var token in tokens) Assert.Null(await db.Ledger.Drivers.FindDriverRefAsync(token));
        Assert.Equal((OcppVersion.Ocpp16, "Acme", "Fast 150", 3, 21L), (row.Protocol, row.Vendor, row.Model, row.Boots, row.RefusedFrames));
        var listed = await host.Http.GetFromJsonAsync<JsonArray>("/api/chargers/pending");
        Assert.Contains(listed!, p => p!["id"]!.GetValue<string>() == identity);

        var siteId = await host.RegisterSiteAsync();
        var registered = await host.Http.PostAsJsonAsync("/api/chargers", new
        {
            chargerId = identity, siteId, vendor = "Acme", model = "Fast 150", protocol = "Ocpp16",
            evses = new[] { new { evseId = 1, connectors = new[] { new { connectorId = 1, standard = "Ccs2", maxPowerKw = 150 } } } },
            password = TestHost.Password,
        });

        Assert.Equal(System.Net.HttpStatusCode.Created, registered.StatusCode);
        await using var after = db.Ledger.Store.QuerySession();
        Assert.Null(await after.LoadAsync<PendingCharger>(identity));
    }

    [Fact]
    public async Task unknown_chargers_beyond_the_pending_bound_are_refused_at_the_handshake()
    {
        int alreadyPending;
        await using (var query = db.Ledger.Store.QuerySession())
            alreadyPending = await query.Query<PendingCharger>().CountAsync();
        await using var host = await new TestHost(db, new OcppOptions
            { UnknownChargers = UnknownChargerPolicy.AcceptPending, MaxPendingChargers = alreadyPending + 1 }).StartAsync();

        await using var admitted = await RawOcppClient.ConnectAsync(host.Endpoint, "PEND" + Guid.NewGuid().ToString("N")[..8], "ocpp2.0.1", password: null);
        var refused = await Assert.ThrowsAsync<WebSocketException>(() =>
            RawOcppClient.ConnectAsync(host.Endpoint, "PEND" + Guid.NewGuid().ToString("N")[..8], "ocpp2.0.1", password: null));

        Assert.Equal(WebSocketState.Open, admitted.State);
        Assert.Contains("503", refused.Message);
    }
}
