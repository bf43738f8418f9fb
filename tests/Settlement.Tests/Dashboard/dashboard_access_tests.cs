using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Settlement.Domain.Access;
using Settlement.Host.Access;
using Settlement.Host.Dashboard;

namespace Settlement.Tests.Dashboard;

/// <summary>The dashboard as the host serves it: its files to anyone, its pages only to roles whose data they show.</summary>
[Collection(LedgerCollection.Name)]
public sealed class dashboard_access_tests(LedgerDatabase db) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await new TestHost(db).StartAsync();

    public Task DisposeAsync() => _host.DisposeAsync().AsTask();

    [Fact]
    public void every_endpoint_a_page_reads_is_in_the_access_table()
    {
        var unlisted = DashboardPages.All.SelectMany(page => page.Reads.Where(endpoint => !AccessTable.Roles.ContainsKey(endpoint)).Select(endpoint => $"{page.Id}: {endpoint}"));
        Assert.Empty(unlisted);
    }

    [Theory]
    [InlineData(AccessRole.Operator, new[] { "network", "kpis", "sessions", "money", "energy", "operations", "evidence" })]
    [InlineData(AccessRole.Finance, new[] { "sessions", "money" })]
    [InlineData(AccessRole.Regulator, new[] { "kpis" })]
    [InlineData(AccessRole.Auditor, new[] { "kpis", "energy", "evidence" })]
    public async Task a_key_learns_its_role_and_exactly_the_pages_whose_data_the_api_gives_it(AccessRole role, string[] pages)
    {
        var key = await _host.CreateKeyAsync(role, name: $"dashboard {role}");
        using var client = _host.Client(key);

        var me = await client.GetFromJsonAsync<JsonElement>("/api/access/me");

        Assert.Equal(role.ToString(), me.GetProperty("role").GetString());
        Assert.Equal($"dashboard {role}", me.GetProperty("name").GetString());
        Assert.Equal(pages, me.GetProperty("pages").EnumerateArray().Select(p => p.GetString()!));
        Assert.DoesNotContain(key, me.GetRawText());
        foreach (var page in DashboardPages.All.Where(p => !pages.Contains(p.Id)))
            Assert.Contains(page.Reads, endpoint => !AccessTable.Allows(endpoint, role));
    }

    [Fact]
    public async Task a_partner_token_is_refused_who_it_is()
    {
        var partner = await Roaming.OcpiTestPartner.PartnerKeyAsync(_host, "OCPI token C");
        using var client = _host.Client(partner);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/access/me")).StatusCode);
    }

    [Fact]
    public async Task the_dashboard_is_served_without_a_key_from_its_own_origin_only()
    {
        using var anonymous = _host.Client(null);
        using var unredirected = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = anonymous.BaseAddress };

        using var root = await unredirected.GetAsync("/");
        using var page = await anonymous.GetAsync("/dashboard/");
        using var script = await anonymous.GetAsync("/dashboard/app.js");

        Assert.Equal(HttpStatusCode.Redirect, root.StatusCode);
        Assert.Equal("/dashboard/", root.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<script type=\"module\" src=\"app.js\"></script>", await page.Content.ReadAsStringAsync());
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains("frame-ancestors 'none'", page.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/access/me")).StatusCode);
    }
}
