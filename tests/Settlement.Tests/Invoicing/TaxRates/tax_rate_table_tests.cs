using NodaTime;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Invoicing.TaxRates;

namespace Settlement.Tests.Invoicing.TaxRates;

public sealed class tax_rate_table_tests
{
    private static readonly Instant SetAt = Instant.FromUtc(2026, 1, 15, 9, 0);

    private static TaxRateSet Set(string jurisdiction, decimal ratePercent, LocalDate from, LocalDate? through) =>
        new(jurisdiction, ratePercent, from, through, $"operator ruling {ratePercent}", SetAt);

    private static decimal? PercentOn(TaxRateTable table, string jurisdiction, LocalDate date) =>
        table.RateOn(jurisdiction, date)?.Rate.RatePercent;

    // The operator charges 7 % in Germany for March 2026 only.
    private static readonly TaxRateTable MarchOverride =
        TaxRateTable.BuiltIn.With(Set("DE", 7m, new LocalDate(2026, 3, 1), new LocalDate(2026, 3, 31)), streamVersion: 1);

    [Theory]
    [InlineData(2, 28, 19.0)]
    [InlineData(3, 1, 7.0)]
    [InlineData(3, 31, 7.0)]
    [InlineData(4, 1, 19.0)]
    public void Given_an_operator_rate_for_some_dates_when_asked_then_it_wins_on_those_dates_and_the_built_in_rate_holds_outside_them(
        int month, int day, double ratePercent)
    {
        Assert.Equal((decimal)ratePercent, PercentOn(MarchOverride, "DE", new LocalDate(2026, month, day)));
    }

    [Fact]
    public void Given_an_operator_rate_when_it_applies_then_it_names_the_event_that_set_it()
    {
        var table = TaxRateTable.BuiltIn.With(Set("DE", 7m, new LocalDate(2026, 3, 1), null), streamVersion: 4);

        var rate = table.RateOn("DE", new LocalDate(2026, 3, 2));

        Assert.Equal(new SourceEvent("taxrates:DE", 4, "tax_rate_set_v1"), rate?.SetBy);
        Assert.Equal("operator ruling 7", rate?.Rate.Source);
    }

    [Fact]
    public void Given_a_built_in_rate_when_it_applies_then_no_event_set_it()
    {
        Assert.Null(MarchOverride.RateOn("DE", new LocalDate(2026, 4, 1))?.SetBy);
    }

    [Fact]
    public void Given_two_operator_rates_for_overlapping_dates_when_asked_then_the_one_set_later_wins_where_they_overlap()
    {
        var yearRate = Set("FR", 10m, new LocalDate(2026, 1, 1), null);
        var juneRate = Set("FR", 12m, new LocalDate(2026, 6, 1), new LocalDate(2026, 6, 30));
        var june15 = new LocalDate(2026, 6, 15);

        var juneSetLast = TaxRateTable.BuiltIn.With(yearRate, 1).With(juneRate, 2);
        var yearSetLast = TaxRateTable.BuiltIn.With(juneRate, 1).With(yearRate, 2);

        Assert.Equal(12m, PercentOn(juneSetLast, "FR", june15));
        Assert.Equal(10m, PercentOn(juneSetLast, "FR", new LocalDate(2026, 7, 1)));
        Assert.Equal(10m, PercentOn(yearSetLast, "FR", june15));
    }

    [Fact]
    public void Given_a_table_when_an_operator_rate_is_added_then_the_original_table_is_unchanged()
    {
        _ = TaxRateTable.BuiltIn.With(Set("DE", 7m, new LocalDate(2026, 3, 1), null), 1);

        Assert.Equal(19m, PercentOn(TaxRateTable.BuiltIn, "DE", new LocalDate(2026, 3, 1)));
    }

    [Fact]
    public void Given_a_jurisdiction_without_built_in_rates_when_asked_then_there_is_none_until_the_operator_sets_one()
    {
        var date = new LocalDate(2026, 5, 1);

        Assert.Null(TaxRateTable.BuiltIn.RateOn("PR", date));
        Assert.Empty(TaxRateTable.BuiltIn.For("PR"));
        Assert.Equal(11.5m, PercentOn(TaxRateTable.BuiltIn.With(Set("PR", 11.5m, new LocalDate(2026, 1, 1), null), 1), "PR", date));
    }

    [Fact]
    public void Given_built_in_and_operator_rates_when_listed_then_all_are_there_built_ins_first_in_date_order_then_operator_rates_as_set()
    {
        var table = MarchOverride.With(Set("DE", 5m, new LocalDate(2026, 1, 1), new LocalDate(2026, 1, 31)), 2);

        var listed = table.For("DE").Select(r => (r.Rate.RatePercent, r.Rate.ValidFrom, r.SetBy?.Version)).ToArray();

        Assert.Equal(
        [
            (19m, new LocalDate(2020, 1, 1), null),
            (16m, new LocalDate(2020, 7, 1), null),
            (19m, new LocalDate(2021, 1, 1), null),
            (7m, new LocalDate(2026, 3, 1), 1L),
            (5m, new LocalDate(2026, 1, 1), 2L),
        ], listed);
    }
}
