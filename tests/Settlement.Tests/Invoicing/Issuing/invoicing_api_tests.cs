using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Settlement.Ledger.Store;
using Settlement.Tests.Ocpp;

namespace Settlement.Tests.Invoicing.Issuing;

[Collection(LedgerCollection.Name)]
public sealed class invoicing_api_tests(LedgerDatabase db) : IAsyncLifetime
{
    private readonly string _issuer = "api-" + Guid.NewGuid().ToString("N")[..8];
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
    public async Task finance_registers_an_issuer_bills_a_session_lists_it_and_credits_it()
    {
        var network = await new Tariffs.PricedNetwork(db.Ledger).RegisterSiteAsync();
        await network.RegisterChargerAsync();
        await network.PriceSiteAsync(perKwh: 0.60m);
        var session = await network.ChargeAsync(Instant.FromUtc(2026, 10, 20, 7, 0), readings: 3, whPerReading: 5_000);
        await _host.Services.GetRequiredService<AsyncProjections>().WaitForNonStaleDataAsync(TimeSpan.FromSeconds(60));

        var registered = await _http.PostAsJsonAsync("/api/issuers", new
        {
            issuerId = _issuer, legalName = "Settlement Charging GmbH", address = "Hauptstr. 1, 10115 Berlin", countryCode = "DE", vatId = "DE300000002",
        });
        var issued = await _http.PostAsJsonAsync("/api/invoices/sessions", new { issuerId = _issuer, sessionIds = new[] { session } });
        var listed = await _http.GetFromJsonAsync<JsonElement>($"/api/invoices?issuer={_issuer}&session={session}");
        var credited = await _http.PostAsJsonAsync($"/api/invoices/{_issuer}/INV-000001/credit-notes", new { reason = "Goodwill: charger was slow", lines = new[] { 1 } });
        var creditedTwice = await _http.PostAsJsonAsync($"/api/invoices/{_issuer}/INV-000001/credit-notes", new { reason = "again" });
        var afterCredit = await _http.GetFromJsonAsync<JsonElement>($"/api/invoices?issuer={_issuer}");

        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        var invoice = (await issued.Content.ReadFromJsonAsync<JsonElement>())[0];
        // 15 kWh at 0.60 = 9.00 net, 19 % German VAT.
        Assert.Equal(("INV-000001", 9.00m, 1.71m, 10.71m),
            (invoice.GetProperty("number").GetString(), invoice.GetProperty("totalNet").GetDecimal(),
             invoice.GetProperty("totalVat").GetDecimal(), invoice.GetProperty("totalGross").GetDecimal()));
        Assert.Equal($"/api/invoices/{_issuer}/INV-000001", listed.GetProperty("items")[0].GetProperty("href").GetString());
        Assert.Equal(HttpStatusCode.Created, credited.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, creditedTwice.StatusCode);
        Assert.Contains("credited already", (await creditedTwice.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Equal(["INV-000001", "CN-000001"], afterCredit.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("number").GetString()));
        Assert.Equal(-10.71m, afterCredit.GetProperty("items")[1].GetProperty("totalGross").GetDecimal());
    }

    [Fact]
    public async Task every_document_downloads_as_json_pdf_and_csv_and_the_period_exports_balance()
    {
        var network = await new Tariffs.PricedNetwork(db.Ledger).RegisterSiteAsync();
        await network.RegisterChargerAsync();
        await network.PriceSiteAsync(perKwh: 0.45m);
        var session = await network.ChargeAsync(Instant.FromUtc(2026, 10, 21, 7, 0), readings: 2, whPerReading: 10_000);
        await _host.Services.GetRequiredService<AsyncProjections>().WaitForNonStaleDataAsync(TimeSpan.FromSeconds(60));
        await _http.PostAsJsonAsync("/api/issuers", new { issuerId = _issuer, legalName = "Settlement Charging GmbH", address = "Berlin", countryCode = "DE", vatId = "DE300000002" });
        await _http.PostAsJsonAsync("/api/invoices/sessions", new { issuerId = _issuer, sessionIds = new[] { session } });
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd");

        var json = await _http.GetAsync($"/api/invoices/{_issuer}/INV-000001");
        var pdf = await _http.GetAsync($"/api/invoices/{_issuer}/INV-000001?format=pdf");
        var csv = await _http.GetStringAsync($"/api/invoices/{_issuer}/INV-000001?format=csv");
        var unknownFormat = await _http.GetAsync($"/api/invoices/{_issuer}/INV-000001?format=xml");
        var missing = await _http.GetAsync($"/api/invoices/{_issuer}/INV-999999");
        var journal = await _http.GetStringAsync($"/api/exports/journal?issuer={_issuer}&from={today}&through={today}&basis=issueDate");
        var vat = await _http.GetFromJsonAsync<JsonElement>($"/api/exports/vat?issuer={_issuer}&from={today}&through={today}&format=json&basis=issueDate");
        var noPeriod = await _http.GetAsync($"/api/exports/vat?issuer={_issuer}");

        Assert.Equal("application/json", json.Content.Headers.ContentType!.MediaType);
        Assert.Equal("INV-000001", (await json.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("number").GetString());
        Assert.Equal("%PDF", System.Text.Encoding.ASCII.GetString((await pdf.Content.ReadAsByteArrayAsync())[..4]));
        Assert.Contains("INV-000001", csv);
        Assert.Equal(HttpStatusCode.BadRequest, unknownFormat.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        // 20 kWh at 0.45: Dr receivables 10.71, Cr revenue 9.00, Cr German VAT 1.71.
        Assert.Contains("10.71", journal);
        Assert.Contains("1200", journal);
        Assert.Contains("2200", journal);
        var german = vat.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("jurisdiction").GetString() == "DE");
        Assert.Equal(("9.00", "1.71"), (german.GetProperty("taxableNet").GetString(), german.GetProperty("vat").GetString()));
        Assert.Equal(HttpStatusCode.BadRequest, noPeriod.StatusCode);
    }

    [Fact]
    public async Task tax_rates_are_listed_and_set_through_the_api()
    {
        var german2020 = await _http.GetFromJsonAsync<JsonElement>("/api/tax-rates/DE?on=2020-08-15");
        var set = await _http.PostAsJsonAsync("/api/tax-rates", new
        {
            jurisdiction = "JE", ratePercent = 5m, validFrom = "2026-01-01", source = "Jersey goods and services tax (test)",
        });
        var usState = await _http.PostAsJsonAsync("/api/tax-rates", new
        {
            jurisdiction = "US-CO", ratePercent = 2.9m, validFrom = "2026-01-01", source = "state rate alone",
        });
        var backwards = await _http.PostAsJsonAsync("/api/tax-rates", new
        {
            jurisdiction = "DE", ratePercent = 7m, validFrom = "2027-01-01", validThrough = "2026-01-01", source = "backwards",
        });
        var badCode = await _http.PostAsJsonAsync("/api/tax-rates", new
        {
            jurisdiction = "Germany", ratePercent = 19m, validFrom = "2027-01-01", source = "not a code",
        });

        Assert.Equal(16m, german2020.GetProperty("rate").GetProperty("ratePercent").GetDecimal());
        Assert.Equal("tax_rate_set_v1", german2020.GetProperty("setBy").GetProperty("eventType").GetString());
        Assert.Equal(HttpStatusCode.Created, set.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, backwards.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, usState.StatusCode);
        Assert.Contains("PUT /api/sites/{siteId}/sales-tax", (await usState.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badCode.StatusCode);
    }

    [Fact]
    public async Task a_site_jurisdiction_is_resolved_on_request_and_can_be_overridden_with_a_reason()
    {
        var network = await new Tariffs.PricedNetwork(db.Ledger).RegisterSiteAsync("Europe/Amsterdam", 52.37m, 4.90m, "NL");

        var resolved = await _http.GetFromJsonAsync<JsonElement>($"/api/sites/{network.SiteId}/jurisdiction");
        var noReason = await _http.PostAsJsonAsync($"/api/sites/{network.SiteId}/jurisdiction", new { jurisdiction = "BE", reason = "" });
        var unknownSite = await _http.GetAsync("/api/sites/NOWHERE/jurisdiction");

        Assert.Equal("NL", resolved.GetProperty("jurisdiction").GetProperty("jurisdiction").GetString());
        Assert.Equal("site_jurisdiction_resolved_v1", resolved.GetProperty("source").GetProperty("eventType").GetString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noReason.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknownSite.StatusCode);
    }
}
