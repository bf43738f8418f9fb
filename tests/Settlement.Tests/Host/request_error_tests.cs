using System.Net;
using System.Text;
using System.Text.Json;

namespace Settlement.Tests.Host;

/// <summary>A request the API cannot read is a 400 naming every field that is wrong and the shape expected there, never a .NET type.</summary>
[Collection(LedgerCollection.Name)]
public sealed class request_error_tests(LedgerDatabase db) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await new TestHost(db).StartAsync();
    public async Task DisposeAsync() => await _host.DisposeAsync();

    private const string Charger = """
        "chargerId": "E-1", "siteId": "DE-MUC", "model": "HYC300",
        "evses": [{ "evseId": 1, "connectors": [{ "connectorId": 1, "standard": "Ccs2", "maxPowerKw": 150 }] }]
        """;

    private const string Tariff = """
        "tariffId": "E-T", "currency": "EUR", "pricesIncludeVat": true,
        "elements": [{ "priceComponents": [{ "type": "Energy", "price": 0.59 }] }]
        """;

    public static TheoryData<string, string, string> BadBodies => new()
    {
        { "/api/chargers", $$"""{ {{Charger}}, "vendor": "Acme", "protocol": "Ocpp99" }""", "protocol: expected one of Ocpp16, Ocpp201, not \"Ocpp99\"" },
        { "/api/chargers", $$"""{ {{Charger}}, "vendor": 42, "protocol": "Ocpp16" }""", "vendor: expected a string, not 42" },
        { "/api/chargers", $$"""{ {{Charger}}, "protocol": "Ocpp16" }""", "vendor: required, expected a string" },
        { "/api/chargers", $$"""{ {{Charger}}, "vendor": null, "protocol": "Ocpp16" }""", "vendor: expected a string, not null" },
        { "/api/chargers", """{ "chargerId": "E-1", "siteId": "DE-MUC", "vendor": "Acme", "model": "HYC300", "protocol": "Ocpp16", "evses": [{ "evseId": 1, "connectors": [{ "connectorId": 1, "standard": "Schuko", "maxPowerKw": 3 }] }] }""",
            "evses[0].connectors[0].standard: expected one of Type2, Ccs2, Ccs1, Chademo, Nacs, Type1, not \"Schuko\"" },
        { "/api/chargers", """{ "chargerId": "E-1", "siteId": "DE-MUC", "vendor": "Acme", "model": "HYC300", "protocol": "Ocpp16", "evses": { "evseId": 1 } }""",
            "evses: expected an array, each item an object with fields evseId, connectors" },
        { "/api/tariffs", $$"""{ {{Tariff}}, "validFrom": "yesterday" }""", "validFrom: expected an instant in ISO 8601 UTC, like 2026-10-12T18:30:00Z, not \"yesterday\"" },
        { "/api/tariffs", $$"""{ {{Tariff}}, "validFrom": "2026-10-01T00:00:00Z", "validUntil": "2026-10-31" }""", "validUntil: expected an instant in ISO 8601 UTC" },
        { "/api/tax-rates", """{ "jurisdiction": "DE", "ratePercent": 19, "validFrom": "2026-13-01", "source": "UStG" }""", "validFrom: expected a date like 2026-10-01, not \"2026-13-01\"" },
        { "/api/tax-rates", """{ "jurisdiction": "DE", "ratePercent": "nineteen", "validFrom": "2026-01-01", "source": "UStG" }""", "ratePercent: expected a number, not \"nineteen\"" },
        { "/api/sessions/S-1/rating", """{ "stars": 4.5 }""", "stars: expected a whole number, not 4.5" },
        { "/api/keys", """{ "name": "erp", "role": "Finance", "colour": "blue" }""", "colour: not a field here; the fields are name, role, operatorId" },
        { "/api/keys", """{ "name": "erp", "role": "Superuser" }""", "role: expected one of Operator, Finance, Regulator, Auditor, Integration, Partner, not \"Superuser\"" },
        { "/api/keys", """["erp", "Finance"]""", "body: expected an object with fields name, role, operatorId" },
        { "/api/keys", """{ "name": "erp", "role": """, "body: malformed JSON at line 1" },
        { "/api/keys", "", "body: required, expected an object with fields name, role, operatorId" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task a_body_of_the_wrong_shape_is_a_400_naming_the_field_and_the_shape_expected(string path, string body, string problem)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        var response = await _host.Http.PostAsync(path, content);

        var (problems, text) = await ProblemsAsync(response);
        Assert.True(problems.Any(p => p.StartsWith(problem, StringComparison.Ordinal)), $"no problem starts with '{problem}' in {text}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        NamesNoDotnetType(text);
    }

    [Fact]
    public async Task every_problem_of_a_body_is_named_at_once()
    {
        using var content = new StringContent("""{ "chargerId": "E-1", "siteId": "DE-MUC", "model": 7, "protocol": "Ocpp3", "evses": [] }""", Encoding.UTF8, "application/json");
        var response = await _host.Http.PostAsync("/api/chargers", content);

        var (problems, text) = await ProblemsAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(["model: expected a string, not 7", "protocol: expected one of Ocpp16, Ocpp201, not \"Ocpp3\"", "vendor: required, expected a string"],
            problems.Order(StringComparer.Ordinal));
        NamesNoDotnetType(text);
    }

    [Fact]
    public async Task a_query_parameter_of_the_wrong_type_is_a_400_naming_the_parameter_and_its_values()
    {
        var response = await _host.Http.GetAsync("/api/invoices?kind=Receipt");

        var (problems, text) = await ProblemsAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("kind: expected one of SessionInvoice, PartnerInvoice, CreditNote, not 'Receipt'", Assert.Single(problems));
        NamesNoDotnetType(text);
    }

    /// <summary>A typed route parameter is constrained in its route (":int", ":long"), so another value matches no endpoint.</summary>
    [Fact]
    public async Task a_route_value_of_the_wrong_type_matches_no_endpoint()
    {
        var response = await _host.Http.GetAsync("/api/audit/proofs/events/first");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        NamesNoDotnetType(await response.Content.ReadAsStringAsync());
    }

    private static async Task<(IReadOnlyList<string> Problems, string Text)> ProblemsAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        var answer = JsonDocument.Parse(text).RootElement;
        Assert.False(string.IsNullOrWhiteSpace(answer.GetProperty("error").GetString()), text);
        return ([.. answer.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!)], text);
    }

    private static void NamesNoDotnetType(string text)
    {
        foreach (var leak in new[] { "System.", "Settlement.", "NodaTime.", "Microsoft.", "Body ", "Nullable" })
            Assert.DoesNotContain(leak, text);
    }
}
