using System.Text.RegularExpressions;
using Settlement.Workbench.Roaming;
using Settlement.Tests.Roaming;

namespace Settlement.Tests.Cli;

/// <summary>`settle partners invite` as the operator runs it at the console: what it prints is all a partner needs to register.</summary>
[Collection(LedgerCollection.Name)]
public sealed partial class partners_command_tests(LedgerDatabase db)
{
    [Fact]
    public async Task a_partner_invited_at_the_console_registers_with_the_printed_url_and_token_a()
    {
        await using var ledger = await db.ScratchLedgerAsync("cli_partners");
        await using var host = await new TestHost(db, ledger: ledger).StartAsync();
        await using var emsp = await OcpiTestPartner.StartEmspAsync();

        var invited = await SettleProcess.RunAsync(db, "partners", "invite", "--name", "EMSP Double", "--country", EmspDouble.CountryCode, "--party", emsp.PartyId,
            "--commission", "15", "--public-url", host.Http.BaseAddress!.ToString(), "--database", db.Scratch("cli_partners"));
        Assert.True(invited.ExitCode == 0, invited.Output);
        var lines = invited.Output.TrimEnd().Split('\n').Select(l => l.Trim()).ToArray();
        var (versionsUrl, tokenA) = (lines[^2], lines[^1]);
        await emsp.RegisterAsync(versionsUrl, tokenA);

        Assert.Matches(Key(), tokenA);
        Assert.EndsWith("/ocpi/versions", versionsUrl);
        Assert.NotNull(emsp.TokenC);
        var again = await SettleProcess.RunAsync(db, "partners", "invite", "--name", "Again", "--country", EmspDouble.CountryCode, "--party", emsp.PartyId,
            "--commission", "15", "--public-url", host.Http.BaseAddress!.ToString(), "--database", db.Scratch("cli_partners"));
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("exists already", again.Output);
    }

    [GeneratedRegex("^stl_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$")]
    private static partial Regex Key();
}
