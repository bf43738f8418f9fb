using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Settlement.Ledger.Store;
using Settlement.Projections.Invoicing;
using Settlement.Tests.Invoicing.Issuing;

namespace Settlement.Tests.Invoicing.EInvoices;

[Collection(LedgerCollection.Name)]
public sealed class e_invoice_api_tests(LedgerDatabase db) : IAsyncLifetime
{
    private static readonly Instant October = Instant.FromUtc(2026, 10, 14, 9, 0);
    private readonly InvoicingDesk _desk = new(db.Ledger);
    private TestHost _host = null!;

    public async Task InitializeAsync()
    {
        await _desk.RegisterIssuerAsync();
        _host = await new TestHost(db).StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _desk.DisposeAsync();
    }

    [Fact]
    public async Task finance_fetches_an_invoice_and_its_credit_note_as_ubl_cii_and_factur_x_the_same_bytes_after_a_rebuild()
    {
        var (_, session) = await _desk.SessionAtAsync(48.14m, 11.58m, "Europe/Berlin", "DE", October);
        await _desk.PricedAsync();
        var invoice = Assert.Single(await _desk.Desk.IssueSessionInvoicesAsync(_desk.IssuerId, [session], buyer: null));
        var credit = await _desk.Desk.IssueCreditNoteAsync(_desk.IssuerId, invoice.Number, null, "Charger fault");

        var before = await FetchAllAsync(invoice.Number, credit.Number);
        // The host started first, so its node runs the projections and is the one that may rebuild.
        await _host.Services.GetRequiredService<AsyncProjections>().RebuildAsync(nameof(InvoiceRegister), TimeSpan.FromMinutes(2));
        var after = await FetchAllAsync(invoice.Number, credit.Number);

        Assert.Equal(before.Select(f => (f.Key, f.MediaType)), after.Select(f => (f.Key, f.MediaType)));
        Assert.All(before.Zip(after), pair => Assert.Equal(pair.First.Bytes, pair.Second.Bytes));
        Assert.Equal(["application/xml", "application/xml", "application/pdf"], before.Take(3).Select(f => f.MediaType));
        foreach (var xml in before.Where(f => f.MediaType == "application/xml"))
            Assert.Empty(En16931Rules.Violations(En16931Reading.Of(xml.Bytes)));
        Assert.Equal("381", En16931Reading.Of(before[3].Bytes).TypeCode);
        Assert.Equal(before[4].Bytes, FacturXParts.Of(before[5].Bytes).Xml);
    }

    [Fact]
    public async Task a_us_sales_tax_invoice_is_refused_as_an_e_invoice_but_served_as_pdf()
    {
        var (network, session) = await _desk.SessionAtAsync(39.74m, -104.99m, "America/Denver", "US", October, currency: "USD");
        await _desk.Desk.DefineSiteSalesTaxAsync(SalesTax.SalesTaxRates.Define(network.SiteId, SalesTax.SalesTaxRates.Aurora, new LocalDate(2026, 1, 1)), default);
        await _desk.PricedAsync();
        var invoice = Assert.Single(await _desk.Desk.IssueSessionInvoicesAsync(_desk.IssuerId, [session], buyer: null));

        var ubl = await _host.Http.GetAsync($"/api/invoices/{_desk.IssuerId}/{invoice.Number}?format=ubl");
        var pdf = await _host.Http.GetAsync($"/api/invoices/{_desk.IssuerId}/{invoice.Number}?format=pdf");
        var unknown = await _host.Http.GetAsync($"/api/invoices/{_desk.IssuerId}/{invoice.Number}?format=xrechnung");
        var listed = await _host.Http.GetFromJsonAsync<JsonElement>($"/api/invoices?issuer={_desk.IssuerId}&session={session}");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, ubl.StatusCode);
        Assert.Contains("US sales tax, which is not VAT", (await ubl.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.OK, pdf.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("ubl, cii, facturx", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        // The list says so too, so a page offers only the downloads that exist.
        Assert.Contains("US sales tax, which is not VAT", Assert.Single(listed.GetProperty("items").EnumerateArray()).GetProperty("eInvoiceRefusal").GetString());
    }

    [Fact]
    public async Task a_vat_invoice_is_listed_with_no_reason_to_refuse_its_e_invoices()
    {
        var (_, session) = await _desk.SessionAtAsync(48.14m, 11.58m, "Europe/Berlin", "DE", October);
        await _desk.PricedAsync();
        Assert.Single(await _desk.Desk.IssueSessionInvoicesAsync(_desk.IssuerId, [session], buyer: null));

        var listed = await _host.Http.GetFromJsonAsync<JsonElement>($"/api/invoices?issuer={_desk.IssuerId}&session={session}");

        Assert.Equal(JsonValueKind.Null, Assert.Single(listed.GetProperty("items").EnumerateArray()).GetProperty("eInvoiceRefusal").ValueKind);
    }

    private sealed record Fetched(string Key, string? MediaType, byte[] Bytes);

    private async Task<List<Fetched>> FetchAllAsync(params string[] numbers)
    {
        var fetched = new List<Fetched>();
        foreach (var number in numbers)
            foreach (var format in new[] { "ubl", "cii", "facturx" })
            {
                var answer = await _host.Http.GetAsync($"/api/invoices/{_desk.IssuerId}/{number}?format={format}");
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
                fetched.Add(new Fetched($"{number}.{format}", answer.Content.Headers.ContentType?.MediaType, await answer.Content.ReadAsByteArrayAsync()));
            }
        return fetched;
    }
}
