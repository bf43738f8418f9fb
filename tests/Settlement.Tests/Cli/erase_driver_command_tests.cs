namespace Settlement.Tests.Cli;

[Collection(LedgerCollection.Name)]
public sealed class erase_driver_command_tests(LedgerDatabase db)
{
    [Fact]
    public async Task erase_driver_shreds_a_known_token_once_and_says_so_when_the_token_is_unknown()
    {
        var token = "CLI-" + Guid.NewGuid().ToString("N")[..10];
        var sealedToken = await db.Ledger.Drivers.SealTokenAsync(token);

        var erased = await SettleProcess.RunAsync(db, "erase-driver", "--token", token);
        var again = await SettleProcess.RunAsync(db, "erase-driver", "--token", token);
        var neither = await SettleProcess.RunAsync(db, "erase-driver");

        Assert.True(erased.ExitCode == 0, erased.Output);
        Assert.Contains(sealedToken.DriverRef, erased.Output);
        Assert.Null(await db.Ledger.Drivers.UnsealAsync(sealedToken));
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("never seen", again.Output);
        Assert.Equal(2, neither.ExitCode);
    }
}
