namespace Settlement.Domain.Invoicing.Accounting;

/// <summary>An account of the chart: its number and the name accountants know it by.</summary>
public sealed record Account(string Number, string Name);

/// <summary>
/// The accounts issued invoices post to. Receivables and commission are kept per roaming partner and
/// VAT per jurisdiction through a journal line's sub-account, so the chart stays this small.
/// </summary>
public static class ChartOfAccounts
{
    public static readonly Account DriverReceivables = new("1200", "Receivables – drivers");
    public static readonly Account PartnerReceivables = new("1210", "Receivables – roaming partners");
    public static readonly Account VatPayable = new("2200", "VAT payable");
    public static readonly Account SalesTaxPayable = new("2210", "Sales tax payable");
    public static readonly Account ChargingRevenue = new("4000", "Charging revenue");
    public static readonly Account RoamingCommission = new("6100", "Roaming commission");
}
