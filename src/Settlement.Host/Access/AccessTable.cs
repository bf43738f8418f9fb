using Settlement.Domain.Access;
using static Settlement.Domain.Access.AccessRole;

namespace Settlement.Host.Access;

/// <summary>
/// Who may call what: every endpoint the host maps, by method and route, with the roles besides Operator that may
/// call it. An endpoint missing here answers only the top-level operator's and sub-operators' operator keys, and
/// a test fails until it is listed: a new door is closed until someone decides who may open it.
/// </summary>
public static class AccessTable
{
    /// <summary>Answered without a key: liveness (reduced to up/down), the open AFIR data, and the OCPP WebSocket, which authenticates chargers itself.</summary>
    public static readonly IReadOnlySet<string> Open = new HashSet<string>
    {
        "GET /health",
        // The dashboard's address: a redirect to its static files, which hold no data.
        "GET /",
        "GET /ocpp/{identity}",
        // AFIR Art. 20 has the data free of charge to anyone: the NAP and every app built on it (static and dynamic DATEX II).
        "GET /api/afir/datex/table",
        "GET /api/afir/datex/status",
    };

    public static readonly IReadOnlyDictionary<string, AccessRole[]> Roles = new Dictionary<string, AccessRole[]>
    {
        // Keys: operators only, and a sub-operator's only for its own keys.
        ["POST /api/keys"] = [],
        ["GET /api/keys"] = [],
        ["POST /api/keys/{keyId}/rotate"] = [],
        ["POST /api/keys/{keyId}/revoke"] = [],
        ["GET /api/access/failed-logins"] = [],
        // Who the key is and which dashboard pages it may open: every role that reads anything.
        ["GET /api/access/me"] = [Finance, Regulator, Auditor, Integration],

        // Sub-operators: the top-level operator's alone (a sub-operator's operator keys are refused in the handler).
        ["POST /api/operators"] = [],
        ["GET /api/operators"] = [],
        ["POST /api/sites/{siteId}/operator"] = [],

        // Chargers: onboarding and remote control change the network, so they are the operator's.
        ["GET /api/chargers"] = [Integration],
        ["GET /api/chargers/{chargerId}"] = [Integration],
        // The dashboard's live charger status: what GET /api/chargers shows, pushed as it changes.
        ["GET /api/live/chargers"] = [Integration],
        ["PUT /api/chargers/{chargerId}/evses/{evseId:int}"] = [],

        // Sites: onboarding is the operator's; integrations read them.
        ["POST /api/sites"] = [],
        ["PUT /api/sites/{siteId}"] = [],
        ["PUT /api/sites/{siteId}/public-details"] = [],
        ["GET /api/sites"] = [Integration, Finance, Regulator, Auditor],
        ["GET /api/sites/{siteId}"] = [Integration, Finance, Regulator, Auditor],

        // A site's power: the operator defines the model. Grid signals and battery reports also come from integrations (a
        // utility's demand-response feed, the battery's EMS). Auditors read the model, signals and every decision with its
        // replay; finance reads the monthly report (the peak it saved is the money argument against a grid upgrade).
        ["PUT /api/sites/{siteId}/power-model"] = [],
        ["GET /api/sites/{siteId}/power-model"] = [Integration, Auditor],
        ["POST /api/sites/{siteId}/grid-signals"] = [Integration],
        ["GET /api/sites/{siteId}/grid-signals"] = [Integration, Auditor],
        ["POST /api/sites/{siteId}/grid-signals/{signalId}/withdraw"] = [Integration],
        ["POST /api/sites/{siteId}/battery-state"] = [Integration],
        ["GET /api/sites/{siteId}/allocations"] = [Integration, Auditor],
        ["GET /api/sites/{siteId}/allocations/history"] = [Auditor],
        ["GET /api/sites/{siteId}/allocations/history/{version:long}/replay"] = [Auditor],
        ["GET /api/sites/{siteId}/power-report"] = [Finance, Auditor],

        // Firmware rollouts change the chargers, so they are the operator's; integrations and auditors follow them.
        ["POST /api/firmware/rollouts"] = [],
        ["GET /api/firmware/rollouts"] = [Integration, Auditor],
        ["GET /api/firmware/rollouts/{rolloutId}"] = [Integration, Auditor],
        ["GET /api/firmware/rollouts/{rolloutId}/history"] = [Auditor],
        ["POST /api/firmware/rollouts/{rolloutId}/pause"] = [],
        ["POST /api/firmware/rollouts/{rolloutId}/resume"] = [],
        ["POST /api/firmware/rollouts/{rolloutId}/abort"] = [],

        // Sessions: read by finance (what is billed) and integrations.
        ["GET /api/sessions"] = [Finance, Integration],
        ["GET /api/sessions/{sessionId}"] = [Finance, Integration],
        ["GET /api/chargers/pending"] = [],
        ["POST /api/chargers"] = [],
        ["PUT /api/chargers/{chargerId}/credentials"] = [],
        ["POST /api/chargers/{chargerId}/commands/remote-start"] = [],
        ["POST /api/chargers/{chargerId}/commands/remote-stop"] = [],
        ["POST /api/chargers/{chargerId}/commands/reset"] = [],
        ["POST /api/chargers/{chargerId}/commands/change-availability"] = [],
        ["POST /api/chargers/{chargerId}/commands/unlock-connector"] = [],
        ["POST /api/chargers/{chargerId}/commands/set-charging-profile"] = [],
        ["POST /api/chargers/{chargerId}/commands/clear-charging-profile"] = [],
        ["POST /api/chargers/{chargerId}/commands/trigger-message"] = [],
        ["POST /api/chargers/{chargerId}/commands/get-settings"] = [],
        ["POST /api/chargers/{chargerId}/commands/change-setting"] = [],
        ["POST /api/chargers/{chargerId}/commands/update-firmware"] = [],

        // Tariffs and prices.
        ["POST /api/tariffs"] = [],
        ["POST /api/tariffs/ocpi"] = [],
        ["GET /api/tariffs"] = [Finance, Integration],
        ["GET /api/tariffs/{tariffId}"] = [Finance, Integration],
        ["POST /api/tariffs/{tariffId}/assignments"] = [],
        ["GET /api/evses/{chargerId}/{evseId}/tariff"] = [Finance, Integration],
        ["GET /api/evses/{chargerId}/{evseId}/adhoc-price"] = [Finance, Integration],
        ["GET /api/sessions/{sessionId}/price"] = [Finance, Integration],

        // Invoicing, VAT and the journal: the finance team's.
        ["POST /api/issuers"] = [],
        ["GET /api/issuers"] = [Finance, Integration],
        ["GET /api/issuers/{issuerId}"] = [Finance, Integration],
        ["GET /api/sites/{siteId}/jurisdiction"] = [Finance],
        ["POST /api/sites/{siteId}/jurisdiction"] = [Finance],
        ["GET /api/tax-rates/{jurisdiction}"] = [Finance],
        ["POST /api/tax-rates"] = [Finance],
        ["GET /api/sites/{siteId}/sales-tax"] = [Finance],
        ["PUT /api/sites/{siteId}/sales-tax"] = [Finance],
        ["GET /api/tax-point-rules/{jurisdiction}"] = [Finance],
        ["PUT /api/tax-point-rules/{jurisdiction}"] = [Finance],
        ["POST /api/invoices/sessions"] = [Finance],
        ["POST /api/invoices/partners"] = [Finance],
        ["POST /api/invoices/{issuerId}/{number}/credit-notes"] = [Finance],
        ["GET /api/invoices"] = [Finance, Integration],
        ["GET /api/invoices/{issuerId}/{number}"] = [Finance, Integration],
        ["GET /api/exports/journal"] = [Finance],
        ["GET /api/exports/vat"] = [Finance],

        // Receivables: finance records what was paid, refunded and written off; integrations (an ERP, a dunning service) and
        // auditors read what is open.
        ["POST /api/receivables/payments"] = [Finance],
        ["POST /api/receivables/refunds"] = [Finance],
        ["POST /api/receivables/write-offs"] = [Finance],
        ["POST /api/receivables/bank-statements"] = [Finance],
        ["GET /api/receivables/open-items"] = [Finance, Integration, Auditor],
        ["GET /api/receivables/ageing"] = [Finance, Auditor],

        // KPIs: recording facts that change uptime is the operator's; reading is also for integrations, and for regulators
        // and auditors, who receive the same figures in the NEVI reports and check them.
        ["POST /api/chargers/{chargerId}/outage-causes"] = [],
        ["POST /api/sessions/{sessionId}/rating"] = [],
        ["POST /api/sites/{siteId}/maintenance-costs"] = [],
        ["GET /api/kpis/uptime"] = [Integration, Regulator, Auditor],
        ["GET /api/kpis/outages"] = [Integration, Regulator, Auditor],
        ["GET /api/kpis/charge-success"] = [Integration, Regulator, Auditor],
        ["GET /api/kpis/utilisation"] = [Integration, Regulator, Auditor],
        ["GET /api/kpis/ratings"] = [Integration, Regulator, Auditor],

        // Self-healing: the rules are the operator's; a maintenance or ticketing integration reads the incidents, and finance
        // the truck rolls avoided and their money.
        ["PUT /api/self-healing/rules"] = [],
        ["GET /api/self-healing/rules"] = [],
        ["GET /api/incidents"] = [Integration],
        ["GET /api/incidents/{incidentId}"] = [Integration],
        ["GET /api/self-healing/kpis"] = [Integration, Finance],

        // Reports for regulators.
        ["GET /api/reports/nevi/{module:int}"] = [Regulator],
        ["GET /api/reports/afir"] = [Regulator],

        // Evidence for auditors: read-only.
        ["GET /api/streams/{streamId}"] = [Auditor],
        ["GET /api/audit/chain"] = [Auditor],
        ["GET /api/audit/checkpoints"] = [Auditor],
        ["GET /api/audit/proofs/events/{sequence:long}"] = [Auditor],
        ["GET /api/audit/proofs/invoices/{issuerId}/{number}"] = [Auditor, Finance],
        // Runs over the whole ledger and its bundle change nothing but name every sub-operator's history: the top-level
        // operator's keys alone (checked in the handler).
        ["POST /api/audit/verify-runs"] = [Auditor],
        ["GET /api/audit/verify-runs/{runId}"] = [Auditor],
        ["POST /api/audit/replay-runs"] = [Auditor],
        ["GET /api/audit/replay-runs/{runId}"] = [Auditor],
        ["GET /api/audit/bundle"] = [Auditor],

        // The API document: every role's key may read what the API offers (partners once OCPI gives them objects).
        [$"GET {Settlement.Host.OpenApi.ApiDocument.Route}"] = [Finance, Regulator, Auditor, Integration],

        // Drivers: erasing a driver's data is the operator's alone.
        ["POST /api/drivers/erasure"] = [],

        // The token registry: the operator issues, blocks and regroups tokens; integrations (CRM) may read them.
        ["POST /api/tokens"] = [],
        ["GET /api/tokens"] = [Integration],
        ["GET /api/tokens/{tokenId}"] = [Integration],
        ["POST /api/tokens/{tokenId}/block"] = [],
        ["POST /api/tokens/{tokenId}/unblock"] = [],
        ["POST /api/tokens/{tokenId}/expire"] = [],
        ["PUT /api/tokens/{tokenId}/group"] = [],

        // Roaming partners: the top-level operator's; finance reads partners and their agreements (it settles with them).
        ["POST /api/roaming/partners"] = [],
        ["GET /api/roaming/partners"] = [Finance],
        ["GET /api/roaming/partners/{partnerId}"] = [Finance],
        ["PUT /api/roaming/partners/{partnerId}/agreement"] = [],
        ["POST /api/roaming/partners/{partnerId}/unregister"] = [],
        ["GET /api/roaming/partners/{partnerId}/messages"] = [],
        ["GET /api/roaming/partners/{partnerId}/pushes"] = [],
        // Roaming CDRs: the top-level operator's (checked in the handler); auditors may list them, the OCPI object names a driver.
        // Finance reconciles the partners' invoices against the CDRs the partners received (the dashboard's Money page).
        ["GET /api/roaming/cdrs"] = [Finance, Auditor],
        ["GET /api/roaming/cdrs/{cdrId}"] = [Finance],
        ["POST /api/roaming/cdrs/{cdrId}/credit"] = [],
    };

    /// <summary>Whether the role may call the endpoint named "METHOD /route"; operators may call every listed endpoint.</summary>
    public static bool Allows(string endpoint, AccessRole role) =>
        Roles.TryGetValue(endpoint, out var roles) ? role == Operator || roles.Contains(role) : role == Operator;
}
