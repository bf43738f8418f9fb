using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Domain.Sessions;
using Settlement.Ledger;
using Settlement.Tests.Ocpp;

namespace Settlement.Tests.Chargers;

/// <summary>Sites, chargers and EVSEs onboarded through the API, and the lists that show them a page at a time.</summary>
[Collection(LedgerCollection.Name)]
public sealed class onboarding_api_tests(LedgerDatabase db) : IAsyncLifetime
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];
    private TestHost _host = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _host = await new TestHost(db).StartAsync();
        _http = _host.Http;
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static object Site(string siteId, string timeZone = "Europe/Berlin", decimal gridCapacityKw = 800m, string name = "Munich hub") => new
    {
        siteId, name, address = new { street = "Marienplatz 8", postalCode = "80331", city = "München", countryCode = "DE" },
        latitude = 48.1374m, longitude = 11.5755m, timeZone, gridCapacityKw, gridCapacityAmpsPerPhase = 1_250m,
    };

    private static object Charger(string chargerId, string siteId) => new
    {
        chargerId, siteId, vendor = "Alpitronic", model = "HYC300", protocol = "Ocpp201",
        evses = new[] { new { evseId = 1, connectors = new[] { new { connectorId = 1, standard = "Ccs2", maxPowerKw = 300 } } } },
        password = TestHost.Password,
    };

    private async Task<string> RegisteredSiteAsync()
    {
        var siteId = $"S-{_suffix}";
        Assert.Equal(HttpStatusCode.Created, (await _http.PostAsJsonAsync("/api/sites", Site(siteId))).StatusCode);
        return siteId;
    }

    private static async Task<string> ErrorOf(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString()!;

    [Fact]
    public async Task a_site_registered_through_the_api_is_fetched_listed_and_changed()
    {
        var siteId = await RegisteredSiteAsync();

        var fetched = await _http.GetFromJsonAsync<JsonElement>($"/api/sites/{siteId}");
        var changed = await _http.PutAsJsonAsync($"/api/sites/{siteId}",
            new { name = "Munich Altstadt hub", address = new { street = "Marienplatz 8", postalCode = "80331", city = "München", countryCode = "DE" },
                  latitude = 48.1374m, longitude = 11.5755m, timeZone = "Europe/Berlin", gridCapacityKw = 1_000m });
        var after = await _http.GetFromJsonAsync<JsonElement>($"/api/sites/{siteId}");
        var unknown = await _http.GetAsync($"/api/sites/NO-{_suffix}");

        Assert.Equal(("Munich hub", "80331", "Europe/Berlin", 800m, 1_250m),
            (fetched.GetProperty("name").GetString(), fetched.GetProperty("address").GetProperty("postalCode").GetString(),
             fetched.GetProperty("timeZone").GetString(), fetched.GetProperty("gridCapacityKw").GetDecimal(), fetched.GetProperty("gridCapacityAmpsPerPhase").GetDecimal()));
        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
        Assert.Equal(("Munich Altstadt hub", 1_000m), (after.GetProperty("name").GetString(), after.GetProperty("gridCapacityKw").GetDecimal()));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var stream = await db.Ledger.ReadStreamAsync(StreamIds.Site(siteId));
        Assert.Equal(["site_registered_v2", "site_details_changed_v1"], stream.Select(e => e.StoredType));
        Assert.All(stream, e => Assert.Equal(ActorKind.ApiKey, e.Metadata.Actor.Kind));
    }

    [Fact]
    public async Task a_zone_that_does_not_match_the_position_is_a_422_naming_the_field_and_the_zones_to_use()
    {
        var response = await _http.PostAsJsonAsync("/api/sites", Site($"S-{_suffix}", timeZone: "Europe/Paris"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("timeZone: Europe/Paris is not a time zone of DE, where latitude/longitude lie; use one of Europe/Berlin, Europe/Busingen.", await ErrorOf(response));
        Assert.Equal(0, await db.Ledger.StreamVersionAsync(StreamIds.Site($"S-{_suffix}")));
    }

    [Fact]
    public async Task an_unknown_zone_or_a_grid_limit_out_of_range_is_a_400_naming_each_field()
    {
        var response = await _http.PostAsJsonAsync("/api/sites", Site($"S-{_suffix}", timeZone: "Europe/Atlantis", gridCapacityKw: -5m));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problems = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("problems").EnumerateArray().Select(p => p.GetString()).ToList();
        Assert.Contains(problems, p => p!.StartsWith("timeZone: an IANA time zone id such as Europe/Berlin", StringComparison.Ordinal));
        Assert.Contains(problems, p => p!.StartsWith("gridCapacityKw: the grid connection's limit in kW", StringComparison.Ordinal));
    }

    [Fact]
    public async Task a_charger_on_an_unknown_site_is_a_422_and_starts_no_stream()
    {
        var chargerId = $"C-{_suffix}";

        var response = await _http.PostAsJsonAsync("/api/chargers", Charger(chargerId, $"NO-SITE-{_suffix}"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal($"siteId: site NO-SITE-{_suffix} is not registered; register it first with POST /api/sites.", await ErrorOf(response));
        Assert.Equal(0, await db.Ledger.StreamVersionAsync(StreamIds.Charger(chargerId)));
    }

    [Fact]
    public async Task an_evse_added_to_a_charger_shows_with_its_connectors_and_no_password_hash_is_shown()
    {
        var siteId = await RegisteredSiteAsync();
        var chargerId = $"C-{_suffix}";
        Assert.Equal(HttpStatusCode.Created, (await _http.PostAsJsonAsync("/api/chargers", Charger(chargerId, siteId))).StatusCode);

        var added = await _http.PutAsJsonAsync($"/api/chargers/{chargerId}/evses/2",
            new { connectors = new[] { new { connectorId = 1, standard = "Type2", maxPowerKw = 22 }, new { connectorId = 2, standard = "Ccs2", maxPowerKw = 50 } } });
        var empty = await _http.PutAsJsonAsync($"/api/chargers/{chargerId}/evses/3", new { connectors = Array.Empty<object>() });
        var text = await _http.GetStringAsync($"/api/chargers/{chargerId}");
        var charger = JsonDocument.Parse(text).RootElement;

        Assert.Equal(HttpStatusCode.NoContent, added.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal(2, charger.GetProperty("evseCount").GetInt32());
        Assert.Equal([1, 2], charger.GetProperty("evses").EnumerateArray().Select(e => e.GetProperty("evseId").GetInt32()));
        Assert.Equal(2, charger.GetProperty("evses")[1].GetProperty("connectors").GetArrayLength());
        Assert.True(charger.GetProperty("passwordSet").GetBoolean());
        Assert.DoesNotContain("pbkdf2", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("passwordHash", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task paging_with_a_small_limit_walks_every_charger_of_a_site_exactly_once_while_chargers_are_added()
    {
        var siteId = await RegisteredSiteAsync();
        foreach (var n in new[] { "B", "D", "F", "H", "J" })
            Assert.Equal(HttpStatusCode.Created, (await _http.PostAsJsonAsync("/api/chargers", Charger($"{n}-{_suffix}", siteId))).StatusCode);

        var seen = new List<string>();
        string? path = $"/api/chargers?site={siteId}&limit=2";
        var links = 0;
        for (var page = 0; path is not null; page++)
        {
            var response = await _http.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            seen.AddRange(body.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("chargerId").GetString()!));
            if (page == 0)
                // One before the cursor (never shown) and one after it (shown later).
                foreach (var n in new[] { "A", "I" })
                    Assert.Equal(HttpStatusCode.Created, (await _http.PostAsJsonAsync("/api/chargers", Charger($"{n}-{_suffix}", siteId))).StatusCode);
            var next = body.GetProperty("next");
            if (next.ValueKind == JsonValueKind.Null) { Assert.False(response.Headers.Contains("Link")); path = null; continue; }
            var link = Assert.Single(response.Headers.GetValues("Link"));
            Assert.EndsWith("; rel=\"next\"", link);
            Assert.Contains($"site={siteId}", link);
            links++;
            path = $"/api/chargers?site={siteId}&limit=2&cursor={Uri.EscapeDataString(next.GetString()!)}";
        }

        Assert.Equal(["B", "D", "F", "H", "I", "J"], seen.Select(id => id.Split('-')[0]));
        Assert.Equal(2, links);
    }

    [Fact]
    public async Task a_limit_or_cursor_out_of_shape_is_a_400_naming_the_parameter()
    {
        var limit = await _http.GetAsync("/api/sites?limit=5000");
        var cursor = await _http.GetAsync("/api/invoices?cursor=not-a-cursor!");

        Assert.Equal(HttpStatusCode.BadRequest, limit.StatusCode);
        Assert.StartsWith("limit: a whole number from 1 to 1000", await ErrorOf(limit));
        Assert.Equal(HttpStatusCode.BadRequest, cursor.StatusCode);
        Assert.StartsWith("cursor: pass back the 'next' value", await ErrorOf(cursor));
    }

    [Fact]
    public async Task sessions_are_listed_by_start_time_and_filtered_by_site_charger_window_and_status()
    {
        var siteId = await RegisteredSiteAsync();
        var (first, second) = ($"X-{_suffix}", $"Y-{_suffix}");
        foreach (var id in new[] { first, second })
            Assert.Equal(HttpStatusCode.Created, (await _http.PostAsJsonAsync("/api/chargers", Charger(id, siteId))).StatusCode);
        var at = Instant.FromUtc(2026, 10, 20, 8, 0);
        await StartAsync($"s1-{_suffix}", first, at, stoppedAfter: Duration.FromMinutes(30));
        await StartAsync($"s2-{_suffix}", second, at + Duration.FromHours(1), stoppedAfter: null);
        await StartAsync($"s3-{_suffix}", first, at + Duration.FromHours(2), stoppedAfter: Duration.FromMinutes(10));

        async Task<List<string>> Listed(string query)
        {
            var body = await _http.GetFromJsonAsync<JsonElement>($"/api/sessions?{query}");
            return [.. body.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("sessionId").GetString()!.Split('-')[0])];
        }

        Assert.Equal(["s1", "s2", "s3"], await Listed($"site={siteId}"));
        Assert.Equal(["s1", "s3"], await Listed($"charger={first}"));
        Assert.Equal(["s2"], await Listed($"site={siteId}&status=active"));
        Assert.Equal(["s1", "s3"], await Listed($"site={siteId}&status=completed"));
        Assert.Equal(["s2"], await Listed($"site={siteId}&from=2026-10-20T08:30:00Z&to=2026-10-20T10:00:00Z"));
        Assert.Equal(["s1", "s2"], await Listed($"site={siteId}&to=2026-10-20T10:00:00Z"));
        var one = await _http.GetFromJsonAsync<JsonElement>($"/api/sessions/s1-{_suffix}");
        Assert.Equal(("Stopped", 2_000L), (one.GetProperty("status").GetString(), one.GetProperty("meterStopWh").GetInt64()));
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.GetAsync($"/api/sessions?status=paused")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.GetAsync($"/api/sessions?from=yesterday")).StatusCode);
    }

    [Fact]
    public async Task issuers_and_tariffs_are_listed_and_an_issuer_fetched()
    {
        var issuerId = $"iss-{_suffix}";
        Assert.Equal(HttpStatusCode.Created, (await _http.PostAsJsonAsync("/api/issuers",
            new { issuerId, legalName = "Settlement Charging GmbH", address = "Hauptstr. 1, 10115 Berlin", countryCode = "DE", vatId = "DE300000002" })).StatusCode);

        var issuer = await _http.GetFromJsonAsync<JsonElement>($"/api/issuers/{issuerId}");
        var issuers = await WalkAsync("/api/issuers?limit=50", "issuerId");
        var tariffs = await _http.GetFromJsonAsync<JsonElement>("/api/tariffs?limit=1");

        Assert.Equal("DE300000002", issuer.GetProperty("vatId").GetString());
        Assert.Contains(issuerId, issuers);
        Assert.Equal(issuers.Count, issuers.Distinct().Count());
        Assert.True(tariffs.GetProperty("items").GetArrayLength() <= 1);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/api/issuers/none-{_suffix}")).StatusCode);
    }

    private async Task<List<string>> WalkAsync(string path, string idField)
    {
        var ids = new List<string>();
        for (string? next = path; next is not null;)
        {
            var response = await _http.GetAsync(next);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            ids.AddRange(body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty(idField).GetString()!));
            next = response.Headers.TryGetValues("Link", out var link) ? link.Single().Split('>')[0].TrimStart('<') : null;
        }
        return ids;
    }

    private async Task StartAsync(string sessionId, string chargerId, Instant at, Duration? stoppedAfter)
    {
        var metadata = EventMetadata.NewCorrelation(Actor.Charger(chargerId), at);
        var events = new List<PendingEvent> { new(new SessionStartedV2(sessionId, chargerId, 1, 1, "tx-" + sessionId, null, 1_000, at), metadata) };
        if (stoppedAfter is { } took)
            events.Add(new PendingEvent(new SessionStopped(sessionId, 2_000, StopReason.Local, at + took), metadata));
        await db.Ledger.AppendAsync(new StreamAppend(StreamIds.Session(sessionId), events, 0));
    }
}
