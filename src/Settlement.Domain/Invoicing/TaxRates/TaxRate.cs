using NodaTime;

namespace Settlement.Domain.Invoicing.TaxRates;

/// <summary>
/// A VAT or sales tax rate of one jurisdiction for the supply dates [ValidFrom, ValidThrough], both
/// inclusive; open-ended when <paramref name="ValidThrough"/> is null. <paramref name="Source"/> says
/// where the figure comes from, so an invoice's rate can be traced to law or to an operator's decision.
/// </summary>
public sealed record TaxRate(string Jurisdiction, decimal RatePercent, LocalDate ValidFrom, LocalDate? ValidThrough, string Source)
{
    public bool Covers(LocalDate supplyDate) => ValidFrom <= supplyDate && (ValidThrough is null || supplyDate <= ValidThrough);
}

/// <summary>
/// A rate and what put it in the table. <paramref name="SetBy"/> is null for a built-in rate, else the
/// TaxRateSet event that set it (StreamId "taxrates:{jurisdiction}", its stream version, EventType
/// "tax_rate_set_v1"), which an invoice lists among its sources.
/// </summary>
public sealed record RateInForce(TaxRate Rate, SourceEvent? SetBy);
