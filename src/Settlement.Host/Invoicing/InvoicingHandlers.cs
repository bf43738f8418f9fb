using Settlement.Host.Access;
using Mediator;
using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.Events;
using Settlement.Domain.Invoicing;

namespace Settlement.Host.Invoicing;

/// <summary>How often an issue decides again on top of another host that numbered first; enough for a busy finance run.</summary>
internal static class Issuing
{
    public const int Attempts = 50;
}

public sealed class RegisterIssuerHandler(Ledger.Ledger ledger, IClock clock, Callers? callers = null) : ICommandHandler<RegisterIssuer, Decision>
{
    public async ValueTask<Decision> Handle(RegisterIssuer command, CancellationToken ct) =>
        await ledger.DecideAtVersionAsync(StreamIds.InvoiceIssuer(command.IssuerId),
            version => Task.FromResult(InvoiceIssuing.Decide(command, clock.GetCurrentInstant(), registeredBefore: version > 0)),
            () => Finance.Metadata(clock, callers), Issuing.Attempts, ct);
}

public sealed class OverrideJurisdictionHandler(Ledger.Ledger ledger, InvoiceInputs inputs, IClock clock, Callers? callers = null) : ICommandHandler<OverrideJurisdiction, Decision>
{
    public async ValueTask<Decision> Handle(OverrideJurisdiction command, CancellationToken ct) =>
        await ledger.DecideAtVersionAsync(StreamIds.Site(command.SiteId),
            async _ => InvoiceIssuing.Decide(await inputs.SiteRegisteredAsync(command.SiteId, ct), command, clock.GetCurrentInstant()),
            () => Finance.Metadata(clock, callers), Issuing.Attempts, ct);
}

public sealed class SetTaxRateHandler(Ledger.Ledger ledger, InvoiceInputs inputs, IClock clock, Callers? callers = null) : ICommandHandler<SetTaxRate, Decision>
{
    public async ValueTask<Decision> Handle(SetTaxRate command, CancellationToken ct)
    {
        var decision = InvoiceIssuing.Decide(command, clock.GetCurrentInstant());
        if (decision.Refused) return decision;
        // The built-in rates are recorded first, so the operator's rate is the later one and wins where they overlap.
        await inputs.RatesAsync(command.Jurisdiction, ct);
        return await ledger.DecideAtVersionAsync(StreamIds.TaxRates(command.Jurisdiction), _ => Task.FromResult(decision),
            () => Finance.Metadata(clock, callers), Issuing.Attempts, ct);
    }
}

public sealed class SetTaxPointRuleHandler(Ledger.Ledger ledger, IClock clock, Callers? callers = null) : ICommandHandler<SetTaxPointRule, Decision>
{
    public async ValueTask<Decision> Handle(SetTaxPointRule command, CancellationToken ct)
    {
        var decision = InvoiceIssuing.Decide(command, clock.GetCurrentInstant());
        return decision.Refused ? decision : await ledger.DecideAtVersionAsync(StreamIds.TaxPointRules(command.Jurisdiction), _ => Task.FromResult(decision),
            () => Finance.Metadata(clock, callers), Issuing.Attempts, ct);
    }
}

public sealed class IssueSessionInvoicesHandler(Ledger.Ledger ledger, InvoiceInputs inputs, IClock clock, Callers? callers = null) : ICommandHandler<IssueSessionInvoices, Decision>
{
    public async ValueTask<Decision> Handle(IssueSessionInvoices command, CancellationToken ct)
    {
        var issuer = await inputs.IssuerAsync(command.IssuerId, ct);
        var (sessions, notReady) = await inputs.InvoicedSessionsAsync(command.SessionIds, ct);
        var roamed = await inputs.RoamedAsync(command.SessionIds, ct);
        var taxPoints = await inputs.TaxPointRulesAsync(sessions.Select(s => s.Tax.Jurisdiction), ct);
        // Billing is read again at each attempt: the host that numbered first may have billed the same sessions.
        return await ledger.DecideAtVersionAsync(StreamIds.InvoiceSeries(command.IssuerId, command.Series), async version =>
                InvoiceIssuing.Decide(new InvoiceIssuing.SessionInvoicing(issuer, version, sessions, notReady, roamed,
                    await inputs.BilledAsync(command.SessionIds, ct), taxPoints), command, clock.GetCurrentInstant()),
            () => Finance.Metadata(clock, callers), Issuing.Attempts, ct);
    }
}

public sealed class IssuePartnerInvoicesHandler(Ledger.Ledger ledger, InvoiceInputs inputs, IClock clock, Callers? callers = null) : ICommandHandler<IssuePartnerInvoices, Decision>
{
    public async ValueTask<Decision> Handle(IssuePartnerInvoices command, CancellationToken ct)
    {
        var issuer = await inputs.IssuerAsync(command.IssuerId, ct);
        var partner = await inputs.PartnerAsync(command.PartnerId, ct);
        var (cdrs, notReady) = await inputs.PartnerCdrsSuppliedAsync(command.PartnerId, command.From, command.Through, ct);
        var withoutCdr = await inputs.PartnerSessionsWithoutCdrAsync(command.PartnerId, command.From, command.Through, ct);
        var taxPoints = await inputs.TaxPointRulesAsync(cdrs.Select(c => c.Session.Tax.Jurisdiction), ct);
        // Billing is read again at each attempt: the host that numbered first may have billed the same CDRs.
        return await ledger.DecideAtVersionAsync(StreamIds.InvoiceSeries(command.IssuerId, command.Series), async version =>
                InvoiceIssuing.Decide(new InvoiceIssuing.PartnerInvoicing(issuer, partner, version, cdrs, notReady,
                    await inputs.BilledCdrsAsync(command.PartnerId, ct), withoutCdr, taxPoints), command, clock.GetCurrentInstant()),
            () => Finance.Metadata(clock, callers), Issuing.Attempts, ct);
    }
}

public sealed class IssueCreditNoteHandler(Ledger.Ledger ledger, InvoiceInputs inputs, IClock clock, Callers? callers = null) : ICommandHandler<IssueCreditNote, Decision>
{
    public async ValueTask<Decision> Handle(IssueCreditNote command, CancellationToken ct)
    {
        var issuer = await inputs.IssuerAsync(command.IssuerId, ct);
        // The invoice is read again at each attempt: a credit note numbered first may have credited the same lines.
        return await ledger.DecideAtVersionAsync(StreamIds.InvoiceSeries(command.IssuerId, command.Series), async version =>
                InvoiceIssuing.Decide(new InvoiceIssuing.CreditNoting(issuer, version, await inputs.DocumentAsync(command.IssuerId, command.InvoiceNumber, ct)),
                    command, clock.GetCurrentInstant()),
            () => Finance.Metadata(clock, callers), Issuing.Attempts, ct);
    }
}
