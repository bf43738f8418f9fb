using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Settlement.Domain.Chargers;
using Settlement.Ocpp;
using Settlement.Tests.Ocpp.Client;

namespace Settlement.Tests.Ocpp;

/// <summary>
/// The host handles at most <see cref="OcppOptions.MaxConcurrentMessages"/> CALLs at once; the rest wait. A
/// charger's answer to one of our commands must never wait behind them, or commands would time out under load.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class ocpp_message_gate_tests(LedgerDatabase db)
{
    [Fact]
    public async Task while_the_gate_is_full_calls_wait_but_a_chargers_answer_to_a_command_gets_through()
    {
        await using var host = await new TestHost(db, new OcppOptions { MaxConcurrentMessages = 1, CallTimeoutSeconds = 10 }).StartAsync();
        await using var holder = await BootedAsync(host);
        await using var waiter = await BootedAsync(host);
        var (answering, answeringId) = await host.ConnectStrictChargerAsync(OcppVersion.Ocpp201,
            Step.Expect("TriggerMessage", new { status = "Accepted" }, 20_000));

        // The holder's Authorize seals its idTag through the driver vault, which waits for this lock: its CALL keeps the only slot.
        await using var locker = await db.Ledger.DataSource.OpenConnectionAsync();
        await using var lockTransaction = await locker.BeginTransactionAsync();
        await using (var lockVault = new NpgsqlCommand("LOCK TABLE ledger.driver_keys IN ACCESS EXCLUSIVE MODE", locker, lockTransaction))
            await lockVault.ExecuteNonQueryAsync();
        var held = holder.CallAsync("Authorize", new JsonObject { ["idTag"] = "GATE-" + Guid.NewGuid().ToString("N")[..8] });
        await WaitUntilTheVaultIsAwaitedAsync();
        var waiting = waiter.CallAsync("Heartbeat", []);

        var command = await host.Http.PostAsJsonAsync($"/api/chargers/{answeringId}/commands/trigger-message",
            new { message = "Heartbeat" });

        Assert.Equal(HttpStatusCode.OK, command.StatusCode);
        Assert.False(waiting.IsCompleted, "a CALL was handled while the only slot was taken");
        Assert.False(held.IsCompleted);
        await lockTransaction.RollbackAsync();
        Assert.Equal("Accepted", (await held)[2]!["idTagInfo"]!["status"]!.GetValue<string>());
        Assert.NotNull((await waiting)[2]!["currentTime"]);
        await answering;
    }

    private static async Task<RawOcppClient> BootedAsync(TestHost host)
    {
        var id = await host.RegisterChargerAsync(OcppVersion.Ocpp16);
        var client = await RawOcppClient.ConnectAsync(host.Endpoint, id, "ocpp1.6");
        var boot = await client.CallAsync("BootNotification", new JsonObject { ["chargePointVendor"] = "Acme", ["chargePointModel"] = "Fast 150" });
        Assert.Equal("Accepted", boot[2]!["status"]!.GetValue<string>());
        return client;
    }

    private async Task WaitUntilTheVaultIsAwaitedAsync()
    {
        for (var i = 0; i < 200; i++)
        {
            await using var waits = db.Ledger.DataSource.CreateCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%driver_keys%'");
            if ((long)(await waits.ExecuteScalarAsync())! > 0) return;
            await Task.Delay(50);
        }
        Assert.Fail("the Authorize never reached the driver vault");
    }
}
