using System.Collections.Immutable;
using NodaTime;
using Settlement.Domain.Events;

namespace Settlement.Domain.Invoicing.TaxRates;

/// <summary>
/// The tax rates known for every jurisdiction: the built-in ones, overridden by the operator's
/// TaxRateSet events folded in with <see cref="With"/> in the order they were recorded. Immutable, so a
/// projection can share one table between readers and swap in the next.
/// </summary>
public sealed class TaxRateTable
{
    private static readonly string TaxRateSetType = EventType.StoredNameOf(typeof(TaxRateSet));

    /// <summary>Per jurisdiction, lowest precedence first: built-ins, then operator rates as applied.</summary>
    private readonly ImmutableDictionary<string, ImmutableList<RateInForce>> rates;

    private TaxRateTable(ImmutableDictionary<string, ImmutableList<RateInForce>> rates) => this.rates = rates;

    public static TaxRateTable BuiltIn { get; } = new(BuiltInTaxRates.All
        .GroupBy(rate => rate.Jurisdiction, StringComparer.Ordinal)
        .ToImmutableDictionary(
            group => group.Key,
            group => group.OrderBy(rate => rate.ValidFrom).Select(rate => new RateInForce(rate, SetBy: null)).ToImmutableList(),
            StringComparer.Ordinal));

    /// <summary>
    /// This table with an operator's rate, which takes precedence over every rate already in it on the
    /// dates it covers; <paramref name="streamVersion"/> is the event's version in its "taxrates:" stream.
    /// </summary>
    public TaxRateTable With(TaxRateSet set, long streamVersion)
    {
        var rate = new TaxRate(set.Jurisdiction, set.RatePercent, set.ValidFrom, set.ValidThrough, set.Source);
        var setBy = new SourceEvent(StreamIds.TaxRates(set.Jurisdiction), streamVersion, TaxRateSetType);
        var known = rates.GetValueOrDefault(set.Jurisdiction, []);
        return new TaxRateTable(rates.SetItem(set.Jurisdiction, known.Add(new RateInForce(rate, setBy))));
    }

    /// <summary>The rate to charge on a supply in the jurisdiction on that date; null when none is in force.</summary>
    public RateInForce? RateOn(string jurisdiction, LocalDate supplyDate) =>
        For(jurisdiction).LastOrDefault(known => known.Rate.Covers(supplyDate));

    /// <summary>Every rate known for the jurisdiction, superseded ones included, lowest precedence first.</summary>
    public IReadOnlyList<RateInForce> For(string jurisdiction) => rates.GetValueOrDefault(jurisdiction, []);
}
