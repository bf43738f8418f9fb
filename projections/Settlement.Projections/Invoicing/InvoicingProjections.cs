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
        // Lists page through the register in issue order.
        options.Schema.For<InvoiceEntry>().Duplicate(e => e.SortKey);
        return options;
    }
}
