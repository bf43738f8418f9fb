using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using NodaTime.Text;
using Settlement.Ledger.Store;

namespace Settlement.Tests.Receivables;

/// <summary>
/// Issue 26's acceptance: real invoices issued through the API, then two camt.053 statements with a matching payment,
/// a partial one, a duplicate of an earlier entry, an unknown reference, a debit and one in another currency.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class bank_statement_import_tests(LedgerDatabase db) : IAsyncLifetime
{
    private readonly string _issuer = "rcv-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _run = Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
    private TestHost _host = null!;
    private string _valueDay = "2026-12-07";
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _host = await new TestHost(db).StartAsync();
        _http = _host.Http;
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task a_statement_with_matching_partial_duplicate_and_unknown_payments_gives_the_expected_open_items()
    {
        var invoices = await IssueInvoicesAsync(4);
        var issued = LocalDatePattern.Iso.Parse(invoices[0].GetProperty("issueDate").GetString()!).Value;
        _valueDay = LocalDatePattern.Iso.Format(issued.PlusDays(1));
        Assert.All(invoices, i => Assert.Equal(10.71m, i.GetProperty("totalGross").GetDecimal()));

        var first = await ImportAsync(8, $"STMT-{_run}-1",
            new($"{_run}-E1", "CRDT", 10.71m, Unstructured: "INV-000001", Debtor: "Max Muster"),
            new($"{_run}-E2", "CRDT", 5.00m, CreditorRef: "INV-000002", Debtor: "Erika Muster"),
            new($"{_run}-E3", "CRDT", 20.00m, Unstructured: "Rechnung INV-999999", Debtor: "Somebody Else"),
            new($"{_run}-E4", "DBIT", 3.50m, Unstructured: "Kontofuehrung"),
            new($"{_run}-E5", "CRDT", 7.00m, Debtor: "No Reference GmbH"));
        var second = await ImportAsync(2, $"STMT-{_run}-2",
            new($"{_run}-E2", "CRDT", 5.00m, CreditorRef: "INV-000002", Debtor: "Erika Muster"),
            new($"{_run}-E6", "CRDT", 10.71m, EndToEndId: "INV-000003", Debtor: "Hans Meier"),
            new($"{_run}-E7", "CRDT", 10.71m, Currency: "USD", Unstructured: "INV-000004", Debtor: "John Doe"));
        var again = await PostStatementAsync(8, $"STMT-{_run}-1", new CamtEntry($"{_run}-E1", "CRDT", 10.71m, Unstructured: "INV-000001"));

        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Equal(["Matched", "Matched", "UnknownReference", "DebitEntry", "NoReference"], Outcomes(first.Body));
        Assert.Equal((5, 2, 0, 3, 15.71m), Counts(first.Body));
        Assert.Equal(HttpStatusCode.Created, second.Status);
        Assert.Equal(["Duplicate", "Matched", "CurrencyDiffers"], Outcomes(second.Body));
        Assert.Equal((3, 1, 1, 1, 10.71m), Counts(second.Body));
        Assert.Contains("INV-999999", first.Body.GetProperty("entries")[2].GetProperty("why").GetString());
        Assert.Equal(HttpStatusCode.Conflict, again);

        var open = await _http.GetFromJsonAsync<JsonElement>($"/api/receivables/open-items?issuer={_issuer}&asOf={_valueDay}");
        Assert.Equal([("INV-000002", 10.71m, 5.00m, 5.71m), ("INV-000004", 10.71m, 0m, 10.71m)], open.GetProperty("items").EnumerateArray()
            .Select(i => (i.GetProperty("number").GetString(), i.GetProperty("amountDue").GetDecimal(), i.GetProperty("paid").GetDecimal(), i.GetProperty("open").GetDecimal())));

        // Before the statements' value date nothing was paid yet; 45 days after issue, what is open is 31-60 days past due.
        var before = await _http.GetFromJsonAsync<JsonElement>($"/api/receivables/open-items?issuer={_issuer}&asOf={LocalDatePattern.Iso.Format(issued)}");
        Assert.Equal(4, before.GetProperty("items").GetArrayLength());
        var ageing = await _http.GetFromJsonAsync<JsonElement>($"/api/receivables/ageing?issuer={_issuer}&by=driver&asOf={LocalDatePattern.Iso.Format(issued.PlusDays(45))}");
        // The test network's sessions all start with one token, so one driver owes both.
        var driver = Assert.Single(open.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("driverRef").GetString()).Distinct());
        var row = Assert.Single(ageing.GetProperty("rows").EnumerateArray());
        Assert.Equal((driver, 2, 0m, 0m, 16.42m, 0m, 16.42m), (row.GetProperty("key").GetString(), row.GetProperty("invoices").GetInt32(), row.GetProperty("notDue").GetDecimal(),
            row.GetProperty("days1To30").GetDecimal(), row.GetProperty("days31To60").GetDecimal(), row.GetProperty("over90").GetDecimal(), row.GetProperty("total").GetDecimal()));
        var ofDriver = await _http.GetFromJsonAsync<JsonElement>($"/api/receivables/open-items?issuer={_issuer}&driver={driver}&asOf={_valueDay}");
        Assert.Equal(2, ofDriver.GetProperty("items").GetArrayLength());
        var csv = await _http.GetStringAsync($"/api/receivables/ageing?issuer={_issuer}&by=driver&format=csv&asOf={LocalDatePattern.Iso.Format(issued)}");
        Assert.StartsWith("as_of,by,key,currency,invoices,not_due,days_1_30", csv);
        Assert.Contains(",driver,", csv);
    }

    [Fact]
    public async Task finance_records_a_payment_a_credit_note_after_it_a_refund_and_a_write_off()
    {
        var invoices = await IssueInvoicesAsync(2);

        var paid = await _http.PostAsJsonAsync("/api/receivables/payments", new { issuerId = _issuer, invoiceNumber = "INV-000001", amount = 10.71m, currency = "EUR", valueDate = "2026-12-01", method = "Card", paymentId = $"acq-{_run}" });
        var paidAgain = await _http.PostAsJsonAsync("/api/receivables/payments", new { issuerId = _issuer, invoiceNumber = "INV-000001", amount = 10.71m, currency = "EUR", valueDate = "2026-12-01", method = "Card", paymentId = $"acq-{_run}" });
        var credited = await _http.PostAsJsonAsync($"/api/invoices/{_issuer}/INV-000001/credit-notes", new { reason = "Charger fault" });
        var refunded = await _http.PostAsJsonAsync("/api/receivables/refunds", new { issuerId = _issuer, invoiceNumber = "INV-000001", amount = 10.71m, currency = "EUR", valueDate = "2026-12-02", reason = "Credit note CN-000001" });
        var writtenOff = await _http.PostAsJsonAsync("/api/receivables/write-offs", new { issuerId = _issuer, invoiceNumber = "INV-000002", reason = "Uncollectable", effectiveOn = "2026-12-03" });
        var unknown = await _http.PostAsJsonAsync("/api/receivables/payments", new { issuerId = _issuer, invoiceNumber = "INV-000099", amount = 1m, currency = "EUR", valueDate = "2026-12-01" });
        var open = await _http.GetFromJsonAsync<JsonElement>($"/api/receivables/open-items?issuer={_issuer}");

        Assert.Equal(2, invoices.Count);
        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.NotFound),
            (paid.StatusCode, paidAgain.StatusCode, credited.StatusCode, refunded.StatusCode, writtenOff.StatusCode, unknown.StatusCode));
        Assert.Equal(10.71m, (await writtenOff.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("amount").GetDecimal());
        Assert.Equal(0, open.GetProperty("items").GetArrayLength());
    }

    private async Task<IReadOnlyList<JsonElement>> IssueInvoicesAsync(int count)
    {
        var network = await new Tariffs.PricedNetwork(db.Ledger).RegisterSiteAsync();
        await network.RegisterChargerAsync();
        await network.PriceSiteAsync(perKwh: 0.60m);
        var sessions = new List<string>();
        for (var i = 0; i < count; i++)
            sessions.Add(await network.ChargeAsync(Instant.FromUtc(2026, 10, 20, 7 + i, 0), readings: 3, whPerReading: 5_000));
        await _host.Services.GetRequiredService<AsyncProjections>().WaitForNonStaleDataAsync(TimeSpan.FromSeconds(60));
        var registered = await _http.PostAsJsonAsync("/api/issuers", new
        {
            issuerId = _issuer, legalName = "Settlement Charging GmbH", address = "Hauptstr. 1, 10115 Berlin", countryCode = "DE", vatId = "DE300000002",
        });
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        var invoices = new List<JsonElement>();
        foreach (var session in sessions)
        {
            var issued = await _http.PostAsJsonAsync("/api/invoices/sessions", new { issuerId = _issuer, sessionIds = new[] { session } });
            Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
            invoices.Add((await issued.Content.ReadFromJsonAsync<JsonElement>())[0]);
        }
        return invoices;
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> ImportAsync(int version, string statementId, params CamtEntry[] entries)
    {
        using var response = await _http.PostAsync($"/api/receivables/bank-statements?issuer={_issuer}",
            new StringContent(CamtFiles.Statement(version, statementId, [.. entries.Select(e => e with { BookingDate = _valueDay, ValueDate = _valueDay })]),
                Encoding.UTF8, "application/xml"));
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    private async Task<HttpStatusCode> PostStatementAsync(int version, string statementId, params CamtEntry[] entries) => (await ImportAsync(version, statementId, entries)).Status;

    private static IEnumerable<string?> Outcomes(JsonElement imported) =>
        imported.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("outcome").GetString());

    private static (int, int, int, int, decimal) Counts(JsonElement imported) =>
        (imported.GetProperty("entryCount").GetInt32(), imported.GetProperty("matchedCount").GetInt32(), imported.GetProperty("duplicateCount").GetInt32(),
         imported.GetProperty("unmatchedCount").GetInt32(), imported.GetProperty("matchedAmount").GetDecimal());
}
