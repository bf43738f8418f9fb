using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.Invoicing;
using Settlement.Tests.Invoicing.Drafting;
using static Settlement.Domain.Invoicing.InvoiceIssuing;

namespace Settlement.Tests.Invoicing.Registrations;

/// <summary>
/// An issuer's VAT registrations: checked when registered, and the one of the place of supply printed on each invoice
/// (or the home one under OSS, or a refusal saying what to register).
/// </summary>
public sealed class vat_registration_decider_tests
{
    private static readonly Instant Now = Drafts.IssuedAt;

    private static readonly DeciderSpec<object?, RegisterIssuer> Issuers = new(null, (state, _) => state, (_, command) => Decide(command, Now));

    private static readonly InvoicedSession Paris = Drafts.Session("S-PAR", Drafts.Priced(Drafts.EnergyTimeAndFee("EUR", 0.40m, 0m, 0m),
        "Europe/Paris", new LocalDateTime(2026, 10, 14, 8, 0), 2, 7m), "FR", 20m);

    private static InvoiceIssuer Registered(params VatRegistration[] registrations) =>
        new(new InvoiceIssuerRegisteredV2("cpo", Drafts.Seller.Name, Drafts.Seller.Address!, "DE", registrations, 14, null, Now - Duration.FromDays(30)), Drafts.IssuerSource);

    private static Decision BillParis(InvoiceIssuer issuer, InvoiceParty? buyer = null) =>
        Decide(new SessionInvoicing(issuer, 0, [Paris], null, [], []), new IssueSessionInvoices("cpo", ["S-PAR"], buyer), Now);

    [Fact]
    public void an_issuer_registers_its_vat_ids_per_country_payment_terms_and_bank_account()
    {
        var account = new PaymentAccount("DE89370400440532013000", "COBADEFFXXX", "Settlement Charging GmbH");
        Issuers.Given()
            .When(new RegisterIssuer("cpo", "Settlement Charging GmbH", "Hauptstr. 1", "DE",
                [new VatRegistration("DE", "DE300000002", Oss: true), new VatRegistration("FR", "FR68300000002")], 14, account))
            .Then(new InvoiceIssuerRegisteredV2("cpo", "Settlement Charging GmbH", "Hauptstr. 1", "DE",
                [new VatRegistration("DE", "DE300000002", Oss: true), new VatRegistration("FR", "FR68300000002")], 14, account, Now));
    }

    [Fact]
    public void an_invalid_vat_id_is_refused_naming_the_field_and_the_shape_expected() =>
        Issuers.Given()
            .When(new RegisterIssuer("cpo", "Settlement Charging GmbH", "Hauptstr. 1", "DE",
                [new VatRegistration("FR", "FR68300000002"), new VatRegistration("DE", "DESTW00001")]))
            .ThenRefused(RefusalKind.Unprocessable, "vatRegistrations[1].vatId: a German VAT id is DE followed by 9 digits with a check digit");

    [Fact]
    public void every_problem_of_a_registration_is_named_at_once() =>
        Issuers.Given()
            .When(new RegisterIssuer("cpo", "Settlement Charging GmbH", "Hauptstr. 1", "DE",
                [new VatRegistration("DE", "DE300000002"), new VatRegistration("FR", "FR68300000002", Oss: true), new VatRegistration("DE", "DE136695976")],
                400, new PaymentAccount("DE88370400440532013000", "nope", "")))
            .ThenRefused(RefusalKind.Unprocessable,
                "vatRegistrations[1].oss: only the home registration (DE) files OSS returns",
                "vatRegistrations: DE is registered 2 times; one registration per country",
                "paymentTermsDays: a whole number of days from 0 to 365",
                "bankAccount.iban: an IBAN", "bankAccount.bic: a BIC", "bankAccount.accountHolder");

    [Fact]
    public void a_french_supply_is_invoiced_under_the_french_registration()
    {
        var invoice = Assert.Single(DocumentsOf(BillParis(Registered(new VatRegistration("DE", "DE300000002"), new VatRegistration("FR", "FR68300000002")))));

        Assert.Equal(("FR68300000002", "FR"), (invoice.Seller.VatId, invoice.Lines[0].Jurisdiction));
        Assert.DoesNotContain(InvoiceIssuer.OssNote, invoice.Notes);
    }

    [Fact]
    public void a_consumer_supply_abroad_without_a_registration_there_is_declared_under_the_home_oss_registration()
    {
        var invoice = Assert.Single(DocumentsOf(BillParis(Registered(new VatRegistration("DE", "DE300000002", Oss: true)))));

        Assert.Equal("DE300000002", invoice.Seller.VatId);
        Assert.Contains(InvoiceIssuer.OssNote, invoice.Notes);
        Assert.Equal(20m, invoice.Lines[0].VatPercent);
    }

    [Fact]
    public void a_supply_in_a_country_with_neither_a_registration_nor_oss_is_refused_saying_what_to_register()
    {
        var refusal = Assert.IsType<Refusal>(BillParis(Registered(new VatRegistration("DE", "DE300000002"))).Refusal);

        Assert.Equal(RefusalKind.Unprocessable, refusal.Kind);
        Assert.Contains(refusal.Problems, p => p.Contains("no VAT registration in FR for session S-PAR", StringComparison.Ordinal)
                                               && p.Contains("under the OSS scheme", StringComparison.Ordinal));
    }

    [Fact]
    public void a_business_buyer_is_no_consumer_so_oss_does_not_cover_it() =>
        Assert.Contains("no VAT registration in FR",
            Assert.IsType<Refusal>(BillParis(Registered(new VatRegistration("DE", "DE300000002", Oss: true)), new InvoiceParty("Fleet SARL", "Lyon", "FR", "FR40303265045")).Refusal).Message);

    [Fact]
    public void a_buyers_vat_id_not_of_its_countrys_format_is_refused() =>
        Assert.Contains("buyer.vatId: a German VAT id is DE followed by 9 digits with a check digit",
            Assert.IsType<Refusal>(BillParis(Registered(new VatRegistration("DE", "DE300000002"), new VatRegistration("FR", "FR68300000002")),
                new InvoiceParty("Stromweg", "Berlin", "DE", "DESTW00001")).Refusal).Message);

    [Fact]
    public void an_invoice_is_due_after_the_issuers_terms_and_quotes_its_number_for_payment()
    {
        var invoice = Assert.Single(DocumentsOf(BillParis(Registered(new VatRegistration("DE", "DE300000002"), new VatRegistration("FR", "FR68300000002")))));

        Assert.Equal((new LocalDate(2026, 11, 16), "INV-000001"), (invoice.DueDate!.Value, invoice.PaymentReference!));
        Assert.Equal("Payable within 14 days of the issue date, by 2026-11-16.", invoice.PaymentTerms);
    }
}
