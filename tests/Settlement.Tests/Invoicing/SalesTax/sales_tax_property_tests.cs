using CsCheck;
using NodaTime;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Invoicing.SalesTax;
using Settlement.Domain.Monetary;
using static Settlement.Tests.Invoicing.Drafting.Drafts;

namespace Settlement.Tests.Invoicing.SalesTax;

/// <summary>The sales tax rounding rule over sessions of any shape and price and any rates per level.</summary>
public class sales_tax_property_tests
{
    private sealed record Case(decimal PerKwh, decimal PerHour, decimal Fee, double Hours, decimal Kw, decimal[] Rates);

    private static readonly TaxLevel[] Levels = [TaxLevel.State, TaxLevel.County, TaxLevel.City, TaxLevel.SpecialDistrict, TaxLevel.SpecialDistrict];

    private static readonly Gen<Case> Cases = Gen.Select(
        Gen.Int[0, 99_999], Gen.Int[0, 99_999], Gen.Int[0, 9_999], Gen.Double[0.05, 9], Gen.Int[1, 3_500],
        Gen.Int[0, 40_000].Array[1, 5])
        .Select(t => new Case(t.Item1 / 1000m, t.Item2 / 1000m, t.Item3 / 1000m, t.Item4, t.Item5 / 10m, [.. t.Item6.Select(r => r / 10_000m)]));

    [Fact]
    public void each_levels_lines_add_up_to_its_breakdown_and_each_line_is_within_a_minor_unit_per_level() =>
        Cases.Sample(c =>
        {
            var currency = Currency.FromCode("USD");
            var components = c.Rates.Select((rate, i) => new SalesTaxComponent(Levels[i], $"Authority {i}", rate)).ToList();
            var price = Priced(EnergyTimeAndFee("USD", c.PerKwh, c.PerHour, c.Fee), "America/Denver", new LocalDateTime(2026, 3, 8, 0, 30), c.Hours, c.Kw);
            var session = new InvoicedSession("S", "SITE", "Site", price, SupplyTax.Sales("US-CO", components), []);

            var invoice = InvoiceDrafting.ForSession(Header(1), session);

            Assert.Equal(invoice.TotalVat, invoice.Lines.Sum(l => l.VatAmount));
            Assert.Equal(invoice.TotalVat, invoice.Vat.Sum(v => v.VatAmount));
            Assert.Equal(invoice.TotalGross, invoice.TotalNet + invoice.TotalVat);
            foreach (var (component, i) in components.Select((component, i) => (component, i)))
            {
                var level = invoice.Vat.Single(v => v.Authority == component.Authority);
                Assert.Equal(decimal.Round(invoice.TotalNet * component.RatePercent / 100m, 2, MidpointRounding.AwayFromZero), level.VatAmount);
                Assert.Equal(level.VatAmount, invoice.Lines.Sum(l => l.SalesTaxLevels![i].Amount));
                Assert.All(invoice.Lines, l => Assert.True(
                    Math.Abs(l.SalesTaxLevels![i].Amount - l.NetAmount * component.RatePercent / 100m) < 0.01m,
                    $"line {l.LineNo}, {component.Authority}: {l.SalesTaxLevels[i].Amount} on {l.NetAmount}"));
            }
            Assert.All(invoice.Lines, l =>
            {
                Assert.Equal(l.VatAmount, l.SalesTaxLevels!.Sum(s => s.Amount));
                Assert.True(new Money(l.VatAmount, currency).IsWholeMinorUnits);
            });
        }, iter: 300);
}
