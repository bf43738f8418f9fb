namespace Settlement.Domain.Events;

/// <summary>Stream keys are prefixed by what they hold, so ids from different families never collide.</summary>
public static class StreamIds
{
    public static string Site(string siteId) => $"site:{siteId}";

    /// <summary>A site's power model, grid signals and battery reports: what the operator and the grid say.</summary>
    public static string SitePower(string siteId) => $"power:{siteId}";

    /// <summary>The balancer's decisions for a site, apart from the operator's facts so that neither waits on the other.</summary>
    public static string SiteAllocations(string siteId) => $"allocations:{siteId}";
    public static string Charger(string chargerId) => $"charger:{chargerId}";
    public static string Session(string sessionId) => $"session:{sessionId}";
    public static string Tariff(string tariffId) => $"tariff:{tariffId}";
    public static string RoamingPartner(string partnerId) => $"partner:{partnerId}";
    public static string TaxRates(string jurisdiction) => $"taxrates:{jurisdiction}";
    public static string SiteSalesTax(string siteId) => $"salestax:{siteId}";
    public static string TaxPointRules(string jurisdiction) => $"taxpoint:{jurisdiction}";
    public static string InvoiceIssuer(string issuerId) => $"issuer:{issuerId}";
    public static string Driver(string driverRef) => $"driver:{driverRef}";
    public static string ApiKey(string keyId) => $"apikey:{keyId}";
    public static string SubOperator(string operatorId) => $"operator:{operatorId}";

    /// <summary>A registered token, named by its driver's pseudonym (the token's id).</summary>
    public static string Token(string tokenId) => $"token:{tokenId}";

    /// <summary>One stream per issuer and series: an invoice's number is its version there, so numbers are gapless.</summary>
    public static string InvoiceSeries(string issuerId, string series) => $"invoices:{issuerId}/{series}";

    /// <summary>What is owed on one invoice: the payments, refunds and write-offs recorded against it.</summary>
    public static string Receivable(string issuerId, string invoiceNumber) => $"receivable:{issuerId}/{invoiceNumber}";

    /// <summary>One bank statement of an account, imported once: its stream is new, or the import is refused.</summary>
    public static string BankStatement(string accountIban, string statementId) => $"bankstatement:{accountIban}/{statementId}";

    /// <summary>The operator's self-healing rules (thresholds and ladders); each definition replaces the whole set.</summary>
    public const string HealingRules = "healing-rules";

    /// <summary>One self-healing incident: opened, its remote actions and their answers, resolved or escalated.</summary>
    public static string Incident(string incidentId) => $"incident:{incidentId}";

    /// <summary>One staged firmware rollout: its plan, stages, each charger's update, gates and halts.</summary>
    public static string Rollout(string rolloutId) => $"rollout:{rolloutId}";
}
