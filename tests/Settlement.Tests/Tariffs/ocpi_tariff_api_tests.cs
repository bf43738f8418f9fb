using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NodaTime;
using Settlement.Domain.Tariffs;
using Settlement.Host.Roaming.Ocpi;

namespace Settlement.Tests.Tariffs;

/// <summary>POST /api/tariffs/ocpi: a tariff written exactly as an OCPI 2.2.1 Tariff object, or why not, field by field.</summary>
[Collection(LedgerCollection.Name)]
public sealed class ocpi_tariff_api_tests(LedgerDatabase db) : IAsyncLifetime
{
    private TestHost _host = null!;
    private static readonly Instant ValidFrom = SystemClock.Instance.GetCurrentInstant() + Duration.FromDays(3);

    public async Task InitializeAsync() => _host = await new TestHost(db).StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static JsonObject Tariff(string id) => new()
    {
        ["country_code"] = "DE", ["party_id"] = "STL", ["id"] = id, ["currency"] = "EUR",
        ["start_date_time"] = OcpiJson.DateTime(ValidFrom), ["last_updated"] = "2026-01-01T00:00:00Z",
        ["elements"] = new JsonArray(
            new JsonObject
            {
                ["price_components"] = new JsonArray(new JsonObject { ["type"] = "TIME", ["price"] = 2.40m, ["vat"] = 19m, ["step_size"] = 900 }),
                ["restrictions"] = new JsonObject
                {
                    ["start_time"] = "17:00", ["end_time"] = "20:00", ["start_date"] = "2026-01-01", ["day_of_week"] = new JsonArray("FRIDAY"),
                    ["max_power"] = 50m, ["reservation"] = "RESERVATION_EXPIRES",
                },
            },
            new JsonObject
            {
                ["price_components"] = new JsonArray(
                    new JsonObject { ["type"] = "ENERGY", ["price"] = 0.25m, ["vat"] = 19m, ["step_size"] = 0 },
                    new JsonObject { ["type"] = "PARKING_TIME", ["price"] = 1.00m, ["step_size"] = 900 }),
            }),
    };

    [Fact]
    public async Task an_ocpi_tariff_is_published_as_is_and_read_back_the_same_through_the_tariffs_module()
    {
        var id = "OCPI-API-" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();

        using var response = await PostAsync(Tariff(id).ToJsonString());

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var published = (await response.Content.ReadFromJsonAsync<JsonElement>());
        Assert.False(published.GetProperty("pricesIncludeVat").GetBoolean());
        Assert.Equal(ValidFrom.ToUnixTimeSeconds(), NodaTime.Text.InstantPattern.ExtendedIso.Parse(published.GetProperty("validFrom").GetString()!).Value.ToUnixTimeSeconds());
        var emsp = await Roaming.OcpiTestPartner.StartEmspAsync();
        await using (emsp)
        {
            await Roaming.OcpiTestPartner.RegisterDirectlyAsync(_host, emsp);
            using var ocpi = Roaming.OcpiTestPartner.Client(_host, emsp.TokenC);
            var sent = (await Roaming.ocpi_locations_tests.AllPagesAsync(ocpi, "/ocpi/2.2.1/tariffs")).Single(t => (string)t["id"]! == id);
            var expected = Tariff(id);
            // step_size 0 (no steps) is our 1 Wh; last_updated is when we published it.
            expected["elements"]![1]!["price_components"]![0]!["step_size"] = 1;
            Assert.Equal(Canonical(expected["elements"]), Canonical(sent["elements"]));
            Assert.Equal((string)expected["start_date_time"]!, (string)sent["start_date_time"]!);
        }
    }

    [Theory]
    [InlineData("elements[0].price_components[0].type", "type", null)]
    [InlineData("elements[0].price_components[0].type", "type", "\"KWH\"")]
    [InlineData("elements[0].price_components[0].step_size", "step_size", null)]
    [InlineData("elements[0].price_components[0].price", "price", "\"cheap\"")]
    [InlineData("elements[0].restrictions.start_date", "restrictions.start_date", "\"01.01.2026\"")]
    [InlineData("min_price", "min_price", "{\"excl_vat\": 1.0}")]
    [InlineData("tariff_alt_text", "tariff_alt_text", "[{\"language\": \"en\", \"text\": \"cheap\"}]")]
    [InlineData("party_id", "party_id", "\"XYZ\"")]
    [InlineData("start_date_time", "start_date_time", null)]
    [InlineData("id", "id", "\"0123456789012345678901234567890123456789\"")]
    public async Task a_departure_from_the_ocpi_shape_is_refused_naming_the_field(string field, string path, string? value)
    {
        var id = "OCPI-BAD-" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var body = Tariff(id);
        Set(body, path, value is null ? null : JsonNode.Parse(value));

        using var response = await PostAsync(body.ToJsonString());
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(answer.GetProperty("problems").EnumerateArray(), p => p.GetString()!.StartsWith(field, StringComparison.Ordinal));
        Assert.Equal(0, await _host.Ledger.StreamVersionAsync(Settlement.Domain.Events.StreamIds.Tariff(id)));
    }

    [Fact]
    public async Task a_body_that_is_not_json_is_refused_and_says_so()
    {
        using var response = await PostAsync("{\"id\": ");
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("body: malformed JSON", answer.GetProperty("problems")[0].GetString());
    }

    [Fact]
    public async Task what_our_validation_refuses_is_refused_the_same_way()
    {
        var body = Tariff("OCPI-NEG-" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant());
        body["elements"]![1]!["price_components"]![0]!["price"] = -1m;

        using var response = await PostAsync(body.ToJsonString());
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("ENERGY price -1 is negative", answer.GetProperty("error").GetString());
    }

    private Task<HttpResponseMessage> PostAsync(string json) =>
        _host.Http.PostAsync("/api/tariffs/ocpi", new StringContent(json, Encoding.UTF8, "application/json"));

    /// <summary>Sets (null: removes) a field of the first element's first component, its restrictions, or the tariff.</summary>
    private static void Set(JsonObject tariff, string path, JsonNode? value)
    {
        var element = tariff["elements"]![0]!.AsObject();
        var (target, name) = path switch
        {
            "type" or "step_size" or "price" => (element["price_components"]![0]!.AsObject(), path),
            _ when path.StartsWith("restrictions.", StringComparison.Ordinal) => (element["restrictions"]!.AsObject(), path["restrictions.".Length..]),
            _ => (tariff, path),
        };
        if (value is null) target.Remove(name);
        else target[name] = value;
    }

    /// <summary>The JSON with numbers compared as decimals (0.25 and 0.250 are one price).</summary>
    private static string Canonical(JsonNode? node) => node switch
    {
        JsonObject o => "{" + string.Join(",", o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}:{Canonical(p.Value)}")) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(Canonical)) + "]",
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => decimal.Parse(v.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture).ToString("G29", System.Globalization.CultureInfo.InvariantCulture),
        null => "null",
        _ => node.ToJsonString(),
    };
}
