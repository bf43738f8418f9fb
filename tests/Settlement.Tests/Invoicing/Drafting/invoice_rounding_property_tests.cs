using CsCheck;
using NodaTime;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Monetary;
using static Settlement.Tests.Invoicing.Drafting.Drafts;

namespace Settlement.Tests.Invoicing.Drafting;

/// <summary>The documented rounding rule, over sessions of any shape, price, currency and rate.</summary>
public class invoice_rounding_property_tests
{
    private sealed record Case(string Currency, decimal PerKwh, decimal PerHour, decimal Fee, double Hours, decimal Kw, decimal Rate);

    private static readonly Gen<Case> Cases = Gen.Select(
        Gen.OneOf(Gen.Const("EUR"), Gen.Const("JPY"), Gen.Const("KWD")),
        Gen.Int[0, 99_999], Gen.Int[0, 99_999], Gen.Int[0, 9_999],
        Gen.Double[0.05, 9], Gen.Int[1, 3_500], Gen.OneOf(Gen.Const(0m), Gen.Const(5.5m), Gen.Const(7.7m), Gen.Const(19m), Gen.Const(25.5m)))
        .Select(t => new Case(t.Item1, t.Item2 / 1000m, t.Item3 / 1000m, t.Item4 / 1000m, t.Item5, t.Item6 / 10m, t.Item7));

    [Fact]
    public void every_total_is_the_sum_of_its_lines_and_each_line_is_within_a_minor_unit_of_net_times_rate() =>
        Cases.Sample(c =>
        {
            var currency = Currency.FromCode(c.Currency);
            var price = Priced(EnergyTimeAndFee(c.Currency, c.PerKwh, c.PerHour, c.Fee), "Europe/Berlin", new LocalDateTime(2026, 3, 29, 0, 30), c.Hours, c.Kw);

            var invoice = InvoiceDrafting.ForSession(Header(1), Session("S", price, "DE", c.Rate));

            var minorUnit = 1m / (decimal)Math.Pow(10, currency.MinorUnits);
            Assert.Equal(price.TotalExclVat.Amount, invoice.TotalNet);
            Assert.Equal(invoice.TotalNet, invoice.Lines.Sum(l => l.NetAmount));
            Assert.Equal(invoice.TotalVat, invoice.Lines.Sum(l => l.VatAmount));
            Assert.Equal(invoice.TotalGross, invoice.TotalNet + invoice.TotalVat);
            Assert.All(invoice.Lines, l =>
            {
                Assert.True(new Money(l.NetAmount, currency).IsWholeMinorUnits && new Money(l.VatAmount, currency).IsWholeMinorUnits);
                Assert.True(Math.Abs(l.VatAmount - l.NetAmount * c.Rate / 100m) <= minorUnit, $"line {l.LineNo}: VAT {l.VatAmount} on {l.NetAmount}");
            });
            var vat = Assert.Single(invoice.Vat);
            Assert.Equal(decimal.Round(vat.NetAmount * c.Rate / 100m, currency.MinorUnits, MidpointRounding.AwayFromZero), vat.VatAmount);
        }, iter: 300);
}
