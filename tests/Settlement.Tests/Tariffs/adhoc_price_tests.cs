using NodaTime;
using Settlement.Domain.Tariffs;

namespace Settlement.Tests.Tariffs;

public sealed class adhoc_price_tests
{
    private static readonly DateTimeZone Berlin = DateTimeZoneProviders.Tzdb["Europe/Berlin"];
    private static readonly Instant ValidFrom = Instant.FromUtc(2026, 1, 1, 0, 0);

    private static readonly TariffRestrictions Always = new(
        StartTime: null, EndTime: null, StartDate: null, EndDate: null, MinKwh: null, MaxKwh: null,
        MinCurrentA: null, MaxCurrentA: null, MinPowerKw: null, MaxPowerKw: null,
        MinDurationSeconds: null, MaxDurationSeconds: null, DaysOfWeek: null, Reservation: null);

    private static TariffRestrictions Hours(string start, string end) => Always with { StartTime = start, EndTime = end };

    private static PriceComponent Component(PriceComponentType type, decimal price, decimal? vat = 19m, int step = 1) => new(type, price, vat, step);

    private static TariffSpan Span(bool pricesIncludeVat, params TariffElement[] elements) =>
        new(ValidFrom, Instant.MaxValue, new TariffPublished("DE-MUC-STANDARD", 3, "EUR", pricesIncludeVat, elements, ValidFrom, null, ValidFrom), 42);

    // The demo's Munich tariff: prices include 19% VAT, night energy is cheaper and has no session fee.
    private static readonly TariffSpan MunichTimeOfUse = Span(pricesIncludeVat: true,
        new TariffElement([Component(PriceComponentType.Energy, 0.49m), Component(PriceComponentType.ParkingTime, 6.00m, step: 60)], Hours("22:00", "06:00")),
        new TariffElement([Component(PriceComponentType.Energy, 0.69m), Component(PriceComponentType.Flat, 0.50m), Component(PriceComponentType.ParkingTime, 6.00m, step: 60)],
            Hours("06:00", "22:00")));

    private static Instant Utc(int month, int day, int hour, int minute = 0) => Instant.FromUtc(2026, month, day, hour, minute);

    public static TheoryData<Instant, string, string?, Instant> TimeOfUseQuotes => new()
    {
        { Utc(10, 12, 3, 30), "0.49", null, Utc(10, 12, 4) },     // 05:30 CEST: night until 06:00 CEST
        { Utc(10, 12, 4, 30), "0.69", "0.50", Utc(10, 12, 20) },  // 06:30 CEST: day until 22:00 CEST
        { Utc(11, 2, 4, 30), "0.49", null, Utc(11, 2, 5) },       // 05:30 CET: in winter the same hours are an hour later in UTC
        { Utc(11, 2, 5, 30), "0.69", "0.50", Utc(11, 2, 21) },
        { Utc(10, 12, 21, 30), "0.49", null, Utc(10, 13, 4) },    // 23:30 CEST: night until 06:00 tomorrow
        { Utc(10, 24, 21), "0.49", null, Utc(10, 25, 5) },        // 23:00 CEST, the night the clocks go back: 06:00 CET is 9 hours on
        { Utc(3, 28, 22), "0.49", null, Utc(3, 29, 4) },          // 23:00 CET, the night the clocks go forward: 06:00 CEST is 6 hours on
    };

    [Theory]
    [MemberData(nameof(TimeOfUseQuotes))]
    public void a_time_of_use_price_is_quoted_by_the_wall_clock_in_berlin(Instant at, string perKwh, string? sessionFee, Instant validUntil)
    {
        var quote = AdHocPrice.At(MunichTimeOfUse, at, Berlin);

        Assert.Equal(decimal.Parse(perKwh), quote.PerKwh!.InclVat);
        Assert.Equal(sessionFee is null ? null : decimal.Parse(sessionFee), quote.SessionFee?.InclVat);
        Assert.Equal(validUntil, quote.ValidUntil);
        Assert.Equal(("DE-MUC-STANDARD", 3, "EUR", at), (quote.TariffId, quote.TariffVersion, quote.Currency, quote.QuotedAt));
    }

    [Fact]
    public void vat_inclusive_prices_are_quoted_without_vat_too()
    {
        var quote = AdHocPrice.At(MunichTimeOfUse, Utc(10, 12, 10), Berlin);

        Assert.Equal(new QuotedPrice(0.579832m, 0.69m, 19m, 1), quote.PerKwh);
        Assert.Equal(0.5798m, Math.Round(quote.PerKwh!.ExclVat, 4));
        Assert.Equal(new QuotedPrice(5.042017m, 6.00m, 19m, 60), quote.PerParkingHour);
        Assert.Equal(new QuotedPrice(0.420168m, 0.50m, 19m, 1), quote.SessionFee);
        Assert.Null(quote.PerChargingHour);
    }

    public static TheoryData<bool, string, decimal?, string, string> VatCases => new()
    {
        { false, "0.40", 20m, "0.40", "0.48" },    // VAT added to a net price
        { true, "0.48", 20m, "0.40", "0.48" },     // VAT taken out of a gross price
        { false, "0.38", null, "0.38", "0.38" },   // no VAT given: the same either way
        { true, "0.38", null, "0.38", "0.38" },
        { true, "0.38", 0m, "0.38", "0.38" },
    };

