using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Settlement.Domain.Events;
using Settlement.Host;
using Settlement.Tests.Ocpp;

namespace Settlement.Tests.Host;

/// <summary>What the API keeps for ever has the size its meaning needs: oversized or malformed input is refused before anything is appended.</summary>
[Collection(LedgerCollection.Name)]
public sealed class bounded_input_tests(LedgerDatabase db) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await new TestHost(db).StartAsync();
        await _host.DisposeOnFailureAsync(async () =>
        {
            await _host.RegisterSiteAsync();
        });
    }
    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static string NewId() => "B-" + Guid.NewGuid().ToString("N")[..10];

    private static object Evse(int id) => new { evseId = id, connectors = new[] { new { connectorId = 1, standard = "Ccs2", maxPowerKw = 150 } } };

    private static object Registration(string chargerId, string vendor = "Alpitronic", IEnumerable<object>? evses = null) => new
    {
        chargerId, siteId = "TEST-MUC", vendor, model = "HYC300", protocol = "Ocpp201",
        evses = evses ?? [Evse(1)], password = TestHost.Password,
    };

    /// <remarks>
    /// Sent with its length and "Expect: 100-continue", as clients of large uploads do, so that the refusal of an
    /// oversized body reaches the client before it sent the body, rather than as a reset connection.
    /// </remarks>
    private async Task<(HttpStatusCode Status, string Error)> PostAsync(string path, object body)
    {
        var json = JsonSerializer.Serialize(body, JsonSerializerOptions.Web);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.ExpectContinue = true;
        var response = await _host.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? "" : JsonDocument.Parse(text).RootElement.GetProperty("error").GetString()!);
    }

    private Task<long> StreamVersionAsync(string chargerId) => db.Ledger.StreamVersionAsync(StreamIds.Charger(chargerId));

    [Fact]
    public async Task a_vendor_name_over_its_length_is_a_400_naming_the_field_and_nothing_is_appended()
    {
        var id = NewId();

        var (status, error) = await PostAsync("/api/chargers", Registration(id, vendor: new string('v', 20 * 1024)));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal($"vendor: at most {BoundedInput.DefaultTextLength} characters, not 20480.", error);
        Assert.Equal(0, await StreamVersionAsync(id));
    }

    [Fact]
    public async Task more_evses_than_ids_exist_is_a_400_naming_the_collection()
    {
        var id = NewId();

        var (status, error) = await PostAsync("/api/chargers", Registration(id, evses: Enumerable.Range(1, 100).Select(Evse)));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("evses: at most 99 items, not 100.", error);
        Assert.Equal(0, await StreamVersionAsync(id));
    }

    [Fact]
    public async Task two_hundred_thousand_evses_numbered_1_are_refused_by_the_body_limit_and_nothing_is_appended()
    {
        var id = NewId();

        var (status, error) = await PostAsync("/api/chargers", Registration(id, evses: Enumerable.Repeat(1, 200_000).Select(Evse)));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains(BoundedInput.MaxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), error);
        Assert.Equal(0, await StreamVersionAsync(id));
    }

    [Fact]
    public async Task an_evse_listed_twice_is_a_400()
    {
        var id = NewId();

        var (status, error) = await PostAsync("/api/chargers", Registration(id, evses: [Evse(1), Evse(2), Evse(1)]));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("evses: evseId 1 appears 2 times; each EVSE is listed once.", error);
        Assert.Equal(0, await StreamVersionAsync(id));
    }

    [Fact]
    public async Task a_nested_field_is_named_by_its_path()
    {
        var id = NewId();
        var tooManyConnectors = new { evseId = 1, connectors = Enumerable.Range(1, 100).Select(c => new { connectorId = c, standard = "Ccs2", maxPowerKw = 50 }) };

        var (status, error) = await PostAsync("/api/chargers", Registration(id, evses: [Evse(2), tooManyConnectors]));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("evses[1].connectors: at most 99 items, not 100.", error);
    }

    [Theory]
    [InlineData("x'; DROP TABLE chargers; --")]
    [InlineData("../../etc/passwd")]
    [InlineData("DE:MUC:01")]
    [InlineData("DE-MUC-01-with-a-name-far-longer-than-forty-eight-chars")]
    [InlineData("")]
    public async Task a_charger_id_outside_the_ocpp_identifier_rule_is_a_400_and_starts_no_stream(string chargerId)
    {
        var (status, error) = await PostAsync("/api/chargers", Registration(chargerId));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith($"chargerId: '{chargerId}' is not an id ({Identifiers.Shape})", error);
        Assert.Equal(0, await StreamVersionAsync(chargerId));
    }

    [Fact]
    public async Task an_id_in_the_path_follows_the_same_rule()
    {
        var response = await _host.Http.PostAsJsonAsync("/api/chargers/a%20b/outage-causes",
            new { evseId = 0, from = "2026-10-09T10:00:00Z", until = "2026-10-09T12:00:00Z", cause = "UtilityInterruption" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("chargerId: 'a b' is not an id", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task a_charger_registered_through_the_api_can_connect_with_its_id()
    {
        var id = "DE-MUC_01.a+b|c@d=e*";

        var (status, _) = await PostAsync("/api/chargers", Registration(id));
        await using var client = await RawOcppClient.ConnectAsync(_host.Endpoint, id, "ocpp2.0.1");

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(WebSocketState.Open, client.State);
    }

    [Fact]
    public async Task a_connection_whose_identity_breaks_the_rule_is_refused_at_the_handshake()
    {
        var refused = await Assert.ThrowsAsync<WebSocketException>(() => RawOcppClient.ConnectAsync(_host.Endpoint, "./DE:MUC:01", "ocpp2.0.1"));

        Assert.Contains("400", refused.Message);
    }

    [Theory]
    [InlineData("reset", """{"kind":"Soft"}""")]
    [InlineData("remote-start", """{"evseId":1,"idToken":"RFID-UNKNOWN-1"}""")]
    public async Task a_command_to_an_unknown_charger_is_a_404_and_starts_no_stream(string command, string body)
    {
        var id = NewId();

        var response = await _host.Http.PostAsync($"/api/chargers/{id}/commands/{command}",
            new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains($"Charger {id} is not registered.", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, await StreamVersionAsync(id));
        Assert.Null(await db.Ledger.Drivers.FindDriverRefAsync("RFID-UNKNOWN-1"));
    }
}
