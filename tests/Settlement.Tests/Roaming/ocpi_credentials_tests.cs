using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Settlement.Domain.Access;
using Settlement.Domain.Events;
using Settlement.Domain.Roaming;
using Settlement.Host.Access;
using Settlement.Host.Roaming.Ocpi;
using Microsoft.Extensions.DependencyInjection;
using Settlement.Workbench.Roaming;

namespace Settlement.Tests.Roaming;

/// <summary>The credentials handshake over loopback with the EMSP double, the partner invited through the operator's REST API.</summary>
[Collection(LedgerCollection.Name)]
public sealed class ocpi_credentials_tests(LedgerDatabase db) : IAsyncLifetime
{
    private const string Credentials = "/ocpi/2.2.1/credentials";
    private TestHost _host = null!;
    private EmspDouble _emsp = null!;

    public async Task InitializeAsync()
    {
        _host = await new TestHost(db).StartAsync();
        await _host.DisposeOnFailureAsync(async () =>
        {
            _emsp = await OcpiTestPartner.StartEmspAsync();
        });
    }

    public async Task DisposeAsync()
    {
        await _emsp.DisposeAsync();
        await _host.DisposeAsync();
    }

    /// <summary>Invites the double through the REST API: its token A and our versions URL.</summary>
    private async Task<(string TokenA, string VersionsUrl)> InviteAsync()
    {
        using var response = await _host.Http.PostAsJsonAsync("/api/roaming/partners", new
        {
            name = "EMSP Double", countryCode = EmspDouble.CountryCode, partyId = _emsp.PartyId,
            agreement = new { commissionPercent = 15m, currency = "EUR", settlementPeriod = "Monthly" },
        });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var invited = JsonNode.Parse(text)!;
        return ((string)invited["tokenA"]!, (string)invited["versionsUrl"]!);
    }

    private JsonObject OfferedCredentials(string partyId) => new()
    {
        ["token"] = _emsp.TokenB,
        ["url"] = $"{_emsp.BaseUrl}/ocpi/versions",
        ["roles"] = new JsonArray(new JsonObject
        {
            ["role"] = "EMSP", ["country_code"] = EmspDouble.CountryCode, ["party_id"] = partyId,
            ["business_details"] = new JsonObject { ["name"] = "EMSP Double" },
        }),
    };

    private static async Task<(HttpStatusCode Status, JsonObject Envelope)> CallAsync(HttpClient client, HttpMethod method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await client.SendAsync(request);
        return (response.StatusCode, await OcpiTestPartner.EnvelopeAsync(response));
    }

    private async Task<long> PartnerVersionAsync() => await _host.Ledger.StreamVersionAsync(OcpiIds.PartnerStream(_emsp.PartnerId));

    private async Task<JsonElement> PartnerAsync() =>
        await _host.Http.GetFromJsonAsync<JsonElement>($"/api/roaming/partners/{_emsp.PartnerId}");

    [Fact]
    public async Task an_invited_partner_registers_and_reaches_us_with_token_c_only()
    {
        var (tokenA, versionsUrl) = await InviteAsync();

        await _emsp.RegisterAsync(versionsUrl, tokenA);

        var partner = await PartnerAsync();
        Assert.Equal("Registered", partner.GetProperty("status").GetString());
        Assert.Equal("2.2.1", partner.GetProperty("version").GetString());
        Assert.Equal(_emsp.Modules.Count, partner.GetProperty("endpoints").GetArrayLength());
        Assert.DoesNotContain(_emsp.TokenB, partner.GetRawText());
        Assert.DoesNotContain(_emsp.TokenC!, partner.GetRawText());
        Assert.Contains(_emsp.Received, call => call is { Method: "GET", Path: "/ocpi/2.2.1" });
        using var withA = OcpiTestPartner.Client(_host, tokenA);
        Assert.Equal(HttpStatusCode.Unauthorized, (await CallAsync(withA, HttpMethod.Get, "/ocpi/versions")).Status);
        using var withC = OcpiTestPartner.Client(_host, _emsp.TokenC);
        var (status, ours) = await CallAsync(withC, HttpMethod.Get, Credentials);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(_emsp.TokenC, (string)ours["data"]!["token"]!);
        Assert.Equal("CPO", (string)ours["data"]!["roles"]![0]!["role"]!);
        Assert.EndsWith("/ocpi/versions", (string)ours["data"]!["url"]!);
    }

