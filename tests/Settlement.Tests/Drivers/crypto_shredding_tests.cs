using Settlement.Projections;
using JasperFx;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Marten;
using Npgsql;
using Settlement.Domain.Chargers;
using Settlement.Domain.Drivers;
using Settlement.Domain.Events;
using Settlement.Domain.Sessions;
using Settlement.Ledger.Drivers;
using Settlement.Ledger.Store;
using Settlement.Tests.Ocpp;

namespace Settlement.Tests.Drivers;

[Collection(LedgerCollection.Name)]
public sealed class crypto_shredding_tests(LedgerDatabase db) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await new TestHost(db).StartAsync();
    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static string NewToken() => "PRIV-" + Guid.NewGuid().ToString("N")[..10].ToUpperInvariant();

    /// <summary>A full OCPP 1.6 transaction and an OCPP 2.0.1 one by the same driver, through the real endpoint.</summary>
    private async Task<(string Charger16, string Charger201)> ChargeAsync(string token)
    {
        var charger16 = await _host.RegisterChargerAsync(OcppVersion.Ocpp16);
        await using (var client = await RawOcppClient.ConnectAsync(_host.Endpoint, charger16, "ocpp1.6"))
        {
            await client.CallAsync("BootNotification", new JsonObject { ["chargePointVendor"] = "Acme", ["chargePointModel"] = "Fast 150" });
            await client.CallAsync("Authorize", new JsonObject { ["idTag"] = token });
            var start = await client.CallAsync("StartTransaction", new JsonObject
                { ["connectorId"] = 1, ["idTag"] = token, ["meterStart"] = 1_000, ["timestamp"] = "2026-10-12T10:00:00Z" });
            await client.CallAsync("StopTransaction", new JsonObject
                { ["transactionId"] = start[2]!["transactionId"]!.GetValue<int>(), ["idTag"] = token, ["meterStop"] = 9_000, ["timestamp"] = "2026-10-12T10:30:00Z" });
        }
        var charger201 = await _host.RegisterChargerAsync(OcppVersion.Ocpp201);
        await using (var client = await RawOcppClient.ConnectAsync(_host.Endpoint, charger201, "ocpp2.0.1"))
        {
            await client.CallAsync("BootNotification", new JsonObject { ["reason"] = "PowerUp", ["chargingStation"] = new JsonObject { ["vendorName"] = "Acme", ["model"] = "AC 22" } });
            await client.CallAsync("Authorize", new JsonObject { ["idToken"] = new JsonObject { ["idToken"] = token, ["type"] = "ISO14443" } });
            await client.CallAsync("TransactionEvent", new JsonObject
            {
                ["eventType"] = "Started", ["timestamp"] = "2026-10-12T11:00:00Z", ["triggerReason"] = "Authorized", ["seqNo"] = 0,
                ["transactionInfo"] = new JsonObject { ["transactionId"] = Guid.NewGuid().ToString("N") },
                ["idToken"] = new JsonObject { ["idToken"] = token, ["type"] = "ISO14443" },
                ["evse"] = new JsonObject { ["id"] = 1, ["connectorId"] = 1 },
            });
        }
        return (charger16, charger201);
    }

    private Task<long> RowsMentioningAsync(string text) => TestDrivers.StoredRowsMentioningAsync(db.Ledger, text);

    /// <summary>Every stored byte of every event up to <paramref name="lastSequence"/>, as text, in ledger order.</summary>
    private async Task<IReadOnlyList<string>> RowsAsync(long lastSequence)
    {
        await using var command = db.Ledger.DataSource.CreateCommand(
            $"SELECT seq_id || '|' || id || '|' || stream_id || '|' || version || '|' || type || '|' || data::text || '|' || coalesce(headers::text, '') || '|' || timestamp " +
            $"FROM {LedgerStore.Schema}.mt_events WHERE seq_id <= $1 ORDER BY seq_id");
        command.Parameters.Add(new NpgsqlParameter { Value = lastSequence });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync()) rows.Add(reader.GetString(0));
        return rows;
    }

    private async Task<long> LastSequenceAsync()
    {
        await using var command = db.Ledger.DataSource.CreateCommand($"SELECT max(seq_id) FROM {LedgerStore.Schema}.mt_events");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The sealed tokens of both Authorize events and of the 1.6 session's start, in that order.</summary>
    private async Task<IReadOnlyList<DriverSealed>> SealedTokensOfAsync(string charger16, string charger201)
    {
        var authorised = (await _host.ChargerEventsAsync(charger16)).Concat(await _host.ChargerEventsAsync(charger201))
            .Select(e => e.Data).OfType<IdTokenAuthorisedV2>().Select(e => e.IdToken);
        var session16 = await db.Ledger.ReadStreamAsync(StreamIds.Session($"{charger16}-1-{NodaTime.Instant.FromUtc(2026, 10, 12, 10, 0).ToUnixTimeSeconds()}"));
        return [.. authorised, .. session16.Select(e => e.Data).OfType<SessionStartedV2>().Select(s => s.IdToken!)];
    }

    [Fact]
    public async Task a_driver_token_reaches_the_ledger_only_sealed_in_data_and_in_the_kept_frames()
    {
        var token = NewToken();

        var (charger16, charger201) = await ChargeAsync(token);

        Assert.Equal(0, await RowsMentioningAsync(token));
        var authorised = (await _host.ChargerEventsAsync(charger16)).Single(e => e.Data is IdTokenAuthorisedV2);
        Assert.Null(authorised.Metadata.SourceMessage);
        Assert.Contains(token, await db.Ledger.Drivers.UnsealAsync(authorised.Metadata.SealedSourceMessage!));
        var sealedTokens = await SealedTokensOfAsync(charger16, charger201);
        Assert.Equal(3, sealedTokens.Count);
        Assert.Single(sealedTokens.Select(s => s.DriverRef).Distinct());
        foreach (var sealedToken in sealedTokens)
            Assert.Equal(token, await db.Ledger.Drivers.UnsealAsync(sealedToken));
    }

    [Fact]
    public async Task erasure_shreds_the_key_leaves_every_stored_event_byte_identical_and_a_returning_token_is_a_new_driver()
    {
        var token = NewToken();
        var (charger16, charger201) = await ChargeAsync(token);
        var sealedTokens = await SealedTokensOfAsync(charger16, charger201);
        var driverRef = sealedTokens[0].DriverRef;
        var lastBefore = await LastSequenceAsync();
        var before = await RowsAsync(lastBefore);

        var erased = await db.Ledger.EraseTokenAsync(token, "test erasure", new Actor(ActorKind.Operator, "tests"), NodaTime.SystemClock.Instance.GetCurrentInstant());

        Assert.Equal(driverRef, erased.DriverRef);
        Assert.Equal(before, await RowsAsync(lastBefore));
        foreach (var sealedToken in sealedTokens)
            Assert.Null(await db.Ledger.Drivers.UnsealAsync(sealedToken));
        var authorised = (await _host.ChargerEventsAsync(charger16)).Single(e => e.Data is IdTokenAuthorisedV2);
        Assert.Null(await db.Ledger.Drivers.UnsealAsync(authorised.Metadata.SealedSourceMessage!));
        Assert.Null(await db.Ledger.Drivers.FindDriverRefAsync(token));
        var recorded = Assert.Single(await db.Ledger.ReadStreamAsync(StreamIds.Driver(driverRef)));
        Assert.Equal(erased, recorded.Data);

        var (again16, again201) = await ChargeAsync(token);
        var returning = await SealedTokensOfAsync(again16, again201);
        Assert.All(returning, s => Assert.NotEqual(driverRef, s.DriverRef));
        Assert.Equal(token, await db.Ledger.Drivers.UnsealAsync(returning[0]));
        Assert.Equal(0, await RowsMentioningAsync(token));
    }

    [Fact]
    public async Task the_api_erases_by_token_or_pseudonym_and_refuses_unknown_or_ambiguous_requests()
    {
        var (byToken, byRef) = (NewToken(), NewToken());
        await ChargeAsync(byToken);
        var (charger16, charger201) = await ChargeAsync(byRef);
        var driverRef = (await SealedTokensOfAsync(charger16, charger201))[0].DriverRef;

        var erasedByToken = await _host.Http.PostAsJsonAsync("/api/drivers/erasure", new { idToken = byToken });
        var erasedByRef = await _host.Http.PostAsJsonAsync("/api/drivers/erasure", new { driverRef, reason = "asked by e-mail" });
        var erasedTwice = await _host.Http.PostAsJsonAsync("/api/drivers/erasure", new { driverRef });
        var unknown = await _host.Http.PostAsJsonAsync("/api/drivers/erasure", new { idToken = NewToken() });
        var both = await _host.Http.PostAsJsonAsync("/api/drivers/erasure", new { idToken = byToken, driverRef });
        var malformed = await _host.Http.PostAsJsonAsync("/api/drivers/erasure", new { driverRef = "someone" });

        Assert.Equal(HttpStatusCode.OK, erasedByToken.StatusCode);
        Assert.Equal(HttpStatusCode.OK, erasedByRef.StatusCode);
        Assert.Equal("asked by e-mail", (await erasedByRef.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reason").GetString());
        Assert.Equal(HttpStatusCode.NotFound, erasedTwice.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("never seen", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, both.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Null(await db.Ledger.Drivers.FindDriverRefAsync(byToken));
        Assert.False(await db.Ledger.Drivers.HoldsKeyAsync(driverRef));
    }

    [Fact]
    public async Task an_event_written_before_sealing_reads_as_v2_with_its_plain_token_marked_and_v1_can_no_longer_be_appended()
    {
        var sessionId = "S-v1-" + Guid.NewGuid().ToString("N")[..8];
        var v1 = new SessionStarted(sessionId, "DE-MUC-01", 1, 1, "tx-1", "RFID-LEGACY", 1_000, Ledger.Events.Noon);
        using (var before = new DocumentStore(LedgerStore.Configure(new StoreOptions(), db.ConnectionString, AutoCreate.None, SettlementReadModels.All,
                   new EventCatalogue([new EventType(typeof(SessionStarted), EventFamily.Sessions)]))))
        await using (var session = before.LightweightSession())
        {
            var stored = session.Events.BuildEvent(v1);
            stored.SetHeader("actor", "charger:DE-MUC-01");
            stored.SetHeader("occurredAt", "2026-10-12T12:00:00Z");
            session.Events.StartStream(StreamIds.Session(sessionId), stored);
            await session.SaveChangesAsync();
        }

        var read = Assert.Single(await db.Ledger.ReadStreamAsync(StreamIds.Session(sessionId)));
        var refused = await Assert.ThrowsAsync<RetiredEventException>(() =>
            db.Ledger.AppendAsync(new Settlement.Ledger.StreamAppend(StreamIds.Session(sessionId), [Ledger.Events.Pending(v1)])));

        Assert.Equal("session_started_v1", read.StoredType);
        var upcast = Assert.IsType<SessionStartedV2>(read.Data);
        Assert.Equal(DriverSealed.WrittenInPlain("RFID-LEGACY"), upcast.IdToken);
        Assert.Equal("RFID-LEGACY", await db.Ledger.Drivers.UnsealAsync(upcast.IdToken!));
        Assert.Contains("session_started_v1", refused.Message);
    }
}
