using NodaTime;
using Settlement.Domain.Invoicing;
using Settlement.Tests.Invoicing.Documents;

namespace Settlement.Tests.Invoicing.EInvoices;

/// <summary>
/// The documents the e-invoice tests render: a driver's invoice with everything issue 26 records (tax point, due date,
/// account, the session's EVSE and local times), the same invoice as issued before those fields existed, a partner
/// invoice with German VAT and Austrian reverse charge and the partner's commission, one with standard VAT only, and
/// the credit notes of the first and the third.
/// </summary>
public static class EInvoiceSamples
{
    public static readonly PaymentAccount Account = new("DE89370400440532013000", "COBADEFFXXX", "Voltstrom GmbH");

    public static InvoiceDocument DriverInvoice()
    {
        var invoice = IssuedDocuments.GermanSessionInvoice();
        return invoice with
        {
            TaxPoint = new LocalDate(2026, 11, 20),
            DueDate = new LocalDate(2026, 12, 5),
            PaymentTerms = "Payable within 14 days of the issue date.",
            PayTo = Account,
            PaymentReference = "RF18SES000042",
            Lines = invoice.Lines.Select(line => line with
            {
                TaxPoint = new LocalDate(2026, 11, 20),
                EvseId = "DE*VLT*E1001*1",
                LocalStart = new LocalDateTime(2026, 11, 20, 18, 3),
                LocalEnd = new LocalDateTime(2026, 11, 20, 19, 40),
                TimeZone = "Europe/Berlin",
                EnergyKwh = 22.5m,
            }).ToList(),
        };
    }

    /// <summary>As issued before tax points, terms and accounts were recorded: every new field null.</summary>
    public static InvoiceDocument DriverInvoiceIssuedBefore() => IssuedDocuments.GermanSessionInvoice();

    /// <summary>German VAT on two German sites, reverse charge on an Austrian one, and a commission of 10 %.</summary>
    public static InvoiceDocument PartnerInvoiceWithReverseCharge() => IssuedDocuments.PartnerInvoice() with
    {
        DueDate = new LocalDate(2026, 12, 31),
        PaymentTerms = "Payable within 30 days of the issue date.",
        PayTo = Account,
        PaymentReference = "RF47PTN000003",
        BuyerReference = "PO-2026-11",
    };

    /// <summary>A German partner at German sites: standard VAT only, and a credit CDR as a negative line.</summary>
    public static InvoiceDocument PartnerInvoiceWithStandardVat()
    {
        var invoice = IssuedDocuments.PartnerInvoice();
        var lines = new List<InvoiceLine>
        {
            invoice.Lines[0],
            invoice.Lines[1],
            invoice.Lines[1] with { LineNo = 3, Description = "Credit CDR for a double-counted session at DE-HAM-02", Quantity = -10m, NetAmount = -4.00m, VatAmount = -0.76m, GrossAmount = -4.76m },
        };
        return invoice with
        {
            Number = "PTN-000004",
            SequenceNumber = 4,
            Buyer = new InvoiceParty("Ladepartner GmbH", "Am Markt 3, 20095 Hamburg", "DE", "DE811111111"),
            PartnerId = "DE-LDP",
            Lines = lines,
            Vat = [new VatBreakdown("DE", 19m, VatTreatment.Standard, 76.20m, 14.48m)],
            TotalNet = 76.20m,
            TotalVat = 14.48m,
            TotalGross = 90.68m,
            CommissionPercent = 5m,
            CommissionAmount = 3.81m,
            Notes = ["Commission retained by the partner under its roaming agreement: 5% of the net total, 3.81 EUR; amount due 86.87 EUR."],
            TaxPoint = null,
            DueDate = new LocalDate(2026, 12, 31),
            PaymentTerms = "Payable within 30 days of the issue date.",
            PayTo = Account,
            PaymentReference = "RF71PTN000004",
        };
    }

    public static InvoiceDocument DriverCreditNote() =>
        IssuedDocuments.CreditNoteFor(DriverInvoice(), 5, new LocalDate(2026, 11, 28), "Charger fault: the session was billed twice");

    public static InvoiceDocument PartnerCreditNote() =>
        IssuedDocuments.CreditNoteFor(PartnerInvoiceWithReverseCharge(), 6, new LocalDate(2026, 12, 9), "CDRs disputed by the partner");

    /// <summary>A Colorado session taxed with US sales tax: not an EN 16931 document.</summary>
    public static InvoiceDocument UsSalesTaxInvoice()
    {
        var invoice = IssuedDocuments.GermanSessionInvoice();
        return invoice with
        {
            Lines = invoice.Lines.Select(line => line with { Jurisdiction = "US-CO", TaxKind = TaxKind.SalesTax }).ToList(),
            Vat = [new VatBreakdown("US-CO", 2.9m, VatTreatment.Standard, 14.67m, 0.43m, TaxKind.SalesTax, TaxLevel.State, "Colorado")],
        };
    }

    /// <summary>Every document an e-invoice is rendered from in these tests, by name.</summary>
    public static readonly IReadOnlyDictionary<string, Func<InvoiceDocument>> All = new Dictionary<string, Func<InvoiceDocument>>
    {
        ["driver invoice"] = DriverInvoice,
        ["driver invoice issued before issue 26"] = DriverInvoiceIssuedBefore,
        ["partner invoice, reverse charge and standard VAT"] = PartnerInvoiceWithReverseCharge,
        ["partner invoice, standard VAT and a credit CDR"] = PartnerInvoiceWithStandardVat,
        ["driver credit note"] = DriverCreditNote,
        ["partner credit note"] = PartnerCreditNote,
    };

    public static TheoryData<string> Names() => new(All.Keys);
}
