using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Settlement.Domain.Access;
using Settlement.Host.Access;
using Settlement.Host.Roaming.Ocpi;

namespace Settlement.Tests.Access;

/// <summary>
/// Every endpoint the host maps × every caller: no key, and a key of each role. The expected answer comes from
/// <see cref="AccessTable"/>; a mapped endpoint missing from it fails here, so no door opens unseen.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed partial class every_endpoint_access_tests(LedgerDatabase db) : IAsyncLifetime
{
    private static readonly AccessRole[] HandMadeRoles = [.. Enum.GetValues<AccessRole>().Where(r => r != AccessRole.Partner)];
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await new TestHost(db).StartAsync();

    public Task DisposeAsync() => _host.DisposeAsync().AsTask();

    /// <summary>The REST endpoints, which API keys open; the OCPI ones answer partners' tokens (<see cref="OcpiEndpoints"/>).</summary>
    private IReadOnlyList<string> MappedEndpoints() => Endpoints(ocpi: false);

    private IReadOnlyList<string> OcpiEndpoints() => Endpoints(ocpi: true);

    private IReadOnlyList<string> Endpoints(bool ocpi) =>
        [.. _host.Services.GetRequiredService<EndpointDataSource>().Endpoints.Where(e => OcpiAccess.IsOcpi(e) == ocpi)
            .Select(ApiAccess.EndpointName).OfType<string>().Distinct().Order()];

    [Fact]
    public void the_access_table_lists_every_mapped_endpoint_and_nothing_else()
    {
        var mapped = MappedEndpoints();
        var listed = AccessTable.Roles.Keys.Concat(AccessTable.Open).ToHashSet();
        Assert.Equal([], mapped.Where(e => !listed.Contains(e)));
        Assert.Equal([], listed.Where(e => !mapped.Contains(e)).Order());
    }

    [Fact]
    public void partners_keys_open_no_rest_endpoint_only_ocpi_ones() =>
        Assert.DoesNotContain(AccessTable.Roles, row => row.Value.Contains(AccessRole.Partner));

    [Fact]
    public async Task every_ocpi_endpoint_refuses_every_key_but_a_registered_partners_token()
    {
        var ocpi = OcpiEndpoints();
        Assert.Contains("GET /ocpi/versions", ocpi);
        Assert.All(ocpi, e => Assert.StartsWith("/ocpi/", e[(e.IndexOf(' ') + 1)..]));
        var keys = new List<(string Who, string Key)>();
        foreach (var role in HandMadeRoles) keys.Add(($"a {role} key", await _host.CreateKeyAsync(role)));
        keys.Add(("a partner key of no partner", await Roaming.OcpiTestPartner.PartnerKeyAsync(_host, "no partner's")));
        var wrong = new List<string>();
        foreach (var endpoint in ocpi)
        {
            if (await CallAsync(endpoint, key: null) is var status && status is not (HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests))
                wrong.Add($"{endpoint} without a token: {(int)status}, expected 401");
            foreach (var (who, key) in keys)
            {
                // After five failures the client is also slowed down (429): refused either way.
                if (await CallAsync(endpoint, key, asOcpiToken: true) is var asToken && asToken is not (HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests))
                    wrong.Add($"{endpoint} with {who} as its OCPI token: {(int)asToken}, expected 401");
                if (await CallAsync(endpoint, key) is var asBearer && asBearer is not (HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests))
                    wrong.Add($"{endpoint} with {who} as a bearer key: {(int)asBearer}, expected 401");
            }
        }
        Assert.True(wrong.Count == 0, string.Join(Environment.NewLine, wrong));
    }

    [Fact]
    public async Task every_endpoint_answers_every_caller_as_the_access_table_says()
    {
        var keys = new Dictionary<AccessRole, string>();
        foreach (var role in HandMadeRoles) keys[role] = await _host.CreateKeyAsync(role);
        var wrong = new List<string>();
        foreach (var endpoint in MappedEndpoints().Where(e => !AccessTable.Open.Contains(e)))
        {
            var status = await CallAsync(endpoint, key: null);
            if (status != HttpStatusCode.Unauthorized) wrong.Add($"{endpoint} without a key: {(int)status}, expected 401");
            foreach (var role in HandMadeRoles)
            {
                status = await CallAsync(endpoint, keys[role]);
                var allowed = AccessTable.Allows(endpoint, role);
                if (allowed && status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                    wrong.Add($"{endpoint} as {role}: {(int)status}, expected to be let through");
                if (!allowed && status != HttpStatusCode.Forbidden)
                    wrong.Add($"{endpoint} as {role}: {(int)status}, expected 403");
            }
        }
        Assert.True(wrong.Count == 0, string.Join(Environment.NewLine, wrong));
    }

    [Fact]
    public async Task open_endpoints_answer_without_a_key()
    {
        using var anonymous = _host.Client(null);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health")).StatusCode);
    }

    /// <summary>The endpoint called with placeholder ids and an empty body: access is decided before either is read.</summary>
    private async Task<HttpStatusCode> CallAsync(string endpoint, string? key, bool asOcpiToken = false)
    {
        var (method, route) = (endpoint[..endpoint.IndexOf(' ')], endpoint[(endpoint.IndexOf(' ') + 1)..]);
        var path = RouteParameter().Replace(route, m => m.Groups["constraint"].Value is "int" or "long" ? "1" : "probe");
        using var client = _host.Client(asOcpiToken ? null : key);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (asOcpiToken) request.Headers.TryAddWithoutValidation("Authorization", "Token " + Convert.ToBase64String(Encoding.UTF8.GetBytes(key!)));
        if (method is "POST" or "PUT") request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        // The status comes with the headers; a live stream's body never ends.
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return response.StatusCode;
    }

    [GeneratedRegex(@"\{(?<name>[^}:]+)(:(?<constraint>[^}]+))?\}")]
    private static partial Regex RouteParameter();
}
