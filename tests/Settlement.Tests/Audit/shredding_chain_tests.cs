using System.Net.Http.Json;
using System.Text.Json;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Domain.Sessions;
using Settlement.Ledger;
using Settlement.Ledger.Drivers;
using Settlement.Ocpp.Framing;
using Settlement.Tests.Ocpp;
using Settlement.Workbench.Simulation;
using static Settlement.Tests.Ledger.Events;

namespace Settlement.Tests.Audit;

[Collection(LedgerCollection.Name)]
public sealed class shredding_chain_tests(LedgerDatabase db)
{
    [Fact]
    public async Task erasing_a_driver_leaves_every_chained_event_verifiable_and_its_token_unreadable()
    {
        await using var ledger = await ChainedLedger.CreateAsync(db, "chain_shredding");
        const string token = "RFID-SHRED-0001";
        var sealedToken = await ledger.Ledger.Drivers.SealTokenAsync(token);
        var sessionId = NewSessionId();
        await ledger.Ledger.AppendAsync(StreamAppend.New(StreamIds.Session(sessionId),
            Pending(Started(sessionId) with { IdToken = sealedToken }), Pending(Stopped(sessionId, 9_000))));
        await ledger.AppendSessionsAsync(3);
        var chainedBefore = (await ledger.Writer.CatchUpAsync()).Sequence;

        await ledger.Ledger.EraseTokenAsync(token, "GDPR art. 17 request", new Actor(ActorKind.Operator, "dpo"), Noon);
        await ledger.Writer.CatchUpAsync();
        var result = await ledger.VerifyAsync();

        Assert.Null(result.Problem);
        Assert.Equal(chainedBefore + 1, result.EventsVerified);
        Assert.Null(await ledger.Ledger.Drivers.UnsealAsync(sealedToken));
        Assert.Equal(0, await ledger.ScalarAsync($"SELECT count(*) FROM ledger.mt_events WHERE data::text LIKE '%{token}%' OR headers::text LIKE '%{token}%'"));
    }

    [Fact]
    public async Task erasing_the_driver_of_a_remote_start_shreds_the_commands_token_and_the_chain_still_verifies()
    {
        await using var ledger = await ChainedLedger.CreateAsync(db, "chain_shredding_command");
        await using var host = await new TestHost(db, ledger: ledger.Ledger).StartAsync();
        var chargerId = await host.RegisterChargerAsync(OcppVersion.Ocpp16);
        await using var charger = new SimulatedCharger(new ChargerDefinition(chargerId, TestHost.Password, OcppProtocol.Ocpp16), host.Endpoint,
            new SimulatorOptions
            {
                ValidatePayloads = true, CallTimeout = TimeSpan.FromSeconds(10),
                RemoteSessions = new SessionProfile(TimeSpan.Zero, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(30), 3, 3, TimeScale: 60),
            });
        await charger.ConnectAsync(CancellationToken.None);
        await charger.BootAsync(CancellationToken.None);
        const string token = "RFID-SHRED-0002";
        var response = await host.Http.PostAsJsonAsync($"/api/chargers/{chargerId}/commands/remote-start", new { evseId = 1, idToken = token });
        await charger.WhenFollowUpsDoneAsync();
        Assert.Equal("Accepted", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        var issued = Assert.Single((await host.ChargerEventsAsync(chargerId)).Select(e => e.Data).OfType<CommandIssuedV2>());
        var started = await SessionStartedForAsync(ledger, issued.DriverToken!.DriverRef);
        Assert.Equal(token, await ledger.Ledger.Drivers.UnsealAsync(started.IdToken!));
        var chainedBefore = (await ledger.Writer.CatchUpAsync()).Sequence;

        await ledger.Ledger.EraseTokenAsync(token, "GDPR art. 17 request", new Actor(ActorKind.Operator, "dpo"), Noon);
        await ledger.Writer.CatchUpAsync();
        var result = await ledger.VerifyAsync();

        Assert.Null(result.Problem);
        Assert.True(result.EventsVerified > chainedBefore, $"{result.EventsVerified} events verified, {chainedBefore} chained before the erasure");
        Assert.Null(await ledger.Ledger.Drivers.UnsealAsync(issued.DriverToken));
        Assert.Null(await ledger.Ledger.Drivers.UnsealAsync(started.IdToken!));
        Assert.Equal(0, await ledger.ScalarAsync($"SELECT count(*) FROM ledger.mt_events WHERE data::text LIKE '%{token}%' OR headers::text LIKE '%{token}%'"));
    }

    /// <summary>The session the charger started for the driver: the remote start's token came back in its StartTransaction.</summary>
    private static async Task<SessionStartedV2> SessionStartedForAsync(ChainedLedger ledger, string driverRef)
    {
        await using var command = ledger.DataSource.CreateCommand(
            "SELECT stream_id FROM ledger.mt_events WHERE type = 'session_started_v2' AND data->'idToken'->>'driverRef' = $1");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = driverRef });
        var streamId = (string)(await command.ExecuteScalarAsync())!;
        return Assert.Single((await ledger.Ledger.ReadStreamAsync(streamId)).Select(e => e.Data).OfType<SessionStartedV2>());
    }
}
