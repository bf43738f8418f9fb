using NodaTime;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Invoicing.SalesTax;

namespace Settlement.Tests.Invoicing.SalesTax;

/// <summary>The sales tax of Aurora, Colorado (Arapahoe County): every level a US supply can owe.</summary>
internal static class SalesTaxRates
{
    public static readonly IReadOnlyList<SalesTaxComponent> Aurora =
    [
        new(TaxLevel.State, "Colorado", 2.9m),
        new(TaxLevel.County, "Arapahoe County", 0.25m),
        new(TaxLevel.City, "Aurora", 3.75m),
        new(TaxLevel.SpecialDistrict, "RTD", 1m),
        new(TaxLevel.SpecialDistrict, "SCFD", 0.1m),
    ];

    /// <summary>Aurora with the city's rate raised to <paramref name="cityPercent"/>.</summary>
    public static IReadOnlyList<SalesTaxComponent> AuroraWithCityAt(decimal cityPercent) =>
        [.. Aurora.Select(c => c.Level == TaxLevel.City ? c with { RatePercent = cityPercent } : c)];

    public static DefineSiteSalesTax Define(string siteId, IReadOnlyList<SalesTaxComponent> components, LocalDate from, LocalDate? through = null) =>
        new(siteId, components, from, through, "Colorado DOR sales tax rate lookup (test)");
}
