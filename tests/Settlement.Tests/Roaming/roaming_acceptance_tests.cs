using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using NodaTime.Text;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Domain.Roaming;
using Settlement.Domain.Tariffs;
using Settlement.Ledger;
using Settlement.Ocpp;
using Settlement.Ocpp.Connections;
using Settlement.Tests.Ocpp.Client;
using Settlement.Workbench.Roaming;

namespace Settlement.Tests.Roaming;

/// <summary>
/// The whole road, over loopback: the operator invites an EMSP, which registers over OCPI (tokens A, B, C), pushes its
/// driver's token and sends START_SESSION; a charger speaking OCPP 1.6 starts, meters and stops the session; the host
/// prices it, issues the CDR and pushes it; finance bills the partner, one line per CDR, equal to it to the cent.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class roaming_acceptance_tests(LedgerDatabase db) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
    private TestHost _host = null!;
    private EmspDouble _emsp = null!;

    private string SiteId => $"RS-{_suffix}";
    private string ChargerId => $"RC{_suffix}";
    private string IssuerId => $"roam-{_suffix.ToLowerInvariant()}";

    public async Task InitializeAsync()
    {
        _host = await new TestHost(db, new OcppOptions { CallTimeoutSeconds = 20 }).StartAsync();
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

    [Fact]
    public async Task a_partners_driver_started_by_command_ends_in_a_pushed_cdr_and_a_partner_invoice_line_equal_to_it()
    {
        await SetUpNetworkAsync(perKwh: 0.40m);
        using var invited = await _host.Http.PostAsJsonAsync("/api/roaming/partners", new
        {
            name = "EMSP Double", countryCode = EmspDouble.CountryCode, partyId = _emsp.PartyId,
            agreement = new { commissionPercent = 12m, currency = "EUR", settlementPeriod = "Monthly" },
        });
        var invitation = (await invited.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(HttpStatusCode.Created, invited.StatusCode);

        await _emsp.RegisterAsync((string)invitation["versionsUrl"]!, (string)invitation["tokenA"]!);
        var uid = "E2E" + _suffix;
        Assert.Equal(1000, (int)(await _emsp.PushTokenAsync(uid, $"NL-{_emsp.PartyId}-C{_suffix}", whitelist: "ALWAYS"))["status_code"]!);

        var start = DateTimeOffset.UtcNow.AddMinutes(-30);
        var starting = RunChargerAsync(
            Step.Expect("RemoteStartTransaction", new { status = "Accepted" }, 30_000),
            Step.Call("StartTransaction", new { connectorId = 1, idTag = uid, meterStart = 0, timestamp = Stamp(start) }));
        await ConnectedAsync(starting);
        var commanded = await _emsp.SendCommandAsync("START_SESSION", new JsonObject
        {
            ["response_url"] = _emsp.CommandResponseUrl("START_SESSION", "e2e"),
            ["token"] = _emsp.Token(uid, $"NL-{_emsp.PartyId}-C{_suffix}", whitelist: "ALWAYS"),
            ["location_id"] = SiteId, ["evse_uid"] = OcpiNetworkIds.EvseUid(ChargerId, 1), ["connector_id"] = "1",
            ["authorization_reference"] = "E2E-REF",
        });
        Assert.Equal("ACCEPTED", (string)commanded["data"]!["result"]!);
        var started = await starting;
        started.AssertAllStepsOk();
        var transactionId = started.Step(1).Response!.Value.GetProperty("transactionId").GetInt32();

        var stopping = await RunChargerAsync(
            Step.Call("MeterValues", new { connectorId = 1, transactionId, meterValue = new[] { new { timestamp = Stamp(start.AddMinutes(10)),
                sampledValue = new[] { new { value = "6000", measurand = "Energy.Active.Import.Register", unit = "Wh" } } } } }),
            Step.Call("StopTransaction", new { transactionId, idTag = uid, meterStop = 12_000, timestamp = Stamp(start.AddMinutes(20)), reason = "Remote" }));
        stopping.AssertAllStepsOk();

        var cdr = await EventuallyAsync(() => _emsp.Objects.Where(o => o.Key.StartsWith("cdrs/", StringComparison.Ordinal)).Select(o => o.Value).FirstOrDefault());
        Assert.Equal(("COMMAND", "E2E-REF", uid), ((string)cdr["auth_method"]!, (string)cdr["authorization_reference"]!, (string)cdr["cdr_token"]!["uid"]!));
        Assert.Equal((12m, 4.80m), ((decimal)cdr["total_energy"]!, (decimal)cdr["total_cost"]!["excl_vat"]!));
        Assert.Equal("ACCEPTED", (string)_emsp.Objects["commands/START_SESSION/e2e"]["result"]!);

        using var issuer = await _host.Http.PostAsJsonAsync("/api/issuers", new
        {
            issuerId = IssuerId, legalName = "Roaming Test GmbH", address = "Marienplatz 8, 80331 München", countryCode = "DE", vatId = "DE136695976",
        });
        Assert.True(issuer.IsSuccessStatusCode, await issuer.Content.ReadAsStringAsync());
        var today = DateTimeOffset.UtcNow.Date;
        using var billed = await _host.Http.PostAsJsonAsync("/api/invoices/partners", new
        {
            issuerId = IssuerId, partnerId = _emsp.PartnerId, from = today.AddDays(-1).ToString("yyyy-MM-dd"), through = today.AddDays(1).ToString("yyyy-MM-dd"),
            buyer = new { name = "EMSP Double B.V.", address = "Amsterdam", countryCode = "NL", vatId = (string?)null },
        });
        var invoice = Assert.Single((await billed.Content.ReadFromJsonAsync<JsonArray>())!)!;
        var line = Assert.Single(invoice["lines"]!.AsArray())!;
        Assert.Equal((12m, "kWh", (decimal)cdr["total_cost"]!["excl_vat"]!), ((decimal)line["quantity"]!, (string)line["unit"]!, (decimal)line["netAmount"]!));
        Assert.Equal((decimal)cdr["total_cost"]!["excl_vat"]!, (decimal)invoice["totalNet"]!);
    }

    /// <summary>A site registered through the API (so it has an address), a priced tariff, and a 1.6 charger with its password.</summary>
    private async Task SetUpNetworkAsync(decimal perKwh)
    {
        await _host.RegisterSiteAsync(SiteId);
        var at = Instant.FromUtc(2026, 1, 1, 0, 0);
        var metadata = EventMetadata.NewCorrelation(new Actor(ActorKind.Operator, "tests"), at);
        await _host.Ledger.AppendAsync(StreamAppend.New(StreamIds.Charger(ChargerId),
            new PendingEvent(new ChargerRegistered(ChargerId, SiteId, "Acme", "Fast 150", OcppVersion.Ocpp16,
                [new EvseSpecification(1, [new ConnectorSpecification(1, ConnectorStandard.Ccs2, 150m)])], at), metadata),
            new PendingEvent(new ChargerCredentialsSet(ChargerId, TestHost.PasswordHash, at), metadata)));
        var tariffId = $"RT-{_suffix}";
        await _host.Ledger.AppendAsync(StreamAppend.New(StreamIds.Tariff(tariffId),
            new PendingEvent(new TariffPublished(tariffId, 1, "EUR", PricesIncludeVat: false,
                [new TariffElement([new PriceComponent(PriceComponentType.Energy, perKwh, VatPercent: 19m, StepSize: 1)], Restrictions: null)],
                at, ValidUntil: null, at), metadata),
            new PendingEvent(new TariffAssigned(tariffId, TariffScope.Site, SiteId, at, ValidUntil: null, at), metadata)));
    }

    private Task<ScenarioResult> RunChargerAsync(params ScenarioStep[] steps) => OcppRpcClient.RunAsync(new Scenario
    {
        Endpoint = _host.Endpoint.ToString().TrimEnd('/'),
        Identity = ChargerId,
        Protocols = ["ocpp1.6"],
        Password = TestHost.Password,
        Steps = [.. steps, Step.Close()],
    });

    private async Task ConnectedAsync(Task<ScenarioResult> charger)
    {
        var registry = _host.Services.GetRequiredService<ConnectionRegistry>();
        for (var i = 0; i < 600 && registry.Find(ChargerId) is null && !charger.IsCompleted; i++) await Task.Delay(50);
        Assert.True(registry.Find(ChargerId) is not null, $"the charger never connected: {(charger.IsCompleted ? await charger : "still starting")}");
    }

    private static string Stamp(DateTimeOffset at) => InstantPattern.General.Format(Instant.FromDateTimeOffset(at).Minus(Duration.FromTicks(at.Ticks % TimeSpan.TicksPerSecond)));

    private static async Task<T> EventuallyAsync<T>(Func<T?> probe) where T : class
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (probe() is { } found) return found;
            await Task.Delay(200);
        }
        throw new TimeoutException($"Nothing arrived within {Patience.TotalSeconds:N0} s.");
    }
}
