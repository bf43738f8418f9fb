using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Receivables;
using static Settlement.Tests.Receivables.Invoices;

namespace Settlement.Tests.Receivables;

public sealed class receivable_decider_tests
{
    private static readonly DeciderSpec<Receivable, RecordPayment> Payments = new(Receivable.None, (s, e) => s.Evolve(e), (s, c) => ReceivableDecider.Decide(s, c, Now));
    private static readonly DeciderSpec<Receivable, RecordRefund> Refunds = new(Receivable.None, (s, e) => s.Evolve(e), (s, c) => ReceivableDecider.Decide(s, c, Now));
    private static readonly DeciderSpec<Receivable, WriteOffInvoice> WriteOffs = new(Receivable.None, (s, e) => s.Evolve(e), (s, c) => ReceivableDecider.Decide(s, c, Now));
    private static readonly LocalDate ValueDate = IssueDate.PlusDays(5);

    private static RecordPayment Pay(string number, decimal amount, string id = "pay-1", string currency = "EUR") =>
        new(Issuer, number, id, amount, currency, ValueDate, PaymentMethod.Card, "M. Muster");

    private static RecordRefund Refund(string number, decimal amount, string id = "ref-1") =>
        new(Issuer, number, id, amount, "EUR", ValueDate, PaymentMethod.BankTransfer, "M. Muster", "Credit note after payment");

    [Fact]
    public void a_payment_for_an_invoice_never_issued_is_refused() =>
        Payments.Given().When(Pay("INV-000001", 10m)).ThenRefused(RefusalKind.NotFound, "has no invoice INV-000001");

    [Fact]
    public void a_partial_payment_is_recorded_and_leaves_the_rest_open()
    {
        var outcome = Payments.Given(Invoice("INV-000001", 119.00m)).When(Pay("INV-000001", 50.00m));

        outcome.Then(new PaymentReceived("pay-1", Issuer, "INV-000001", 50.00m, "EUR", ValueDate, PaymentMethod.Card, "M. Muster", null, null, 0m, Now));
        Assert.Equal(69.00m, Fold([Invoice("INV-000001", 119.00m), .. outcome.Decision.Events]).Open);
    }

    [Fact]
    public void a_payment_for_a_settled_invoice_is_refused() =>
        Payments.Given(Invoice("INV-000001", 119.00m), Paid("INV-000001", 119.00m, "pay-0"))
            .When(Pay("INV-000001", 1.00m)).ThenRefused(RefusalKind.Conflict, "is settled");

    [Fact]
    public void an_overpayment_is_recorded_as_such_and_owed_back()
    {
        var outcome = Payments.Given(Invoice("INV-000001", 119.00m)).When(Pay("INV-000001", 120.00m));

        var paid = Assert.IsType<PaymentReceived>(Assert.Single(outcome.Decision.Events));
        Assert.Equal(1.00m, paid.Overpayment);
        Assert.Equal(-1.00m, Fold(Invoice("INV-000001", 119.00m), paid).Open);
    }

    [Fact]
    public void the_same_payment_recorded_again_changes_nothing() =>
        Payments.Given(Invoice("INV-000001", 119.00m), Paid("INV-000001", 50.00m, "pay-1")).When(Pay("INV-000001", 50.00m, "pay-1")).Then();

    [Fact]
    public void a_payment_in_another_currency_or_finer_than_a_cent_is_refused()
    {
        Payments.Given(Invoice("INV-000001", 119.00m)).When(Pay("INV-000001", 119.00m, currency: "USD")).ThenRefused(RefusalKind.Unprocessable, "is in EUR, not USD");
        Payments.Given(Invoice("INV-000001", 119.00m)).When(Pay("INV-000001", 1.005m)).ThenRefused(RefusalKind.Unprocessable, "more decimals than EUR's 2");
        Payments.Given(Invoice("INV-000001", 119.00m)).When(Pay("INV-000001", 0m)).ThenRefused(RefusalKind.Invalid, "amount: 0 is not a positive amount");
    }

    [Fact]
    public void a_credit_note_reduces_what_is_open_on_the_invoice_it_credits()
    {
        var receivable = Fold(Invoice("INV-000001", 119.00m), CreditNote("CN-000001", "INV-000001", 19.00m), CreditNote("CN-000002", "INV-000009", 50m));

        Assert.Equal((19.00m, 100.00m), (receivable.Credited, receivable.Open));
    }

