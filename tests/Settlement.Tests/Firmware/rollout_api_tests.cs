using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Settlement.Domain.Access;
using Settlement.Domain.Chargers;

namespace Settlement.Tests.Firmware;

/// <summary>
/// Rollouts over REST against the real host and database, the runner off: the plan answered at once, a body's every
/// problem named by its field, pause / resume / abort and what each refuses, the history a page at a time, and a
/// sub-operator limited to rollouts over its own sites.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class rollout_api_tests(LedgerDatabase db) : IAsyncLifetime
{
    private TestHost _host = null!;
    private RolloutTestSite _site = null!;

    public async Task InitializeAsync()
    {
        _host = await new TestHost(db).StartAsync();
        await _host.DisposeOnFailureAsync(async () =>
        {
            _site = await new RolloutTestSite(_host).RegisterAsync();
        });
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private object Body(string rolloutId, string siteId, object? canary = null) => new
    {
        rolloutId, name = "Acme 2.4.1", image = new { version = "2.4.1", location = "https://firmware.example/acme/2.4.1.bin" },
        target = new { sites = new[] { siteId } }, canary = canary ?? new { count = 1 }, soakSeconds = 5,
        waves = new { firstWaveSize = 1, growth = 2m, maxConcurrency = 2, soakSeconds = 5 }, abort = new { maxFailedPercent = 50m, minSample = 2 },
    };

    [Fact]
    public async Task a_planned_rollout_answers_its_chargers_and_canary_and_leaves_out_those_on_the_version_already()
    {
        // Given three chargers of the site, one already on 2.4.1
        var a = await _site.ChargerAsync(OcppVersion.Ocpp16);
        var b = await _site.ChargerAsync(OcppVersion.Ocpp201);
        await _site.ChargerAsync(OcppVersion.Ocpp201, bootedOn: "2.4.1");

        // When the operator plans a rollout with charger a as its canary
        var id = "ro-" + Guid.NewGuid().ToString("N")[..12];
        var created = await _host.Http.PostAsJsonAsync("/api/firmware/rollouts", Body(id, _site.SiteId, new { chargerIds = new[] { a } }));

        // Then it is planned over a and b, a the canary, waiting for the runner
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var view = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(id, view.GetProperty("id").GetString());
        Assert.Equal("Planned", view.GetProperty("status").GetString());
        Assert.Equal(new[] { a, b }.Order(StringComparer.Ordinal),
            view.GetProperty("chargers").EnumerateArray().Select(c => c.GetProperty("chargerId").GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal([a], view.GetProperty("canaryChargerIds").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(HttpStatusCode.Conflict, (await _host.Http.PostAsJsonAsync("/api/firmware/rollouts", Body(id, _site.SiteId))).StatusCode);
    }

    [Fact]
    public async Task a_body_with_many_problems_is_refused_naming_each_field()
    {
        var response = await _host.Http.PostAsJsonAsync("/api/firmware/rollouts", new
        {
            name = "", image = new { version = "2.4.1", location = "not a uri", signature = "c2ln" },
            target = new { countries = new[] { "Germany" } }, canary = new { count = 0 }, soakHours = 1m, soakSeconds = 60,
            gates = new { maxUptimeDropPoints = 150m }, waves = new { maxConcurrency = 0, growth = 0.5m }, abort = new { maxFailedPercent = 120m, minSample = 0 },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problems = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToList();
        foreach (var field in new[] { "name:", "image.location:", "image:", "target.countries:", "canary.count:", "soakHours:", "gates.maxUptimeDropPoints:",
                     "waves.maxConcurrency:", "waves.growth:", "abort.maxFailedPercent:", "abort.minSample:" })
            Assert.Contains(problems, p => p.StartsWith(field, StringComparison.Ordinal));
        Assert.Empty(await _host.Ledger.ReadStreamAsync(Settlement.Domain.Events.StreamIds.Rollout("never")));
    }

    [Fact]
    public async Task a_rollout_is_paused_resumed_and_aborted_and_refuses_what_no_longer_applies()
    {
        // Given a planned rollout
        await _site.ChargerAsync(OcppVersion.Ocpp201);
        var id = "ro-" + Guid.NewGuid().ToString("N")[..12];
        Assert.Equal(HttpStatusCode.Created, (await _host.Http.PostAsJsonAsync("/api/firmware/rollouts", Body(id, _site.SiteId))).StatusCode);

        // When it is paused, resumed, then aborted
        var paused = await ControlAsync(id, "pause", "Holiday traffic");
        var resumed = await ControlAsync(id, "resume", "Back to normal");
        var aborted = await ControlAsync(id, "abort", "Vendor withdrew the release");
        var resumeAborted = await _host.Http.PostAsJsonAsync($"/api/firmware/rollouts/{id}/resume", new { reason = "again" });

        // Then each answers the rollout as it now stands, and nothing resumes an aborted one
        Assert.Equal(("Paused", null), paused);
        Assert.Equal("Planned", resumed.Status);
        Assert.Equal(("Aborted", "Vendor withdrew the release"), aborted);
        Assert.Equal(HttpStatusCode.Conflict, resumeAborted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _host.Http.PostAsJsonAsync("/api/firmware/rollouts/no-such-rollout/pause", new { reason = "x" })).StatusCode);
    }

    [Fact]
    public async Task the_history_comes_a_page_at_a_time_in_the_order_recorded()
    {
        await _site.ChargerAsync(OcppVersion.Ocpp16);
        var id = "ro-" + Guid.NewGuid().ToString("N")[..12];
        Assert.Equal(HttpStatusCode.Created, (await _host.Http.PostAsJsonAsync("/api/firmware/rollouts", Body(id, _site.SiteId))).StatusCode);
        await ControlAsync(id, "pause", "one");
        await ControlAsync(id, "resume", "two");
        await ControlAsync(id, "pause", "three");

        var types = new List<string>();
        string? next = null;
        var pages = 0;
        do
        {
            var page = await _host.Http.GetFromJsonAsync<JsonElement>($"/api/firmware/rollouts/{id}/history?limit=2" + (next is null ? "" : $"&cursor={next}"));
            types.AddRange(page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("type").GetString()!));
            next = page.GetProperty("next").GetString();
            pages++;
        } while (next is not null);

        Assert.Equal(["RolloutPlanned", "RolloutPaused", "RolloutResumed", "RolloutPaused"], types);
        Assert.Equal(2, pages);
    }

    [Fact]
    public async Task a_sub_operator_plans_and_sees_only_rollouts_over_its_own_sites()
    {
        // Given a sub-operator owning this test's site, and another site of the top-level operator
        var operatorId = "fw-" + Guid.NewGuid().ToString("N")[..9];
        Assert.Equal(HttpStatusCode.Created, (await _host.Http.PostAsJsonAsync("/api/operators", new { operatorId, name = "Brand " + operatorId })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _host.Http.PostAsJsonAsync($"/api/sites/{_site.SiteId}/operator", new { operatorId })).StatusCode);
        await _site.ChargerAsync(OcppVersion.Ocpp201);
        var other = await new RolloutTestSite(_host).RegisterAsync();
        await other.ChargerAsync(OcppVersion.Ocpp201);
        var sub = _host.Client(await _host.CreateKeyAsync(AccessRole.Operator, operatorId));
        var (own, theirs) = ("ro-" + Guid.NewGuid().ToString("N")[..12], "ro-" + Guid.NewGuid().ToString("N")[..12]);

        // When it plans one over its site with no sites named, and one over the other site; and the operator plans one over the other site
        var planned = await sub.PostAsJsonAsync("/api/firmware/rollouts", new
        {
            rolloutId = own, name = "Mine", image = new { version = "2.4.1", location = "https://firmware.example/acme/2.4.1.bin" },
        });
        var refused = await sub.PostAsJsonAsync("/api/firmware/rollouts", Body("ro-" + Guid.NewGuid().ToString("N")[..12], other.SiteId));
        Assert.Equal(HttpStatusCode.Created, (await _host.Http.PostAsJsonAsync("/api/firmware/rollouts", Body(theirs, other.SiteId))).StatusCode);

        // Then its own covers its site only, the other site is unknown to it, and it neither lists nor reads nor pauses the operator's
        Assert.True(planned.StatusCode == HttpStatusCode.Created, await planned.Content.ReadAsStringAsync());
        var chargers = (await planned.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("chargers").EnumerateArray();
        Assert.All(chargers, c => Assert.Equal(_site.SiteId, c.GetProperty("siteId").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        var listed = await sub.GetStringAsync("/api/firmware/rollouts?limit=1000");
        Assert.Contains(own, listed);
        Assert.DoesNotContain(theirs, listed);
        Assert.Equal(HttpStatusCode.NotFound, (await sub.GetAsync($"/api/firmware/rollouts/{theirs}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await sub.PostAsJsonAsync($"/api/firmware/rollouts/{theirs}/pause", new { reason = "mine now" })).StatusCode);
        Assert.Contains(theirs, await _host.Http.GetStringAsync("/api/firmware/rollouts?limit=1000"));
    }

    private async Task<(string Status, string? Reason)> ControlAsync(string id, string action, string reason)
    {
        var response = await _host.Http.PostAsJsonAsync($"/api/firmware/rollouts/{id}/{action}", new { reason });
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var view = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (view.GetProperty("status").GetString()!, view.GetProperty("haltReason").GetString());
    }
}
