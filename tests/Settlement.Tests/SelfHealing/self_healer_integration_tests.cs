using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Marten;
using NodaTime;
using NodaTime.Text;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Domain.SelfHealing;
using Settlement.Ledger;
using Settlement.Ocpp.Framing;
using Settlement.Projections.SelfHealing;
using Settlement.Workbench.Simulation;

namespace Settlement.Tests.SelfHealing;

/// <summary>
/// The self-healer at work in a real host with simulated chargers of both OCPP versions, on a ledger of its own (a
/// self-healer follows every charger of its ledger, and the shared one holds every other test's), with rules whose waits
/// are seconds long.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class self_healer_integration_tests(LedgerDatabase db)
{
    private static readonly SimulatorOptions Fast = new()
    {
        ValidatePayloads = true,
        CallTimeout = TimeSpan.FromSeconds(10),
        RebootTime = TimeSpan.FromMilliseconds(100),
    };

    private static readonly IReadOnlyDictionary<string, string?> WithSelfHealer = new Dictionary<string, string?> { [TestHost.SelfHealerSetting] = "true" };

    private const decimal TruckRoll = 180m;

    /// <summary>A fault gets a status request, then a soft reset; an offline charger gets a status request it cannot answer, and 20 s to come back.</summary>
    private static object Rules(int statusWaitSeconds = 2, int resetWaitSeconds = 3) => new
    {
        thresholds = new
        {
            offlineGraceSeconds = 2, stuckSessionSeconds = 600, failedStartsInRow = 3,
            transientErrorCodes = new[] { "InternalError", HealingRules.CodelessFault }, truckRollCost = TruckRoll, currency = "EUR",
        },
        ladders = new object[]
        {
            new
            {
                vendor = "*", model = "*", kind = "ConnectorFaulted",
                steps = new[] { new { action = "TriggerStatus", waitSeconds = statusWaitSeconds }, new { action = "SoftReset", waitSeconds = resetWaitSeconds } },
            },
            new { vendor = "*", model = "*", kind = "ChargerOffline", steps = new[] { new { action = "TriggerStatus", waitSeconds = 20 } } },
        },
    };

    [Theory]
    [InlineData(OcppVersion.Ocpp16)]
    [InlineData(OcppVersion.Ocpp201)]
    public async Task a_reset_resolves_one_fault_another_escalates_and_an_offline_charger_resolves_itself_as_the_kpis_count(OcppVersion version)
    {
        await using var ledger = await db.ScratchLedgerAsync($"healing_{version}".ToLowerInvariant());
        await using var host = await new TestHost(db, ledger: ledger, settings: WithSelfHealer).StartAsync();
        var site = await host.RegisterSiteAsync("HEAL-" + Guid.NewGuid().ToString("N")[..8]);
        await DefineRulesAsync(host, Rules());
        var started = SystemClock.Instance.GetCurrentInstant();
        await using var resettable = await BootedChargerAsync(host, site, version);
        await using var broken = await BootedChargerAsync(host, site, version);
        await using var flaky = await BootedChargerAsync(host, site, version);

        // Given a fault a soft reset clears, one nothing clears, and a charger that drops off while its neighbours stay online
        await resettable.InjectFaultAsync(1, clearedBy: HealingAction.SoftReset);
        await broken.InjectFaultAsync(1, clearedBy: null);
        await flaky.GoOfflineAsync();
        var offline = await EventuallyAsync(ledger, flaky.Id, i => i.Steps is [{ Result: HealingActionResult.ChargerOffline }]);
        await flaky.ReconnectAsync(CancellationToken.None);

        // Then
        var reset = await EventuallyAsync(ledger, resettable.Id, i => i.Status == IncidentStatus.Resolved);
        Assert.Equal(IncidentKind.ConnectorFaulted, reset.Kind);
        Assert.Equal([HealingAction.TriggerStatus, HealingAction.SoftReset], reset.Steps.Select(s => s.Action));
        // The reset's answer and the reboot's evidence race; the status request was answered before the reset was sent.
        Assert.Equal(HealingActionResult.Accepted, reset.Steps[0].Result);
        Assert.Equal((IncidentResolution.RemoteAction, (int?)2), (reset.ResolvedBy, reset.ResolvedAtStep));
        var commands = (await ledger.ReadStreamAsync(StreamIds.Charger(resettable.Id))).Select(e => e.Data).OfType<CommandIssuedV2>().ToList();
        Assert.Equal(reset.Steps.SelectMany(s => s.CommandIds), commands.Select(c => c.CommandId));
        Assert.Equal(["TriggerMessage", "Reset"], commands.Select(c => c.Action));

        var escalated = await EventuallyAsync(ledger, broken.Id, i => i.Status == IncidentStatus.Escalated);
        Assert.Equal(IncidentProcess.TicketIdOf(escalated.IncidentId), escalated.TicketId);
        Assert.Contains(escalated.EscalationEvidence, line => line.Contains("step 1 TriggerStatus"));
        Assert.Contains(escalated.EscalationEvidence, line => line.Contains("step 2 SoftReset"));

        var back = await EventuallyAsync(ledger, flaky.Id, i => i.Status == IncidentStatus.Resolved);
        Assert.Equal(offline.IncidentId, back.IncidentId);
        Assert.Equal((IncidentKind.ChargerOffline, IncidentResolution.Itself), (back.Kind, back.ResolvedBy));

        var until = SystemClock.Instance.GetCurrentInstant() + Duration.FromMinutes(1);
        var kpis = await host.Http.GetFromJsonAsync<JsonElement>(
            $"/api/self-healing/kpis?from={InstantPattern.ExtendedIso.Format(started)}&to={InstantPattern.ExtendedIso.Format(until)}&by=site");
        var row = Assert.Single(kpis.GetProperty("rows").EnumerateArray());
        Assert.Equal(site, row.GetProperty("siteId").GetString());
        Assert.Equal((3, 1, 1, 1), (row.GetProperty("incidents").GetInt32(), row.GetProperty("resolvedRemotely").GetInt32(),
            row.GetProperty("resolvedItself").GetInt32(), row.GetProperty("escalated").GetInt32()));
        Assert.Equal((1, TruckRoll, "EUR"), (row.GetProperty("truckRollsAvoided").GetInt32(), row.GetProperty("truckRollSavings").GetDecimal(),
            row.GetProperty("currency").GetString()));
    }

    [Fact]
    public async Task a_host_restarted_mid_ladder_carries_on_from_the_next_rung_without_repeating_one()
    {
        await using var ledger = await db.ScratchLedgerAsync("healing_restart");
        string chargerId;
        IncidentState before;
        await using (var first = await new TestHost(db, ledger: ledger, settings: WithSelfHealer).StartAsync())
        {
            var site = await first.RegisterSiteAsync("HEAL-" + Guid.NewGuid().ToString("N")[..8]);
            await DefineRulesAsync(first, Rules(statusWaitSeconds: 4));
            await using var charger = await BootedChargerAsync(first, site, OcppVersion.Ocpp16);
            chargerId = charger.Id;
            // Given the first rung taken and answered, its deadline a Hangfire job of the host about to stop
            await charger.InjectFaultAsync(1, clearedBy: null);
            before = await EventuallyAsync(ledger, chargerId, i => i.Steps is [{ Result: HealingActionResult.Accepted }]);
        }

        // When another host takes over
        await using var second = await new TestHost(db, ledger: ledger, settings: WithSelfHealer).StartAsync();

        // Then it takes the second rung once (the charger is not connected to it) and escalates; the first rung stays the one taken before
        var after = await EventuallyAsync(ledger, chargerId, i => i.Status == IncidentStatus.Escalated);
        Assert.Equal(before.IncidentId, after.IncidentId);
        Assert.Equal([(1, HealingAction.TriggerStatus), (2, HealingAction.SoftReset)], after.Steps.Select(s => (s.Step, s.Action)));
        Assert.Equal(before.Steps[0].TakenAt, after.Steps[0].TakenAt);
        Assert.Equal(before.Steps[0].CommandIds, after.Steps[0].CommandIds);
        var history = (await ledger.ReadStreamAsync(StreamIds.Incident(after.IncidentId))).Select(e => e.Data).ToList();
        Assert.Equal([1, 2], history.OfType<HealingActionTaken>().Select(t => t.Step));
        Assert.Single(history.OfType<IncidentOpened>());
        var issued = (await ledger.ReadStreamAsync(StreamIds.Charger(chargerId))).Select(e => e.Data).OfType<CommandIssuedV2>().ToList();
        Assert.Single(issued, c => c.Action == "TriggerMessage");
    }

    private static async Task DefineRulesAsync(TestHost host, object rules)
    {
        var response = await host.Http.PutAsJsonAsync("/api/self-healing/rules", rules);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A charger registered at the test's own site (the self-healer compares neighbours by site), connected and booted.</summary>
    private static async Task<SimulatedCharger> BootedChargerAsync(TestHost host, string siteId, OcppVersion version)
    {
        var id = "H" + Guid.NewGuid().ToString("N")[..10];
        var at = SystemClock.Instance.GetCurrentInstant();
        var metadata = new EventMetadata("setup", null, new Actor(ActorKind.Operator, "tests"), at);
        await host.Ledger.AppendAsync(new StreamAppend(StreamIds.Charger(id),
        [
            new PendingEvent(new ChargerRegistered(id, siteId, "Acme", "Fast 150", version,
                [new EvseSpecification(1, [new ConnectorSpecification(1, ConnectorStandard.Ccs2, 150m)]),
                 new EvseSpecification(2, [new ConnectorSpecification(1, ConnectorStandard.Ccs2, 150m)])], at), metadata),
            new PendingEvent(new ChargerCredentialsSet(id, TestHost.PasswordHash, at), metadata),
        ], 0));
        var protocol = version == OcppVersion.Ocpp16 ? OcppProtocol.Ocpp16 : OcppProtocol.Ocpp201;
        var charger = new SimulatedCharger(new ChargerDefinition(id, TestHost.Password, protocol, Vendor: "Acme", Model: "Fast 150"), host.Endpoint, Fast);
        await charger.ConnectAsync(CancellationToken.None);
        await charger.BootAsync(CancellationToken.None);
        return charger;
    }

    /// <summary>The charger's incident once it satisfies the condition; fails after 30 s (the ladders here take seconds).</summary>
    private static async Task<IncidentState> EventuallyAsync(Settlement.Ledger.Ledger ledger, string chargerId, Func<IncidentState, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        IncidentState? seen = null;
        while (DateTime.UtcNow < deadline)
        {
            await using (var query = ledger.QueryReadModels())
                seen = (await query.Query<IncidentEntry>().Where(i => i.ChargerId == chargerId).ToListAsync()).Select(i => i.Incident).SingleOrDefault();
            if (seen is not null && condition(seen)) return seen;
            await Task.Delay(100);
        }
        Assert.Fail($"the incident of {chargerId} did not get there within 30 s; it is {(seen is null ? "not open" : JsonSerializer.Serialize(seen, LedgerJson.Options))}");
        return null!;
    }
}
