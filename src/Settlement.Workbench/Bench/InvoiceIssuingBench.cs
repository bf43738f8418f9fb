using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;
using Settlement.Domain.Invoicing;
using Settlement.Host.Invoicing;
using Settlement.Ledger.Store;

namespace Settlement.Workbench.Bench;

/// <summary>
/// Issues drivers' session invoices through the issuing handler, as the demo's finance run does, over a
/// ledger that holds priced sessions. Each run bills sessions no earlier run billed, since a session is
/// billed once.
/// </summary>
public sealed class InvoiceIssuingBench(Ledger.Ledger ledger)
{
    public const int BatchSize = 500;
    private const string IssuerId = "settlement-bench";

    public sealed record Result(int Invoices, TimeSpan Elapsed)
    {
        public double InvoicesPerSecond => Invoices / Math.Max(Elapsed.TotalSeconds, 0.001);
    }

    private readonly InvoiceInputs _inputs = new(ledger, SystemClock.Instance);
    private Queue<string> _unbilled = new();

    /// <summary>Prices every session with the async projections, registers the issuer and lists the driver sessions to bill.</summary>
    /// <returns>How many sessions there are to bill.</returns>
    public async Task<int> PrepareAsync(CancellationToken ct)
    {
        await using (var projections = new AsyncProjections(ledger, NullLogger.Instance))
        {
            await projections.StartAsync(ct);
            await projections.WaitForNonStaleDataAsync(TimeSpan.FromMinutes(10));
        }
        await new RegisterIssuerHandler(ledger, SystemClock.Instance).Handle(
            new RegisterIssuer(IssuerId, "Settlement Bench GmbH", "Leopoldstraße 1, 80802 München, Germany", "DE", "DE300000002"), ct);
        _unbilled = new Queue<string>(await _inputs.DriverSessionsToBillAsync(ct));
        return _unbilled.Count;
    }

    /// <summary>Bills up to <paramref name="invoices"/> sessions not billed yet, <see cref="BatchSize"/> per call.</summary>
    public async Task<Result> RunAsync(int invoices, Action<int> issued, CancellationToken ct)
    {
        var sessions = new List<string>();
        while (sessions.Count < invoices && _unbilled.TryDequeue(out var session)) sessions.Add(session);
        var clock = Stopwatch.StartNew();
        var count = 0;
        var handler = new IssueSessionInvoicesHandler(ledger, _inputs, SystemClock.Instance);
        foreach (var batch in sessions.Chunk(BatchSize))
        {
            var decision = await handler.Handle(new IssueSessionInvoices(IssuerId, batch, Buyer: null), ct);
            count += decision.Refusal is { } refusal ? throw new InvalidOperationException(refusal.Message) : decision.Events.Count;
            issued(batch.Length);
        }
        return new Result(count, clock.Elapsed);
    }
}