    [Fact]
    public void a_refund_pays_back_what_a_credit_note_credited_after_payment()
    {
        Refunds.Given(Invoice("INV-000001", 119.00m), Paid("INV-000001", 119.00m, "pay-1"), CreditNote("CN-000001", "INV-000001", 19.00m))
            .When(Refund("INV-000001", 19.00m))
            .Then(new RefundPaid("ref-1", Issuer, "INV-000001", 19.00m, "EUR", ValueDate, PaymentMethod.BankTransfer, "M. Muster", "Credit note after payment", Now));
        Refunds.Given(Invoice("INV-000001", 119.00m), Paid("INV-000001", 119.00m, "pay-1"), CreditNote("CN-000001", "INV-000001", 19.00m))
            .When(Refund("INV-000001", 20.00m)).ThenRefused(RefusalKind.Conflict, "19.00 EUR is owed back on invoice INV-000001, not 20.00");
    }

    [Fact]
    public void a_refund_when_nothing_is_owed_back_is_refused() =>
        Refunds.Given(Invoice("INV-000001", 119.00m), Paid("INV-000001", 19.00m, "pay-1"))
            .When(Refund("INV-000001", 5.00m)).ThenRefused(RefusalKind.Conflict, "nothing is owed back");

    [Fact]
    public void a_write_off_takes_what_is_open_and_nothing_more()
    {
        WriteOffs.Given(Invoice("INV-000001", 119.00m), Paid("INV-000001", 19.00m, "pay-1"))
            .When(new WriteOffInvoice(Issuer, "INV-000001", null, ValueDate, "Uncollectable"))
            .Then(new InvoiceWrittenOff(Issuer, "INV-000001", 100.00m, "EUR", ValueDate, "Uncollectable", Now));
        WriteOffs.Given(Invoice("INV-000001", 119.00m))
            .When(new WriteOffInvoice(Issuer, "INV-000001", 120.00m, ValueDate, "Uncollectable")).ThenRefused(RefusalKind.Conflict, "119.00 EUR is open");
        WriteOffs.Given(Invoice("INV-000001", 119.00m), WrittenOff("INV-000001", 119.00m))
            .When(new WriteOffInvoice(Issuer, "INV-000001", null, ValueDate, "again")).ThenRefused(RefusalKind.Conflict, "is settled");
        WriteOffs.Given().When(new WriteOffInvoice(Issuer, "INV-000404", null, ValueDate, "unknown")).ThenRefused(RefusalKind.NotFound, "no invoice INV-000404");
    }

    [Fact]
    public void a_partner_pays_its_invoice_less_the_commission_it_retains()
    {
        var receivable = Fold(Invoice("B2B-000001", 119.00m, kind: InvoiceKind.PartnerInvoice, partnerId: "NL-EMS", commission: 10.00m),
            CreditNote("CN-000001", "B2B-000001", 11.90m, commission: 1.00m));

        Assert.Equal((109.00m, 10.90m, 98.10m), (receivable.AmountDue, receivable.Credited, receivable.Open));
    }

    [Fact]
    public void what_was_open_on_a_date_counts_only_what_happened_by_then()
    {
        var receivable = Fold(Invoice("INV-000001", 119.00m), Paid("INV-000001", 19.00m, "pay-1", on: IssueDate.PlusDays(10)));

        Assert.Equal((0m, 119.00m, 100.00m), (receivable.OpenOn(IssueDate.PlusDays(-1)), receivable.OpenOn(IssueDate.PlusDays(9)), receivable.OpenOn(IssueDate.PlusDays(10))));
    }

    [Fact]
    public void ageing_buckets_open_items_by_days_past_due_and_shows_credits_owed_back_apart()
    {
        var asOf = IssueDate.PlusDays(100);
        var items = new (string, Receivable)[]
        {
            ("drv_a", Fold(Invoice("INV-000001", 10m, dueDate: asOf))),
            ("drv_a", Fold(Invoice("INV-000002", 20m, dueDate: asOf.PlusDays(-1)))),
            ("drv_a", Fold(Invoice("INV-000003", 30m, dueDate: asOf.PlusDays(-31)))),
            ("drv_a", Fold(Invoice("INV-000004", 40m, dueDate: asOf.PlusDays(-61)))),
            ("drv_a", Fold(Invoice("INV-000005", 50m, dueDate: asOf.PlusDays(-91)))),
            ("drv_a", Fold(Invoice("INV-000006", 60m), Paid("INV-000006", 65m, "pay-6", overpayment: 5m))),
            ("drv_a", Fold(Invoice("INV-000007", 70m), Paid("INV-000007", 70m, "pay-7"))),
            ("drv_b", Fold(Invoice("INV-000008", 80m, dueDate: asOf.PlusDays(-30)))),
        };

        Assert.Equal(
            [new AgeingRow("drv_a", "EUR", 6, 10m, 20m, 30m, 40m, 50m, 5m, 145m), new AgeingRow("drv_b", "EUR", 1, 0m, 80m, 0m, 0m, 0m, 0m, 80m)],
            Ageing.Of(items, asOf));
    }
}
