using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using NodaTime.Text;
using Settlement.Domain.Tariffs;
using Settlement.Host;
using Settlement.Ledger;
using Settlement.Ledger.Store;
using Settlement.Tests.Ocpp;

namespace Settlement.Tests.Tariffs;

[Collection(LedgerCollection.Name)]
public sealed class tariff_api_tests(LedgerDatabase db) : IAsyncLifetime
{
    private TestHost _host = null!;
    private HttpClient _http = null!;
    private PricedNetwork _network = null!;

    // Tariffs are only ever published for the future, so the tests price sessions a day ahead.
    private static readonly Instant ValidFrom = SystemClock.Instance.GetCurrentInstant().Plus(Duration.FromDays(1));

    public async Task InitializeAsync()
    {
        _host = await new TestHost(db).StartAsync();
        await _host.DisposeOnFailureAsync(async () =>
        {
            _http = _host.Http;
            _network = await new PricedNetwork(db.Ledger).RegisterSiteAsync("Europe/Berlin");
            await _network.RegisterChargerAsync();
        });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task a_published_and_assigned_tariff_is_in_force_for_the_sites_evses_and_quoted_ad_hoc()
    {
        var published = await PublishAsync(_network.TariffId, perKwh: 0.59m);
        Assert.Equal(HttpStatusCode.Created, published.StatusCode);
        Assert.Equal(1, (await published.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32());
        var assigned = await AssignAsync(_network.TariffId, TariffScope.Site, _network.SiteId);
        Assert.Equal(HttpStatusCode.Created, assigned.StatusCode);

        var history = await _http.GetFromJsonAsync<JsonElement>($"/api/tariffs/{_network.TariffId}");
        var version = Assert.Single(history.GetProperty("versions").EnumerateArray());
        Assert.Equal(1, version.GetProperty("streamVersion").GetInt64());
        Assert.Equal(_network.SiteId, Assert.Single(history.GetProperty("assignments").EnumerateArray()).GetProperty("scopeId").GetString());

        var inForce = await _http.GetFromJsonAsync<JsonElement>($"/api/evses/{_network.ChargerId}/2/tariff?at={Text(ValidFrom + Duration.FromHours(1))}");
        Assert.Equal(_network.TariffId, inForce.GetProperty("tariff").GetProperty("tariffId").GetString());
        Assert.Equal(JsonValueKind.Null, inForce.GetProperty("until").ValueKind);
        var before = await _http.GetAsync($"/api/evses/{_network.ChargerId}/2/tariff?at={Text(ValidFrom - Duration.FromHours(1))}");
        Assert.Equal(HttpStatusCode.NotFound, before.StatusCode);

        var quote = await _http.GetFromJsonAsync<JsonElement>($"/api/evses/{_network.ChargerId}/1/adhoc-price?at={Text(ValidFrom + Duration.FromHours(1))}");
        Assert.Equal("EUR", quote.GetProperty("currency").GetString());
        Assert.Equal(0.59m, quote.GetProperty("perKwh").GetProperty("inclVat").GetDecimal());
        Assert.Equal(JsonValueKind.Null, quote.GetProperty("sessionFee").ValueKind);
    }

    [Fact]
    public async Task a_session_on_a_priced_evse_has_its_price_breakdown()
    {
        await PublishAsync(_network.TariffId, perKwh: 0.50m);
        await AssignAsync(_network.TariffId, TariffScope.Evse, TariffScopes.EvseKey(_network.ChargerId, 1));
        var sessionId = await _network.ChargeAsync(ValidFrom + Duration.FromHours(2), readings: 3, whPerReading: 2_000);

        await _host.Services.GetRequiredService<AsyncProjections>().WaitForNonStaleDataAsync(TimeSpan.FromSeconds(60));
        var view = await _http.GetFromJsonAsync<JsonElement>($"/api/sessions/{sessionId}/price");

        Assert.Equal("Stopped", view.GetProperty("status").GetString());
        Assert.Equal(6_000m, view.GetProperty("price").GetProperty("energyWh").GetDecimal());
        var total = view.GetProperty("price").GetProperty("totalInclVat");
        Assert.Equal((3.00m, "EUR"), (total.GetProperty("amount").GetDecimal(), total.GetProperty("currency").GetString()));
        Assert.Equal(_network.TariffId, view.GetProperty("sources").GetProperty("tariffs")[0].GetProperty("tariffId").GetString());
    }

    [Fact]
    public async Task an_invalid_tariff_is_refused_with_every_problem()
    {
        var response = await PublishAsync(_network.TariffId, perKwh: -0.10m, currency: "EURO");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var problems = body.GetProperty("problems").EnumerateArray().Select(p => p.GetString()).ToList();
        Assert.Contains(problems, p => p!.Contains("currency 'EURO'"));
        Assert.Contains(problems, p => p!.Contains("is negative"));
        Assert.Contains("was refused", body.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/api/tariffs/{_network.TariffId}")).StatusCode);
    }

    [Fact]
    public async Task a_malformed_body_is_a_400_that_says_what_is_wrong()
    {
        var response = await _http.PostAsync("/api/tariffs",
            new StringContent("""{ "tariffId": "X", "currency": "EUR" }""", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("pricesIncludeVat", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task assignments_name_a_published_tariff_and_a_registered_place()
    {
        var unpublished = await AssignAsync("NEVER-PUBLISHED-" + Guid.NewGuid().ToString("N")[..6], TariffScope.Site, _network.SiteId);
        Assert.Equal(HttpStatusCode.NotFound, unpublished.StatusCode);

        await PublishAsync(_network.TariffId, perKwh: 0.45m);
        var nowhere = await AssignAsync(_network.TariffId, TariffScope.Site, "NO-SUCH-SITE");
        Assert.Equal(HttpStatusCode.BadRequest, nowhere.StatusCode);
        Assert.Contains("site 'NO-SUCH-SITE' is not registered", await nowhere.Content.ReadAsStringAsync());
        var noEvse = await AssignAsync(_network.TariffId, TariffScope.Evse, TariffScopes.EvseKey(_network.ChargerId, 7));
        Assert.Equal(HttpStatusCode.BadRequest, noEvse.StatusCode);
    }

    [Theory]
    [InlineData("NO-SUCH-CHARGER", "1", null, HttpStatusCode.NotFound, "is not registered")]
    [InlineData(null, "3", null, HttpStatusCode.NotFound, "has no EVSE 3")]
    [InlineData(null, "one", null, HttpStatusCode.BadRequest, "is not a number")]
    [InlineData(null, "1", "yesterday", HttpStatusCode.BadRequest, "is not an instant")]
    public async Task questions_about_an_evse_that_is_not_there_say_so(string? chargerId, string evseId, string? at, HttpStatusCode status, string says)
    {
        var query = at is null ? "" : $"?at={at}";
        foreach (var what in new[] { "tariff", "adhoc-price" })
        {
            var response = await _http.GetAsync($"/api/evses/{chargerId ?? _network.ChargerId}/{evseId}/{what}{query}");

            Assert.Equal(status, response.StatusCode);
            Assert.Contains(says, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        }
    }

    [Fact]
    public async Task a_time_of_use_tariff_names_only_the_restrictions_it_uses_and_is_quoted_in_local_time()
    {
        var body = $$"""
            { "tariffId": "{{_network.TariffId}}", "currency": "EUR", "pricesIncludeVat": true,
              "validFrom": "{{InstantPattern.ExtendedIso.Format(ValidFrom)}}",
              "elements": [
                { "priceComponents": [ { "type": "Energy", "price": 0.49, "vatPercent": 19 } ],
                  "restrictions": { "startTime": "22:00", "endTime": "06:00" } },
                { "priceComponents": [ { "type": "Energy", "price": 0.69, "vatPercent": 19 },
                                       { "type": "Flat", "price": 0.50, "vatPercent": 19 } ] } ] }
            """;

        var published = await _http.PostAsync("/api/tariffs", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, published.StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await AssignAsync(_network.TariffId, TariffScope.Site, _network.SiteId)).StatusCode);

        var berlin = DateTimeZoneProviders.Tzdb["Europe/Berlin"];
        var night = ValidFrom.InZone(berlin).Date.PlusDays(1).At(new LocalTime(23, 0)).InZoneStrictly(berlin).ToInstant();
        var quote = await _http.GetFromJsonAsync<JsonElement>($"/api/evses/{_network.ChargerId}/1/adhoc-price?at={Text(night)}");
        Assert.Equal(0.49m, quote.GetProperty("perKwh").GetProperty("inclVat").GetDecimal());
        Assert.Equal(0.411765m, quote.GetProperty("perKwh").GetProperty("exclVat").GetDecimal());
        // OCPI: the night element prices no flat fee, so the unrestricted element's fee applies at night too.
        Assert.Equal(0.50m, quote.GetProperty("sessionFee").GetProperty("inclVat").GetDecimal());
    }

    [Fact]
    public async Task an_unknown_session_has_no_price()
    {
        var response = await _http.GetAsync("/api/sessions/NO-SUCH-SESSION/price");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private Task<HttpResponseMessage> PublishAsync(string tariffId, decimal perKwh, string currency = "EUR") =>
        _http.PostAsJsonAsync("/api/tariffs", new Settlement.Host.Tariffs.TariffEndpoints.PublishTariffBody(tariffId, currency, PricesIncludeVat: true,
            [new Settlement.Host.Tariffs.TariffEndpoints.ElementBody([new Settlement.Host.Tariffs.TariffEndpoints.PriceComponentBody(PriceComponentType.Energy, perKwh, VatPercent: 19m)])],
            ValidFrom), LedgerJson.Options);

    private Task<HttpResponseMessage> AssignAsync(string tariffId, TariffScope scope, string scopeId) =>
        _http.PostAsJsonAsync($"/api/tariffs/{tariffId}/assignments", new Settlement.Host.Tariffs.TariffEndpoints.AssignTariffBody(scope, scopeId, ValidFrom), LedgerJson.Options);

    private static string Text(Instant instant) => Uri.EscapeDataString(InstantPattern.ExtendedIso.Format(instant));
}
