using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Settlement.Domain.Events;
using Settlement.Domain.Roaming;
using Settlement.Domain.Sessions;
using Settlement.Ledger;
using Settlement.Ledger.Store;
using Settlement.Projections.Roaming;
using Settlement.Tests.Tariffs;
using Settlement.Workbench.Roaming;

namespace Settlement.Tests.Roaming;

/// <summary>
/// A roaming partner's driver charges on our network: the EMSP double hears of the session as it starts, meters and
/// ends, receives its one CDR (and a credit CDR when the operator corrects it), and reads both back page by page.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class ocpi_sessions_and_cdrs_tests(LedgerDatabase db) : IAsyncLifetime
{
    private static readonly Instant Monday = Instant.FromUtc(2026, 10, 12, 12, 0);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private TestHost _host = null!;
    private EmspDouble _emsp = null!;
    private PricedNetwork _network = null!;

    public async Task InitializeAsync()
    {
        _host = await new TestHost(db, settings: new Dictionary<string, string?>
        {
            ["Ocpi:RetrySeconds"] = "1", ["Ocpi:MaxRetrySeconds"] = "2", ["Ocpi:SessionUpdateSeconds"] = "0",
        }).StartAsync();
        await _host.DisposeOnFailureAsync(async () =>
        {
            _emsp = await OcpiTestPartner.StartEmspAsync();
            await OcpiTestPartner.RegisterDirectlyAsync(_host, _emsp);
            _network = await new PricedNetwork(_host.Ledger).RegisterSiteAsync();
            await _network.RegisterChargerAsync();
            await _network.PriceSiteAsync(perKwh: 0.40m);
            // CDRs wait for the async price: a daemon still catching up with earlier tests' ledger would hold them back.
            await _host.Services.GetRequiredService<AsyncProjections>().WaitForNonStaleDataAsync(TimeSpan.FromSeconds(180));
        });
    }

    public async Task DisposeAsync()
    {
        await _emsp.DisposeAsync();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task a_roamed_session_is_pushed_as_it_starts_meters_and_ends_and_ends_in_exactly_one_complete_cdr()
    {
        var session = await StartAsync("AUTH-REF-1");
        var pushed = await EventuallyAsync(() => _emsp.Objects.GetValueOrDefault($"sessions/{session.Id}"));
        Assert.Equal("ACTIVE", (string)pushed["status"]!);
        Assert.Equal(session.Uid, (string)pushed["cdr_token"]!["uid"]!);

        await session.MeterAsync(minutes: 30, register: 8_500);
        await UntilAsync(() => (decimal?)_emsp.Objects.GetValueOrDefault($"sessions/{session.Id}")?["kwh"] == 7.5m);
        await session.MeterAsync(minutes: 60, register: 16_000);
        // Plugged in, not charging, for the last half hour: parking, not time.
        await session.StopAsync(minutes: 90, register: 16_000);

        var ended = await EventuallyAsync(() => _emsp.Objects.GetValueOrDefault($"sessions/{session.Id}") is { } s && (string?)s["status"] == "COMPLETED" ? s : null);
        var cdr = await EventuallyAsync(() => _emsp.Objects.GetValueOrDefault($"cdrs/{Cdrs.CdrIdOf(session.Id)}"));

        Assert.Equal(15m, (decimal)ended["kwh"]!);
        Assert.Empty(CommittedSchemas.Problems("ocpi/session.json", Encoding.UTF8.GetBytes(ended.ToJsonString())));
        Assert.Empty(CommittedSchemas.Problems("ocpi/cdr.json", Encoding.UTF8.GetBytes(cdr.ToJsonString())));
        Assert.Equal((session.Id, "COMMAND", "AUTH-REF-1", "EUR"),
            ((string)cdr["session_id"]!, (string)cdr["auth_method"]!, (string)cdr["authorization_reference"]!, (string)cdr["currency"]!));
        Assert.Equal((session.Uid, _emsp.PartyId, "RFID"), ((string)cdr["cdr_token"]!["uid"]!, (string)cdr["cdr_token"]!["party_id"]!, (string)cdr["cdr_token"]!["type"]!));
        Assert.Equal(("DEU", _network.SiteId, "1"), ((string)cdr["cdr_location"]!["country"]!, (string)cdr["cdr_location"]!["id"]!, (string)cdr["cdr_location"]!["connector_id"]!));
        Assert.Equal(6.00m, (decimal)cdr["total_cost"]!["excl_vat"]!);
        Assert.Equal(6.00m, (decimal)cdr["total_energy_cost"]!["excl_vat"]!);
        Assert.Equal((15m, 1m, 0.5m), ((decimal)cdr["total_energy"]!, (decimal)cdr["total_time"]!, (decimal)cdr["total_parking_time"]!));
        var dimensions = cdr["charging_periods"]!.AsArray().SelectMany(p => p!["dimensions"]!.AsArray()).ToLookup(d => (string)d!["type"]!, d => (decimal)d!["volume"]!);
        Assert.Equal((15m, 1m, 0.5m), (dimensions["ENERGY"].Sum(), dimensions["TIME"].Sum(), dimensions["PARKING_TIME"].Sum()));
        Assert.All(cdr["charging_periods"]!.AsArray(), p => Assert.Equal(_network.TariffId, (string)p!["tariff_id"]!));
        Assert.False((bool)cdr["credit"]!);

        // Nothing is issued or sent twice, whatever the issuer and relay go through again meanwhile.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Single(_emsp.Received, c => c.Method == "POST" && c.Path.Contains("/cdrs"));
        Assert.Single(_emsp.Received, c => c.Method == "PUT" && c.Path.EndsWith($"/{session.Id}"));
        await using var query = _host.Ledger.QueryReadModels();
        Assert.Single(await query.Query<OcpiCdrEntry>().Where(c => c.SessionId == session.Id).ToListAsync());
    }

    [Fact]
    public async Task while_the_partner_is_down_pushes_fail_with_growing_waits_and_once_it_is_back_each_arrives_exactly_once()
    {
        _emsp.Down = true;
        var session = await StartAsync(null);
        await session.MeterAsync(minutes: 30, register: 6_000);
        await session.StopAsync(minutes: 60, register: 11_000);
        var cdrId = Cdrs.CdrIdOf(session.Id);

        var failures = await EventuallyAsync(async () =>
        {
            var cdrPush = await PushesAsync(p => p.Module == "cdrs" && p.ObjectId == cdrId);
            if (cdrPush.SingleOrDefault() is not { Attempts: >= 3 } push) return null;
            var failed = (await _host.Ledger.ReadStreamAsync(OcpiIds.PushStream(push.PushId))).Select(e => e.Data).OfType<OcpiPushFailed>().ToList();
            return failed.Count >= 3 ? failed : null;
        });
        var waits = failures.Select(f => f.RetryAt!.Value - f.FailedAt).ToList();
        Assert.True(waits[1] > waits[0], $"The second wait ({waits[1]}) is longer than the first ({waits[0]}).");
        Assert.All(waits, wait => Assert.InRange(wait, Duration.FromSeconds(1), Duration.FromSeconds(2)));
        Assert.Empty(_emsp.Received);

        _emsp.Down = false;

        var pushes = await EventuallyAsync(async () =>
        {
            var all = await PushesAsync(p => p.ObjectId == session.Id || p.ObjectId == cdrId);
            return all.Count >= 4 && all.All(p => p.Status == OcpiPushStatus.Delivered) ? all : null;
        });
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(pushes.Count(p => p.Module == "sessions"), _emsp.Received.Count(c => c.Path.Contains($"/sessions/") && c.Path.EndsWith(session.Id)));
        Assert.Single(_emsp.Received, c => c.Method == "POST" && (string?)c.Body?["id"] == cdrId);
        Assert.Equal("COMPLETED", (string)_emsp.Objects[$"sessions/{session.Id}"]["status"]!);
    }

    [Fact]
    public async Task a_partner_pages_through_its_own_sessions_and_cdrs_and_sees_no_one_elses()
    {
        var sessions = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var session = await StartAsync(null, Monday + Duration.FromHours(i));
            await session.StopAsync(minutes: 30, register: 6_000);
            sessions.Add(session.Id);
        }
        await UntilAsync(() => sessions.All(id => _emsp.Objects.ContainsKey($"cdrs/{Cdrs.CdrIdOf(id)}")));
        await using var other = await OcpiTestPartner.StartEmspAsync();
        await OcpiTestPartner.RegisterDirectlyAsync(_host, other);

        using var client = OcpiTestPartner.Client(_host, _emsp.TokenC);
        foreach (var module in new[] { "sessions", "cdrs" })
        {
            using var first = await client.GetAsync($"/ocpi/2.2.1/{module}?limit=2");
            var firstPage = (await OcpiTestPartner.EnvelopeAsync(first))["data"]!.AsArray();
            Assert.Equal(("3", "100"), (first.Headers.GetValues("X-Total-Count").Single(), first.Headers.GetValues("X-Limit").Single()));
            var next = first.Headers.GetValues("Link").Single();
            Assert.Matches("^<http://127\\.0\\.0\\.1:[0-9]+/ocpi/2\\.2\\.1/" + module + "\\?offset=2&limit=2>; rel=\"next\"$", next);
            using var second = await client.GetAsync(next[1..next.IndexOf('>')]);
            var secondPage = (await OcpiTestPartner.EnvelopeAsync(second))["data"]!.AsArray();
            Assert.False(second.Headers.Contains("Link"));
            var ids = firstPage.Concat(secondPage).Select(o => (string)o![module == "sessions" ? "id" : "session_id"]!).ToList();
            Assert.Equal(sessions, ids);
            Assert.All(firstPage.Concat(secondPage), o => Assert.Empty(CommittedSchemas.Problems($"ocpi/{module[..^1]}.json", Encoding.UTF8.GetBytes(o!.ToJsonString()))));

            using var theirs = await OcpiTestPartner.Client(_host, other.TokenC).GetAsync($"/ocpi/2.2.1/{module}");
            Assert.Empty((await OcpiTestPartner.EnvelopeAsync(theirs))["data"]!.AsArray());
            Assert.Equal("0", theirs.Headers.GetValues("X-Total-Count").Single());
        }

        using var wrong = await client.GetAsync("/ocpi/2.2.1/cdrs?offset=-1");
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Contains("offset", (string)(await OcpiTestPartner.EnvelopeAsync(wrong))["status_message"]!);
    }

    [Fact]
    public async Task the_operator_credits_a_cdr_once_and_the_partner_receives_the_credit_cdr()
    {
        var session = await StartAsync(null);
        await session.StopAsync(minutes: 30, register: 6_000);
        var cdrId = Cdrs.CdrIdOf(session.Id);
        await EventuallyAsync(() => _emsp.Objects.GetValueOrDefault($"cdrs/{cdrId}"));

        using var credited = await _host.Http.PostAsJsonAsync($"/api/roaming/cdrs/{cdrId}/credit", new { reason = "Metered on the wrong connector" });
        using var again = await _host.Http.PostAsJsonAsync($"/api/roaming/cdrs/{cdrId}/credit", new { reason = "Twice" });

        Assert.Equal(HttpStatusCode.Created, credited.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var creditId = Cdrs.CreditIdOf(cdrId);
        var credit = await EventuallyAsync(() => _emsp.Objects.GetValueOrDefault($"cdrs/{creditId}"));
        Assert.True((bool)credit["credit"]!);
        Assert.Equal(cdrId, (string)credit["credit_reference_id"]!);
        Assert.Equal(-2.00m, (decimal)credit["total_cost"]!["excl_vat"]!);
        Assert.Empty(CommittedSchemas.Problems("ocpi/cdr.json", Encoding.UTF8.GetBytes(credit.ToJsonString())));
        // The CDR itself is as it was sent.
        var original = JsonNode.Parse(await _host.Http.GetStringAsync($"/api/roaming/cdrs/{cdrId}"))!;
        Assert.Equal(2.00m, (decimal)original["total_cost"]!["excl_vat"]!);
        var listed = JsonNode.Parse(await _host.Http.GetStringAsync($"/api/roaming/cdrs?partnerId={_emsp.PartnerId}"))!["items"]!.AsArray();
        Assert.Equal([cdrId, creditId], listed.Select(c => (string)c!["cdrId"]!));
    }

    private async Task<RoamedSessionUnderTest> StartAsync(string? authorizationReference, Instant? at = null)
    {
        var started = at ?? Monday;
        var sessionId = $"S-{Guid.NewGuid():N}"[..14];
        var uid = $"EMS-{Guid.NewGuid():N}"[..14].ToUpperInvariant();
        var token = await _host.Ledger.Drivers.SealTokenAsync(uid);
        var metadata = EventMetadata.NewCorrelation(Actor.Charger(_network.ChargerId), started);
        await _host.Ledger.AppendAsync(StreamAppend.New(StreamIds.Session(sessionId),
            new PendingEvent(new SessionStartedV2(sessionId, _network.ChargerId, 1, 1, "tx-" + sessionId, token, 1_000, started), metadata),
            new PendingEvent(new RoamingSessionRecordedV3(_emsp.PartnerId, sessionId, token, "RFID", authorizationReference is null ? "WHITELIST" : "COMMAND",
                authorizationReference, started), metadata)));
        return new RoamedSessionUnderTest(_host.Ledger, sessionId, uid, started, metadata);
    }

    private sealed record RoamedSessionUnderTest(Settlement.Ledger.Ledger Ledger, string Id, string Uid, Instant StartedAt, EventMetadata Metadata)
    {
        public Task MeterAsync(int minutes, long register) => Ledger.AppendAsync(new StreamAppend(StreamIds.Session(Id),
            [new PendingEvent(new MeterValuesRecorded(Id, [new MeterReading(StartedAt + Duration.FromMinutes(minutes), register, null, null)]), Metadata)]));

        public Task StopAsync(int minutes, long register) => Ledger.AppendAsync(new StreamAppend(StreamIds.Session(Id),
            [new PendingEvent(new SessionStopped(Id, register, StopReason.EVDisconnected, StartedAt + Duration.FromMinutes(minutes)), Metadata)]));
    }

    private async Task<IReadOnlyList<OcpiPushEntry>> PushesAsync(Func<OcpiPushEntry, bool> which)
    {
        await using var query = _host.Ledger.QueryReadModels();
        var mine = await query.Query<OcpiPushEntry>().Where(p => p.PartnerId == _emsp.PartnerId).ToListAsync();
        return [.. mine.Where(which)];
    }

    private Task<T> EventuallyAsync<T>(Func<T?> probe) where T : class => EventuallyAsync(() => Task.FromResult(probe()));

    private Task UntilAsync(Func<bool> condition) => EventuallyAsync(() => Task.FromResult(condition() ? new object() : null));

    /// <summary>Waits for the probe to find something; when it never does, says how far the partner's pushes got.</summary>
    private async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe) where T : class
    {
        var until = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < until)
        {
            if (await probe() is { } found) return found;
            await Task.Delay(200);
        }
        var pushes = await PushesAsync(_ => true);
        await using var query = _host.Ledger.QueryReadModels();
        var roamed = await query.Query<RoamedSession>().Where(s => s.PartnerId == _emsp.PartnerId).ToListAsync();
        var messages = (await _host.Ledger.ReadStreamAsync(OcpiIds.MessageStream(_emsp.PartnerId))).Select(e => e.Data).OfType<OcpiMessageExchanged>();
        throw new TimeoutException($"Not within {Patience.TotalSeconds} s. Roamed sessions: {string.Join(", ", roamed.Select(r => $"{r.Id} (CDR {r.CdrId})"))}. " +
            $"Pushes: {string.Join("; ", pushes.Select(p => $"{p.Module} {p.Method} {p.ObjectId} {p.Status} x{p.Attempts} {p.LastProblem}"))}. " +
            $"Messages: {string.Join("; ", messages.Select(m => $"{m.Direction} {m.Method} {m.Path} {m.HttpStatus} {m.Problem}"))}. " +
            $"The partner received: {string.Join("; ", _emsp.Received.Select(c => $"{c.Method} {c.Path}"))}.");
    }
}
