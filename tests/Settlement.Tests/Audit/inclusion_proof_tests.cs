using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;
using Settlement.Host;
using Settlement.Ledger.Audit;
using Settlement.Tests.Invoicing.Issuing;

namespace Settlement.Tests.Audit;

[Collection(LedgerCollection.Name)]
public sealed class inclusion_proof_tests(LedgerDatabase db)
{
    [Fact]
    public async Task an_issued_invoice_is_proved_to_be_under_a_signed_checkpoint_and_a_doctored_proof_fails()
    {
        await using var desk = new InvoicingDesk(db.Ledger);
        await desk.RegisterIssuerAsync();
        var (_, session) = await desk.SessionAtAsync(48.14m, 11.58m, "Europe/Berlin", "DE", Instant.FromUtc(2026, 10, 5, 9, 0));
        await desk.PricedAsync();
        var invoice = Assert.Single(await desk.Desk.IssueSessionInvoicesAsync(desk.IssuerId, [session], buyer: null));
        using var operatorKey = CheckpointKeys.Create();
        await using (var writer = new ChainWriter(db.Ledger, NullLogger.Instance))
            await writer.CatchUpAsync();
        await Checkpoints.SignAsync(db.Ledger, operatorKey);
        await using var host = await new TestHost(db).StartAsync();

        var answer = await host.Http.GetAsync($"/api/audit/proofs/invoices/{desk.IssuerId}/{invoice.Number}");
        var body = await answer.Content.ReadAsByteArrayAsync();
        var proof = ProofJson.Read(System.Text.Encoding.UTF8.GetString(body));
        var doctored = proof with { EventLine = proof.EventLine.Replace(invoice.TotalGross.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), "0.01") };

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Empty(CommittedSchemas.Problems("documents/inclusion-proof.v1.json", body));
        Assert.Null(proof.Problem());
        Assert.Equal(CheckpointKeys.IdOf(operatorKey), proof.Checkpoint.Statement.KeyId);
        Assert.Contains($"\"number\": \"{invoice.Number}\"", proof.EventLine);
        Assert.NotEqual(proof.EventLine, doctored.EventLine);
        Assert.NotNull(doctored.Problem());
    }

    [Fact]
    public async Task an_event_not_yet_under_a_checkpoint_gets_a_conflict_and_an_unknown_one_not_found()
    {
        await using var ledger = await ChainedLedger.CreateAsync(db, "proof_pending");
        await ledger.AppendSessionsAsync(2);
        await ledger.Writer.CatchUpAsync();
        await using var host = await new TestHost(db, ledger: ledger.Ledger).StartAsync();

        var pending = await host.Http.GetAsync("/api/audit/proofs/events/3");
        var unknown = await host.Http.GetAsync("/api/audit/proofs/events/999");

        Assert.Equal(HttpStatusCode.Conflict, pending.StatusCode);
        Assert.Contains("checkpoint", await pending.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task every_event_of_a_checkpoint_has_a_proof_that_holds_and_none_holds_for_a_neighbours_event()
    {
        await using var ledger = await ChainedLedger.CreateAsync(db, "proof_all");
        using var operatorKey = CheckpointKeys.Create();
        await ledger.AppendSessionsAsync(7);
        await ledger.Writer.CatchUpAsync();
        await Checkpoints.SignAsync(ledger.Ledger, operatorKey);

        var proofs = new List<InclusionProof>();
        for (var sequence = 1; sequence <= 14; sequence++)
            proofs.Add((await InclusionProofs.ForEventAsync(ledger.Ledger, sequence))!);

        Assert.All(proofs, proof => Assert.Null(proof.Problem()));
        Assert.All(proofs.Zip(proofs.Skip(1)), pair => Assert.NotNull((pair.First with { EventLine = pair.Second.EventLine }).Problem()));
    }
}
