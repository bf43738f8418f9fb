using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Settlement.Domain.Access;
using Settlement.Domain.Events;
using Settlement.Domain.SelfHealing;
using Settlement.Domain.Tariffs;
using Settlement.Host.Access;
using Settlement.Host.Roaming.Ocpi;
using Settlement.Host.Tariffs;
using Settlement.Ledger;
using Settlement.Ledger.Store;
using Settlement.Tests.Tariffs;

namespace Settlement.Tests.Access;

/// <summary>
/// Two sub-operators, A and B, each with a site, a charger, a priced session, an issuer, an invoice, a tariff and a token.
/// B's keys, given A's ids on every endpoint of <see cref="AccessTable"/>, get 404 (or 403 where only the top-level
/// operator may act, 409 where an id is taken) or a filtered answer naming none of A's ids; A's keys get A's data.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class sub_operator_scope_tests(LedgerDatabase db) : IAsyncLifetime
{
    // Prices never change retroactively: tariffs published here start after the test runs.
    private static readonly Instant Later = SystemClock.Instance.GetCurrentInstant() + Duration.FromDays(30);
    private TestHost _host = null!;
    private Tenant _a = null!;
    private Tenant _b = null!;

    private sealed record Tenant(string OperatorId, PricedNetwork Network, string SessionId, string IssuerId, string TariffId, string TokenUid, string TokenId,
        string Key, HttpClient Http, long SiteEventSequence)
    {
        public string[] Ids => [OperatorId, Network.SiteId, Network.ChargerId, SessionId, IssuerId, TariffId, TokenUid, TokenId];
    }

    /// <summary>One request per endpoint, with A's ids; <paramref name="OwnerSees"/>: A's own key is answered with A's data, not 403/404.</summary>
    private sealed record Probe(string Endpoint, HttpMethod Method, string Path, object? Body = null, bool OwnerSees = true);

    public async Task InitializeAsync()
    {
        _host = await new TestHost(db).StartAsync();
        await _host.DisposeOnFailureAsync(async () =>
        {
            _a = await TenantAsync("a");
            _b = await TenantAsync("b");
            await _host.Services.GetRequiredService<AsyncProjections>().WaitForNonStaleDataAsync(TimeSpan.FromSeconds(60));
            foreach (var tenant in new[] { _a, _b })
            {
                var issued = await tenant.Http.PostAsJsonAsync("/api/invoices/sessions", new { issuerId = tenant.IssuerId, sessionIds = new[] { tenant.SessionId } });
                Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
            }
        });
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task another_sub_operators_key_finds_none_of_its_data_on_any_endpoint()
    {
        var failures = new List<string>();
        foreach (var probe in Probes(_a))
        {
            var (status, body) = await SendAsync(_b.Http, probe);
            if ((int)status is >= 200 and < 300)
            {
                if (_a.Ids.FirstOrDefault(id => body.Contains(id, StringComparison.Ordinal)) is { } leaked)
                    failures.Add($"{probe.Endpoint}: {(int)status} shows {leaked}");
            }
            else if (status is not (HttpStatusCode.NotFound or HttpStatusCode.Forbidden or HttpStatusCode.Conflict))
                failures.Add($"{probe.Endpoint}: {(int)status} {body}");
        }
        Assert.Empty(failures);
    }

    [Fact]
    public async Task the_owner_reaches_its_own_data_on_every_endpoint()
    {
        var failures = new List<string>();
        foreach (var probe in Probes(_a).Where(p => p.OwnerSees))
        {
            var (status, body) = await SendAsync(_a.Http, probe);
            if (status is HttpStatusCode.NotFound or HttpStatusCode.Forbidden) failures.Add($"{probe.Path}: {(int)status} {body}");
        }
        Assert.Empty(failures);
    }

    [Fact]
    public void every_endpoint_of_the_access_table_is_probed() =>
        Assert.Equal(AccessTable.Roles.Keys.Order(StringComparer.Ordinal), Probes(_a).Select(p => p.Endpoint).Distinct().Order(StringComparer.Ordinal));

    [Fact]
    public async Task the_top_level_operator_sees_both_and_a_sub_operator_only_its_own()
    {
        var all = await _host.Http.GetStringAsync("/api/chargers");
        var onlyA = await _a.Http.GetStringAsync("/api/chargers");
        var invoicesOfA = await _a.Http.GetStringAsync("/api/invoices");
        var operators = await _host.Http.GetStringAsync("/api/operators?limit=1000");

        Assert.Contains(_a.Network.ChargerId, all);
        Assert.Contains(_b.Network.ChargerId, all);
        Assert.Contains(_a.Network.ChargerId, onlyA);
        Assert.DoesNotContain(_b.Network.ChargerId, onlyA);
        Assert.Contains(_a.IssuerId, invoicesOfA);
        Assert.DoesNotContain(_b.IssuerId, invoicesOfA);
        Assert.Contains(_a.OperatorId, operators);
        Assert.Contains(_b.OperatorId, operators);
    }

    [Fact]
    public async Task an_invoice_for_a_sub_operators_site_carries_its_issuers_identity_and_no_other_issuer_may_bill_it()
    {
        var invoice = await _a.Http.GetFromJsonAsync<JsonElement>($"/api/invoices/{_a.IssuerId}/INV-000001");
        var session = await _a.Network.ChargeAsync(Instant.FromUtc(2026, 10, 21, 7, 0), readings: 2, whPerReading: 5_000);
        await _host.Services.GetRequiredService<AsyncProjections>().WaitForNonStaleDataAsync(TimeSpan.FromSeconds(60));
        var wrongIssuer = await _host.Http.PostAsJsonAsync("/api/invoices/sessions", new { issuerId = _b.IssuerId, sessionIds = new[] { session } });
        var error = (await wrongIssuer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString();

        Assert.Equal($"Charging {_a.OperatorId} GmbH", invoice.GetProperty("seller").GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, wrongIssuer.StatusCode);
        Assert.Contains($"sub-operator {_a.OperatorId}", error);
        Assert.Contains($"issuer {_b.IssuerId} is the legal identity of sub-operator {_b.OperatorId}", error);
    }

    private async Task<Tenant> TenantAsync(string label)
    {
        var operatorId = $"{label}-{Guid.NewGuid():N}"[..12];
        Assert.Equal(HttpStatusCode.Created, (await _host.Http.PostAsJsonAsync("/api/operators", new { operatorId, name = $"Brand {operatorId}" })).StatusCode);
        var network = await new PricedNetwork(db.Ledger).RegisterSiteAsync();
        await network.RegisterChargerAsync();
        await network.PriceSiteAsync(perKwh: 0.50m);
        var session = await network.ChargeAsync(Instant.FromUtc(2026, 10, 20, 7, 0), readings: 2, whPerReading: 5_000);
        Assert.Equal(HttpStatusCode.OK, (await _host.Http.PostAsJsonAsync($"/api/sites/{network.SiteId}/operator", new { operatorId })).StatusCode);

        var key = await _host.CreateKeyAsync(AccessRole.Operator, operatorId);
        var http = _host.Client(key);
        var issuerId = "iss-" + operatorId;
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("/api/issuers",
            new { issuerId, legalName = $"Charging {operatorId} GmbH", address = "Hauptstr. 1, Berlin", countryCode = "DE", vatId = "DE300000002" })).StatusCode);
        var tariffId = "tar-" + operatorId;
        var published = await http.PostAsJsonAsync("/api/tariffs", new TariffEndpoints.PublishTariffBody(tariffId, "EUR", PricesIncludeVat: false,
            [new TariffEndpoints.ElementBody([new TariffEndpoints.PriceComponentBody(PriceComponentType.Energy, 0.50m)])], Later), LedgerJson.Options);
        Assert.True(published.StatusCode == HttpStatusCode.Created, await published.Content.ReadAsStringAsync());
        var tokenUid = "UID-" + operatorId;
        var token = await http.PostAsJsonAsync("/api/tokens", new { uid = tokenUid });
        Assert.True(token.StatusCode == HttpStatusCode.Created, await token.Content.ReadAsStringAsync());
        var tokenId = (await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("tokenId").GetString()!;
        var siteEvent = (await db.Ledger.ReadStreamAsync(StreamIds.Site(network.SiteId)))[0];
        await RecordIncidentAsync(network, siteEvent.Sequence);
        return new Tenant(operatorId, network, session, issuerId, tariffId, tokenUid, tokenId, key, http, siteEvent.Sequence);
    }

    /// <summary>A self-healing incident on the tenant's charger, already resolved (so no self-healer or sweep acts on it), named after its site's first event.</summary>
    private async Task RecordIncidentAsync(PricedNetwork network, long siteEventSequence)
    {
        var at = SystemClock.Instance.GetCurrentInstant();
        var incidentId = IncidentDetection.IncidentIdOf(siteEventSequence, IncidentKind.ConnectorFaulted);
        var metadata = new EventMetadata("setup", null, new Actor(ActorKind.Operator, "tests"), at);
        await db.Ledger.AppendAsync(StreamAppend.New(StreamIds.Incident(incidentId),
            new PendingEvent(new IncidentOpened(incidentId, IncidentKind.ConnectorFaulted, network.ChargerId, network.SiteId, "Acme", "Fast 150", null, 1, null,
                "InternalError", "fault InternalError on EVSE 1", siteEventSequence, at), metadata),
            new PendingEvent(new IncidentResolved(incidentId, IncidentResolution.Itself, null, "EVSE 1 Available", siteEventSequence, at), metadata)));
    }

    private static string IncidentOf(Tenant tenant) => IncidentDetection.IncidentIdOf(tenant.SiteEventSequence, IncidentKind.ConnectorFaulted);

    private static async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpClient http, Probe probe)
    {
        using var request = new HttpRequestMessage(probe.Method, probe.Path);
        if (probe.Body is not null) request.Content = JsonContent.Create(probe.Body, options: LedgerJson.Options);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        // A live stream never ends: its first event (the snapshot of what the key sees) is what it answers.
        if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            var first = new StringBuilder();
            while (await reader.ReadLineAsync() is { Length: > 0 } line) first.AppendLine(line);
            return (response.StatusCode, first.ToString());
        }
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private IEnumerable<Probe> Probes(Tenant a)
    {
        var site = a.Network.SiteId;
        var charger = a.Network.ChargerId;
        var session = a.SessionId;
        var issuer = a.IssuerId;
        var keyId = ApiKeySecrets.KeyIdOf(a.Key)!;
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd");
        const string period = "from=2026-10-01&through=2026-10-31";
        var get = HttpMethod.Get;
        var post = HttpMethod.Post;
        var commands = $"/api/chargers/{charger}/commands";
        var rollout = "ro-" + a.OperatorId;

        return
        [
            new("POST /api/keys", post, "/api/keys", new { name = "guess", role = "Operator", operatorId = a.OperatorId }),
            new("GET /api/keys", get, "/api/keys"),
            new("POST /api/keys/{keyId}/rotate", post, $"/api/keys/{keyId}/rotate", OwnerSees: false),
            new("POST /api/keys/{keyId}/revoke", post, $"/api/keys/{keyId}/revoke", new { reason = "guessing" }, OwnerSees: false),
            new("GET /api/access/failed-logins", get, "/api/access/failed-logins", OwnerSees: false),
            // Who the calling key is: another sub-operator's key names only itself.
            new("GET /api/access/me", get, "/api/access/me"),

            new("POST /api/operators", post, "/api/operators", new { operatorId = "guess", name = "Guess" }, OwnerSees: false),
            new("GET /api/operators", get, "/api/operators", OwnerSees: false),
            new("POST /api/sites/{siteId}/operator", post, $"/api/sites/{site}/operator", new { operatorId = _b.OperatorId }, OwnerSees: false),

            // The API document describes endpoints, never a sub-operator's data.
            new("GET /openapi/v1.json", get, "/openapi/v1.json"),

            new("GET /api/chargers", get, "/api/chargers"),
            new("GET /api/live/chargers", get, "/api/live/chargers"),
            new("GET /api/chargers/pending", get, "/api/chargers/pending"),
            new("GET /api/chargers/{chargerId}", get, $"/api/chargers/{charger}"),
            new("PUT /api/chargers/{chargerId}/evses/{evseId:int}", HttpMethod.Put, $"/api/chargers/{charger}/evses/1",
                new { connectors = new[] { new { connectorId = 1, standard = "Ccs2", maxPowerKw = 150m } } }),
            new("POST /api/sites", post, "/api/sites", new
            {
                siteId = site, name = "Guess", address = new { street = "Marienplatz 8", postalCode = "80331", city = "München", countryCode = "DE" },
                latitude = 48.14m, longitude = 11.58m, timeZone = "Europe/Berlin", gridCapacityKw = 300m,
            }),
            new("PUT /api/sites/{siteId}", HttpMethod.Put, $"/api/sites/{site}", new
            {
                name = "Renamed", address = new { street = "Marienplatz 8", postalCode = "80331", city = "München", countryCode = "DE" },
                latitude = 48.14m, longitude = 11.58m, timeZone = "Europe/Berlin", gridCapacityKw = 300m,
            }),
            new("PUT /api/sites/{siteId}/public-details", HttpMethod.Put, $"/api/sites/{site}/public-details", new
            {
                operatorName = "Probe Charging", operatorId = "DE*PRB", helpdeskPhone = "+498920004711",
                openingHours = new { twentyFourSeven = true, periods = Array.Empty<object>() }, adHocPaymentMethods = new[] { "PaymentCardContactless" },
            }),
            // The AFIR DATEX II publications are open to anyone (AccessTable.Open): they carry no sub-operator's scope to probe.
            new("GET /api/sites", get, "/api/sites?limit=1000"),
            new("GET /api/sites/{siteId}", get, $"/api/sites/{site}"),
            // A site's power, in order: the model first, so the owner's signal, battery report and views find it.
            new("PUT /api/sites/{siteId}/power-model", HttpMethod.Put, $"/api/sites/{site}/power-model", new
            {
                nominalVoltage = 230,
                circuits = new[] { new { circuitId = "grid", parentId = (string?)null, maxAmpsPerPhase = (decimal?)null, maxKw = (decimal?)200m } },
                evses = new[] { new { chargerId = charger, evseId = 1, circuitId = "grid", phases = new[] { "L1", "L2", "L3" }, minAmps = 6m, maxAmps = 32m, unit = "A" } },
                battery = new { circuitId = "grid", capacityKwh = 100m, maxChargeKw = 30m, maxDischargeKw = 30m, reservePercent = 10m },
                policy = new { sharing = "EqualShare", reclaim = false, priorityWeights = new Dictionary<string, int>(), rebalanceSeconds = 30 },
            }),
            new("GET /api/sites/{siteId}/power-model", get, $"/api/sites/{site}/power-model"),
            new("POST /api/sites/{siteId}/grid-signals", post, $"/api/sites/{site}/grid-signals", new
            {
                signalId = "probe-signal", kind = "Throttle", capPercent = 50m, from = DateTime.UtcNow.AddHours(1).ToString("yyyy-MM-ddTHH:mm:ssZ"),
                until = DateTime.UtcNow.AddHours(2).ToString("yyyy-MM-ddTHH:mm:ssZ"),
            }),
            new("GET /api/sites/{siteId}/grid-signals", get, $"/api/sites/{site}/grid-signals?all=true"),
            new("POST /api/sites/{siteId}/grid-signals/{signalId}/withdraw", post, $"/api/sites/{site}/grid-signals/probe-signal/withdraw"),
            new("POST /api/sites/{siteId}/battery-state", post, $"/api/sites/{site}/battery-state", new { stateOfChargePercent = 50m }),
            new("GET /api/sites/{siteId}/allocations", get, $"/api/sites/{site}/allocations"),
            new("GET /api/sites/{siteId}/allocations/history", get, $"/api/sites/{site}/allocations/history"),
            // No balancer runs here: the owner is told there is no decision 1, the other that the site does not exist.
            new("GET /api/sites/{siteId}/allocations/history/{version:long}/replay", get, $"/api/sites/{site}/allocations/history/1/replay", OwnerSees: false),
            new("GET /api/sites/{siteId}/power-report", get, $"/api/sites/{site}/power-report?month=2026-10"),

            // A rollout over A's site, in order: created first, so that the owner's reads and controls find it.
            new("POST /api/firmware/rollouts", post, "/api/firmware/rollouts", new
            {
                rolloutId = rollout, name = "Probe rollout", image = new { version = "9.9.9-probe", location = "https://firmware.example/probe/9.9.9.bin" },
                target = new { sites = new[] { site } }, canary = new { chargerIds = new[] { charger } },
            }),
            new("GET /api/firmware/rollouts", get, "/api/firmware/rollouts?limit=1000"),
            new("GET /api/firmware/rollouts/{rolloutId}", get, $"/api/firmware/rollouts/{rollout}"),
            new("GET /api/firmware/rollouts/{rolloutId}/history", get, $"/api/firmware/rollouts/{rollout}/history"),
            new("POST /api/firmware/rollouts/{rolloutId}/pause", post, $"/api/firmware/rollouts/{rollout}/pause", new { reason = "probe" }),
            new("POST /api/firmware/rollouts/{rolloutId}/resume", post, $"/api/firmware/rollouts/{rollout}/resume", new { reason = "probe" }),
            new("POST /api/firmware/rollouts/{rolloutId}/abort", post, $"/api/firmware/rollouts/{rollout}/abort", new { reason = "probe" }),
            new("GET /api/sessions", get, "/api/sessions?limit=1000"),
            new("GET /api/sessions/{sessionId}", get, $"/api/sessions/{session}"),
            new("GET /api/tariffs", get, "/api/tariffs?limit=1000"),
            new("GET /api/issuers", get, "/api/issuers?limit=1000"),
            new("GET /api/issuers/{issuerId}", get, $"/api/issuers/{issuer}"),
            new("POST /api/chargers", post, "/api/chargers", new
            {
                chargerId = "G" + Guid.NewGuid().ToString("N")[..8], siteId = site, vendor = "Acme", model = "Fast", protocol = "Ocpp201",
                evses = new[] { new { evseId = 1, connectors = new[] { new { connectorId = 1, standard = "Ccs2", maxPowerKw = 150m } } } },
            }),
            new("PUT /api/chargers/{chargerId}/credentials", HttpMethod.Put, $"/api/chargers/{charger}/credentials", new { password = "a-long-enough-password-42" }),
            new("POST /api/chargers/{chargerId}/commands/remote-start", post, $"{commands}/remote-start", new { evseId = 1, idToken = "RFID-1" }),
            new("POST /api/chargers/{chargerId}/commands/remote-stop", post, $"{commands}/remote-stop", new { transactionId = "tx-1" }),
            new("POST /api/chargers/{chargerId}/commands/reset", post, $"{commands}/reset", new { kind = "Soft" }),
            new("POST /api/chargers/{chargerId}/commands/change-availability", post, $"{commands}/change-availability", new { evseId = 1, operative = true }),
            new("POST /api/chargers/{chargerId}/commands/unlock-connector", post, $"{commands}/unlock-connector", new { evseId = 1, connectorId = 1 }),
            new("POST /api/chargers/{chargerId}/commands/set-charging-profile", post, $"{commands}/set-charging-profile", new { evseId = 1, profile = new { id = 1 } }),
            new("POST /api/chargers/{chargerId}/commands/clear-charging-profile", post, $"{commands}/clear-charging-profile", new { profileId = 1 }),
            new("POST /api/chargers/{chargerId}/commands/trigger-message", post, $"{commands}/trigger-message", new { message = "Heartbeat" }),
            new("POST /api/chargers/{chargerId}/commands/get-settings", post, $"{commands}/get-settings", new { keys = new[] { "HeartbeatInterval" } }),
            new("POST /api/chargers/{chargerId}/commands/change-setting", post, $"{commands}/change-setting", new { key = "HeartbeatInterval", value = "60" }),
            new("POST /api/chargers/{chargerId}/commands/update-firmware", post, $"{commands}/update-firmware", new { location = "https://example.com/fw.bin", retrieveAt = "2026-12-01T00:00:00Z" }),

            new("POST /api/tariffs", post, "/api/tariffs", new
            {
                tariffId = a.TariffId, currency = "EUR", pricesIncludeVat = false,
                elements = new[] { new { priceComponents = new[] { new { type = "Energy", price = 9.99m, stepSize = 1 } } } }, validFrom = Later.Plus(Duration.FromDays(1)),
            }),
            new("POST /api/tariffs/ocpi", post, "/api/tariffs/ocpi", new
            {
                id = a.TariffId, currency = "EUR", start_date_time = OcpiJson.DateTime(Later.Plus(Duration.FromDays(1))),
                elements = new[] { new { price_components = new[] { new { type = "ENERGY", price = 9.99m, step_size = 1 } } } },
            }),
            new("POST /api/tariffs/{tariffId}/assignments", post, $"/api/tariffs/{a.TariffId}/assignments", new { scope = "Site", scopeId = site, validFrom = Later }),
            new("GET /api/tariffs/{tariffId}", get, $"/api/tariffs/{a.TariffId}"),
            new("GET /api/evses/{chargerId}/{evseId}/tariff", get, $"/api/evses/{charger}/1/tariff"),
            new("GET /api/evses/{chargerId}/{evseId}/adhoc-price", get, $"/api/evses/{charger}/1/adhoc-price"),
            new("GET /api/sessions/{sessionId}/price", get, $"/api/sessions/{session}/price"),

            new("POST /api/issuers", post, "/api/issuers", new { issuerId = issuer, legalName = "Renamed", address = "Elsewhere", countryCode = "DE", vatId = "DE300000002" }),
            new("GET /api/sites/{siteId}/jurisdiction", get, $"/api/sites/{site}/jurisdiction"),
            new("POST /api/sites/{siteId}/jurisdiction", post, $"/api/sites/{site}/jurisdiction", new { jurisdiction = "DE-BY", reason = "Confirmed by the tax office" }),
            new("GET /api/tax-rates/{jurisdiction}", get, "/api/tax-rates/DE"),
            new("POST /api/tax-rates", post, "/api/tax-rates", new { jurisdiction = "DE", ratePercent = 0m, validFrom = "2030-01-01", source = "guess" }, OwnerSees: false),
            new("GET /api/sites/{siteId}/sales-tax", get, $"/api/sites/{site}/sales-tax"),
            // A's site is German: its owner is told VAT applies there, the other that the site does not exist.
            new("PUT /api/sites/{siteId}/sales-tax", HttpMethod.Put, $"/api/sites/{site}/sales-tax",
                new { components = new[] { new { level = "State", authority = "Colorado", ratePercent = 2.9m } }, validFrom = "2030-01-01", source = "guess" }),
            new("GET /api/tax-point-rules/{jurisdiction}", get, "/api/tax-point-rules/DE"),
            // Kosovo: no site of any test is there, so a rule recorded by a key that should have been refused would harm no invoice.
            new("PUT /api/tax-point-rules/{jurisdiction}", HttpMethod.Put, "/api/tax-point-rules/XK", new { basis = "IssueDate", source = "guess" }, OwnerSees: false),
            new("POST /api/invoices/sessions", post, "/api/invoices/sessions", new { issuerId = issuer, sessionIds = new[] { session } }),
            // No roaming partner here: the owner is told so (404 naming the partner), the other is told the issuer does not exist.
            new("POST /api/invoices/partners", post, "/api/invoices/partners", new { issuerId = issuer, partnerId = "NL-NON", from = "2026-10-01", through = "2026-10-31" },
                OwnerSees: false),
            new("POST /api/invoices/{issuerId}/{number}/credit-notes", post, $"/api/invoices/{issuer}/INV-000001/credit-notes", new { reason = "guessing", lines = new[] { 1 } }),
            new("GET /api/invoices", get, "/api/invoices"),
            new("GET /api/invoices/{issuerId}/{number}", get, $"/api/invoices/{issuer}/INV-000001"),
            new("GET /api/exports/journal", get, $"/api/exports/journal?from={today}&through={today}"),
            new("GET /api/exports/vat", get, $"/api/exports/vat?from={today}&through={today}&format=json"),
            new("POST /api/receivables/payments", post, "/api/receivables/payments",
                new { issuerId = issuer, invoiceNumber = "INV-000001", amount = 0.01m, currency = "EUR", valueDate = today, paymentId = "probe-" + a.OperatorId }),
            // Nothing was overpaid or credited, so the owner is told nothing is owed back (409).
            new("POST /api/receivables/refunds", post, "/api/receivables/refunds",
                new { issuerId = issuer, invoiceNumber = "INV-000001", amount = 0.01m, currency = "EUR", valueDate = today, reason = "guessing" }),
            new("POST /api/receivables/write-offs", post, "/api/receivables/write-offs", new { issuerId = issuer, invoiceNumber = "INV-000001", reason = "guessing", amount = 0.01m }),
            // A JSON body is no statement: the owner is told to send XML (415), the other that the issuer does not exist.
            new("POST /api/receivables/bank-statements", post, $"/api/receivables/bank-statements?issuer={issuer}", new { statement = "guess" }),
            new("GET /api/receivables/open-items", get, $"/api/receivables/open-items?issuer={issuer}"),
            new("GET /api/receivables/ageing", get, $"/api/receivables/ageing?issuer={issuer}&by=driver"),

            new("POST /api/chargers/{chargerId}/outage-causes", post, $"/api/chargers/{charger}/outage-causes",
                new { evseId = 1, from = "2026-10-20T01:00:00Z", until = "2026-10-20T02:00:00Z", cause = "UtilityInterruption" }),
            new("POST /api/sessions/{sessionId}/rating", post, $"/api/sessions/{session}/rating", new { stars = 5 }),
            new("POST /api/sites/{siteId}/maintenance-costs", post, $"/api/sites/{site}/maintenance-costs",
                new { from = "2026-01-01", through = "2026-10-31", totalCost = 100m, federalCost = 0m }),
            new("GET /api/kpis/uptime", get, $"/api/kpis/uptime?site={site}&{period}"),
            new("GET /api/kpis/uptime", get, $"/api/kpis/uptime?{period}"),
            new("GET /api/kpis/outages", get, $"/api/kpis/outages?site={site}&{period}"),
            new("GET /api/kpis/charge-success", get, $"/api/kpis/charge-success?site={site}&{period}"),
            new("GET /api/kpis/charge-success", get, $"/api/kpis/charge-success?{period}"),
            new("GET /api/kpis/utilisation", get, $"/api/kpis/utilisation?site={site}&{period}"),
            new("GET /api/kpis/ratings", get, $"/api/kpis/ratings?site={site}&{period}"),

            // The rules are fleet-wide: a sub-operator reads them, only the top-level operator changes them.
            new("PUT /api/self-healing/rules", HttpMethod.Put, "/api/self-healing/rules",
                new { thresholds = HealingRules.Default.Thresholds, ladders = HealingRules.Default.Ladders }, OwnerSees: false),
            new("GET /api/self-healing/rules", get, "/api/self-healing/rules"),
            new("GET /api/incidents", get, "/api/incidents"),
            new("GET /api/incidents", get, $"/api/incidents?site={site}"),
            new("GET /api/incidents/{incidentId}", get, $"/api/incidents/{IncidentOf(a)}"),
            new("GET /api/self-healing/kpis", get, "/api/self-healing/kpis?from=2026-01-01T00:00:00Z&to=2100-01-01T00:00:00Z&by=site"),

            new("GET /api/reports/nevi/{module:int}", get, $"/api/reports/nevi/2?site={site}&{period}"),
            new("GET /api/reports/nevi/{module:int}", get, $"/api/reports/nevi/3?{period}"),
            new("GET /api/reports/afir", get, "/api/reports/afir"),

            new("GET /api/streams/{streamId}", get, $"/api/streams/{StreamIds.Site(site)}"),
            new("GET /api/streams/{streamId}", get, $"/api/streams/{StreamIds.Charger(charger)}"),
            new("GET /api/streams/{streamId}", get, $"/api/streams/{StreamIds.Session(session)}"),
            new("GET /api/streams/{streamId}", get, $"/api/streams/{StreamIds.InvoiceIssuer(issuer)}"),
            new("GET /api/audit/chain", get, "/api/audit/chain"),
            new("GET /api/audit/checkpoints", get, "/api/audit/checkpoints"),
            // Whether the owner's proof exists yet depends on the chain writer having caught up, so only the other's answer is checked.
            new("GET /api/audit/proofs/events/{sequence:long}", get, $"/api/audit/proofs/events/{a.SiteEventSequence}", OwnerSees: false),
            new("GET /api/audit/proofs/invoices/{issuerId}/{number}", get, $"/api/audit/proofs/invoices/{issuer}/INV-000001", OwnerSees: false),
            // A verification, a replay and a bundle cover every sub-operator's history: the top-level operator's alone.
            new("POST /api/audit/verify-runs", post, "/api/audit/verify-runs", OwnerSees: false),
            new("GET /api/audit/verify-runs/{runId}", get, "/api/audit/verify-runs/guessed-run", OwnerSees: false),
            new("POST /api/audit/replay-runs", post, "/api/audit/replay-runs", OwnerSees: false),
            new("GET /api/audit/replay-runs/{runId}", get, "/api/audit/replay-runs/guessed-run", OwnerSees: false),
            new("GET /api/audit/bundle", get, "/api/audit/bundle?from=2026-10-01&to=2026-10-31", OwnerSees: false),

            // A uid is registered once: the other is told it is taken, without the id of the token that holds it.
            new("POST /api/tokens", post, "/api/tokens", new { uid = a.TokenUid }),
            new("GET /api/tokens", get, "/api/tokens?limit=1000"),
            new("GET /api/tokens/{tokenId}", get, $"/api/tokens/{a.TokenId}"),
            new("PUT /api/tokens/{tokenId}/group", HttpMethod.Put, $"/api/tokens/{a.TokenId}/group", new { customerGroup = "guessed-group" }),
            new("POST /api/tokens/{tokenId}/block", post, $"/api/tokens/{a.TokenId}/block"),
            new("POST /api/tokens/{tokenId}/unblock", post, $"/api/tokens/{a.TokenId}/unblock"),
            new("POST /api/tokens/{tokenId}/expire", post, $"/api/tokens/{a.TokenId}/expire"),
            new("GET /api/streams/{streamId}", get, $"/api/streams/{StreamIds.Token(a.TokenId)}"),

            new("POST /api/drivers/erasure", post, "/api/drivers/erasure", new { idToken = "RFID-0001" }, OwnerSees: false),

            // Roaming is the top-level operator's: a sub-operator's keys are refused whichever partner they name.
            new("POST /api/roaming/partners", post, "/api/roaming/partners",
                new { name = "Guess", countryCode = "NL", partyId = "GSS", agreement = new { commissionPercent = 10m, currency = "EUR", settlementPeriod = "Monthly" } },
                OwnerSees: false),
            new("GET /api/roaming/partners", get, "/api/roaming/partners", OwnerSees: false),
            new("GET /api/roaming/partners/{partnerId}", get, "/api/roaming/partners/NL-EMS", OwnerSees: false),
            new("PUT /api/roaming/partners/{partnerId}/agreement", HttpMethod.Put, "/api/roaming/partners/NL-EMS/agreement",
                new { commissionPercent = 10m, currency = "EUR", settlementPeriod = "Monthly", effectiveFrom = "2027-01-01" }, OwnerSees: false),
            new("POST /api/roaming/partners/{partnerId}/unregister", post, "/api/roaming/partners/NL-EMS/unregister", new { reason = "guess" }, OwnerSees: false),
            new("GET /api/roaming/partners/{partnerId}/messages", get, "/api/roaming/partners/NL-EMS/messages", OwnerSees: false),
            new("GET /api/roaming/partners/{partnerId}/pushes", get, "/api/roaming/partners/NL-EMS/pushes", OwnerSees: false),
            // Roaming CDRs span every sub-operator's sites: the top-level operator's alone.
            new("GET /api/roaming/cdrs", get, "/api/roaming/cdrs", OwnerSees: false),
            new("GET /api/roaming/cdrs/{cdrId}", get, "/api/roaming/cdrs/CDR-GUESSED", OwnerSees: false),
            new("POST /api/roaming/cdrs/{cdrId}/credit", post, "/api/roaming/cdrs/CDR-GUESSED/credit", new { reason = "guessing" }, OwnerSees: false),
        ];
    }
}
