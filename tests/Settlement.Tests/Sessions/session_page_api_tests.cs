using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using NodaTime;
using Settlement.Domain.Events;
using Settlement.Domain.Sessions;
using Settlement.Ledger;

namespace Settlement.Tests.Sessions;

/// <summary>What the dashboard's session pages ask of the API: the latest sessions first, and one session's meter curve.</summary>
[Collection(LedgerCollection.Name)]
public sealed class session_page_api_tests(LedgerDatabase db) : IAsyncLifetime
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];
    private readonly Instant _at = Instant.FromUtc(2026, 10, 20, 8, 0);
    private TestHost _host = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _host = await new TestHost(db).StartAsync();
        _http = _host.Http;
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private string Charger => $"C-{_suffix}";

    private async Task SessionAsync(string name, Instant startedAt, params MeterReading[] readings)
    {
        var sessionId = $"{name}-{_suffix}";
        var metadata = EventMetadata.NewCorrelation(Actor.Charger(Charger), startedAt);
        var events = new List<PendingEvent> { new(new SessionStartedV2(sessionId, Charger, 1, 1, "tx-" + sessionId, null, 1_000, startedAt), metadata) };
        if (readings.Length > 0) events.Add(new PendingEvent(new MeterValuesRecorded(sessionId, readings), metadata));
        await db.Ledger.AppendAsync(new StreamAppend(StreamIds.Session(sessionId), events, 0));
    }

    private async Task<(List<string> Names, string? Next)> ListedAsync(string query)
    {
        var body = await _http.GetFromJsonAsync<JsonElement>($"/api/sessions?charger={Charger}&{query}");
        var next = body.GetProperty("next");
        return ([.. body.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("sessionId").GetString()!.Split('-')[0])],
            next.ValueKind == JsonValueKind.Null ? null : next.GetString());
    }

    [Fact]
    public async Task newest_first_lists_the_latest_start_first_pages_on_and_keeps_to_the_window()
    {
        foreach (var (name, hours) in new[] { ("a", 0), ("b", 1), ("c", 2), ("d", 3) })
            await SessionAsync(name, _at + Duration.FromHours(hours));

        var (firstPage, next) = await ListedAsync("order=newest&limit=2");
        var (secondPage, last) = await ListedAsync($"order=newest&limit=2&cursor={Uri.EscapeDataString(next!)}");
        var (window, _) = await ListedAsync("order=newest&from=2026-10-20T09:00:00Z&to=2026-10-20T11:00:00Z");
        var (oldestFirst, _) = await ListedAsync("limit=10");
        var badOrder = await _http.GetAsync($"/api/sessions?order=sideways");

        Assert.Equal(["d", "c"], firstPage);
        Assert.Equal(["b", "a"], secondPage);
        Assert.Null(last);
        Assert.Equal(["c", "b"], window);
        Assert.Equal(["a", "b", "c", "d"], oldestFirst);
        Assert.Equal(HttpStatusCode.BadRequest, badOrder.StatusCode);
        Assert.StartsWith("order: 'oldest'", (await badOrder.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task a_session_with_its_meter_values_gives_each_reading_and_the_energy_delivered_since_the_start()
    {
        await SessionAsync("m", _at,
            new MeterReading(_at + Duration.FromMinutes(5), 11_000, 120_000m, 30),
            new MeterReading(_at + Duration.FromMinutes(10), 21_500, 126_000m, 41));

        var plain = await _http.GetFromJsonAsync<JsonElement>($"/api/sessions/m-{_suffix}");
        var withMeter = await _http.GetFromJsonAsync<JsonElement>($"/api/sessions/m-{_suffix}?include=meter-values");
        var unknownInclude = await _http.GetAsync($"/api/sessions/m-{_suffix}?include=everything");

        Assert.False(plain.TryGetProperty("meterValues", out _));
        Assert.Equal($"m-{_suffix}", withMeter.GetProperty("session").GetProperty("sessionId").GetString());
        Assert.Equal([(11_000L, 10_000L, 120_000m), (21_500L, 20_500L, 126_000m)],
            withMeter.GetProperty("meterValues").EnumerateArray()
                .Select(r => (r.GetProperty("energyWh").GetInt64(), r.GetProperty("deliveredWh").GetInt64(), r.GetProperty("powerW").GetDecimal())));
        Assert.False(withMeter.GetProperty("truncated").GetBoolean());
        Assert.Equal(HttpStatusCode.BadRequest, unknownInclude.StatusCode);
        Assert.StartsWith("include: 'meter-values'", (await unknownInclude.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }
}
