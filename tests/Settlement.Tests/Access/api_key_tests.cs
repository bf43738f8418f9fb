using System.Net;
using Microsoft.Extensions.DependencyInjection;
using System.Net.Http.Json;
using System.Text.Json;
using Settlement.Domain.Access;
using Settlement.Domain.Events;
using Settlement.Host.Access;
using Settlement.Ocpp.Security;
using Settlement.Ledger.Store;
using Settlement.Projections;

namespace Settlement.Tests.Access;

/// <summary>Keys as a client meets them: shown once, checked on every request, dead the moment they are rotated or revoked.</summary>
[Collection(LedgerCollection.Name)]
public sealed class api_key_tests(LedgerDatabase db) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await new TestHost(db).StartAsync();

    public Task DisposeAsync() => _host.DisposeAsync().AsTask();

    private async Task<(string KeyId, string Key)> CreateAsync(AccessRole role, string name = "ERP export")
    {
        using var created = await _host.Http.PostAsJsonAsync("/api/keys", new { name, role = role.ToString() });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("keyId").GetString()!, body.GetProperty("key").GetString()!);
    }

    [Fact]
    public async Task a_request_without_a_key_is_answered_401_and_told_how_to_send_one()
    {
        using var anonymous = _host.Client(null);
        using var response = await anonymous.GetAsync("/api/chargers");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Contains("Authorization: Bearer", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task a_created_key_works_at_once_by_either_header_and_is_never_listed_with_its_secret()
    {
        var (keyId, key) = await CreateAsync(AccessRole.Integration);
        Assert.StartsWith(ApiKeySecrets.Prefix + keyId + "_", key);
        using var bearer = _host.Client(key);
        Assert.Equal(HttpStatusCode.OK, (await bearer.GetAsync("/api/chargers")).StatusCode);
        using var header = _host.Client(null);
        header.DefaultRequestHeaders.Add("X-Api-Key", key);
        Assert.Equal(HttpStatusCode.OK, (await header.GetAsync("/api/chargers")).StatusCode);

        var listed = await _host.Http.GetStringAsync("/api/keys");
        Assert.Contains(keyId, listed);
        Assert.DoesNotContain(key, listed);
        Assert.DoesNotContain(key[(ApiKeySecrets.Prefix.Length + 13)..], listed);
        Assert.DoesNotContain("sha256$", listed);
        Assert.DoesNotContain(ApiKeySecrets.Verifier(key)[7..], listed);
    }

    [Fact]
    public async Task a_rotated_key_stops_working_at_once_and_its_successor_works()
    {
        var (keyId, old) = await CreateAsync(AccessRole.Finance);
        using var rotated = await _host.Http.PostAsync($"/api/keys/{keyId}/rotate", null);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var successor = (await rotated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
        Assert.NotEqual(old, successor);

        using var oldClient = _host.Client(old);
        Assert.Equal(HttpStatusCode.Unauthorized, (await oldClient.GetAsync("/api/invoices")).StatusCode);
        using var newClient = _host.Client(successor);
        Assert.Equal(HttpStatusCode.OK, (await newClient.GetAsync("/api/invoices")).StatusCode);
    }

    [Fact]
    public async Task a_key_revoked_on_one_host_is_refused_by_another_host_on_the_same_database_at_once()
    {
        await using var otherLedger = await LedgerStore.OpenAsync(db.ConnectionString, SettlementReadModels.All);
        await using var other = await new TestHost(db, ledger: otherLedger).StartAsync();
        var (keyId, key) = await CreateAsync(AccessRole.Integration);
        using var client = other.Client(key);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/chargers")).StatusCode);

        using var revoked = await _host.Http.PostAsJsonAsync($"/api/keys/{keyId}/revoke", new { reason = "leaked in a log" });
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/chargers")).StatusCode);
        var events = await _host.Ledger.ReadStreamAsync(StreamIds.ApiKey(keyId));
        Assert.Equal("leaked in a log", Assert.IsType<ApiKeyRevoked>(events[^1].Data).Reason);
    }

    [Fact]
    public async Task a_role_may_not_call_what_the_access_table_does_not_give_it()
    {
        var (_, regulator) = await CreateAsync(AccessRole.Regulator);
        using var client = _host.Client(regulator);
        using var refused = await client.PostAsJsonAsync("/api/chargers/X/commands/reset", new { kind = "Hard" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("regulator key may not call POST /api/chargers/{chargerId}/commands/reset", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync("/api/keys", new { name = "mine", role = "Operator" })).StatusCode);
    }

    [Fact]
    public async Task every_event_a_request_causes_names_the_calling_key_as_its_actor()
    {
        var (keyId, key) = await CreateAsync(AccessRole.Operator, "night shift");
        using var client = _host.Client(key);
        using var revoked = await client.PostAsJsonAsync($"/api/keys/{(await CreateAsync(AccessRole.Auditor)).KeyId}/revoke", new { reason = "audit over" });
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        using var created = await client.PostAsJsonAsync("/api/keys", new { name = "made by night shift", role = "Regulator" });
        var madeId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("keyId").GetString()!;

        var made = await _host.Ledger.ReadStreamAsync(StreamIds.ApiKey(madeId));
        Assert.Equal(Actor.ApiKey(keyId), made.Single().Metadata.Actor);
    }

    [Fact]
    public async Task health_answers_up_or_down_without_a_key_and_details_with_one()
    {
        using var anonymous = _host.Client(null);
        var open = await anonymous.GetFromJsonAsync<JsonElement>("/health");
        Assert.Equal("ok", open.GetProperty("status").GetString());
        Assert.False(open.TryGetProperty("database", out _));
        var detailed = await _host.Http.GetFromJsonAsync<JsonElement>("/health");
        Assert.True(detailed.TryGetProperty("database", out _));
        Assert.True(detailed.TryGetProperty("chainHead", out _));
    }

    [Fact]
    public async Task wrong_keys_from_one_client_are_slowed_down_and_counted_without_an_event_per_attempt()
    {
        var before = await _host.Ledger.CountAsync();
        using var guesser = _host.Client(ApiKeySecrets.NewKey(ApiKeySecrets.NewKeyId()));
        for (var attempt = 1; attempt <= FailedLogins.FreeAttempts; attempt++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await guesser.GetAsync("/api/chargers")).StatusCode);

        using var throttled = await guesser.GetAsync("/api/chargers");
        Assert.Equal((HttpStatusCode)429, throttled.StatusCode);
        Assert.True(throttled.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        // The client must wait even with a good key: guessing is slowed per client, whatever it sends next.
        using var honest = _host.Client(_host.OperatorKey);
        Assert.Equal((HttpStatusCode)429, (await honest.GetAsync("/api/chargers")).StatusCode);

        var counts = _host.Services.GetRequiredService<FailedLogins>().Worst(10);
        Assert.Contains(counts, c => c.Realm == ApiAccess.Realm && c.Subject == "127.0.0.1" && c.Failures == FailedLogins.FreeAttempts);
        var after = await _host.Ledger.CountAsync();
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task a_sub_operators_key_manages_only_its_own_sub_operators_keys()
    {
        using var acme = _host.Client(await _host.CreateKeyAsync(AccessRole.Operator, "ACME"));
        var othersKey = (await CreateAsync(AccessRole.Finance)).KeyId;

        using var created = await acme.PostAsJsonAsync("/api/keys", new { name = "ACME finance", role = "Finance" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("ACME", (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("operatorId").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await acme.PostAsJsonAsync("/api/keys", new { name = "x", role = "Finance", operatorId = "OTHER" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await acme.PostAsync($"/api/keys/{othersKey}/rotate", null)).StatusCode);
        Assert.DoesNotContain(othersKey, await acme.GetStringAsync("/api/keys"));
    }
}
