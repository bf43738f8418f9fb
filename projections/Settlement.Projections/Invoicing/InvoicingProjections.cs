using JasperFx.Events.Projections;
using Marten;

namespace Settlement.Projections.Invoicing;

/// <summary>The Invoicing read models the ledger maintains, registered in <see cref="SettlementReadModels"/>.</summary>
public static class InvoicingProjections
{
    public static StoreOptions AddInvoicingProjections(this StoreOptions options)
    {
        options.Projections.Add<InvoiceRegister>(ProjectionLifecycle.Inline);
        options.Projections.Add<SessionBillings>(ProjectionLifecycle.Inline);
        options.Projections.Add<IssuerDirectory>(ProjectionLifecycle.Inline);
        options.Projections.Add<BillableCdrs>(ProjectionLifecycle.Inline);
        // A partner's CDRs of a period are found by partner and day.
        options.Schema.For<BillableCdr>().Duplicate(c => c.PartnerId).Duplicate(c => c.EndedOnUtcDay);
        // Lists page through the register in issue order.
        options.Schema.For<InvoiceEntry>().Duplicate(e => e.SortKey);
        return options;
    }
}