    [Fact]
    public async Task the_handshake_appends_partner_and_both_tokens_in_one_batch()
    {
        var (tokenA, versionsUrl) = await InviteAsync();

        await _emsp.RegisterAsync(versionsUrl, tokenA);

        var exchanged = (await _host.Ledger.ReadStreamAsync(OcpiIds.PartnerStream(_emsp.PartnerId))).Single(e => e.Data is OcpiCredentialsExchanged);
        var tokenAEvents = await _host.Ledger.ReadStreamAsync(StreamIds.ApiKey(ApiKeySecrets.KeyIdOf(tokenA)!));
        var tokenCEvents = await _host.Ledger.ReadStreamAsync(StreamIds.ApiKey(ApiKeySecrets.KeyIdOf(_emsp.TokenC!)!));
        Assert.Equal(exchanged.Metadata.CorrelationId, tokenAEvents.Single(e => e.Data is ApiKeyRevoked).Metadata.CorrelationId);
        Assert.Equal(AccessRole.Partner, Assert.IsType<ApiKeyCreated>(tokenCEvents.Single().Data).Role);
        Assert.Equal(exchanged.Metadata.CorrelationId, tokenCEvents.Single().Metadata.CorrelationId);
        var data = Assert.IsType<OcpiCredentialsExchanged>(exchanged.Data);
        Assert.NotEqual(_emsp.TokenB, data.SealedTokenB);
        Assert.Equal(_emsp.TokenB, _host.Ledger.PartnerSecrets.Unseal(_emsp.PartnerId, data.SealedTokenB));
    }

