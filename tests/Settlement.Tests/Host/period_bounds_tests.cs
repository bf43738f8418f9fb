using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Settlement.Tests.Ocpp;
using Settlement.Tests.Tariffs;

namespace Settlement.Tests.Host;

/// <summary>Every KPI and report period is refused with 400, saying which field and what is allowed, when it is out of bounds.</summary>
[Collection(LedgerCollection.Name)]
public sealed class period_bounds_tests(LedgerDatabase db) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await new TestHost(db).StartAsync();
        await _host.DisposeOnFailureAsync(async () =>
        {
            var network = await new PricedNetwork(db.Ledger).RegisterSiteAsync();
            await network.RegisterChargerAsync();
        });
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<(HttpStatusCode Status, string Error)> GetAsync(string path)
    {
        using var response = await _host.Http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        // A 500 has no body at all; the status says what went wrong then.
        return (response.StatusCode, text.StartsWith('{') && JsonDocument.Parse(text).RootElement.TryGetProperty("error", out var error) ? error.GetString()! : text);
    }

    [Theory]
    [InlineData("/api/kpis/uptime")]
    [InlineData("/api/kpis/outages")]
    [InlineData("/api/kpis/charge-success")]
    [InlineData("/api/kpis/utilisation")]
    [InlineData("/api/kpis/ratings")]
    [InlineData("/api/reports/nevi/2")]
    [InlineData("/api/reports/nevi/3")]
    [InlineData("/api/reports/nevi/4")]
    [InlineData("/api/reports/nevi/5")]
    [InlineData("/api/exports/journal")]
    [InlineData("/api/exports/vat")]
    public async Task the_whole_calendar_is_refused_naming_the_field_and_the_dates_allowed(string endpoint)
    {
        var (status, error) = await GetAsync($"{endpoint}?from=0001-01-01&through=9999-12-31");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("from 0001-01-01 is outside the dates this ledger reports on: 2000-01-01 to 2199-12-31.", error);
    }

    [Fact]
    public async Task a_period_of_ten_years_or_more_is_refused_and_one_just_under_is_answered()
    {
        var (tooLong, error) = await GetAsync("/api/kpis/uptime?from=2020-01-01&through=2030-01-01");
        var (longest, _) = await GetAsync("/api/kpis/uptime?from=2020-01-01&through=2029-12-31");

        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.OK), (tooLong, longest));
        Assert.Equal("through 2030-01-01 is 10 years or more after from 2020-01-01: ask for at most 10 years at a time.", error);
    }

    [Fact]
    public async Task a_trailing_year_through_the_calendars_last_month_is_refused()
    {
        var (status, error) = await GetAsync("/api/kpis/uptime?trailingYear=9999-12");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("trailingYear 9999-12 is outside the dates this ledger reports on: 2000-01-01 to 2199-12-31.", error);
    }

    [Fact]
    public async Task a_maintenance_cost_period_outside_the_dates_allowed_is_refused_before_anything_is_recorded()
    {
        using var response = await _host.Http.PostAsJsonAsync("/api/sites/NOWHERE/maintenance-costs",
            new { from = "0001-01-01", through = "2026-12-31", totalCost = 1000m, federalCost = 800m });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("from 0001-01-01 is outside the dates this ledger reports on: 2000-01-01 to 2199-12-31.", body.GetProperty("error").GetString());
    }
}
