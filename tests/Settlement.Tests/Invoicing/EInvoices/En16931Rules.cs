namespace Settlement.Tests.Invoicing.EInvoices;

/// <summary>
/// The EN 16931-1 business rules our e-invoices exercise, as our own checks over an <see cref="En16931Reading"/>:
/// BR-01..BR-16 (mandatory content), BR-CO-10..BR-CO-16 (totals), BR-S-01..10 (standard rate), BR-AE-01..10 (reverse
/// charge), BR-Z-01..10 (zero rated). Each violation names its rule. The official Schematron is run separately (see the
/// Invoicing README); these checks keep the rules in the test suite, in words a reviewer can read.
/// </summary>
public static class En16931Rules
{
    public static IReadOnlyList<string> Violations(En16931Reading invoice)
    {
        var found = new List<string>();
        void Require(bool holds, string rule, string what) { if (!holds) found.Add($"{rule}: {what}"); }

        Require(invoice.Specification is not null, "BR-01", "an invoice shall have a specification identifier (BT-24)");
        Require(invoice.Number is not null, "BR-02", "an invoice shall have an invoice number (BT-1)");
        Require(invoice.IssueDate is not null, "BR-03", "an invoice shall have an issue date (BT-2)");
        Require(invoice.TypeCode is not null, "BR-04", "an invoice shall have a type code (BT-3)");
        Require(invoice.Currency is not null, "BR-05", "an invoice shall have a currency code (BT-5)");
        Require(invoice.Seller.Name is not null, "BR-06", "an invoice shall contain the seller name (BT-27)");
        Require(invoice.Buyer.Name is not null, "BR-07", "an invoice shall contain the buyer name (BT-44)");
        Require(invoice.Seller.HasPostalAddress, "BR-08", "an invoice shall contain the seller postal address (BG-5)");
        Require(invoice.Seller.CountryCode is not null, "BR-09", "the seller postal address shall contain a country code (BT-40)");
        Require(invoice.Buyer.HasPostalAddress, "BR-10", "an invoice shall contain the buyer postal address (BG-8)");
        Require(invoice.Buyer.CountryCode is not null, "BR-11", "the buyer postal address shall contain a country code (BT-55)");
        Require(invoice.LineTotal is not null, "BR-12", "an invoice shall have the sum of invoice line net amounts (BT-106)");
        Require(invoice.TaxExclusiveTotal is not null, "BR-13", "an invoice shall have the total amount without VAT (BT-109)");
        Require(invoice.TaxInclusiveTotal is not null, "BR-14", "an invoice shall have the total amount with VAT (BT-112)");
        Require(invoice.PayableAmount is not null, "BR-15", "an invoice shall have the amount due for payment (BT-115)");
        Require(invoice.Lines.Count > 0, "BR-16", "an invoice shall have at least one invoice line (BG-25)");

        var allowances = invoice.AllowancesAndCharges.Where(a => !a.IsCharge).ToList();
        var charges = invoice.AllowancesAndCharges.Where(a => a.IsCharge).ToList();
        Require(invoice.LineTotal == invoice.Lines.Sum(l => l.NetAmount ?? 0m), "BR-CO-10",
            $"sum of line net amounts (BT-106) {invoice.LineTotal} = Σ line net amounts (BT-131) {invoice.Lines.Sum(l => l.NetAmount ?? 0m)}");
        Require((invoice.AllowanceTotal ?? 0m) == allowances.Sum(a => a.Amount), "BR-CO-11",
            $"sum of allowances on document level (BT-107) {invoice.AllowanceTotal} = Σ document allowances (BT-92)");
        Require((invoice.ChargeTotal ?? 0m) == charges.Sum(a => a.Amount), "BR-CO-12",
            $"sum of charges on document level (BT-108) {invoice.ChargeTotal} = Σ document charges (BT-99)");
        Require(invoice.TaxExclusiveTotal == invoice.LineTotal - (invoice.AllowanceTotal ?? 0m) + (invoice.ChargeTotal ?? 0m), "BR-CO-13",
            $"total without VAT (BT-109) {invoice.TaxExclusiveTotal} = BT-106 − BT-107 + BT-108");
        Require((invoice.TaxTotal ?? 0m) == invoice.Vat.Sum(v => v.TaxAmount ?? 0m), "BR-CO-14",
            $"total VAT (BT-110) {invoice.TaxTotal} = Σ VAT category tax amounts (BT-117) {invoice.Vat.Sum(v => v.TaxAmount ?? 0m)}");
        Require(invoice.TaxInclusiveTotal == invoice.TaxExclusiveTotal + (invoice.TaxTotal ?? 0m), "BR-CO-15",
            $"total with VAT (BT-112) {invoice.TaxInclusiveTotal} = BT-109 + BT-110");
        Require(invoice.PayableAmount == invoice.TaxInclusiveTotal - (invoice.PrepaidAmount ?? 0m) + (invoice.RoundingAmount ?? 0m), "BR-CO-16",
            $"amount due (BT-115) {invoice.PayableAmount} = BT-112 − BT-113 + BT-114");

        CheckCategory(invoice, "S", "BR-S", found, chargesVat: true);
        CheckCategory(invoice, "AE", "BR-AE", found, chargesVat: false);
        CheckCategory(invoice, "Z", "BR-Z", found, chargesVat: false);
        return found;
    }

