using Settlement.Ledger.Store;
using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Host;
using Settlement.Ledger;
using Settlement.Tests.Ocpp;

namespace Settlement.Tests.Host;

[Collection(LedgerCollection.Name)]
public sealed class host_api_tests(LedgerDatabase db) : IAsyncLifetime
{
    private TestHost _host = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _host = await new TestHost(db).StartAsync();
        _http = _host.Http;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task a_registered_charger_is_listed_and_its_stream_is_readable_with_metadata()
    {
        var chargerId = "T-" + Guid.NewGuid().ToString("N")[..8];
        var at = Instant.FromUtc(2026, 10, 1, 8, 0);
        var registered = new ChargerRegistered(chargerId, "DE-MUC", "Alpitronic", "HYC300", OcppVersion.Ocpp201,
            [new EvseSpecification(1, [new ConnectorSpecification(1, ConnectorStandard.Ccs2, 300m)])], at);
        var booted = new ChargerBooted(chargerId, "Alpitronic", "HYC300", "SN-1", "1.4.2", BootReason.PowerUp, at.Plus(Duration.FromSeconds(30)));
        var metadata = EventMetadata.NewCorrelation(Actor.Charger(chargerId), at);
        await db.Ledger.AppendAsync(StreamAppend.New(StreamIds.Charger(chargerId),
            new PendingEvent(registered, metadata), new PendingEvent(booted, metadata with { OccurredAt = at.Plus(Duration.FromSeconds(30)) })));

        var listed = await _http.GetFromJsonAsync<JsonElement>($"/api/chargers/{chargerId}");
        Assert.True(listed.GetProperty("online").GetBoolean());
        Assert.Equal("1.4.2", listed.GetProperty("firmwareVersion").GetString());

        var stream = await _http.GetFromJsonAsync<JsonElement>($"/api/streams/{StreamIds.Charger(chargerId)}");
        var first = stream.EnumerateArray().First();
        Assert.Equal("charger_registered_v1", first.GetProperty("type").GetString());
        Assert.Equal($"charger:{chargerId}", first.GetProperty("actor").GetString());
        Assert.Equal(metadata.CorrelationId, first.GetProperty("correlationId").GetString());
        Assert.Equal("2026-10-01T08:00:00Z", first.GetProperty("occurredAt").GetString());
        Assert.Equal("HYC300", first.GetProperty("data").GetProperty("model").GetString());
    }

    [Fact]
    public async Task an_unknown_stream_is_a_404_that_says_what_stream_ids_look_like()
    {
        var response = await _http.GetAsync("/api/streams/charger:nope");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("charger:DE-MUC-01", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task health_reports_the_ledger()
    {
        var health = await _http.GetFromJsonAsync<JsonElement>("/health");

        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Equal("test database", health.GetProperty("database").GetString());
    }

    [Fact]
    public async Task an_ingest_only_host_leaves_the_projections_to_the_others()
    {
        await using (var ingestOnly = await new TestHost(db, settings: new Dictionary<string, string?> { ["Projections:Run"] = "false" }).StartAsync())
        {
            var http = ingestOnly.Http;

            var health = await http.GetFromJsonAsync<JsonElement>("/health");

            Assert.False(health.GetProperty("runsProjections").GetBoolean());
            // Not even a follower: it never joined the election.
            var projections = ingestOnly.Services.GetRequiredService<AsyncProjections>();
            Assert.Throws<InvalidOperationException>(() => { _ = projections.WaitForNonStaleDataAsync(TimeSpan.FromSeconds(1)); });
        }
    }
}
