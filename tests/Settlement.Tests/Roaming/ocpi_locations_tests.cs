using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Ledger;
using Settlement.Workbench.Roaming;

namespace Settlement.Tests.Roaming;

/// <summary>
/// OCPI Locations, we as sender: our sites, chargers and EVSE statuses as the partner reads them, page by page, and
/// each status change pushed to it.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class ocpi_locations_tests(LedgerDatabase db) : IAsyncLifetime
{
    private TestHost _host = null!;
    private EmspDouble _emsp = null!;
    private string _site = null!;
    private string _charger = null!;

    public async Task InitializeAsync()
    {
        _host = await new TestHost(db).StartAsync();
        await _host.DisposeOnFailureAsync(async () =>
        {
            _emsp = await OcpiTestPartner.StartEmspAsync();
            await OcpiTestPartner.RegisterDirectlyAsync(_host, _emsp);
            _site = await _host.RegisterSiteAsync("LOC-" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant());
            _charger = "L" + Guid.NewGuid().ToString("N")[..10].ToUpperInvariant();
            var registered = await _host.Http.PostAsJsonAsync("/api/chargers", new
            {
                chargerId = _charger, siteId = _site, vendor = "Acme", model = "Duo", protocol = "Ocpp201",
                evses = new object[]
                {
                    new { evseId = 1, connectors = new[] { new { connectorId = 1, standard = "Ccs2", maxPowerKw = 150m } } },
                    new { evseId = 2, connectors = new[] { new { connectorId = 1, standard = "Type2", maxPowerKw = 22m } } },
                },
            });
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        });
    }

    public async Task DisposeAsync()
    {
        await _emsp.DisposeAsync();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task a_site_is_a_location_with_its_evses_and_connectors_as_the_spec_shapes_them()
    {
        var envelope = await GetAsync($"/ocpi/2.2.1/locations/{_site}");

        var location = envelope["data"]!;
        Assert.Equal(1000, (int)envelope["status_code"]!);
        Assert.Equal((_site, "DE", "STL", "DEU", "Europe/Berlin", "48.137400", "11.575500", "80331"),
            ((string)location["id"]!, (string)location["country_code"]!, (string)location["party_id"]!, (string)location["country"]!,
             (string)location["time_zone"]!, (string)location["coordinates"]!["latitude"]!, (string)location["coordinates"]!["longitude"]!,
             (string)location["postal_code"]!));
        Assert.True((bool)location["opening_times"]!["twentyfourseven"]!);
        var evses = location["evses"]!.AsArray();
        Assert.Equal([$"{_charger}*1", $"{_charger}*2"], evses.Select(e => (string)e!["uid"]!));
        Assert.Equal($"DE*STL*E{_charger}*1", (string)evses[0]!["evse_id"]!);
        // Never booted: nothing is known of its status.
        Assert.All(evses, e => Assert.Equal("UNKNOWN", (string)e!["status"]!));
        var dc = evses[0]!["connectors"]![0]!;
        Assert.Equal(("1", "IEC_62196_T2_COMBO", "CABLE", "DC", 150_000),
            ((string)dc["id"]!, (string)dc["standard"]!, (string)dc["format"]!, (string)dc["power_type"]!, (int)dc["max_electric_power"]!));
        var ac = evses[1]!["connectors"]![0]!;
        Assert.Equal(("IEC_62196_T2", "SOCKET", "AC_3_PHASE", 230, 32),
            ((string)ac["standard"]!, (string)ac["format"]!, (string)ac["power_type"]!, (int)ac["max_voltage"]!, (int)ac["max_amperage"]!));
        AssertValid(location);
    }

    [Fact]
    public async Task one_evse_and_one_connector_are_read_on_their_own()
    {
        var evse = (await GetAsync($"/ocpi/2.2.1/locations/{_site}/{_charger}*2"))["data"]!;
        var connector = (await GetAsync($"/ocpi/2.2.1/locations/{_site}/{_charger}*2/1"))["data"]!;

        Assert.Equal($"{_charger}*2", (string)evse["uid"]!);
        Assert.Equal("IEC_62196_T2", (string)connector["standard"]!);
    }

    [Fact]
    public async Task pages_say_the_total_and_the_cap_and_link_to_the_next_page()
    {
        using var client = OcpiTestPartner.Client(_host, _emsp.TokenC);

        using var first = await client.GetAsync("/ocpi/2.2.1/locations?limit=1");
        var link = first.Headers.GetValues("Link").Single();
        var next = link[1..link.IndexOf('>')];
        using var second = await client.GetAsync(next);
        using var capped = await client.GetAsync("/ocpi/2.2.1/locations?limit=100000");

        Assert.Equal("100", first.Headers.GetValues("X-Limit").Single());
        var total = int.Parse(first.Headers.GetValues("X-Total-Count").Single());
        Assert.True(total >= 2, $"our site and the one of {nameof(InitializeAsync)} of other tests at least: {total}");
        Assert.EndsWith("; rel=\"next\"", link);
        Assert.Contains("offset=1&limit=1", next);
        var firstId = (string)(await OcpiTestPartner.EnvelopeAsync(first))["data"]![0]!["id"]!;
        var secondId = (string)(await OcpiTestPartner.EnvelopeAsync(second))["data"]![0]!["id"]!;
        Assert.True(string.CompareOrdinal(firstId, secondId) < 0, $"{firstId} then {secondId}: in location id order");
        var page = (await OcpiTestPartner.EnvelopeAsync(capped))["data"]!.AsArray();
        Assert.Equal(Math.Min(total, 100), page.Count);
        Assert.All(page, AssertValid);
    }

    [Fact]
    public async Task date_from_and_date_to_select_by_last_updated()
    {
        var ours = (await GetAsync($"/ocpi/2.2.1/locations/{_site}"))["data"]!;
        var updated = (string)ours["last_updated"]!;
        using var client = OcpiTestPartner.Client(_host, _emsp.TokenC);

        var from = await AllPagesAsync(client, $"/ocpi/2.2.1/locations?date_from={updated}");
        var before = await AllPagesAsync(client, $"/ocpi/2.2.1/locations?date_to={updated}&date_from=2000-01-01T00:00:00Z");

        Assert.Contains(_site, from.Select(l => (string)l["id"]!));
        Assert.DoesNotContain(_site, before.Select(l => (string)l["id"]!));
        Assert.All(from, l => Assert.True(string.CompareOrdinal((string)l["last_updated"]!, updated) >= 0));
    }

    [Theory]
    [InlineData("NO-SUCH-SITE")]
    [InlineData("{site}/NO-SUCH-EVSE")]
    [InlineData("{site}/{charger}*9")]
    [InlineData("{site}/{charger}*1/7")]
    public async Task an_unknown_location_evse_or_connector_is_2003(string path)
    {
        using var client = OcpiTestPartner.Client(_host, _emsp.TokenC);

        using var response = await client.GetAsync("/ocpi/2.2.1/locations/" + path.Replace("{site}", _site).Replace("{charger}", _charger));
        var envelope = await OcpiTestPartner.EnvelopeAsync(response);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(2003, (int)envelope["status_code"]!);
    }

    [Theory]
    [InlineData("offset=-1", "offset")]
    [InlineData("offset=ten", "offset")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=99999999999", "limit")]
    [InlineData("date_from=yesterday", "date_from")]
    [InlineData("date_to=2026-13-01T00:00:00Z", "date_to")]
    public async Task a_bad_query_value_is_2001_naming_the_parameter(string query, string parameter)
    {
        using var client = OcpiTestPartner.Client(_host, _emsp.TokenC);

        using var response = await client.GetAsync("/ocpi/2.2.1/locations?" + query);
        var envelope = await OcpiTestPartner.EnvelopeAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(2001, (int)envelope["status_code"]!);
        Assert.StartsWith(parameter + ":", (string)envelope["status_message"]!);
    }

    [Fact]
    public async Task a_status_change_reaches_the_partners_locations_receiver()
    {
        var at = SystemClock.Instance.GetCurrentInstant();
        var metadata = new EventMetadata("status", null, new Actor(ActorKind.Charger, _charger), at);

        await _host.Ledger.AppendAsync(new StreamAppend(StreamIds.Charger(_charger),
        [
            new PendingEvent(new ChargerBooted(_charger, "Acme", "Duo", null, "1.0", BootReason.PowerUp, at), metadata),
            new PendingEvent(new ConnectorStatusChanged(_charger, 2, 1, ConnectorStatus.Charging, at), metadata),
        ], await _host.Ledger.StreamVersionAsync(StreamIds.Charger(_charger))));

        var pushed = await EventuallyAsync(() => _emsp.Objects.TryGetValue($"locations/{_site}/{_charger}*2", out var evse)
            && (string?)evse["status"] == "CHARGING" ? evse : null);
        Assert.Equal(OcpiDateTimeOf(at), (string)pushed["last_updated"]!);
        var call = _emsp.Received.First(c => c.Method == "PATCH" && c.Path.Contains($"/ocpi/2.2.1/locations/DE/STL/{_site}/"));
        Assert.Equal(["last_updated", "status"], call.Body!.AsObject().Select(p => p.Key).Order());
        var evse = (await GetAsync($"/ocpi/2.2.1/locations/{_site}/{_charger}*2"))["data"]!;
        Assert.Equal("CHARGING", (string)evse["status"]!);
    }

    private static string OcpiDateTimeOf(Instant at) => Settlement.Host.Roaming.Ocpi.OcpiJson.DateTime(at);

    private async Task<JsonObject> GetAsync(string path)
    {
        using var client = OcpiTestPartner.Client(_host, _emsp.TokenC);
        using var response = await client.GetAsync(path);
        var envelope = await OcpiTestPartner.EnvelopeAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, envelope.ToJsonString());
        return envelope;
    }

    /// <summary>Every object of a paged list, following the Link headers.</summary>
    internal static async Task<IReadOnlyList<JsonNode>> AllPagesAsync(HttpClient client, string path)
    {
        var all = new List<JsonNode>();
        for (string? next = path; next is not null;)
        {
            using var response = await client.GetAsync(next);
            all.AddRange((await OcpiTestPartner.EnvelopeAsync(response))["data"]!.AsArray().Select(o => o!.DeepClone()));
            next = response.Headers.TryGetValues("Link", out var links) && links.Single() is var link ? link[1..link.IndexOf('>')] : null;
        }
        return all;
    }

    private static void AssertValid(JsonNode? location) =>
        Assert.Empty(CommittedSchemas.Problems("ocpi/location.json", System.Text.Encoding.UTF8.GetBytes(location!.ToJsonString())));

    private static async Task<T> EventuallyAsync<T>(Func<T?> probe) where T : class
    {
        for (var i = 0; i < 600; i++)
        {
            if (probe() is { } found) return found;
            await Task.Delay(100);
        }
        throw new TimeoutException("the push never reached the partner");
    }
}
