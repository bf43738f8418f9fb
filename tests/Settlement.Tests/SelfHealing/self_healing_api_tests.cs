using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using NodaTime;
using Settlement.Domain.Access;
using Settlement.Domain.Events;
using Settlement.Domain.SelfHealing;
using Settlement.Ledger;

namespace Settlement.Tests.SelfHealing;

/// <summary>
/// The self-healing endpoints against the real host and database: rules refused field by field, incidents listed
/// newest first a page at a time with their history, and a sub-operator's keys seeing its own sites' incidents only.
/// Incidents are appended here as the self-healer would, already resolved, so that no self-healer acts on them.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class self_healing_api_tests(LedgerDatabase db) : IAsyncLifetime
{
    private static readonly Instant Now = SystemClock.Instance.GetCurrentInstant();
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await new TestHost(db).StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task rules_with_problems_are_refused_naming_every_field_and_the_rules_in_force_stay()
    {
        var before = await _host.Http.GetStringAsync("/api/self-healing/rules");

        var response = await _host.Http.PutAsJsonAsync("/api/self-healing/rules", new
        {
            thresholds = new { offlineGraceSeconds = 0, stuckSessionSeconds = 900, failedStartsInRow = 1, transientErrorCodes = new[] { "Internal Error" }, truckRollCost = -1m, currency = "eur" },
            ladders = new[]
            {
                new { vendor = "", model = "*", kind = "ConnectorFaulted", steps = new[] { new { action = "RemoteStop", waitSeconds = 0 } } },
            },
        });

        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        foreach (var field in new[]
                 {
                     "thresholds.offlineGraceSeconds", "thresholds.failedStartsInRow", "thresholds.transientErrorCodes[0]", "thresholds.truckRollCost",
                     "thresholds.currency", "ladders[0].vendor", "ladders[0].steps[0].action", "ladders[0].steps[0].waitSeconds",
                 })
            Assert.Contains(field, body);
        Assert.Equal(before, await _host.Http.GetStringAsync("/api/self-healing/rules"));
    }

    [Fact]
    public async Task rules_defined_are_the_rules_read_back_with_when_they_were_defined()
    {
        var rules = HealingRules.Default;

        var response = await _host.Http.PutAsJsonAsync("/api/self-healing/rules", new { thresholds = rules.Thresholds, ladders = rules.Ladders }, LedgerJson.Options);
        var read = await _host.Http.GetFromJsonAsync<JsonElement>("/api/self-healing/rules");

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        Assert.NotEqual(JsonValueKind.Null, read.GetProperty("definedAt").ValueKind);
        Assert.Equal(rules.Ladders.Count, read.GetProperty("ladders").GetArrayLength());
        Assert.Equal(rules.Thresholds.TruckRollCost, read.GetProperty("thresholds").GetProperty("truckRollCost").GetDecimal());
    }

    [Fact]
    public async Task incidents_are_listed_newest_first_a_page_at_a_time_and_each_shows_its_history()
    {
        var site = await _host.RegisterSiteAsync(NewId("HSITE"));
        var ids = new List<string>();
        for (var i = 0; i < 3; i++) ids.Add(await RecordIncidentAsync(site, Now - Duration.FromMinutes(30 - i)));

        var first = await _host.Http.GetFromJsonAsync<JsonElement>($"/api/incidents?site={site}&limit=2");
        var next = first.GetProperty("next").GetString();
        var second = await _host.Http.GetFromJsonAsync<JsonElement>($"/api/incidents?site={site}&limit=2&cursor={next}");
        var filtered = await _host.Http.GetFromJsonAsync<JsonElement>($"/api/incidents?site={site}&status=resolved&kind=chargeroffline");
        var one = await _host.Http.GetFromJsonAsync<JsonElement>($"/api/incidents/{ids[0]}");

        Assert.Equal([ids[2], ids[1]], Ids(first));
        Assert.Equal([ids[0]], Ids(second));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next").ValueKind);
        Assert.Empty(Ids(filtered));
        Assert.Equal("Resolved", one.GetProperty("incident").GetProperty("status").GetString());
        Assert.Equal([typeof(IncidentOpened), typeof(HealingActionTaken), typeof(HealingActionAnswered), typeof(IncidentResolved)],
            one.GetProperty("history").EnumerateArray().Select(e => EventCatalogue.Current.All.Single(t => t.StoredName == e.GetProperty("type").GetString()).ClrType));
    }

    [Fact]
    public async Task a_filter_that_is_not_understood_is_refused_naming_it()
    {
        var status = await _host.Http.GetAsync("/api/incidents?status=sleeping");
        var period = await _host.Http.GetAsync("/api/self-healing/kpis?from=yesterday&to=2026-01-01T00:00:00Z");
        var grouping = await _host.Http.GetAsync("/api/self-healing/kpis?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z&by=planet");

        Assert.Equal(HttpStatusCode.BadRequest, status.StatusCode);
        Assert.Contains("status: one of open, escalated, resolved", await status.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, period.StatusCode);
        Assert.Contains("from: required, an instant", await period.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, grouping.StatusCode);
        Assert.Contains("by: one of fleet, site, vendor, model, firmware", await grouping.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task a_sub_operator_sees_the_incidents_of_its_own_sites_only()
    {
        var own = await _host.RegisterSiteAsync(NewId("HOWN"));
        var other = await _host.RegisterSiteAsync(NewId("HOTH"));
        var operatorId = NewId("hop").ToLowerInvariant();
        Assert.Equal(HttpStatusCode.Created, (await _host.Http.PostAsJsonAsync("/api/operators", new { operatorId, name = $"Brand {operatorId}" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _host.Http.PostAsJsonAsync($"/api/sites/{own}/operator", new { operatorId })).StatusCode);
        var http = _host.Client(await _host.CreateKeyAsync(AccessRole.Operator, operatorId));
        var mine = await RecordIncidentAsync(own, Now);
        var theirs = await RecordIncidentAsync(other, Now);

        var listed = await http.GetFromJsonAsync<JsonElement>("/api/incidents?limit=1000");
        var hidden = await http.GetAsync($"/api/incidents/{theirs}");
        var kpis = await http.GetStringAsync($"/api/self-healing/kpis?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z&by=site");

        Assert.Contains(mine, Ids(listed));
        Assert.DoesNotContain(theirs, Ids(listed));
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        Assert.Contains(own, kpis);
        Assert.DoesNotContain(other, kpis);
    }

    private static IReadOnlyList<string> Ids(JsonElement page) =>
        [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("incidentId").GetString()!)];

    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    /// <summary>A fault incident on a charger of the site, resolved by its first rung, as the self-healer records one.</summary>
    private async Task<string> RecordIncidentAsync(string siteId, Instant openedAt)
    {
        var chargerId = NewId("HC");
        var incidentId = $"INC-{Guid.NewGuid():N}"[..20];
        var metadata = new EventMetadata(StreamIds.Incident(incidentId), null, Actor.Job("self-healer"), openedAt);
        var commandIds = IncidentProcess.CommandIds(incidentId, 1, HealingAction.SoftReset);
        await db.Ledger.AppendAsync(StreamAppend.New(StreamIds.Incident(incidentId),
            new PendingEvent(new IncidentOpened(incidentId, IncidentKind.ConnectorFaulted, chargerId, siteId, "Acme", "Fast 150", "1.0.0", 1, null,
                "InternalError", "fault InternalError on EVSE 1 connector 1", 1, openedAt), metadata),
            new PendingEvent(new HealingActionTaken(incidentId, 1, HealingAction.SoftReset, commandIds, openedAt, openedAt + Duration.FromMinutes(5)), metadata),
            new PendingEvent(new HealingActionAnswered(incidentId, 1, HealingActionResult.Accepted, "Accepted", openedAt + Duration.FromSeconds(2)), metadata),
            new PendingEvent(new IncidentResolved(incidentId, IncidentResolution.RemoteAction, 1, "EVSE 1 connector 1 Available", 2,
                openedAt + Duration.FromMinutes(1)), metadata)));
        return incidentId;
    }
}
