using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Settlement.Domain.Access;
using Settlement.Host.Access;

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

    private IReadOnlyList<string> MappedEndpoints() =>
        [.. _host.Services.GetRequiredService<EndpointDataSource>().Endpoints.Select(ApiAccess.EndpointName).OfType<string>().Distinct().Order()];

    [Fact]
    public void the_access_table_lists_every_mapped_endpoint_and_nothing_else()
    {
        var mapped = MappedEndpoints();
        var listed = AccessTable.Roles.Keys.Concat(AccessTable.Open).ToHashSet();
        Assert.Equal([], mapped.Where(e => !listed.Contains(e)));
        Assert.Equal([], listed.Where(e => !mapped.Contains(e)).Order());
    }

    [Fact]
    public void no_endpoint_is_given_to_partners_before_ocpi_defines_their_objects() =>
        Assert.DoesNotContain(AccessTable.Roles, row => row.Value.Contains(AccessRole.Partner));

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
    private async Task<HttpStatusCode> CallAsync(string endpoint, string? key)
    {
        var (method, route) = (endpoint[..endpoint.IndexOf(' ')], endpoint[(endpoint.IndexOf(' ') + 1)..]);
        var path = RouteParameter().Replace(route, m => m.Groups["constraint"].Value is "int" or "long" ? "1" : "probe");
        using var client = _host.Client(key);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "POST" or "PUT") request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    [GeneratedRegex(@"\{(?<name>[^}:]+)(:(?<constraint>[^}]+))?\}")]
    private static partial Regex RouteParameter();
}
