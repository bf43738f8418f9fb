using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using System.Text.Json.Nodes;
using Settlement.Domain.Chargers;
using Settlement.Domain.Drivers;
using Settlement.Domain.Tariffs;
using Settlement.Host.Tariffs;
using Settlement.Ledger;
using Settlement.Ledger.Store;
using Settlement.Ocpp.Framing;
using Settlement.Tests.Ocpp;
using Settlement.Workbench.Simulation;

namespace Settlement.Tests.Chargers;

/// <summary>
/// Issue 22's acceptance: a network set up through the API alone (a site, two chargers, a tariff, an issuer and the
/// drivers' tokens), a session charged over OCPP by the simulated charger on each, both priced and invoiced through the
/// API; a blocked token refused by the host and, from the local list the host pushed, by each charger while offline.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class network_onboarding_acceptance_tests(LedgerDatabase db) : IAsyncLifetime
{
    private static readonly SessionProfile Quick = new(TimeSpan.Zero, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(30), 3, 3, TimeScale: 60);
    private static readonly SimulatorOptions Strict = new() { ValidatePayloads = true, CallTimeout = TimeSpan.FromSeconds(10), RemoteSessions = Quick };

    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];
    private TestHost _host = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _host = await new TestHost(db, unknownTokens: UnknownTokenPolicy.Reject, sendLocalLists: true).StartAsync();
        _http = _host.Http;
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task Created(Task<HttpResponseMessage> request)
    {
        var response = await request;
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{response.RequestMessage!.RequestUri}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task a_site_two_chargers_and_tokens_onboarded_through_the_api_charge_over_ocpp_are_priced_invoiced_and_refuse_a_blocked_card_offline()
    {
        var (siteId, tariffId, issuerId) = ($"ACC-{_suffix}", $"ACC-{_suffix}-STANDARD", $"acc-{_suffix}");
        var (driverCard, lostCard, strangerCard) = ($"ACC{_suffix}D", $"ACC{_suffix}L", $"ACC{_suffix}S");
        await Created(_http.PostAsJsonAsync("/api/tokens", new { uid = driverCard, type = "Rfid", contractId = $"DE-STL-C{_suffix}" }));
        using var lost = await _http.PostAsJsonAsync("/api/tokens", new { uid = lostCard, type = "Rfid" });
        var lostTokenId = (await lost.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("tokenId").GetString()!;
        await Created(_http.PostAsJsonAsync("/api/sites", new
        {
            siteId, name = "Munich acceptance hub", address = new { street = "Marienplatz 8", postalCode = "80331", city = "München", countryCode = "DE" },
            latitude = 48.1374m, longitude = 11.5755m, timeZone = "Europe/Berlin", gridCapacityKw = 400m,
        }));
        var chargers = new[] { (Id: $"ACC-{_suffix}-16", Protocol: OcppVersion.Ocpp16), (Id: $"ACC-{_suffix}-201", Protocol: OcppVersion.Ocpp201) };
        foreach (var (id, protocol) in chargers)
            await Created(_http.PostAsJsonAsync("/api/chargers", new
            {
                chargerId = id, siteId, vendor = "Alpitronic", model = "HYC300", protocol = protocol.ToString(), password = TestHost.Password,
                evses = new[] { 1, 2 }.Select(evseId => new { evseId, connectors = new[] { new { connectorId = 1, standard = "Ccs2", maxPowerKw = 300 } } }),
            }));
        // Prices never apply retroactively: the tariff takes effect a moment from now, before the first car plugs in.
        var tariffFrom = SystemClock.Instance.GetCurrentInstant() + Duration.FromSeconds(5);
        await Created(_http.PostAsJsonAsync("/api/tariffs", new TariffEndpoints.PublishTariffBody(tariffId, "EUR", PricesIncludeVat: true,
            [new TariffEndpoints.ElementBody([new TariffEndpoints.PriceComponentBody(PriceComponentType.Energy, 0.60m, VatPercent: 19m)])], tariffFrom),
            LedgerJson.Options));
        await Created(_http.PostAsJsonAsync($"/api/tariffs/{tariffId}/assignments",
            new TariffEndpoints.AssignTariffBody(TariffScope.Site, siteId, tariffFrom), LedgerJson.Options));
        await Created(_http.PostAsJsonAsync("/api/issuers",
            new { issuerId, legalName = "Settlement Charging GmbH", address = "Hauptstr. 1, 10115 Berlin", countryCode = "DE", vatId = "DE300000002" }));

        await Task.Delay((tariffFrom - SystemClock.Instance.GetCurrentInstant()).ToTimeSpan() is { Ticks: > 0 } wait ? wait : TimeSpan.Zero);
        var connected = new List<SimulatedCharger>();
        try
        {
            foreach (var (id, protocol) in chargers)
            {
                var charger = new SimulatedCharger(
                    new ChargerDefinition(id, TestHost.Password, protocol == OcppVersion.Ocpp16 ? OcppProtocol.Ocpp16 : OcppProtocol.Ocpp201), _host.Endpoint, Strict);
                connected.Add(charger);
                await charger.ConnectAsync(CancellationToken.None);
                await charger.BootAsync(CancellationToken.None);
                // On boot the host finds the charger's list behind the registry and sends it in full.
                await Until(() => charger.LocalList.StatusOf(driverCard) == "Accepted" && charger.LocalList.StatusOf(lostCard) == "Accepted",
                    $"{id} never received the full local list");

                // Unknown cards are refused: this host rejects what its registry does not hold.
                Assert.Equal(protocol == OcppVersion.Ocpp16 ? "Invalid" : "Unknown", await AuthoriseAsync(charger, strangerCard));
                var session = await charger.RunSessionAsync(1, driverCard, Quick, CancellationToken.None);
                Assert.True(session.EnergyWh > 0, "the simulated car drew energy");
            }

            // The card is reported lost: the host refuses it at once, and tells every connected charger.
            using var blocked = await _http.PostAsync($"/api/tokens/{lostTokenId}/block", null);
            Assert.True(blocked.IsSuccessStatusCode, await blocked.Content.ReadAsStringAsync());
            foreach (var charger in connected)
            {
                Assert.Equal("Blocked", await AuthoriseAsync(charger, lostCard));
                await Until(() => charger.LocalList.StatusOf(lostCard) == "Blocked", $"{charger.Id} never heard the card was blocked");
            }
        }
        finally
        {
            foreach (var charger in connected) await charger.DisposeAsync();
        }
        // Offline, each charger decides from its list: the driver's card still charges, the lost one does not.
        Assert.All(connected, charger => Assert.True(charger.AuthorisesOffline(driverCard) && !charger.AuthorisesOffline(lostCard) && !charger.AuthorisesOffline(strangerCard)));
        await _host.Services.GetRequiredService<AsyncProjections>().WaitForNonStaleDataAsync(TimeSpan.FromSeconds(60));

        var listed = await _http.GetFromJsonAsync<JsonElement>($"/api/sessions?site={siteId}&status=completed");
        var sessionIds = listed.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("sessionId").GetString()!).ToList();
        Assert.Equal(chargers.Select(c => c.Id), listed.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("chargerId").GetString()));
        foreach (var sessionId in sessionIds)
        {
            var price = await _http.GetFromJsonAsync<JsonElement>($"/api/sessions/{sessionId}/price");
            // Stopped and priced, not "Unpriced": the site and its tariff were found.
            Assert.Equal(("Stopped", siteId), (price.GetProperty("status").GetString(), price.GetProperty("siteId").GetString()));
            Assert.Equal(JsonValueKind.Object, price.GetProperty("price").ValueKind);
        }

        await Created(_http.PostAsJsonAsync("/api/invoices/sessions", new { issuerId, sessionIds }));
        var invoices = await _http.GetFromJsonAsync<JsonElement>($"/api/invoices?issuer={issuerId}");
        var invoiced = new List<string>();
        foreach (var summary in invoices.GetProperty("items").EnumerateArray())
        {
            var document = await _http.GetFromJsonAsync<JsonElement>(summary.GetProperty("href").GetString()!);
            invoiced.AddRange(document.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("sessionId").GetString()!));
            Assert.True(summary.GetProperty("totalGross").GetDecimal() > 0);
        }
        Assert.Equal(sessionIds.Order(), invoiced.Distinct().Order());

        // Every document of the ledger, a page of one at a time, and those of one session, which are filtered as they are read.
        var all = await WalkAsync("/api/invoices?limit=1");
        var ofSession = await WalkAsync($"/api/invoices?limit=1&session={sessionIds[0]}");
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.Subset(all.ToHashSet(), invoices.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("href").GetString()!).ToHashSet());
        Assert.NotEmpty(ofSession);
        Assert.Subset(all.ToHashSet(), ofSession.ToHashSet());
    }

    /// <summary>The status the host answers an Authorize for the card with (1.6 idTagInfo, 2.0.1 idTokenInfo).</summary>
    private static async Task<string> AuthoriseAsync(SimulatedCharger charger, string card)
    {
        if (charger.Protocol == OcppProtocol.Ocpp16)
            return (await charger.CallAsync("Authorize", new JsonObject { ["idTag"] = card }, CancellationToken.None))["idTagInfo"]!["status"]!.GetValue<string>();
        var answer = await charger.CallAsync("Authorize", new JsonObject { ["idToken"] = new JsonObject { ["idToken"] = card, ["type"] = "ISO14443" } }, CancellationToken.None);
        return answer["idTokenInfo"]!["status"]!.GetValue<string>();
    }

    private static async Task Until(Func<bool> condition, string failure)
    {
        for (var i = 0; i < 200 && !condition(); i++) await Task.Delay(50);
        Assert.True(condition(), failure);
    }

    private async Task<List<string>> WalkAsync(string path)
    {
        var hrefs = new List<string>();
        for (string? next = path; next is not null;)
        {
            var response = await _http.GetAsync(next);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            hrefs.AddRange(body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("href").GetString()!));
            next = response.Headers.TryGetValues("Link", out var link) ? link.Single().Split('>')[0].TrimStart('<') : null;
        }
        return hrefs;
    }
}
