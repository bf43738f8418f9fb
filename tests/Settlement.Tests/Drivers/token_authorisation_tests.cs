using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Settlement.Domain.Access;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Domain.Sessions;
using Settlement.Domain.Tariffs;
using Settlement.Host;
using Settlement.Ledger;
using Settlement.Ledger.Store;
using Settlement.Ocpp.Security;
using Settlement.Projections.Tariffs;
using Settlement.Tests.Ocpp.Client;
using Settlement.Tests.Tariffs;

namespace Settlement.Tests.Drivers;

/// <summary>Chargers' Authorize and transaction starts answered from the token registry, which the operator keeps through the API.</summary>
[Collection(LedgerCollection.Name)]
public sealed class token_authorisation_tests(LedgerDatabase db) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await new TestHost(db, unknownTokens: Domain.Drivers.UnknownTokenPolicy.Reject).StartAsync();
    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static string NewUid() => "U" + Guid.NewGuid().ToString("N")[..15].ToUpperInvariant();

    private async Task<string> RegisterAsync(string uid, string? group = null, string? then = null)
    {
        var response = await _host.Http.PostAsJsonAsync("/api/tokens", new { uid, type = "Rfid", contractId = "DE-ACM-C" + uid[..8], customerGroup = group });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var tokenId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("tokenId").GetString()!;
        if (then is not null) Assert.Equal(HttpStatusCode.OK, (await _host.Http.PostAsync($"/api/tokens/{tokenId}/{then}", null)).StatusCode);
        return tokenId;
    }

    /// <summary>Four cards: valid in a group, blocked, expired, and one never registered.</summary>
    private async Task<(string Valid, string Blocked, string Expired, string Unknown)> CardsAsync()
    {
        var (valid, blocked, expired) = (NewUid(), NewUid(), NewUid());
        await RegisterAsync(valid, group: "fleet-acme");
        await RegisterAsync(blocked, then: "block");
        await RegisterAsync(expired, then: "expire");
        return (valid, blocked, expired, NewUid());
    }

    private Scenario For(string charger, string protocol, params ScenarioStep[] steps) => new()
    {
        Endpoint = _host.Endpoint.ToString().TrimEnd('/'), Identity = charger, Protocols = [protocol], Password = TestHost.Password, Steps = steps,
    };

    [Fact]
    public async Task a_token_a_sub_operators_key_registered_is_authorised_at_a_charger_like_any_other_and_only_its_keys_see_it()
    {
        var operatorId = $"t-{Guid.NewGuid():N}"[..12];
        Assert.Equal(HttpStatusCode.Created, (await _host.Http.PostAsJsonAsync("/api/operators", new { operatorId, name = $"Brand {operatorId}" })).StatusCode);
        var subOperator = _host.Client(await _host.CreateKeyAsync(AccessRole.Operator, operatorId));
        var uid = NewUid();
        var registered = await subOperator.PostAsJsonAsync("/api/tokens", new { uid });
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        var tokenId = (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("tokenId").GetString()!;
        var charger = await _host.RegisterChargerAsync(OcppVersion.Ocpp16);

        var result = await OcppRpcClient.RunAsync(For(charger, "ocpp1.6", Step.Call("Authorize", new { idTag = uid })));
        var stranger = _host.Client(await _host.CreateKeyAsync(AccessRole.Operator, await OtherSubOperatorAsync()));

        result.AssertAllStepsOk();
        Assert.Equal("Accepted", result.Step(0).Response!.Value.GetProperty("idTagInfo").GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await subOperator.GetAsync($"/api/tokens/{tokenId}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _host.Http.GetAsync($"/api/tokens/{tokenId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/tokens/{tokenId}")).StatusCode);
    }

    private async Task<string> OtherSubOperatorAsync()
    {
        var operatorId = $"o-{Guid.NewGuid():N}"[..12];
        Assert.Equal(HttpStatusCode.Created, (await _host.Http.PostAsJsonAsync("/api/operators", new { operatorId, name = $"Brand {operatorId}" })).StatusCode);
        return operatorId;
    }

    [Fact]
    public async Task ocpp16_authorize_and_start_are_answered_accepted_blocked_expired_or_invalid_and_each_answer_is_recorded()
    {
        var cards = await CardsAsync();
        var charger = await _host.RegisterChargerAsync(OcppVersion.Ocpp16);
        string[] uids = [cards.Valid, cards.Blocked, cards.Expired, cards.Unknown];
        var result = await OcppRpcClient.RunAsync(For(charger, "ocpp1.6",
            [
                .. uids.Select(uid => Step.Call("Authorize", new { idTag = uid })),
                Step.Call("StartTransaction", new { connectorId = 1, idTag = cards.Blocked, meterStart = 0, timestamp = "2026-11-02T10:00:00Z" }),
                Step.Call("StartTransaction", new { connectorId = 2, idTag = cards.Valid, meterStart = 0, timestamp = "2026-11-02T10:00:00Z" }),
            ]));
        result.AssertAllStepsOk();

        var answers = Enumerable.Range(0, 4).Select(i => result.Step(i).Response!.Value.GetProperty("idTagInfo").GetProperty("status").GetString()).ToList();
        Assert.Equal(["Accepted", "Blocked", "Expired", "Invalid"], answers);
        Assert.Equal("fleet-acme", result.Step(0).Response!.Value.GetProperty("idTagInfo").GetProperty("parentIdTag").GetString());
        Assert.Equal("Blocked", result.Step(4).Response!.Value.GetProperty("idTagInfo").GetProperty("status").GetString());
        Assert.Equal("Accepted", result.Step(5).Response!.Value.GetProperty("idTagInfo").GetProperty("status").GetString());

        var recorded = (await _host.ChargerEventsAsync(charger)).Select(e => e.Data).OfType<IdTokenAuthorisedV2>().Select(e => e.Outcome);
        Assert.Equal([AuthorisationOutcome.Accepted, AuthorisationOutcome.Blocked, AuthorisationOutcome.Expired, AuthorisationOutcome.Unknown], recorded);
        var blockedStart = await SessionEventsAsync(charger, result.Step(4));
        Assert.Equal(AuthorisationOutcome.Blocked, Assert.Single(blockedStart.OfType<SessionAuthorisedV2>()).Outcome);
        Assert.Empty(blockedStart.OfType<SessionCustomerGroupAssigned>());
        var groupStart = await SessionEventsAsync(charger, result.Step(5));
        Assert.Equal("fleet-acme", Assert.Single(groupStart.OfType<SessionCustomerGroupAssigned>()).CustomerGroup);
    }

    private async Task<IReadOnlyList<object>> SessionEventsAsync(string charger, StepResult start)
    {
        var transactionId = start.Response!.Value.GetProperty("transactionId").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var query = _host.Ledger.QueryReadModels();
        var entry = await query.LoadAsync<Settlement.Projections.Sessions.TransactionEntry>(Settlement.Projections.Sessions.TransactionEntry.Key(charger, transactionId));
        return (await _host.Ledger.ReadStreamAsync(StreamIds.Session(entry!.SessionId))).Select(e => e.Data).ToList();
    }

    [Fact]
    public async Task ocpp201_authorize_and_transaction_start_are_answered_from_the_registry_with_the_group_token()
    {
        var cards = await CardsAsync();
        var charger = await _host.RegisterChargerAsync(OcppVersion.Ocpp201);
        object Token(string uid) => new { idToken = uid, type = "ISO14443" };
        string[] uids = [cards.Valid, cards.Blocked, cards.Expired, cards.Unknown];
        var result = await OcppRpcClient.RunAsync(For(charger, "ocpp2.0.1",
            [
                .. uids.Select(uid => Step.Call("Authorize", new { idToken = Token(uid) })),
                Step.Call("TransactionEvent", new { eventType = "Started", timestamp = "2026-11-02T10:00:00Z", triggerReason = "Authorized", seqNo = 0,
                    transactionInfo = new { transactionId = "tx-blocked" }, idToken = Token(cards.Blocked), evse = new { id = 1, connectorId = 1 } }),
                Step.Call("TransactionEvent", new { eventType = "Started", timestamp = "2026-11-02T10:00:00Z", triggerReason = "Authorized", seqNo = 0,
                    transactionInfo = new { transactionId = "tx-group" }, idToken = Token(cards.Valid), evse = new { id = 2, connectorId = 1 } }),
            ]));
        result.AssertAllStepsOk();

        var answers = Enumerable.Range(0, 4).Select(i => result.Step(i).Response!.Value.GetProperty("idTokenInfo").GetProperty("status").GetString()).ToList();
        Assert.Equal(["Accepted", "Blocked", "Expired", "Unknown"], answers);
        Assert.Equal("fleet-acme", result.Step(0).Response!.Value.GetProperty("idTokenInfo").GetProperty("groupIdToken").GetProperty("idToken").GetString());
        Assert.Equal("Blocked", result.Step(4).Response!.Value.GetProperty("idTokenInfo").GetProperty("status").GetString());
        Assert.Equal("Accepted", result.Step(5).Response!.Value.GetProperty("idTokenInfo").GetProperty("status").GetString());

        var recorded = (await _host.ChargerEventsAsync(charger)).Select(e => e.Data).OfType<IdTokenAuthorisedV2>().Select(e => e.Outcome);
        Assert.Equal([AuthorisationOutcome.Accepted, AuthorisationOutcome.Blocked, AuthorisationOutcome.Expired, AuthorisationOutcome.Unknown], recorded);
        var blocked = (await _host.Ledger.ReadStreamAsync(StreamIds.Session($"{charger}-tx-blocked"))).Select(e => e.Data).ToList();
        Assert.Equal(AuthorisationOutcome.Blocked, Assert.Single(blocked.OfType<SessionAuthorisedV2>()).Outcome);
        var group = (await _host.Ledger.ReadStreamAsync(StreamIds.Session($"{charger}-tx-group"))).Select(e => e.Data).ToList();
        Assert.Equal("fleet-acme", Assert.Single(group.OfType<SessionCustomerGroupAssigned>()).CustomerGroup);
    }

    [Fact]
    public async Task with_unknown_tokens_accepted_an_unregistered_card_is_accepted_and_the_answer_recorded()
    {
        await using var open = await new TestHost(db, unknownTokens: Domain.Drivers.UnknownTokenPolicy.Accept).StartAsync();
        var charger = await open.RegisterChargerAsync(OcppVersion.Ocpp16);
        var result = await OcppRpcClient.RunAsync(new Scenario
        {
            Endpoint = open.Endpoint.ToString().TrimEnd('/'), Identity = charger, Protocols = ["ocpp1.6"], Password = TestHost.Password,
            Steps = [Step.Call("Authorize", new { idTag = NewUid() })],
        });
        result.AssertAllStepsOk();
        Assert.Equal("Accepted", result.Step(0).Response!.Value.GetProperty("idTagInfo").GetProperty("status").GetString());
        Assert.Equal(AuthorisationOutcome.Accepted, Assert.Single((await open.ChargerEventsAsync(charger)).Select(e => e.Data).OfType<IdTokenAuthorisedV2>()).Outcome);
    }

    [Fact]
    public async Task the_registry_lists_tokens_in_pages_shows_uid_and_status_and_never_puts_the_uid_in_an_event()
    {
        var uid = NewUid();
        var tokenId = await RegisterAsync(uid, group: "fleet-acme", then: "block");
        await RegisterAsync(NewUid());
        await RegisterAsync(NewUid());

        var token = await _host.Http.GetFromJsonAsync<JsonElement>($"/api/tokens/{tokenId}");
        Assert.Equal(uid, token.GetProperty("uid").GetString());
        Assert.Equal("Blocked", token.GetProperty("status").GetString());
        Assert.Equal("fleet-acme", token.GetProperty("customerGroup").GetString());
        Assert.Equal(0, await TestDrivers.StoredRowsMentioningAsync(_host.Ledger, uid));

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await _host.Http.GetFromJsonAsync<JsonElement>($"/api/tokens?limit=2{(cursor is null ? "" : "&cursor=" + cursor)}");
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("tokenId").GetString()!));
            cursor = page.GetProperty("next").GetString();
        } while (cursor is not null);
        Assert.Equal(seen.Order(StringComparer.Ordinal), seen);
        Assert.Equal(seen.Distinct().Count(), seen.Count);
        Assert.Contains(tokenId, seen);

        Assert.Equal(HttpStatusCode.OK, (await _host.Http.PostAsync($"/api/tokens/{tokenId}/unblock", null)).StatusCode);
        Assert.Equal("Valid", (await _host.Http.GetFromJsonAsync<JsonElement>($"/api/tokens/{tokenId}")).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await _host.Http.PostAsJsonAsync("/api/tokens", new { uid })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _host.Http.GetAsync("/api/tokens/drv_00000000000000000000000000000000")).StatusCode);
    }

    [Fact]
    public async Task a_bad_registration_names_the_field_and_integrations_may_read_but_not_write()
    {
        var refused = await _host.Http.PostAsJsonAsync("/api/tokens", new { uid = "with space", customerGroup = "no spaces here" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var body = await refused.Content.ReadAsStringAsync();
        Assert.Contains("uid:", body);
        Assert.Contains("customerGroup:", body);

        var tokenId = await RegisterAsync(NewUid());
        using var integration = _host.Client(await _host.CreateKeyAsync(AccessRole.Integration));
        Assert.Equal(HttpStatusCode.OK, (await integration.GetAsync($"/api/tokens/{tokenId}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await integration.GetAsync("/api/tokens")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await integration.PostAsync($"/api/tokens/{tokenId}/block", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await integration.PostAsJsonAsync("/api/tokens", new { uid = NewUid() })).StatusCode);
    }

    [Fact]
    public async Task a_group_tokens_session_is_priced_with_the_groups_tariff_and_another_with_the_sites()
    {
        var network = await new PricedNetwork(_host.Ledger).RegisterSiteAsync();
        await network.RegisterChargerAsync();
        await network.PriceSiteAsync(0.30m);
        await _host.Ledger.AppendAsync(new StreamAppend(StreamIds.Charger(network.ChargerId),
            [new PendingEvent(new ChargerCredentialsSet(network.ChargerId, PasswordHasher.Hash(TestHost.Password), PricedNetwork.SetUpAt),
                EventMetadata.NewCorrelation(new Actor(ActorKind.Operator, "tests"), PricedNetwork.SetUpAt))]));
        var group = "fleet-" + Guid.NewGuid().ToString("N")[..8];
        await PriceGroupAsync(group, 0.50m);
        var (member, other) = (NewUid(), NewUid());
        await RegisterAsync(member, group: group);
        await RegisterAsync(other);

        static object Meter(string at, double kwh) => new[] { new { timestamp = at, sampledValue = new[] { new { value = kwh, measurand = "Energy.Active.Import.Register", unitOfMeasure = new { unit = "kWh" } } } } };
        IEnumerable<ScenarioStep> Charge(string transactionId, string uid, int evse) =>
        [
            Step.Call("TransactionEvent", new { eventType = "Started", timestamp = "2026-11-02T10:00:00Z", triggerReason = "Authorized", seqNo = 0,
                transactionInfo = new { transactionId }, idToken = new { idToken = uid, type = "ISO14443" }, evse = new { id = evse, connectorId = 1 },
                meterValue = Meter("2026-11-02T10:00:00Z", 0) }),
            Step.Call("TransactionEvent", new { eventType = "Ended", timestamp = "2026-11-02T11:00:00Z", triggerReason = "EVCommunicationLost", seqNo = 1,
                transactionInfo = new { transactionId, stoppedReason = "EVDisconnected" }, meterValue = Meter("2026-11-02T11:00:00Z", 10) }),
        ];
        var result = await OcppRpcClient.RunAsync(For(network.ChargerId, "ocpp2.0.1", [.. Charge("tx-member", member, 1), .. Charge("tx-other", other, 2)]));
        result.AssertAllStepsOk();

        await _host.Services.GetRequiredService<AsyncProjections>().WaitForNonStaleDataAsync(TimeSpan.FromSeconds(60));
        await using var query = _host.Ledger.QueryReadModels();
        var priced = await query.LoadAsync<PricedSessionView>($"{network.ChargerId}-tx-member");
        var sitePriced = await query.LoadAsync<PricedSessionView>($"{network.ChargerId}-tx-other");
        Assert.Equal(5.00m, priced!.Price!.TotalExclVat.Amount);
        Assert.Equal(3.00m, sitePriced!.Price!.TotalExclVat.Amount);
    }

    private async Task PriceGroupAsync(string group, decimal perKwh)
    {
        var tariffId = "TARIFF-" + group;
        var from = PricedNetwork.SetUpAt;
        var metadata = EventMetadata.NewCorrelation(new Actor(ActorKind.Operator, "tests"), from);
        await _host.Ledger.AppendAsync(StreamAppend.New(StreamIds.Tariff(tariffId),
            new PendingEvent(new TariffPublished(tariffId, 1, "EUR", PricesIncludeVat: false,
                [new TariffElement([new PriceComponent(PriceComponentType.Energy, perKwh, VatPercent: null, StepSize: 1)], Restrictions: null)],
                from, ValidUntil: null, from), metadata),
            new PendingEvent(new TariffAssigned(tariffId, TariffScope.CustomerGroup, group, from, ValidUntil: null, from), metadata)));
    }
}
