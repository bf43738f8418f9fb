using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Domain.LoadBalancing;
using Settlement.Domain.Sessions;
using Settlement.Ledger;
using Settlement.Tests.Tariffs;

namespace Settlement.Tests.LoadBalancing;

/// <summary>
/// A site's power over REST against the real host and database: the model checked against the site registry, grid
/// signals, battery reports, the balancer's decisions (appended here as the balancer would) live, in history and
/// replayed, and the monthly report from sessions appended to the ledger.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class power_api_tests(LedgerDatabase db) : IAsyncLifetime
{
    private static readonly Instant Now = SystemClock.Instance.GetCurrentInstant();
    private static readonly EventMetadata ByBalancer = EventMetadata.NewCorrelation(new Actor(ActorKind.Job, "balancer"), Now);
    private TestHost _host = null!;
    private PricedNetwork _network = null!;

    public async Task InitializeAsync()
    {
        _host = await new TestHost(db).StartAsync();
        await _host.DisposeOnFailureAsync(async () =>
        {
            _network = await new PricedNetwork(db.Ledger).RegisterSiteAsync();
            await _network.RegisterChargerAsync();
        });
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private string Site => _network.SiteId;

    /// <summary>The grid connection at 100 kW / 150 A, the charger's two EVSEs three-phase 6 to 32 A under it.</summary>
    private object Model(decimal rootKw = 100m, string? chargerId = null, object? battery = null) => new
    {
        nominalVoltage = 230,
        circuits = new[] { new { circuitId = "grid", parentId = (string?)null, maxAmpsPerPhase = (decimal?)150m, maxKw = (decimal?)rootKw } },
        evses = new[] { 1, 2 }.Select(id => new
        {
            chargerId = chargerId ?? _network.ChargerId, evseId = id, circuitId = "grid", phases = new[] { "L1", "L2", "L3" }, minAmps = 6m, maxAmps = 32m, unit = "A",
        }).ToArray(),
        battery,
        policy = new { sharing = "EqualShare", reclaim = false, priorityWeights = new Dictionary<string, int>(), rebalanceSeconds = 30 },
    };

    private async Task<JsonElement> Json(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    [Fact]
    public async Task a_model_for_a_registered_site_is_answered_with_its_version_and_a_repeat_changes_nothing()
    {
        var before = await _host.Http.GetAsync($"/api/sites/{Site}/power-model");

        var defined = await Json(await _host.Http.PutAsJsonAsync($"/api/sites/{Site}/power-model", Model()), HttpStatusCode.OK);
        var repeated = await Json(await _host.Http.PutAsJsonAsync($"/api/sites/{Site}/power-model", Model()), HttpStatusCode.OK);
        var read = await Json(await _host.Http.GetAsync($"/api/sites/{Site}/power-model"), HttpStatusCode.OK);

        Assert.Equal(HttpStatusCode.NotFound, before.StatusCode);
        Assert.Equal(1, defined.GetProperty("modelVersion").GetInt64());
        Assert.Equal(1, repeated.GetProperty("modelVersion").GetInt64());
        Assert.Equal(2, read.GetProperty("evses").GetArrayLength());
        Assert.Equal("L3", read.GetProperty("evses")[0].GetProperty("phases")[2].GetString());
        Assert.Single(await db.Ledger.ReadStreamAsync(StreamIds.SitePower(Site)));
    }

    [Fact]
    public async Task a_model_naming_an_evse_of_another_site_or_a_root_above_the_grid_capacity_is_refused_naming_both_fields()
    {
        var refused = await Json(await _host.Http.PutAsJsonAsync($"/api/sites/{Site}/power-model", Model(rootKw: 400m, chargerId: "CHG-ELSEWHERE")),
            HttpStatusCode.BadRequest);
        var unknownSite = await _host.Http.PutAsJsonAsync("/api/sites/SITE-NOWHERE-42/power-model", Model());

        var problems = refused.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToList();
        Assert.Contains(problems, p => p.StartsWith("circuits[grid].maxKw: 400 kW is more than the site's registered grid capacity of 300", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("evses[0]: CHG-ELSEWHERE EVSE 1 is not an EVSE of a charger registered on site", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("evses[1]: CHG-ELSEWHERE EVSE 2", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, unknownSite.StatusCode);
        Assert.Empty(await db.Ledger.ReadStreamAsync(StreamIds.SitePower(Site)));
    }

    [Fact]
    public async Task a_model_may_list_more_evses_than_one_charger_has_up_to_its_own_bound()
    {
        // Two chargers of 75 EVSEs each: 150 in one model, where a charger's own list stops at 99.
        var chargers = new[] { "CHG-A-" + Site, "CHG-B-" + Site };
        foreach (var charger in chargers)
            await db.Ledger.AppendAsync(StreamAppend.New(StreamIds.Charger(charger), new PendingEvent(
                new ChargerRegistered(charger, Site, "Acme", "AC22", OcppVersion.Ocpp201,
                    [.. Enumerable.Range(1, 75).Select(id => new EvseSpecification(id, [new ConnectorSpecification(1, ConnectorStandard.Type2, 22m)]))], Now),
                ByBalancer)));
        object Body(int count) => new
        {
            nominalVoltage = 230,
            circuits = new[] { new { circuitId = "grid", parentId = (string?)null, maxAmpsPerPhase = (decimal?)null, maxKw = (decimal?)250m } },
            evses = Enumerable.Range(0, count).Select(i => new
            {
                chargerId = chargers[i % 2], evseId = i / 2 % 75 + 1, circuitId = "grid", phases = new[] { "L1" }, minAmps = 6m, maxAmps = 32m, unit = "A",
            }).ToArray(),
            policy = new { sharing = "EqualShare", reclaim = false, priorityWeights = new Dictionary<string, int>(), rebalanceSeconds = 30 },
        };

        var defined = await Json(await _host.Http.PutAsJsonAsync($"/api/sites/{Site}/power-model", Body(150)), HttpStatusCode.OK);
        var tooMany = await Json(await _host.Http.PutAsJsonAsync($"/api/sites/{Site}/power-model", Body(PowerModelIds.MaxEvses + 1)), HttpStatusCode.BadRequest);

        Assert.Equal(150, defined.GetProperty("evses").GetArrayLength());
        Assert.Equal($"evses: at most {PowerModelIds.MaxEvses} items, not {PowerModelIds.MaxEvses + 1}.", tooMany.GetProperty("error").GetString());
    }

    [Fact]
    public async Task a_signal_is_issued_listed_while_in_force_and_withdrawn()
    {
        await Json(await _host.Http.PutAsJsonAsync($"/api/sites/{Site}/power-model", Model()), HttpStatusCode.OK);
        var signal = new { signalId = "dso-1", kind = "Throttle", capPercent = 60m, from = Now - Duration.FromHours(1), until = Now + Duration.FromHours(3), source = "DSO" };

        var issued = await Json(await _host.Http.PostAsJsonAsync($"/api/sites/{Site}/grid-signals", signal, LedgerJson.Options), HttpStatusCode.Created);
        var repeated = await _host.Http.PostAsJsonAsync($"/api/sites/{Site}/grid-signals", signal, LedgerJson.Options);
        var inForce = await Json(await _host.Http.GetAsync($"/api/sites/{Site}/grid-signals"), HttpStatusCode.OK);
        var withdrawn = await Json(await _host.Http.PostAsync($"/api/sites/{Site}/grid-signals/dso-1/withdraw", null), HttpStatusCode.OK);
        var afterwards = await Json(await _host.Http.GetAsync($"/api/sites/{Site}/grid-signals"), HttpStatusCode.OK);
        var history = await Json(await _host.Http.GetAsync($"/api/sites/{Site}/grid-signals?all=true"), HttpStatusCode.OK);
        var unknown = await _host.Http.PostAsync($"/api/sites/{Site}/grid-signals/dso-unknown/withdraw", null);

        Assert.Equal("Throttle", issued.GetProperty("kind").GetString());
        Assert.Equal(60m, issued.GetProperty("capPercent").GetDecimal());
        Assert.Equal(HttpStatusCode.OK, repeated.StatusCode);
        Assert.Equal("dso-1", inForce.GetProperty("items").EnumerateArray().Single().GetProperty("signalId").GetString());
        Assert.NotEqual(JsonValueKind.Null, withdrawn.GetProperty("withdrawnAt").ValueKind);
        Assert.Empty(afterwards.GetProperty("items").EnumerateArray());
        Assert.Single(history.GetProperty("items").EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task a_signal_without_a_cap_or_ending_before_it_starts_is_refused_naming_the_fields()
    {
        await Json(await _host.Http.PutAsJsonAsync($"/api/sites/{Site}/power-model", Model()), HttpStatusCode.OK);

        var refused = await Json(await _host.Http.PostAsJsonAsync($"/api/sites/{Site}/grid-signals",
            new { signalId = "dso-2", kind = "Throttle", from = Now + Duration.FromHours(2), until = Now + Duration.FromHours(1) }, LedgerJson.Options),
            HttpStatusCode.BadRequest);

        var problems = refused.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToList();
        Assert.Contains(problems, p => p.StartsWith("capPercent/capKw:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("until:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task the_battery_reports_its_charge_once_the_model_has_a_battery()
    {
        await Json(await _host.Http.PutAsJsonAsync($"/api/sites/{Site}/power-model", Model()), HttpStatusCode.OK);
        var withoutBattery = await _host.Http.PostAsJsonAsync($"/api/sites/{Site}/battery-state", new { stateOfChargePercent = 50m });
        var battery = new { circuitId = "grid", capacityKwh = 200m, maxChargeKw = 50m, maxDischargeKw = 100m, reservePercent = 20m };
        await Json(await _host.Http.PutAsJsonAsync($"/api/sites/{Site}/power-model", Model(battery: battery)), HttpStatusCode.OK);

        var reported = await Json(await _host.Http.PostAsJsonAsync($"/api/sites/{Site}/battery-state", new { stateOfChargePercent = 64.5m }), HttpStatusCode.Created);
        var outOfRange = await _host.Http.PostAsJsonAsync($"/api/sites/{Site}/battery-state", new { stateOfChargePercent = 140m });
        var model = await Json(await _host.Http.GetAsync($"/api/sites/{Site}/power-model"), HttpStatusCode.OK);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, withoutBattery.StatusCode);
        Assert.Equal(64.5m, reported.GetProperty("stateOfChargePercent").GetDecimal());
        Assert.Equal(HttpStatusCode.BadRequest, outOfRange.StatusCode);
        Assert.Contains("stateOfChargePercent", await outOfRange.Content.ReadAsStringAsync());
        Assert.Equal(64.5m, model.GetProperty("batteryStateOfChargePercent").GetDecimal());
        Assert.Equal(2, model.GetProperty("modelVersion").GetInt64());
    }

    [Fact]
    public async Task the_live_allocations_show_each_limit_and_its_acknowledgement_and_the_decision_replays_identically()
    {
        await Json(await _host.Http.PutAsJsonAsync($"/api/sites/{Site}/power-model", Model(rootKw: 150m)), HttpStatusCode.OK);
        await Json(await _host.Http.PostAsJsonAsync($"/api/sites/{Site}/grid-signals",
            new { signalId = "dso-live", kind = "Throttle", capPercent = 40m, from = Now - Duration.FromHours(1), until = Now + Duration.FromHours(3) },
            LedgerJson.Options), HttpStatusCode.Created);
        var empty = await Json(await _host.Http.GetAsync($"/api/sites/{Site}/allocations"), HttpStatusCode.OK);

        // As the balancer decides: two sessions under the throttled 60 A (and 60 kW), the first one's limit sent and accepted.
        var power = await db.Ledger.ReadStreamAsync(StreamIds.SitePower(Site));
        var state = power.Aggregate(SitePowerState.Empty, (s, e) => SitePower.Evolve(s, e.Data, e.Version));
        var input = new AllocationInput(state.Model!, [.. state.Signals.Values], null,
        [
            new SessionDemand("S-A-" + Site, _network.ChargerId, 1, null, Now - Duration.FromMinutes(20), 20m, 40, 30m, true, Now - Duration.FromMinutes(20), null),
            new SessionDemand("S-B-" + Site, _network.ChargerId, 2, null, Now - Duration.FromMinutes(5), null, null, null, true, null, null),
        ], Now);
        var allocation = Allocator.Allocate(input);
        var commandId = Guid.NewGuid().ToString("N");
        var decided = AllocationDecisions.Record(Site, state.ModelVersion, RebalanceTrigger.SessionStarted, input, allocation,
            new Dictionary<string, string> { ["S-A-" + Site] = commandId }, new Dictionary<(string, int), string>());
        await db.Ledger.AppendAsync(new StreamAppend(StreamIds.SiteAllocations(Site), [new PendingEvent(decided, ByBalancer)]));
        await db.Ledger.AppendAsync(new StreamAppend(StreamIds.Charger(_network.ChargerId),
            [new PendingEvent(new CommandCompleted(_network.ChargerId, commandId, CommandOutcome.Answered, "Accepted", "{\"status\":\"Accepted\"}", Now), ByBalancer)]));

        var live = await Json(await _host.Http.GetAsync($"/api/sites/{Site}/allocations"), HttpStatusCode.OK);
        var history = await Json(await _host.Http.GetAsync($"/api/sites/{Site}/allocations/history?from={Now - Duration.FromHours(1)}"), HttpStatusCode.OK);
        var version = history.GetProperty("items")[0].GetProperty("version").GetInt64();
        var replay = await Json(await _host.Http.GetAsync($"/api/sites/{Site}/allocations/history/{version}/replay"), HttpStatusCode.OK);
        var missing = await _host.Http.GetAsync($"/api/sites/{Site}/allocations/history/{version + 1}/replay");

        Assert.Equal(JsonValueKind.Null, empty.GetProperty("version").ValueKind);
        Assert.Empty(empty.GetProperty("sessions").EnumerateArray());
        var sessions = live.GetProperty("sessions").EnumerateArray().ToDictionary(s => s.GetProperty("sessionId").GetString()!);
        Assert.Equal(30m, sessions["S-A-" + Site].GetProperty("limitAmps").GetDecimal());
        Assert.Equal(30m, sessions["S-B-" + Site].GetProperty("limitAmps").GetDecimal());
        Assert.Equal("Shared", sessions["S-A-" + Site].GetProperty("status").GetString());
        Assert.Equal(20m, sessions["S-A-" + Site].GetProperty("measuredAmps").GetDecimal());
        Assert.Equal("Accepted", sessions["S-A-" + Site].GetProperty("acknowledgement").GetString());
        Assert.Equal("Unchanged", sessions["S-B-" + Site].GetProperty("acknowledgement").GetString());
        Assert.Equal(60m, live.GetProperty("circuits")[0].GetProperty("limitAmpsPerPhase").GetDecimal());
        Assert.Equal("dso-live", live.GetProperty("signalsInForce")[0].GetProperty("signalId").GetString());
        Assert.Single(history.GetProperty("items").EnumerateArray());
        Assert.Equal(2, history.GetProperty("items")[0].GetProperty("decision").GetProperty("sessions").GetArrayLength());
        Assert.True(replay.GetProperty("identical").GetBoolean(), replay.ToString());
        Assert.Empty(replay.GetProperty("differences").EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task the_history_pages_newest_first_and_keeps_to_its_period()
    {
        await Json(await _host.Http.PutAsJsonAsync($"/api/sites/{Site}/power-model", Model()), HttpStatusCode.OK);
        foreach (var trigger in new[] { RebalanceTrigger.SessionStarted, RebalanceTrigger.Periodic, RebalanceTrigger.SessionStopped })
            await db.Ledger.AppendAsync(new StreamAppend(StreamIds.SiteAllocations(Site),
                [new PendingEvent(new LoadAllocationDecided(Site, 1, trigger, SharingPolicy.EqualShare, false, [], null, 0m, [], [], [], Now), ByBalancer)]));

        var first = await Json(await _host.Http.GetAsync($"/api/sites/{Site}/allocations/history?limit=2"), HttpStatusCode.OK);
        var second = await Json(await _host.Http.GetAsync($"/api/sites/{Site}/allocations/history?limit=2&cursor={first.GetProperty("next").GetString()}"),
            HttpStatusCode.OK);
        var future = await Json(await _host.Http.GetAsync($"/api/sites/{Site}/allocations/history?from={Now + Duration.FromDays(1)}"), HttpStatusCode.OK);
        var badFrom = await _host.Http.GetAsync($"/api/sites/{Site}/allocations/history?from=yesterday");

        Assert.Equal([3L, 2L], first.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("version").GetInt64()));
        Assert.Equal("SessionStopped", first.GetProperty("items")[0].GetProperty("decision").GetProperty("trigger").GetString());
        Assert.Equal([1L], second.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("version").GetInt64()));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next").ValueKind);
        Assert.Empty(future.GetProperty("items").EnumerateArray());
        Assert.Equal(HttpStatusCode.BadRequest, badFrom.StatusCode);
        Assert.Contains("from: an instant", await badFrom.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task a_replay_of_a_decision_that_the_allocator_would_not_make_names_the_difference()
    {
        await Json(await _host.Http.PutAsJsonAsync($"/api/sites/{Site}/power-model", Model()), HttpStatusCode.OK);
        var session = new SessionAllocationDecided("S-X-" + Site, _network.ChargerId, 1, Now, null, 1, null, null, null, true, null, null, 32m, AllocationStatus.AtMaximum, null, null);
        var tampered = new LoadAllocationDecided(Site, 1, RebalanceTrigger.Periodic, SharingPolicy.EqualShare, false, [], null, 0m, [],
            [session with { LimitAmps = 25m, Status = AllocationStatus.Shared }], [], Now);
        await db.Ledger.AppendAsync(new StreamAppend(StreamIds.SiteAllocations(Site), [new PendingEvent(tampered, ByBalancer)]));

        var replay = await Json(await _host.Http.GetAsync($"/api/sites/{Site}/allocations/history/1/replay"), HttpStatusCode.OK);

        Assert.False(replay.GetProperty("identical").GetBoolean());
        var differences = replay.GetProperty("differences").EnumerateArray().Select(d => (d.GetProperty("what").GetString(), d.GetProperty("recorded").GetString(),
            d.GetProperty("replayed").GetString())).ToList();
        Assert.Contains(differences, d => d.Item1 == $"sessions[S-X-{Site}].limitAmps" && d.Item2 == "25" && decimal.Parse(d.Item3!) == 32m);
        Assert.Contains(($"sessions[S-X-{Site}].status", "Shared", "AtMaximum"), differences);
    }

    [Fact]
    public async Task the_power_report_shows_the_peak_of_two_overlapping_sessions_and_the_peak_they_would_have_drawn_unmanaged()
    {
        await Json(await _host.Http.PutAsJsonAsync($"/api/sites/{Site}/power-model", Model()), HttpStatusCode.OK);
        var berlin = DateTimeZoneProviders.Tzdb["Europe/Berlin"];
        // 12 kW on EVSE 1 from 08:00 to 10:00 and 6 kW on EVSE 2 from 09:00 to 11:00, local time, each EVSE 32 A × 230 V × 3 = 22.08 kW at most.
        await ChargeAsync(1, new LocalDateTime(2026, 11, 10, 8, 0).InZoneStrictly(berlin).ToInstant(), whPerTenMinutes: 2_000);
        await ChargeAsync(2, new LocalDateTime(2026, 11, 10, 9, 0).InZoneStrictly(berlin).ToInstant(), whPerTenMinutes: 1_000);

        var report = await Json(await _host.Http.GetAsync($"/api/sites/{Site}/power-report?month=2026-11"), HttpStatusCode.OK);
        var csv = await _host.Http.GetStringAsync($"/api/sites/{Site}/power-report?month=2026-11&format=csv");
        var badMonth = await _host.Http.GetAsync($"/api/sites/{Site}/power-report?month=2026-13");

        Assert.Equal(18m, report.GetProperty("peakKw").GetDecimal());
        Assert.Equal("2026-11-10T09:00:00", report.GetProperty("peakIntervalStart").GetString());
        // Unmanaged, from 09:00 to 09:15 EVSE 1 takes its last 24 - 22.08 = 1.92 kWh and EVSE 2 5.52 kWh: 7.44 kWh, 29.76 kW.
        Assert.Equal(29.76m, report.GetProperty("unmanagedPeakKw").GetDecimal());
        Assert.Equal(36m, report.GetProperty("energyKwh").GetDecimal());
        Assert.Equal(2, report.GetProperty("sessions").GetInt32());
        Assert.Equal(100m, report.GetProperty("gridLimitKw").GetDecimal());
        Assert.Contains("peakKw,18", csv);
        Assert.Contains("unmanagedPeakKw,29.76", csv);
        Assert.Equal(HttpStatusCode.BadRequest, badMonth.StatusCode);
        Assert.Contains("month", await badMonth.Content.ReadAsStringAsync());
    }

    /// <summary>A session drawing evenly for two hours, its readings ten minutes apart in three batches, as chargers send them.</summary>
    private async Task ChargeAsync(int evseId, Instant startedAt, long whPerTenMinutes)
    {
        var sessionId = $"S-{Guid.NewGuid():N}"[..14];
        var metadata = EventMetadata.NewCorrelation(Actor.Charger(_network.ChargerId), startedAt);
        var readings = Enumerable.Range(1, 12).Select(i => new MeterReading(startedAt + Duration.FromMinutes(10 * i), 1_000 + i * whPerTenMinutes, null, null)).ToList();
        await db.Ledger.AppendAsync(StreamAppend.New(StreamIds.Session(sessionId),
        [
            new PendingEvent(new SessionStartedV2(sessionId, _network.ChargerId, evseId, 1, "tx-" + sessionId, TestDrivers.Seal("RFID-0001"), 1_000, startedAt), metadata),
            .. readings.Chunk(5).Select(batch => new PendingEvent(new MeterValuesRecorded(sessionId, batch), metadata)),
            new PendingEvent(new SessionStopped(sessionId, readings[^1].EnergyWh, StopReason.EVDisconnected, readings[^1].TakenAt), metadata),
        ]));
    }
}