    [Theory]
    [MemberData(nameof(VatCases))]
    public void vat_is_applied_per_component(bool pricesIncludeVat, string price, decimal? vat, string exclVat, string inclVat)
    {
        var span = Span(pricesIncludeVat, new TariffElement([Component(PriceComponentType.Energy, decimal.Parse(price), vat)], null));

        var quote = AdHocPrice.At(span, Utc(10, 12, 10), Berlin);

        Assert.Equal((decimal.Parse(exclVat), decimal.Parse(inclVat)), (quote.PerKwh!.ExclVat, quote.PerKwh.InclVat));
    }

    [Fact]
    public void charging_time_is_quoted_per_hour_unless_it_only_starts_later_in_the_session()
    {
        var span = Span(pricesIncludeVat: false,
            new TariffElement([Component(PriceComponentType.Time, 2.40m, vat: null, step: 60)], null),
            new TariffElement([Component(PriceComponentType.ParkingTime, 9.00m, vat: null, step: 60)], Always with { MinDurationSeconds = 7_200 }));

        var quote = AdHocPrice.At(span, Utc(10, 12, 10), Berlin);

        Assert.Equal(new QuotedPrice(2.40m, 2.40m, null, 60), quote.PerChargingHour);
        Assert.Null(quote.PerParkingHour);  // parking is charged only after two hours, not at the start
        Assert.Null(quote.PerKwh);
        Assert.Null(quote.ValidUntil);      // no time restrictions and an open-ended version: nothing ends the quote
    }

    // A cheap window from 02:30 to 05:00 local, which the DST nights cut into.
    private static readonly TariffSpan EarlyMorning = Span(pricesIncludeVat: true,
        new TariffElement([Component(PriceComponentType.Energy, 0.29m)], Hours("02:30", "05:00")),
        new TariffElement([Component(PriceComponentType.Energy, 0.49m)], null));

    public static TheoryData<Instant, string, Instant> DaylightSavingQuotes => new()
    {
        { Utc(3, 29, 0, 45), "0.49", Utc(3, 29, 1) },    // 01:45 CET: 02:30 never comes, the clock jumps to 03:00 CEST
        { Utc(3, 29, 1), "0.29", Utc(3, 29, 3) },        // 03:00 CEST: in the window until 05:00 CEST
        { Utc(10, 25, 0, 10), "0.49", Utc(10, 25, 0, 30) }, // 02:10 CEST: until the first 02:30
        { Utc(10, 25, 0, 40), "0.29", Utc(10, 25, 1) },  // 02:40 CEST: clocks go back to 02:00 CET, out of the window
        { Utc(10, 25, 1, 10), "0.49", Utc(10, 25, 1, 30) }, // 02:10 CET: until the second 02:30
    };

    [Theory]
    [MemberData(nameof(DaylightSavingQuotes))]
    public void the_quote_lasts_until_the_wall_clock_next_crosses_a_boundary(Instant at, string perKwh, Instant validUntil)
    {
        var quote = AdHocPrice.At(EarlyMorning, at, Berlin);

        Assert.Equal((decimal.Parse(perKwh), validUntil), (quote.PerKwh!.InclVat, quote.ValidUntil));
    }

    [Fact]
    public void a_weekend_price_lasts_until_local_midnight()
    {
        var span = Span(pricesIncludeVat: true,
            new TariffElement([Component(PriceComponentType.Energy, 0.39m)], Always with { DaysOfWeek = [IsoDayOfWeek.Saturday, IsoDayOfWeek.Sunday] }),
            new TariffElement([Component(PriceComponentType.Energy, 0.59m)], null));

        var quote = AdHocPrice.At(span, Utc(10, 18, 12), Berlin);  // Sunday 14:00 CEST

        Assert.Equal((0.39m, Utc(10, 18, 22)), (quote.PerKwh!.InclVat, quote.ValidUntil));
    }

    [Fact]
    public void an_evening_price_without_an_end_time_lasts_until_local_midnight()
    {
        var span = Span(pricesIncludeVat: true,
            new TariffElement([Component(PriceComponentType.Energy, 0.79m)], Always with { StartTime = "18:00" }),
            new TariffElement([Component(PriceComponentType.Energy, 0.59m)], null));

        var quote = AdHocPrice.At(span, Utc(10, 12, 17), Berlin);  // 19:00 CEST

        Assert.Equal((0.79m, Utc(10, 12, 22)), (quote.PerKwh!.InclVat, quote.ValidUntil));
    }

    [Fact]
    public void the_quote_ends_with_the_tariff_version()
    {
        var span = MunichTimeOfUse with { Until = Utc(10, 12, 11) };

        Assert.Equal(Utc(10, 12, 11), AdHocPrice.At(span, Utc(10, 12, 10), Berlin).ValidUntil);
    }

    [Fact]
    public void a_quote_outside_the_span_is_a_bug() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => AdHocPrice.At(MunichTimeOfUse with { Until = Utc(10, 12, 11) }, Utc(10, 12, 11), Berlin));
}
