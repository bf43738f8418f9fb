using System.Net;
using System.Text.RegularExpressions;
using Settlement.Ledger.Store;
using Settlement.Projections;

namespace Settlement.Tests.Cli;

/// <summary>`settle keys` as the operator runs it at the console: the first key of a fresh database comes from here.</summary>
[Collection(LedgerCollection.Name)]
public sealed partial class keys_command_tests(LedgerDatabase db)
{
    [Fact]
    public async Task a_key_created_at_the_console_opens_the_api_is_listed_without_its_secret_and_dies_when_revoked()
    {
        await using var ledger = await db.ScratchLedgerAsync("cli_keys");
        var database = db.Scratch("cli_keys");
        var created = await SettleProcess.RunAsync(db, "keys", "create", "--role", "finance", "--name", "Month-end close", "--database", database);
        Assert.True(created.ExitCode == 0, created.Output);
        var key = Key().Match(created.Output).Value;
        Assert.Equal(key, created.Output.TrimEnd().Split('\n')[^1].Trim());
        var keyId = key[4..16];

        await using var host = await new TestHost(db, ledger: ledger).StartAsync();
        using var finance = host.Client(key);
        Assert.Equal(HttpStatusCode.OK, (await finance.GetAsync("/api/invoices")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await finance.GetAsync("/api/reports/afir")).StatusCode);

        var listed = await SettleProcess.RunAsync(db, "keys", "list", "--database", database);
        Assert.True(listed.ExitCode == 0, listed.Output);
        Assert.Contains(keyId, listed.Output);
        Assert.Contains("Month-end close", listed.Output);
        Assert.DoesNotContain(key[17..], listed.Output);

        var revoked = await SettleProcess.RunAsync(db, "keys", "revoke", keyId, "--reason", "close done", "--database", database);
        Assert.True(revoked.ExitCode == 0, revoked.Output);
        Assert.Equal(HttpStatusCode.Unauthorized, (await finance.GetAsync("/api/invoices")).StatusCode);

        var again = await SettleProcess.RunAsync(db, "keys", "revoke", keyId, "--reason", "twice", "--database", database);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("was revoked", again.Output);
    }

    [GeneratedRegex("stl_[a-z0-9]{12}_[A-Za-z0-9_-]{43}")]
    private static partial Regex Key();
}
