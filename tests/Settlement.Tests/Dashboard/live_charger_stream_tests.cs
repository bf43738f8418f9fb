using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using NodaTime;
using Settlement.Domain.Access;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Host.Dashboard;
using Settlement.Ledger;

namespace Settlement.Tests.Dashboard;

/// <summary>
/// The dashboard's live charger status (<c>GET /api/live/chargers</c>) against the real host and ledger: a snapshot of
/// what the key sees, then each change as the ledger commits it, for the roles and sites that may see it.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class live_charger_stream_tests(LedgerDatabase db) : IAsyncLifetime
{
    // The follower reads events a quarter second after they commit, a quarter second apart; a busy test machine needs more.
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(15);
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await new TestHost(db).StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task the_snapshot_lists_a_registered_charger_with_its_connectors()
    {
        var charger = await _host.RegisterChargerAsync(OcppVersion.Ocpp201);

        await using var stream = await LiveStream.OpenAsync(_host.Client(await _host.CreateKeyAsync(AccessRole.Operator)));
        var snapshot = await stream.NextAsync(Soon);

        Assert.Equal("snapshot", snapshot.Event);
        var listed = snapshot.Data.GetProperty("chargers").EnumerateArray().Single(c => c.GetProperty("chargerId").GetString() == charger);
        Assert.Equal("TEST-SITE", listed.GetProperty("siteId").GetString());
        Assert.False(listed.GetProperty("online").GetBoolean());
        Assert.Equal([(1, 1), (2, 1)], listed.GetProperty("connectors").EnumerateArray()
            .Select(c => (c.GetProperty("evseId").GetInt32(), c.GetProperty("connectorId").GetInt32())));
    }

    [Fact]
    public async Task a_charger_going_offline_arrives_as_a_charger_event_within_seconds()
    {
        var charger = await _host.RegisterChargerAsync(OcppVersion.Ocpp16);
        await AppendAsync(charger, new ChargerBooted(charger, "Acme", "Fast 150", null, "1.0", BootReason.PowerUp, Now()));
        await using var stream = await LiveStream.OpenAsync(_host.Http);
        var snapshot = await stream.NextAsync(Soon);

        await AppendAsync(charger, new ChargerWentOffline(charger, Now(), Now()));
        var seen = await stream.UntilAsync(m => m.ChargerId == charger && !m.Data.GetProperty("online").GetBoolean(), Soon);

        Assert.Contains(charger, snapshot.SnapshotChargerIds);
        Assert.Equal("charger", seen[^1].Event);
        Assert.Equal(0, seen[^1].Data.GetProperty("openFaults").GetInt32());
    }

    [Fact]
    public async Task a_sub_operators_stream_never_shows_another_operators_charger()
    {
        var (_, chargerOfA) = await SubOperatorWithChargerAsync("a");
        var (keyOfB, chargerOfB) = await SubOperatorWithChargerAsync("b");
        await using var streamOfB = await LiveStream.OpenAsync(_host.Client(keyOfB));
        var snapshot = await streamOfB.NextAsync(Soon);

        // A's change is committed first: had B's stream been sent it, it would have arrived before B's own.
        await AppendAsync(chargerOfA, new FaultReported(chargerOfA, 1, 1, "GroundFailure", null, null, Now()));
        await AppendAsync(chargerOfB, new FaultReported(chargerOfB, 1, 1, "GroundFailure", null, null, Now()));
        var seen = await streamOfB.UntilAsync(m => m.ChargerId == chargerOfB, Soon);

        Assert.Contains(chargerOfB, snapshot.SnapshotChargerIds);
        Assert.DoesNotContain(chargerOfA, snapshot.SnapshotChargerIds);
        Assert.DoesNotContain(seen, m => m.ChargerId is { } id && id != chargerOfB);
        Assert.Equal(1, seen[^1].Data.GetProperty("openFaults").GetInt32());
    }

    [Fact]
    public async Task the_fifth_stream_of_one_key_is_refused_naming_the_limit_and_another_key_still_opens_one()
    {
        var client = _host.Client(await _host.CreateKeyAsync(AccessRole.Operator));
        var open = new List<LiveStream>();
        try
        {
            for (var i = 0; i < LiveChargerFeed.StreamsPerKey; i++) open.Add(await LiveStream.OpenAsync(client));

            var fifth = await client.GetAsync(LiveStream.Route);
            await using var otherKeys = await LiveStream.OpenAsync(_host.Client(await _host.CreateKeyAsync(AccessRole.Operator)));

            Assert.Equal(HttpStatusCode.TooManyRequests, fifth.StatusCode);
            Assert.Contains($"At most {LiveChargerFeed.StreamsPerKey} live streams per API key",
                (await fifth.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        }
        finally
        {
            foreach (var stream in open) await stream.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_finance_key_is_refused()
    {
        var finance = _host.Client(await _host.CreateKeyAsync(AccessRole.Finance));

        var refused = await finance.GetAsync(LiveStream.Route);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    private static Instant Now() => SystemClock.Instance.GetCurrentInstant();

    private async Task AppendAsync(string chargerId, object data) =>
        await _host.Ledger.AppendAsync(new StreamAppend(StreamIds.Charger(chargerId),
            [new PendingEvent(data, new EventMetadata("live-test", null, new Actor(ActorKind.Operator, "tests"), Now()))]));

    /// <summary>A sub-operator with a site of its own, a charger there and an operator key of its own.</summary>
    private async Task<(string Key, string ChargerId)> SubOperatorWithChargerAsync(string label)
    {
        var operatorId = $"live-{label}-{Guid.NewGuid():N}"[..14];
        Assert.Equal(HttpStatusCode.Created, (await _host.Http.PostAsJsonAsync("/api/operators", new { operatorId, name = $"Brand {operatorId}" })).StatusCode);
        var site = await _host.RegisterSiteAsync($"LIVE-{Guid.NewGuid():N}"[..13].ToUpperInvariant());
        Assert.Equal(HttpStatusCode.OK, (await _host.Http.PostAsJsonAsync($"/api/sites/{site}/operator", new { operatorId })).StatusCode);
        var chargerId = "L" + Guid.NewGuid().ToString("N")[..10];
        await AppendAsync(chargerId, new ChargerRegistered(chargerId, site, "Acme", "Fast 150", OcppVersion.Ocpp201,
            [new EvseSpecification(1, [new ConnectorSpecification(1, ConnectorStandard.Ccs2, 150m)])], Now()));
        return (await _host.CreateKeyAsync(AccessRole.Operator, operatorId), chargerId);
    }
}
