using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Settlement.Ledger.Store;
using Settlement.Tests.Ocpp;

namespace Settlement.Tests.Invoicing.SalesTax;

[Collection(LedgerCollection.Name)]
public sealed class sales_tax_api_tests(LedgerDatabase db) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await new TestHost(db).StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static object Denver(string validFrom, decimal cityPercent) => new
    {
        components = new object[]
        {
            new { level = "State", authority = "Colorado", ratePercent = 2.9m },
            new { level = "City", authority = "Denver", ratePercent = cityPercent },
            new { level = "SpecialDistrict", authority = "RTD", ratePercent = 1m },
        },
        validFrom, source = "Colorado DOR sales tax rate lookup (test)",
    };

    [Fact]
    public async Task finance_defines_a_us_sites_rates_by_level_and_reads_what_is_in_force_and_the_history()
    {
        var site = (await new Tariffs.PricedNetwork(db.Ledger).RegisterSiteAsync("America/Denver", 39.7392m, -104.9903m, "US")).SiteId;

        var defined = await _host.Http.PutAsJsonAsync($"/api/sites/{site}/sales-tax", Denver("2026-01-01", 4.81m));
        var repeated = await _host.Http.PutAsJsonAsync($"/api/sites/{site}/sales-tax", Denver("2026-01-01", 4.81m));
        var raised = await _host.Http.PutAsJsonAsync($"/api/sites/{site}/sales-tax", Denver("2026-07-01", 5.15m));
        var invalid = await _host.Http.PutAsJsonAsync($"/api/sites/{site}/sales-tax", new
        {
            components = new[] { new { level = "City", authority = "", ratePercent = 48.1m } }, validFrom = "2026-07-01", source = "typo",
        });
        var june = await _host.Http.GetFromJsonAsync<JsonElement>($"/api/sites/{site}/sales-tax?on=2026-06-30");
        var july = await _host.Http.GetFromJsonAsync<JsonElement>($"/api/sites/{site}/sales-tax?on=2026-07-01");
        var unknown = await _host.Http.GetAsync("/api/sites/NO-SUCH-SITE/sales-tax");

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.Created), (defined.StatusCode, repeated.StatusCode, raised.StatusCode));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.StatusCode);
        var problems = (await invalid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToList();
        Assert.Contains(problems, p => p.StartsWith("components[0].authority:"));
        Assert.Contains(problems, p => p.StartsWith("components[0].ratePercent:"));
        Assert.Equal(("US-CO", 8.71m), (june.GetProperty("jurisdiction").GetString(), june.GetProperty("inForce").GetProperty("combinedPercent").GetDecimal()));
        Assert.Equal(9.05m, july.GetProperty("inForce").GetProperty("combinedPercent").GetDecimal());
        Assert.Equal(2, july.GetProperty("history").GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
