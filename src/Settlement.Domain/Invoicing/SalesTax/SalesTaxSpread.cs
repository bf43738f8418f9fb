using Settlement.Domain.Monetary;

namespace Settlement.Domain.Invoicing.SalesTax;

/// <summary>
/// US sales tax by level over a document's lines. Each authority is owed its own rate of the taxable sales, so each
/// level's tax is computed once on the net sum of the lines it applies to, rounded half away from zero to minor units,
/// and then spread over those lines as VAT is (each line its exact share rounded down, the missing units to the largest
/// fractions). A line's tax is the sum of its levels' shares, so the lines add up to the breakdown exactly, level by
/// level, and each share is less than a minor unit from the line's net × the level's rate.
/// </summary>
public static class SalesTaxSpread
{
    /// <summary>Per line, in the order of <paramref name="nets"/>: its share of every level, in the order of <paramref name="components"/>.</summary>
    public static IReadOnlyList<IReadOnlyList<LevelTax>> OverLines(IReadOnlyList<SalesTaxComponent> components, IReadOnlyList<Money> nets, Currency currency)
    {
        var perLine = nets.Select(_ => new List<LevelTax>(components.Count)).ToList();
        var taxable = Money.Sum(nets, currency);
        foreach (var component in components)
        {
            var levelTax = (taxable * component.RatePercent / 100m).Round(MidpointRounding.AwayFromZero);
            var shares = InvoiceDrafting.SpreadTax(levelTax, [.. nets.Select(net => net.Amount * component.RatePercent / 100m)]);
            foreach (var (line, share) in perLine.Zip(shares))
                line.Add(new LevelTax(component.Level, component.Authority, component.RatePercent, share.Amount));
        }
        return perLine;
    }

    /// <summary>
    /// A line charged on its own, as a partner invoice charges each CDR: its tax, computed at the combined rate, split
    /// over the levels in proportion to their rates (largest remainder), so the levels add up to it exactly.
    /// </summary>
    public static IReadOnlyList<LevelTax> OfLine(IReadOnlyList<SalesTaxComponent> components, Money tax)
    {
        if (tax.IsZero || components.All(c => c.RatePercent == 0m))
            return [.. components.Select(c => new LevelTax(c.Level, c.Authority, c.RatePercent, 0m))];
        var shares = new Money(Math.Abs(tax.Amount), tax.Currency).Allocate([.. components.Select(c => c.RatePercent)]);
        return [.. components.Zip(shares, (c, share) => new LevelTax(c.Level, c.Authority, c.RatePercent, Math.Sign(tax.Amount) * share.Amount))];
    }

    /// <summary>How a document names the levels: "Colorado (state) 2.9%, Denver County (county) 4.81%: 7.71% in total".</summary>
    public static string Describe(IReadOnlyList<SalesTaxComponent> components) =>
        string.Join(", ", components.Select(c => $"{c.Authority} ({LevelName(c.Level)}) {c.RatePercent}%"))
        + $": {components.Sum(c => c.RatePercent)}% in total";

    public static string LevelName(TaxLevel level) => level switch
    {
        TaxLevel.State => "state",
        TaxLevel.County => "county",
        TaxLevel.City => "city",
        _ => "special district",
    };
}
