using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using NodaTime;
using Settlement.Host.Roaming.Ocpi;
using Settlement.Workbench.Roaming;

namespace Settlement.Tests.Roaming;

/// <summary>OCPI Tariffs, we as sender: our tariffs as OCPI Tariff objects, and the tariffs a Location's connectors name.</summary>
[Collection(LedgerCollection.Name)]
public sealed class ocpi_tariffs_tests(LedgerDatabase db) : IAsyncLifetime
{
    private TestHost _host = null!;
    private EmspDouble _emsp = null!;

    public async Task InitializeAsync()
    {
        _host = await new TestHost(db).StartAsync();
        await _host.DisposeOnFailureAsync(async () =>
        {
            _emsp = await OcpiTestPartner.StartEmspAsync();
            await OcpiTestPartner.RegisterDirectlyAsync(_host, _emsp);
        });
    }

    public async Task DisposeAsync()
    {
        await _emsp.DisposeAsync();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task a_tariff_with_prices_including_vat_is_sent_excluding_it_with_its_restrictions_in_local_time()
    {
        var tariffId = "OCPI-T-" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var validFrom = SystemClock.Instance.GetCurrentInstant() + Duration.FromDays(2);
        var published = await _host.Http.PostAsJsonAsync("/api/tariffs", new
        {
            tariffId, currency = "EUR", pricesIncludeVat = true, validFrom = Text(validFrom),
            elements = new object[]
            {
                new
                {
                    priceComponents = new[] { new { type = "ParkingTime", price = 11.90m, vatPercent = 19m, stepSize = 60 } },
                    restrictions = new { startTime = "08:00", endTime = "20:00", daysOfWeek = new[] { "Monday", "Saturday" }, minDurationSeconds = 1800 },
                },
                new { priceComponents = new[] { new { type = "Energy", price = 0.595m, vatPercent = 19m, stepSize = 1 }, new { type = "Flat", price = 1.19m, vatPercent = 19m, stepSize = 1 } } },
            },
        });
        Assert.Equal(HttpStatusCode.Created, published.StatusCode);

        var tariff = await FindAsync(tariffId);

        Assert.Equal(("DE", "STL", "EUR", OcpiJson.DateTime(validFrom)),
            ((string)tariff["country_code"]!, (string)tariff["party_id"]!, (string)tariff["currency"]!, (string)tariff["start_date_time"]!));
        Assert.Null(tariff["end_date_time"]);
        var parking = tariff["elements"]![0]!;
        Assert.Equal(("PARKING_TIME", 10m, 19m, 60), ((string)parking["price_components"]![0]!["type"]!, (decimal)parking["price_components"]![0]!["price"]!,
            (decimal)parking["price_components"]![0]!["vat"]!, (int)parking["price_components"]![0]!["step_size"]!));
        Assert.Equal(("08:00", "20:00", 1800), ((string)parking["restrictions"]!["start_time"]!, (string)parking["restrictions"]!["end_time"]!,
            (int)parking["restrictions"]!["min_duration"]!));
        Assert.Equal(["MONDAY", "SATURDAY"], parking["restrictions"]!["day_of_week"]!.AsArray().Select(d => (string)d!));
        Assert.Equal([0.5m, 1m], tariff["elements"]![1]!["price_components"]!.AsArray().Select(c => (decimal)c!["price"]!));
        AssertValid(tariff);
    }

    [Fact]
    public async Task every_listed_tariff_validates_and_the_list_pages_like_locations()
    {
        using var client = OcpiTestPartner.Client(_host, _emsp.TokenC);
        // Two at least, so a page of one has a next.
        for (var i = 0; i < 2; i++)
            Assert.Equal(HttpStatusCode.Created, (await _host.Http.PostAsJsonAsync("/api/tariffs", new
            {
                tariffId = "OCPI-P-" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant(), currency = "EUR", pricesIncludeVat = false,
                validFrom = Text(SystemClock.Instance.GetCurrentInstant() + Duration.FromDays(1)),
                elements = new[] { new { priceComponents = new[] { new { type = "Energy", price = 0.40m, stepSize = 1 } } } },
            })).StatusCode);

        using var page = await client.GetAsync("/ocpi/2.2.1/tariffs?limit=1");
        using var bad = await client.GetAsync("/ocpi/2.2.1/tariffs?date_from=soon");
        var all = await ocpi_locations_tests.AllPagesAsync(client, "/ocpi/2.2.1/tariffs");

        Assert.Equal("100", page.Headers.GetValues("X-Limit").Single());
        Assert.Equal(all.Count, int.Parse(page.Headers.GetValues("X-Total-Count").Single()));
        Assert.Contains("offset=1&limit=1", page.Headers.GetValues("Link").Single());
        Assert.Equal(all.Count, all.Select(t => (string)t["id"]!).Distinct().Count());
        Assert.All(all, AssertValid);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.StartsWith("date_from:", (string)(await OcpiTestPartner.EnvelopeAsync(bad))["status_message"]!);
    }

    [Fact]
    public async Task a_connector_names_the_tariff_in_force_for_its_evse()
    {
        var site = await _host.RegisterSiteAsync("LOC-" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant());
        var charger = "L" + Guid.NewGuid().ToString("N")[..10].ToUpperInvariant();
        Assert.Equal(HttpStatusCode.Created, (await _host.Http.PostAsJsonAsync("/api/chargers", new
        {
            chargerId = charger, siteId = site, vendor = "Acme", model = "One", protocol = "Ocpp16",
            evses = new[] { new { evseId = 1, connectors = new[] { new { connectorId = 1, standard = "Type2", maxPowerKw = 11m } } } },
        })).StatusCode);
        var tariffId = "OCPI-S-" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        // Prices never change retroactively: the tariff comes into force a moment from now.
        var from = SystemClock.Instance.GetCurrentInstant() + Duration.FromSeconds(2);
        Assert.Equal(HttpStatusCode.Created, (await _host.Http.PostAsJsonAsync("/api/tariffs", new
        {
            tariffId, currency = "EUR", pricesIncludeVat = false, validFrom = Text(from),
            elements = new[] { new { priceComponents = new[] { new { type = "Energy", price = 0.40m, stepSize = 1 } } } },
        })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _host.Http.PostAsJsonAsync($"/api/tariffs/{tariffId}/assignments",
            new { scope = "Site", scopeId = site, validFrom = Text(from) })).StatusCode);
        await Task.Delay((from - SystemClock.Instance.GetCurrentInstant()).ToTimeSpan() + TimeSpan.FromMilliseconds(200));
        using var client = OcpiTestPartner.Client(_host, _emsp.TokenC);

        var location = (await OcpiTestPartner.EnvelopeAsync(await client.GetAsync($"/ocpi/2.2.1/locations/{site}")))["data"]!;

        Assert.Equal([tariffId], location["evses"]![0]!["connectors"]![0]!["tariff_ids"]!.AsArray().Select(t => (string)t!));
    }

    private static string Text(Instant instant) => NodaTime.Text.InstantPattern.ExtendedIso.Format(instant);

    private async Task<JsonNode> FindAsync(string tariffId)
    {
        using var client = OcpiTestPartner.Client(_host, _emsp.TokenC);
        var all = await ocpi_locations_tests.AllPagesAsync(client, "/ocpi/2.2.1/tariffs");
        return all.Single(t => (string)t["id"]! == tariffId);
    }

    private static void AssertValid(JsonNode? tariff) =>
        Assert.Empty(CommittedSchemas.Problems("ocpi/tariff.json", System.Text.Encoding.UTF8.GetBytes(tariff!.ToJsonString())));
}
