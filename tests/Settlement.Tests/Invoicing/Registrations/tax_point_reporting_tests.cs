using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Settlement.Domain.Events;
using Settlement.Domain.Invoicing;
using Settlement.Host.Invoicing;
using Settlement.Ledger.Store;
using Settlement.Projections;
using Settlement.Tests.Invoicing.Issuing;

namespace Settlement.Tests.Invoicing.Registrations;

/// <summary>
/// Against the real ledger and API: a supply reports in the period of its tax point whenever it is billed, under the
/// registration of its place of supply; the operator's tax point rule dates invoices; issuers registered before
/// registrations per country read as registered at home.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class tax_point_reporting_tests(LedgerDatabase db) : IAsyncLifetime
{
    private static readonly Instant SuppliedInOctober = Instant.FromUtc(2026, 10, 20, 9, 0);
    private static readonly Instant December = Instant.FromUtc(2026, 12, 3, 10, 0);
    private static readonly Instant January = Instant.FromUtc(2027, 1, 12, 10, 0);

    private readonly InvoicingDesk _desk = new(db.Ledger);
    private TestHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await new TestHost(db).StartAsync();
        await _host.DisposeOnFailureAsync(async () =>
        {
            await _desk.RegisterIssuerAsync(InvoicingDesk.Registrations, paymentTermsDays: 14,
                bankAccount: new PaymentAccount("DE89370400440532013000", "COBADEFFXXX", "Settlement Charging GmbH"));
        });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _desk.DisposeAsync();
    }

    [Fact]
    public async Task october_supplies_billed_in_december_report_in_october_by_tax_point_and_in_december_by_issue_date()
    {
        // Given a session supplied in Munich in October, not billed yet
        var (_, session) = await _desk.SessionAtAsync(48.14m, 11.58m, "Europe/Berlin", "DE", SuppliedInOctober);
        await _desk.PricedAsync();
        var beforeBilling = await VatReportAsync("2026-10-01", "2026-10-31");

        // When it is billed in December, and credited in January
        var invoice = Assert.Single(await new InvoiceCommands(db.Ledger, new StoppedClock(December)).IssueSessionInvoicesAsync(_desk.IssuerId, [session], buyer: null));
        var october = await VatReportAsync("2026-10-01", "2026-10-31");
        var decemberByTaxPoint = await VatReportAsync("2026-12-01", "2026-12-31");
        var octoberByIssueDate = await VatReportAsync("2026-10-01", "2026-10-31", "issueDate");
        var decemberByIssueDate = await VatReportAsync("2026-12-01", "2026-12-31", "issueDate");
        var journal = await _host.Http.GetStringAsync($"/api/exports/journal?issuer={_desk.IssuerId}&from=2026-10-01&through=2026-10-31");
        await new InvoiceCommands(db.Ledger, new StoppedClock(January)).IssueCreditNoteAsync(_desk.IssuerId, invoice.Number, null, "Charged twice");
        var octoberAfterCredit = await VatReportAsync("2026-10-01", "2026-10-31");

        // Then October shows what was billed so far, as of a ledger position: nothing before, the invoice after
        Assert.Empty(beforeBilling.GetProperty("rows").EnumerateArray());
        Assert.True(beforeBilling.GetProperty("asOf").GetProperty("ledgerPosition").GetInt64() > 0);
        Assert.True(october.GetProperty("asOf").GetProperty("ledgerPosition").GetInt64() > beforeBilling.GetProperty("asOf").GetProperty("ledgerPosition").GetInt64());
        Assert.Equal(new LocalDate(2026, 10, 20), invoice.TaxPoint);
        Assert.All(invoice.Lines, line => Assert.Equal(new LocalDate(2026, 10, 20), line.TaxPoint));
        Assert.Equal(("taxPoint", "DE", invoice.TotalVat.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)),
            (october.GetProperty("basis").GetString(), Row(october).GetProperty("jurisdiction").GetString(), Row(october).GetProperty("vat").GetString()));
        Assert.Empty(decemberByTaxPoint.GetProperty("rows").EnumerateArray());
        Assert.Empty(octoberByIssueDate.GetProperty("rows").EnumerateArray());
        Assert.Equal(("issueDate", invoice.TotalNet), (decemberByIssueDate.GetProperty("basis").GetString(), decimal.Parse(Row(decemberByIssueDate).GetProperty("taxableNet").GetString()!, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Contains($"2026-10-20,{invoice.Number},SessionInvoice", journal);
        Assert.Contains(",2026-12-03", journal);
        // A credit note corrects the supply it credits, so it reports with it, in October, and nets it to zero.
        Assert.Equal(("0.00", "0.00", 1, 1), (Row(octoberAfterCredit).GetProperty("taxableNet").GetString(), Row(octoberAfterCredit).GetProperty("vat").GetString(),
            Row(octoberAfterCredit).GetProperty("invoices").GetInt32(), Row(octoberAfterCredit).GetProperty("creditNotes").GetInt32()));
    }

    [Fact]
    public async Task a_french_supply_is_invoiced_under_the_french_registration_and_is_due_after_the_issuers_terms()
    {
        var (_, session) = await _desk.SessionAtAsync(48.86m, 2.35m, "Europe/Paris", "FR", SuppliedInOctober);
        await _desk.PricedAsync();

        var invoice = Assert.Single(await new InvoiceCommands(db.Ledger, new StoppedClock(December)).IssueSessionInvoicesAsync(_desk.IssuerId, [session], buyer: null));

        Assert.Equal(("FR68300000002", "FR", 20m), (invoice.Seller.VatId, invoice.Lines[0].Jurisdiction, invoice.Lines[0].VatPercent));
        Assert.Equal((new LocalDate(2026, 12, 17), invoice.Number, "DE89370400440532013000"), (invoice.DueDate!.Value, invoice.PaymentReference, invoice.PayTo!.Iban));
        Assert.Equal("Payable within 14 days of the issue date, by 2026-12-17.", invoice.PaymentTerms);
    }

    [Fact]
    public async Task the_operators_issue_date_rule_for_a_jurisdiction_dates_its_invoices_tax_point()
    {
        // Given Luxembourg taxed on the invoice's date by the operator's rule (a test's rule: Luxembourg's is the supply date)
        var issuer = await RegisterAsync(new { countryCode = "LU", vatId = "LU30000070" });
        var recorded = await _host.Http.PutAsJsonAsync("/api/tax-point-rules/LU", new { basis = "IssueDate", source = "Test rule: taxed when invoiced" });
        var rule = await _host.Http.GetFromJsonAsync<JsonElement>("/api/tax-point-rules/LU");
        var (_, session) = await _desk.SessionAtAsync(49.61m, 6.13m, "Europe/Luxembourg", "LU", SuppliedInOctober);
        await _desk.PricedAsync();

        // When a session supplied in October is billed in December
        var invoice = Assert.Single(await new InvoiceCommands(db.Ledger, new StoppedClock(December)).IssueSessionInvoicesAsync(issuer, [session], buyer: null));

        // Then its tax point is the issue date, and the invoice says by which rule
        Assert.Equal(HttpStatusCode.Created, recorded.StatusCode);
        Assert.Equal(("IssueDate", "Test rule: taxed when invoiced"), (rule.GetProperty("basis").GetString(), rule.GetProperty("source").GetString()));
        Assert.Equal((new LocalDate(2026, 12, 3), new LocalDate(2026, 10, 20)), (invoice.Lines[0].TaxPoint!.Value, invoice.Lines[0].SupplyDate));
        Assert.Contains("Tax point in LU: the issue date (Test rule: taxed when invoiced).", invoice.Notes);
        Assert.Equal("LU30000070", invoice.Seller.VatId);
    }

    [Fact]
    public async Task invalid_vat_ids_and_ibans_are_refused_naming_the_field_and_the_shape_expected()
    {
        var registrations = await _host.Http.PostAsJsonAsync("/api/issuers", new
        {
            issuerId = "vat-" + Guid.NewGuid().ToString("N")[..8], legalName = "Stromweg GmbH", address = "Berlin", countryCode = "DE",
            vatRegistrations = new object[] { new { countryCode = "FR", vatId = "FR68300000002" }, new { countryCode = "DE", vatId = "DESTW00001" } },
            bankAccount = new { iban = "DE88370400440532013000", bic = "COBADEFFXXX", accountHolder = "Stromweg GmbH" },
        });
        var legacy = await _host.Http.PostAsJsonAsync("/api/issuers", new
        {
            issuerId = "vat-" + Guid.NewGuid().ToString("N")[..8], legalName = "Stromweg GmbH", address = "Berlin", countryCode = "DE", vatId = "DESTW00001",
        });

        Assert.Equal((HttpStatusCode.UnprocessableEntity, HttpStatusCode.UnprocessableEntity), (registrations.StatusCode, legacy.StatusCode));
        var problems = (await registrations.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("problems").EnumerateArray().Select(p => p.GetString()).ToList();
        Assert.Contains("vatRegistrations[1].vatId: a German VAT id is DE followed by 9 digits with a check digit", problems);
        Assert.Contains(problems, p => p!.StartsWith("bankAccount.iban: an IBAN", StringComparison.Ordinal));
        Assert.Equal("vatId: a German VAT id is DE followed by 9 digits with a check digit.",
            (await legacy.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task an_issuer_registered_before_registrations_per_country_reads_as_registered_at_home_only()
    {
        // Given an issuer stored as v1, with its one VAT id
        var issuerId = "v1-" + Guid.NewGuid().ToString("N")[..8];
        var v1 = new InvoiceIssuerRegistered(issuerId, "Altstrom GmbH", "Berlin", "DE", "DE136695976", December);
        using (var before = new DocumentStore(LedgerStore.Configure(new StoreOptions(), db.ConnectionString, JasperFx.AutoCreate.None, SettlementReadModels.All,
                   new EventCatalogue([new EventType(typeof(InvoiceIssuerRegistered), EventFamily.Invoicing)]))))
        await using (var session = before.LightweightSession())
        {
            var stored = session.Events.BuildEvent(v1);
            stored.SetHeader("actor", "operator:finance");
            stored.SetHeader("occurredAt", "2026-12-03T10:00:00Z");
            session.Events.StartStream(StreamIds.InvoiceIssuer(issuerId), stored);
            await session.SaveChangesAsync();
        }

        // When it is read, and invoices a German and a French supply
        var issuer = await new InvoiceInputs(db.Ledger, new StoppedClock(December)).IssuerAsync(issuerId, CancellationToken.None);
        var (_, munich) = await _desk.SessionAtAsync(48.14m, 11.58m, "Europe/Berlin", "DE", SuppliedInOctober);
        var (_, paris) = await _desk.SessionAtAsync(48.86m, 2.35m, "Europe/Paris", "FR", SuppliedInOctober);
        await _desk.PricedAsync();
        var desk = new InvoiceCommands(db.Ledger, new StoppedClock(December));
        var invoice = Assert.Single(await desk.IssueSessionInvoicesAsync(issuerId, [munich], buyer: null));
        var refused = await Assert.ThrowsAsync<RefusedException>(() => desk.IssueSessionInvoicesAsync(issuerId, [paris], buyer: null));

        // Then it is registered at home with its v1 id, without terms nor account, and charges no French VAT under it
        var registered = issuer!.Registration;
        Assert.Equal([new VatRegistration("DE", "DE136695976")], registered.VatRegistrations);
        Assert.Equal((null as int?, null as PaymentAccount), (registered.PaymentTermsDays, registered.BankAccount));
        Assert.Equal("invoice_issuer_registered_v1", issuer.Source.EventType);
        Assert.Equal(("DE136695976", null as LocalDate?), (invoice.Seller.VatId, invoice.DueDate));
        Assert.Contains("no VAT registration in FR", refused.Message);
    }

    private async Task<string> RegisterAsync(object registration)
    {
        var issuerId = "tp-" + Guid.NewGuid().ToString("N")[..8];
        var registered = await _host.Http.PostAsJsonAsync("/api/issuers", new
        {
            issuerId, legalName = "Settlement Charging GmbH", address = "Hauptstr. 1, 10115 Berlin", countryCode = "DE",
            vatRegistrations = new[] { new { countryCode = "DE", vatId = "DE300000002" }, registration },
        });
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        return issuerId;
    }

    private async Task<JsonElement> VatReportAsync(string from, string through, string? basis = null) =>
        await _host.Http.GetFromJsonAsync<JsonElement>(
            $"/api/exports/vat?issuer={_desk.IssuerId}&from={from}&through={through}&format=json{(basis is null ? "" : $"&basis={basis}")}");

    private static JsonElement Row(JsonElement report) => Assert.Single(report.GetProperty("rows").EnumerateArray());
}
