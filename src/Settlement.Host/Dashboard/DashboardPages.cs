using Settlement.Domain.Access;
using Settlement.Host.Access;

namespace Settlement.Host.Dashboard;

/// <summary>A dashboard page and every endpoint it reads: a role sees the page only if it may call all of them.</summary>
public sealed record DashboardPage(string Id, IReadOnlyList<string> Reads);

/// <summary>
/// Which dashboard pages a role may open, derived from <see cref="AccessTable"/> rather than listed per role, so the
/// menu can never offer a page whose data the API would then refuse, nor hide one it would serve.
/// </summary>
public static class DashboardPages
{
    public static readonly IReadOnlyList<DashboardPage> All =
    [
        new("network", ["GET /api/sites", "GET /api/chargers", "GET /api/chargers/{chargerId}", "GET /api/live/chargers"]),
        new("kpis", ["GET /api/kpis/uptime", "GET /api/kpis/charge-success", "GET /api/kpis/utilisation", "GET /api/kpis/ratings"]),
        new("sessions", ["GET /api/sessions", "GET /api/sessions/{sessionId}", "GET /api/sessions/{sessionId}/price"]),
        new("money", ["GET /api/invoices", "GET /api/invoices/{issuerId}/{number}", "GET /api/roaming/cdrs", "GET /api/roaming/cdrs/{cdrId}",
            "GET /api/exports/vat", "GET /api/receivables/ageing"]),
        new("energy", ["GET /api/sites", "GET /api/sites/{siteId}/allocations", "GET /api/sites/{siteId}/allocations/history",
            "GET /api/sites/{siteId}/grid-signals", "GET /api/sites/{siteId}/power-report"]),
        new("operations", ["GET /api/incidents", "GET /api/incidents/{incidentId}", "GET /api/firmware/rollouts", "GET /api/firmware/rollouts/{rolloutId}"]),
        new("evidence", ["GET /api/audit/chain", "GET /api/audit/checkpoints"]),
    ];

    public static IReadOnlyList<string> For(AccessRole role) =>
        [.. All.Where(page => page.Reads.All(endpoint => AccessTable.Allows(endpoint, role))).Select(page => page.Id)];

    /// <summary>Every listed endpoint the role may call, so a page can offer an optional part (a command, a download) only to those who may use it.</summary>
    public static IReadOnlyList<string> EndpointsFor(AccessRole role) =>
        [.. AccessTable.Roles.Keys.Where(endpoint => AccessTable.Allows(endpoint, role)).Order(StringComparer.Ordinal)];
}
