using System.Reflection;
using CsCheck;
using Settlement.Domain.Monetary;

namespace Settlement.Tests.Monetary;


public sealed class money_arithmetic_tests
{
    private static Money Eur(decimal amount) => new(amount, Currency.EUR);

    private static Money Usd(decimal amount) => new(amount, Currency.USD);

    [Fact]
    public void money_needs_a_currency()
    {
        Assert.Throws<ArgumentNullException>(() => new Money(1m, null!));
        Assert.Throws<ArgumentNullException>(() => Money.Zero(null!));
    }

    [Fact]
    public void adding_same_currency_adds_amounts()
    {
        Assert.Equal(Eur(12.35m), Eur(10.10m) + Eur(2.25m));
    }

    [Fact]
    public void subtracting_same_currency_subtracts_amounts()
    {
        Assert.Equal(Eur(-2.25m), Eur(10.10m) - Eur(12.35m));
    }

    [Fact]
    public void adding_euros_to_dollars_is_refused()
    {
        var refused = Assert.Throws<CurrencyMismatchException>(() => Eur(1m) + Usd(1m));

        Assert.Contains("EUR", refused.Message);
        Assert.Contains("USD", refused.Message);
        Assert.Equal(Currency.EUR, refused.Left);
        Assert.Equal(Currency.USD, refused.Right);
    }

    [Fact]
    public void subtracting_dollars_from_euros_is_refused()
    {
        var refused = Assert.Throws<CurrencyMismatchException>(() => Eur(1m) - Usd(1m));

        Assert.Equal("Cannot subtract EUR and USD: the currencies differ", refused.Message);
    }

    [Fact]
    public void comparing_euros_with_dollars_is_refused()
    {
        Assert.Throws<CurrencyMismatchException>(() => Eur(1m) < Usd(2m));
        Assert.Throws<CurrencyMismatchException>(() => Eur(1m) > Usd(2m));
        Assert.Throws<CurrencyMismatchException>(() => Eur(1m) <= Usd(2m));
        Assert.Throws<CurrencyMismatchException>(() => Eur(1m) >= Usd(2m));
        var refused = Assert.Throws<CurrencyMismatchException>(() => Eur(1m).CompareTo(Usd(2m)));
        Assert.Contains("compare EUR and USD", refused.Message);
    }

    [Fact]
    public void negation_flips_the_sign_and_keeps_the_currency()
    {
        Assert.Equal(Eur(-3.5m), -Eur(3.5m));
        Assert.Equal(Eur(3.5m), -Eur(-3.5m));
    }

    [Fact]
    public void price_per_kwh_times_kwh_keeps_full_precision()
    {
        var pricePerKwh = Eur(0.3456m);

        var cost = pricePerKwh * 12.345m;

        Assert.Equal(4.266432m, cost.Amount);
        Assert.Equal(Currency.EUR, cost.Currency);
    }

    [Fact]
    public void the_factor_can_be_on_either_side()
    {
        Assert.Equal(Eur(0.3456m) * 12.345m, 12.345m * Eur(0.3456m));
    }

    [Fact]
    public void division_keeps_full_precision()
    {
        Assert.Equal(3.3333333333333333333333333333m, (Eur(10m) / 3m).Amount);
        Assert.Equal(Eur(0.175m), Eur(0.35m) / 2m);
    }

    [Fact]
    public void dividing_by_zero_is_refused()
    {
        Assert.Throws<DivideByZeroException>(() => Eur(1m) / 0m);
    }

    [Fact]
    public void comparison_orders_by_amount_within_a_currency()
    {
        Assert.True(Eur(1.99m) < Eur(2m));
        Assert.False(Eur(2m) < Eur(2m));
        Assert.True(Eur(2m) <= Eur(2.00m));
        Assert.True(Eur(-1m) > Eur(-2m));
        Assert.False(Eur(2m) > Eur(2m));
        Assert.True(Eur(2m) >= Eur(2m));
        Assert.True(Eur(1m).CompareTo(Eur(2m)) < 0);
        Assert.Equal(0, Eur(2m).CompareTo(Eur(2.000m)));
        Assert.True(Eur(3m).CompareTo(Eur(2m)) > 0);
    }

    [Fact]
    public void sorting_uses_the_amount()
    {
        var amounts = new List<Money> { Eur(3m), Eur(-1m), Eur(0.5m) };

        amounts.Sort();

        Assert.Equal(new[] { Eur(-1m), Eur(0.5m), Eur(3m) }, amounts);
    }