    [Fact]
    public async Task updating_credentials_rotates_token_c_and_the_old_one_dies()
    {
        var (tokenA, versionsUrl) = await InviteAsync();
        await _emsp.RegisterAsync(versionsUrl, tokenA);
        var oldC = _emsp.TokenC!;

        await _emsp.UpdateCredentialsAsync();

        Assert.NotEqual(oldC, _emsp.TokenC);
        using var withOld = OcpiTestPartner.Client(_host, oldC);
        Assert.Equal(HttpStatusCode.Unauthorized, (await CallAsync(withOld, HttpMethod.Get, Credentials)).Status);
        using var withNew = OcpiTestPartner.Client(_host, _emsp.TokenC);
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(withNew, HttpMethod.Get, Credentials)).Status);
        Assert.Contains((await _host.Ledger.ReadStreamAsync(OcpiIds.PartnerStream(_emsp.PartnerId))).Select(e => e.Data), e => e is OcpiCredentialsUpdated);
    }

    [Fact]
    public async Task delete_unregisters_the_partner_and_token_c_dies()
    {
        var (tokenA, versionsUrl) = await InviteAsync();
        await _emsp.RegisterAsync(versionsUrl, tokenA);

        var answer = await _emsp.UnregisterAsync();

        Assert.Equal(1000, (int)answer["status_code"]!);
        Assert.Equal("Unregistered", (await PartnerAsync()).GetProperty("status").GetString());
        using var withC = OcpiTestPartner.Client(_host, _emsp.TokenC);
        Assert.Equal(HttpStatusCode.Unauthorized, (await CallAsync(withC, HttpMethod.Get, "/ocpi/versions")).Status);
        Assert.NotNull((await _host.Ledger.ReadStreamAsync(StreamIds.ApiKey(ApiKeySecrets.KeyIdOf(_emsp.TokenC!)!)))
            .Select(e => e.Data).OfType<ApiKeyRevoked>().SingleOrDefault());
    }

    [Fact]
    public async Task nothing_more_is_pushed_to_a_partner_that_unregistered()
    {
        var (tokenA, versionsUrl) = await InviteAsync();
        await _emsp.RegisterAsync(versionsUrl, tokenA);
        await _emsp.UnregisterAsync();

        await _host.Services.GetRequiredService<OcpiPushes>().QueueAsync(_emsp.PartnerId, "cdrs", "POST", "CDR-AFTER-DELETE", 1, CancellationToken.None);
        await _host.Services.GetRequiredService<OcpiPushJob>().DeliverAsync(OcpiIds.PushId(_emsp.PartnerId, "cdrs", "CDR-AFTER-DELETE", 1), CancellationToken.None);

        JsonElement push = default;
        for (var wait = 0; wait < 50 && push.ValueKind != JsonValueKind.Object; wait++)
        {
            var page = await _host.Http.GetFromJsonAsync<JsonElement>($"/api/roaming/partners/{_emsp.PartnerId}/pushes?status=GivenUp");
            if (page.GetProperty("items").GetArrayLength() > 0) push = page.GetProperty("items")[0];
            else await Task.Delay(200);
        }
        Assert.Equal(JsonValueKind.Object, push.ValueKind);
        Assert.Equal("CDR-AFTER-DELETE", push.GetProperty("objectId").GetString());
        Assert.Contains("not registered", push.GetProperty("lastProblem").GetString());
        Assert.DoesNotContain(_emsp.Received, call => call.Path.Contains("/cdrs", StringComparison.Ordinal));
    }

    [Fact]
    public async Task a_partner_that_cannot_be_reached_gets_3001_and_nothing_is_registered()
    {
        var (tokenA, _) = await InviteAsync();
        _emsp.Down = true;
        using var withA = OcpiTestPartner.Client(_host, tokenA);

        var (status, envelope) = await CallAsync(withA, HttpMethod.Post, Credentials, OfferedCredentials(_emsp.PartyId).ToJsonString());

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(3001, (int)envelope["status_code"]!);
        Assert.Contains("versions", (string)envelope["status_message"]!);
        Assert.Equal(1, await PartnerVersionAsync());
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(withA, HttpMethod.Get, "/ocpi/versions")).Status);
    }

    [Fact]
    public async Task a_partner_offering_another_partys_identity_gets_2001_before_we_call_it()
    {
        var (tokenA, _) = await InviteAsync();
        using var withA = OcpiTestPartner.Client(_host, tokenA);

        var (status, envelope) = await CallAsync(withA, HttpMethod.Post, Credentials, OfferedCredentials("ZZZ").ToJsonString());

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(2001, (int)envelope["status_code"]!);
        Assert.Contains("roles", (string)envelope["status_message"]!);
        Assert.Contains(_emsp.PartnerId, (string)envelope["status_message"]!);
        Assert.Empty(_emsp.Received);
        Assert.Equal(1, await PartnerVersionAsync());
    }

    [Theory]
    [InlineData("{ this is not json", "not JSON")]
    [InlineData("{\"token\": \"b\", \"roles\": []}", "url")]
    [InlineData("{\"token\": \"has spaces\", \"url\": \"ftp://x\", \"roles\": []}", "token:")]
    public async Task credentials_that_are_no_valid_object_get_2001_naming_the_field(string body, string named)
    {
        var (tokenA, _) = await InviteAsync();
        using var withA = OcpiTestPartner.Client(_host, tokenA);

        var (status, envelope) = await CallAsync(withA, HttpMethod.Post, Credentials, body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(2001, (int)envelope["status_code"]!);
        Assert.Contains(named, (string)envelope["status_message"]!);
        Assert.Equal(1, await PartnerVersionAsync());
    }

    [Fact]
    public async Task post_once_registered_and_put_or_delete_before_are_405()
    {
        var (tokenA, versionsUrl) = await InviteAsync();
        using var withA = OcpiTestPartner.Client(_host, tokenA);
        var offered = OfferedCredentials(_emsp.PartyId).ToJsonString();

        var putBefore = await CallAsync(withA, HttpMethod.Put, Credentials, offered);
        var deleteBefore = await CallAsync(withA, HttpMethod.Delete, Credentials);
        await _emsp.RegisterAsync(versionsUrl, tokenA);
        using var withC = OcpiTestPartner.Client(_host, _emsp.TokenC);
        var postAfter = await CallAsync(withC, HttpMethod.Post, Credentials, offered);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, putBefore.Status);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, deleteBefore.Status);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, postAfter.Status);
        Assert.Equal("Registered", (await PartnerAsync()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task the_operator_reads_the_message_log_newest_first_a_page_at_a_time()
    {
        var (tokenA, versionsUrl) = await InviteAsync();
        await _emsp.RegisterAsync(versionsUrl, tokenA);

        var first = await _host.Http.GetFromJsonAsync<JsonElement>($"/api/roaming/partners/{_emsp.PartnerId}/messages?limit=2");
        var next = first.GetProperty("next").GetString();
        var second = await _host.Http.GetFromJsonAsync<JsonElement>($"/api/roaming/partners/{_emsp.PartnerId}/messages?limit=2&cursor={next}");

        var numbers = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray())
            .Select(m => m.GetProperty("number").GetInt64()).ToList();
        Assert.Equal(numbers.OrderByDescending(n => n), numbers);
        Assert.Equal(4, numbers.Distinct().Count());
        var newest = first.GetProperty("items")[0];
        Assert.Equal(("credentials", "Inbound", "POST"),
            (newest.GetProperty("module").GetString(), newest.GetProperty("direction").GetString(), newest.GetProperty("method").GetString()));
    }

    [Fact]
    public async Task inviting_the_same_partner_twice_is_a_conflict_and_finance_reads_but_does_not_invite()
    {
        await InviteAsync();
        using var finance = _host.Client(await _host.CreateKeyAsync(AccessRole.Finance));

        var again = await _host.Http.PostAsJsonAsync("/api/roaming/partners", new
        {
            name = "Again", countryCode = EmspDouble.CountryCode, partyId = _emsp.PartyId,
            agreement = new { commissionPercent = 15m, currency = "EUR", settlementPeriod = "Monthly" },
        });
        var read = await finance.GetAsync($"/api/roaming/partners/{_emsp.PartnerId}");
        var invite = await finance.PostAsJsonAsync("/api/roaming/partners", new { name = "X", countryCode = "NL", partyId = "FIN", agreement = new { commissionPercent = 1m, currency = "EUR", settlementPeriod = "Monthly" } });

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, invite.StatusCode);
    }
}
