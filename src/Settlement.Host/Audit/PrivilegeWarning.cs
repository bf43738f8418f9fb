using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Settlement.Ledger.Database;
using Settlement.Ledger.Store;

namespace Settlement.Host.Audit;

/// <summary>
/// Says so at start when the host connects as a role that could rewrite history (a superuser, or the tables' owner,
/// which can switch the append-only triggers off): the host still serves, since a single configured connection
/// is a legitimate if weaker set-up, but the operator must not be left to believe the database guards the ledger.
/// </summary>
internal sealed class PrivilegeWarning(Ledger.Ledger ledger, ILogger<PrivilegeWarning> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        var excess = await LedgerPrivileges.ExcessAsync(ledger, ct);
        if (excess.Count > 0)
            logger.LogWarning(
                "The host connects to the ledger with privileges it should not have: {Excess}. Nothing in the database then stops " +
                "the host, or whoever takes it over, from rewriting history. Connect as an application role and give the schema " +
                "owner's connection in {Variable} (README, Database: Roles).",
                string.Join("; ", excess), DatabaseServer.MigrationConnectionVariable);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