    /// <summary>
    /// The rules every VAT category repeats in its own words (-01 breakdown present, -02..04 VAT ids, -05..07 rates,
    /// -08 taxable amount, -09 tax amount, -10 exemption reason), as they read for S (VAT charged at a positive rate),
    /// AE (reverse charge: rate 0, both parties' VAT ids, an exemption reason) and Z (zero rate, no exemption reason).
    /// </summary>
    private static void CheckCategory(En16931Reading invoice, string category, string prefix, List<string> found, bool chargesVat)
    {
        void Require(bool holds, string rule, string what) { if (!holds) found.Add($"{prefix}-{rule}: {what}"); }
        var lines = invoice.Lines.Where(l => l.Category == category).ToList();
        var allowancesAndCharges = invoice.AllowancesAndCharges.Where(a => a.Category == category).ToList();
        var breakdowns = invoice.Vat.Where(v => v.Category == category).ToList();
        if (lines.Count == 0 && allowancesAndCharges.Count == 0 && breakdowns.Count == 0) return;

        var reverseCharge = category == "AE";
        if (lines.Count + allowancesAndCharges.Count > 0)
        {
            Require(reverseCharge ? breakdowns.Count == 1 : breakdowns.Count >= 1, "01", $"lines or allowances/charges in category {category} need {(reverseCharge ? "exactly one" : "a")} VAT breakdown (BG-23) in {category}");
            Require(invoice.Seller.VatId is not null, "02", $"category {category} needs the seller VAT identifier (BT-31)");
            if (reverseCharge)
                Require(invoice.Buyer.VatId is not null || invoice.Buyer.LegalRegistration is not null, "02", "reverse charge needs the buyer VAT identifier (BT-48) or legal registration (BT-47)");
        }
        foreach (var line in lines)
            Require(chargesVat ? line.Rate > 0m : line.Rate == 0m, "05", $"line {line.Id} in {category} has rate {line.Rate}, which shall be {(chargesVat ? "greater than zero" : "0")}");
        foreach (var allowanceOrCharge in allowancesAndCharges)
            Require(chargesVat ? allowanceOrCharge.Rate > 0m : allowanceOrCharge.Rate == 0m, allowanceOrCharge.IsCharge ? "07" : "06",
                $"a document {(allowanceOrCharge.IsCharge ? "charge" : "allowance")} in {category} has rate {allowanceOrCharge.Rate}");

        foreach (var breakdown in breakdowns)
        {
            bool SameRate(decimal? rate) => !chargesVat || rate == breakdown.Rate;
            var expected = lines.Where(l => SameRate(l.Rate)).Sum(l => l.NetAmount ?? 0m)
                + allowancesAndCharges.Where(a => SameRate(a.Rate)).Sum(a => a.IsCharge ? a.Amount : -a.Amount);
            Require(breakdown.TaxableAmount == expected, "08", $"taxable amount (BT-116) {breakdown.TaxableAmount} in {category} {breakdown.Rate}% = Σ its line nets + charges − allowances {expected}");
            var tax = chargesVat ? decimal.Round((breakdown.TaxableAmount ?? 0m) * (breakdown.Rate ?? 0m) / 100m, 2, MidpointRounding.AwayFromZero) : 0m;
            Require(breakdown.TaxAmount == tax, "09", $"VAT amount (BT-117) {breakdown.TaxAmount} in {category} {breakdown.Rate}% shall be {tax}");
            Require(reverseCharge
                    ? breakdown.ExemptionReason is not null || breakdown.ExemptionReasonCode is not null
                    : breakdown.ExemptionReason is null && breakdown.ExemptionReasonCode is null,
                "10", reverseCharge ? "a reverse charge breakdown shall state an exemption reason (BT-120 or BT-121)" : $"a {category} breakdown shall not state an exemption reason");
        }
    }
}
