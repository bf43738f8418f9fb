using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Marten;
using Settlement.Host.Access;
using Settlement.Ledger.Audit;

namespace Settlement.Host.Audit;

/// <summary>
/// What an auditor asks the running host: the chain's head, the signed checkpoints, and proofs that one event or invoice
/// is under one. The head and checkpoints are hashes over the whole ledger and name nothing, so every auditor reads
/// them; a proof is given to a sub-operator's auditor only for an event of a stream its scope sees.
/// </summary>
public static class AuditEndpoints
{
    public static void MapAudit(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/audit/chain", async (Ledger.Ledger ledger, CancellationToken ct) =>
        {
            var head = await ChainHead.ReadAsync(ledger, ct);
            var checkpoints = await Checkpoints.AllAsync(ledger, ct);
            return Results.Ok(new
            {
                headSeq = head.Sequence, headHash = ChainHash.Hex(head.Hash),
                checkpoints = checkpoints.Count, lastCheckpoint = checkpoints.Count == 0 ? null : ProofJson.Of(checkpoints[^1]),
            });
        });

        app.MapGet("/api/audit/checkpoints", async (Ledger.Ledger ledger, CancellationToken ct) =>
            Results.Ok((await Checkpoints.AllAsync(ledger, ct)).Select(ProofJson.Of)));

        app.MapGet("/api/audit/proofs/events/{sequence:long}", async (long sequence, OperatorScope scope, Ledger.Ledger ledger, CancellationToken ct) =>
        {
            var missing = $"No chained event at position {sequence}: it does not exist or is not chained yet.";
            if (!scope.IsTopLevel && (await StreamAtAsync(ledger, sequence, ct) is not { } stream || !await scope.SeesStreamAsync(stream, ct)))
                return Results.NotFound(new { error = missing });
            return await ProofAsync(ledger, sequence, missing, ct);
        });

        app.MapGet("/api/audit/proofs/invoices/{issuerId}/{number}", async (string issuerId, string number, OperatorScope scope, Ledger.Ledger ledger, CancellationToken ct) =>
            await scope.SeesIssuerAsync(issuerId, ct) && await InclusionProofs.InvoiceEventAsync(ledger, issuerId, number, ct) is { } sequence
                ? await ProofAsync(ledger, sequence, $"The event issuing {issuerId}/{number} is not chained yet.", ct)
                : Results.NotFound(new { error = $"Issuer {issuerId} has no document {number}." }));

        app.MapEvidence();
    }

    private static async Task<string?> StreamAtAsync(Ledger.Ledger ledger, long sequence, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        return await query.Events.QueryAllRawEvents().Where(e => e.Sequence == sequence).FirstOrDefaultAsync(ct) is { } e ? e.StreamKey : null;
    }

    private static async Task<IResult> ProofAsync(Ledger.Ledger ledger, long sequence, string notFound, CancellationToken ct)
    {
        try
        {
            return await InclusionProofs.ForEventAsync(ledger, sequence, ct) is { } proof
                ? Results.Text(ProofJson.Write(proof), "application/json")
                : Results.NotFound(new { error = notFound });
        }
        catch (NotYetCheckpointedException e)
        {
            return Results.Conflict(new { error = e.Message });
        }
    }
}