    [Fact]
    public void anything_sorts_after_null_and_money_does_not_compare_with_other_types()
    {
        Assert.Equal(1, Eur(-1m).CompareTo(null));
        Assert.Equal(1, ((IComparable)Eur(-1m)).CompareTo(null));
        Assert.Throws<ArgumentException>(() => ((IComparable)Eur(1m)).CompareTo(1m));
    }

    [Fact]
    public void equality_is_numeric_so_trailing_zeros_do_not_matter()
    {
        Assert.Equal(Eur(1.5m), Eur(1.50m));
        Assert.Equal(Eur(1.5m).GetHashCode(), Eur(1.50m).GetHashCode());
        Assert.NotEqual(Eur(1.5m), Eur(1.51m));
    }

    [Fact]
    public void the_same_amount_in_another_currency_is_not_equal()
    {
        Assert.NotEqual(Eur(1.5m), Usd(1.5m));
        Assert.False(Eur(1.5m) == Usd(1.5m));
    }

    [Fact]
    public void zero_is_neither_negative_nor_positive()
    {
        var zero = Money.Zero(Currency.JPY);

        Assert.True(zero.IsZero);
        Assert.False(zero.IsNegative);
        Assert.False(zero.IsPositive);
        Assert.Equal(Currency.JPY, zero.Currency);
        Assert.Equal(0m, zero.Amount);
    }

    [Fact]
    public void sign_predicates_follow_the_amount()
    {
        Assert.True(Eur(-0.01m).IsNegative);
        Assert.False(Eur(-0.01m).IsPositive);
        Assert.False(Eur(-0.01m).IsZero);
        Assert.True(Eur(0.01m).IsPositive);
        Assert.False(Eur(0.01m).IsNegative);
        Assert.True(Eur(0.00m).IsZero);
    }

    [Fact]
    public void abs_drops_the_sign_and_keeps_the_currency()
    {
        Assert.Equal(Eur(2.5m), Eur(-2.5m).Abs());
        Assert.Equal(Eur(2.5m), Eur(2.5m).Abs());
    }

    [Fact]
    public void sum_adds_amounts_of_one_currency()
    {
        Assert.Equal(Eur(6.06m), Money.Sum([Eur(1.01m), Eur(2.02m), Eur(3.03m)], Currency.EUR));
    }

    [Fact]
    public void sum_of_nothing_is_zero_in_the_given_currency()
    {
        Assert.Equal(Money.Zero(Currency.KWD), Money.Sum([], Currency.KWD));
    }

    [Fact]
    public void sum_refuses_mixed_currencies()
    {
        var refused = Assert.Throws<CurrencyMismatchException>(() => Money.Sum([Eur(1m), Usd(1m)], Currency.EUR));

        Assert.Equal("Cannot sum EUR and USD: the currencies differ", refused.Message);
    }

    [Fact]
    public void sum_refuses_items_in_another_currency_than_asked_for()
    {
        Assert.Throws<CurrencyMismatchException>(() => Money.Sum([Usd(1m), Usd(2m)], Currency.EUR));
    }

    [Fact]
    public void addition_is_commutative_and_associative_within_a_currency()
    {
        Gen.Select(MoneyGen.AnyCurrency, MoneyGen.ExactlyAddable, MoneyGen.ExactlyAddable, MoneyGen.ExactlyAddable)
            .Sample((currency, x, y, z) =>
            {
                Money a = new(x, currency), b = new(y, currency), c = new(z, currency);

                Assert.Equal(a + b, b + a);
                Assert.Equal((a + b) + c, a + (b + c));
                Assert.Equal(a, a + Money.Zero(currency));
                Assert.Equal(a, a + b - b);
                Assert.Equal(Money.Zero(currency), a + -a);
                Assert.Equal(Money.Sum([a, b, c], currency), a + b + c);
            });
    }

    [Fact]
    public void no_double_or_float_appears_in_the_money_api()
    {
        Type[] binaryFloatingPoint = [typeof(double), typeof(float), typeof(Half)];
        var signatureTypes =
            from type in new[] { typeof(Money), typeof(Currency), typeof(MoneyJsonConverter), typeof(CurrencyJsonConverter) }
            from member in type.GetMembers(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            from signatureType in member switch
            {
                MethodBase method => method.GetParameters().Select(p => p.ParameterType)
                    .Append(method is MethodInfo m ? m.ReturnType : typeof(void)),
                PropertyInfo property => new[] { property.PropertyType },
                FieldInfo field => new[] { field.FieldType },
                _ => Array.Empty<Type>(),
            }
            select (member, signatureType);

        Assert.DoesNotContain(signatureTypes, s => binaryFloatingPoint.Contains(s.signatureType));
        Assert.NotEmpty(signatureTypes);
    }
}
