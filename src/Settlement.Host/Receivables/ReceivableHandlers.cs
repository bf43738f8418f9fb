using Marten;
using Mediator;
using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.Events;
using Settlement.Domain.Receivables;
using Settlement.Host.Access;
using Settlement.Host.Invoicing;
using Settlement.Ledger;
using Settlement.Ledger.Schemas;
using Settlement.Projections.Receivables;

namespace Settlement.Host.Receivables;

/// <summary>The receivables an import or a payment decides on, read from the inline <see cref="OpenItems"/>.</summary>
internal static class ReceivableState
{
    /// <summary>How often a command decides again on top of another writer that recorded against the same invoice first.</summary>
    public const int Attempts = 20;

    /// <summary>Candidate references are looked up this many at a time.</summary>
    private const int LookupBatch = 500;

    public static async Task<Receivable> OfAsync(Ledger.Ledger ledger, string issuerId, string number, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        return (await query.LoadAsync<OpenItem>(OpenItem.KeyOf(issuerId, number), ct))?.Receivable ?? Receivable.None;
    }

    /// <summary>The issuer's receivables whose payment reference is one of <paramref name="references"/>, by that reference.</summary>
    public static async Task<Dictionary<string, Receivable>> ByReferenceAsync(Ledger.Ledger ledger, string issuerId, IReadOnlyCollection<string> references, CancellationToken ct)
    {
        var found = new Dictionary<string, Receivable>(StringComparer.Ordinal);
        await using var query = ledger.QueryReadModels();
        foreach (var chunk in references.Chunk(LookupBatch))
            foreach (var item in await query.Query<OpenItem>().Where(i => i.IssuerId == issuerId && i.Receivable.PaymentReference!.IsOneOf(chunk)).ToListAsync(ct))
                found[item.Receivable.PaymentReference!] = item.Receivable;
        return found;
    }

    public static EventMetadata Metadata(IClock clock, Callers? callers) => Finance.Metadata(clock, callers);
}

public sealed class RecordPaymentHandler(Ledger.Ledger ledger, IClock clock, Callers? callers = null) : ICommandHandler<RecordPayment, Decision>
{
    public async ValueTask<Decision> Handle(RecordPayment command, CancellationToken ct) =>
        await ledger.DecideAtVersionAsync(StreamIds.Receivable(command.IssuerId, command.InvoiceNumber),
            async _ => ReceivableDecider.Decide(await ReceivableState.OfAsync(ledger, command.IssuerId, command.InvoiceNumber, ct), command, clock.GetCurrentInstant()),
            () => ReceivableState.Metadata(clock, callers), ReceivableState.Attempts, ct);
}

public sealed class RecordRefundHandler(Ledger.Ledger ledger, IClock clock, Callers? callers = null) : ICommandHandler<RecordRefund, Decision>
{
    public async ValueTask<Decision> Handle(RecordRefund command, CancellationToken ct) =>
        await ledger.DecideAtVersionAsync(StreamIds.Receivable(command.IssuerId, command.InvoiceNumber),
            async _ => ReceivableDecider.Decide(await ReceivableState.OfAsync(ledger, command.IssuerId, command.InvoiceNumber, ct), command, clock.GetCurrentInstant()),
            () => ReceivableState.Metadata(clock, callers), ReceivableState.Attempts, ct);
}

public sealed class WriteOffInvoiceHandler(Ledger.Ledger ledger, IClock clock, Callers? callers = null) : ICommandHandler<WriteOffInvoice, Decision>
{
    public async ValueTask<Decision> Handle(WriteOffInvoice command, CancellationToken ct) =>
        await ledger.DecideAtVersionAsync(StreamIds.Receivable(command.IssuerId, command.InvoiceNumber),
            async _ => ReceivableDecider.Decide(await ReceivableState.OfAsync(ledger, command.IssuerId, command.InvoiceNumber, ct), command, clock.GetCurrentInstant()),
            () => ReceivableState.Metadata(clock, callers), ReceivableState.Attempts, ct);
}

/// <summary>
/// Imports a statement in one transaction: its own new stream (so a second import is refused, not counted twice) and
/// each matched invoice's receivable at the version its state was read at; when a payment was recorded meanwhile, it
/// matches again on top of it.
/// </summary>
public sealed class ImportBankStatementHandler(Ledger.Ledger ledger, IClock clock, Callers? callers = null) : ICommandHandler<ImportBankStatement, Decision>
{
    public async ValueTask<Decision> Handle(ImportBankStatement command, CancellationToken ct)
    {
        var statementStream = StreamIds.BankStatement(command.Statement.AccountIban, command.Statement.StatementId);
        var references = command.Statement.Transactions.SelectMany(StatementMatching.CandidateReferences).ToHashSet(StringComparer.Ordinal);
        for (var attempt = 1; ; attempt++)
        {
            // Versions first, then the states: a payment recorded in between makes the versions stale and the append retry.
            var named = await ReceivableState.ByReferenceAsync(ledger, command.IssuerId, references, ct);
            var versions = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var number in named.Values.Select(r => r.Number!).Distinct())
                versions[number] = await ledger.StreamVersionAsync(StreamIds.Receivable(command.IssuerId, number), ct);
            var state = new StatementImport(await ledger.StreamVersionAsync(statementStream, ct) > 0,
                await ReceivableState.ByReferenceAsync(ledger, command.IssuerId, references, ct));
            var decision = StatementMatching.Decide(state, command, clock.GetCurrentInstant());
            if (decision.Refused) return decision;
            var stamp = ReceivableState.Metadata(clock, callers);
            var appends = decision.Events.OfType<PaymentReceived>()
                .GroupBy(p => p.InvoiceNumber)
                .Select(g => new StreamAppend(StreamIds.Receivable(command.IssuerId, g.Key), [.. g.Select(p => new PendingEvent(p, stamp))], versions[g.Key]))
                .Append(StreamAppend.New(statementStream, [.. decision.Events.OfType<BankStatementImported>().Select(e => new PendingEvent(e, stamp))]))
                .ToList();
            try
            {
                await ledger.AppendAsync(appends, ct);
                return decision;
            }
            catch (MalformedEventException e)
            {
                return Decision.Refuse(RefusalKind.Unprocessable, e.Message);
            }
            catch (StreamConcurrencyException) when (attempt < ReceivableState.Attempts)
            {
                // A payment recorded meanwhile is matched on top of; another import of this statement makes this one a re-import.
                await Task.Delay(Random.Shared.Next(1, 5 * attempt), ct);
            }
        }
    }
}
