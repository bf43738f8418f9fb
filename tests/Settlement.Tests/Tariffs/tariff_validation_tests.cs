using NodaTime;
using Settlement.Domain.Tariffs;

namespace Settlement.Tests.Tariffs;

public sealed class tariff_validation_tests
{
    private static readonly Instant ValidFrom = Instant.FromUtc(2026, 10, 1, 0, 0);

    private static readonly TariffRestrictions Always = new(
        StartTime: null, EndTime: null, StartDate: null, EndDate: null, MinKwh: null, MaxKwh: null,
        MinCurrentA: null, MaxCurrentA: null, MinPowerKw: null, MaxPowerKw: null,
        MinDurationSeconds: null, MaxDurationSeconds: null, DaysOfWeek: null, Reservation: null);

    private static TariffRestrictions Hours(string start, string end) => Always with { StartTime = start, EndTime = end };
    private static TariffRestrictions Days(params IsoDayOfWeek[] days) => Always with { DaysOfWeek = days };
    private static IsoDayOfWeek[] Weekdays => [IsoDayOfWeek.Monday, IsoDayOfWeek.Tuesday, IsoDayOfWeek.Wednesday, IsoDayOfWeek.Thursday, IsoDayOfWeek.Friday];
    private static IsoDayOfWeek[] Weekend => [IsoDayOfWeek.Saturday, IsoDayOfWeek.Sunday];

    private static PriceComponent Energy(decimal price = 0.49m, decimal? vat = 19m, int step = 1) => new(PriceComponentType.Energy, price, vat, step);
    private static PriceComponent Time(decimal price = 2.40m, int step = 60) => new(PriceComponentType.Time, price, 19m, step);
    private static PriceComponent Parking(decimal price = 6.00m, int step = 60) => new(PriceComponentType.ParkingTime, price, 19m, step);
    private static PriceComponent Flat(decimal price = 0.50m) => new(PriceComponentType.Flat, price, 19m, 1);

    private static TariffElement Element(TariffRestrictions? restrictions, params PriceComponent[] components) => new(components, restrictions);

    private static TariffPublished Tariff(params TariffElement[] elements) => InCurrency("EUR", elements);

    private static TariffPublished InCurrency(string currency, params TariffElement[] elements) =>
        new("DE-MUC-STANDARD", 1, currency, PricesIncludeVat: true, elements, ValidFrom, null, ValidFrom);

    private static IEnumerable<TariffElement> HourlyPrices(LocalDate date) =>
        Enumerable.Range(0, 24).Select(hour => Element(
            Always with { StartDate = date, EndDate = date.PlusDays(1), StartTime = $"{hour:00}:00", EndTime = $"{(hour + 1) % 24:00}:00" },
            Energy(0.30m + hour / 100m)));

    public static TheoryData<string, TariffPublished> RealWorldTariffs => new()
    {
        { "off-peak 22:00-06:00 and peak 06:00-22:00 with a day-time session fee",
            Tariff(Element(Hours("22:00", "06:00"), Energy(0.49m), Parking()), Element(Hours("06:00", "22:00"), Energy(0.69m), Flat(), Parking())) },
        { "weekday and weekend rates",
            Tariff(Element(Days(Weekdays), Energy(0.59m)), Element(Days(Weekend), Energy(0.49m))) },
        { "weekday rush hours, cheaper otherwise",
            Tariff(Element(Days(Weekdays) with { StartTime = "07:00", EndTime = "20:00" }, Energy(0.69m)), Element(null, Energy(0.49m))) },
        { "48 hourly day-ahead prices for today and tomorrow, then a fallback",
            Tariff([.. HourlyPrices(new LocalDate(2026, 10, 1)), .. HourlyPrices(new LocalDate(2026, 10, 2)), Element(null, Energy(0.59m))]) },
        { "cheaper energy after 10 kWh in the same hours",
            Tariff(Element(Hours("06:00", "22:00") with { MaxKwh = 10m }, Energy(0.69m)), Element(Hours("06:00", "22:00") with { MinKwh = 10m }, Energy(0.59m))) },
        { "an idle fee after two hours",
            Tariff(Element(null, Energy(0.59m)), Element(Always with { MinDurationSeconds = 7_200 }, Parking(9.00m))) },
        { "a faster charger costs more per hour",
            Tariff(Element(Always with { MinPowerKw = 50m }, Time(12.00m)), Element(Always with { MaxPowerKw = 50m }, Time(3.00m))) },
        { "a reservation priced apart from the charging",
            Tariff(Element(null, Energy(), Time()), Element(Always with { Reservation = ReservationRestriction.Reservation }, Time(1.20m))) },
        { "a Christmas discount before the regular price",
            Tariff(Element(Always with { StartDate = new LocalDate(2026, 12, 24), EndDate = new LocalDate(2026, 12, 27) }, Energy(0.39m)), Element(null, Energy(0.59m))) },
        { "a price without VAT, in yen",
            InCurrency("JPY", Element(null, Energy(55m, vat: null))) },
    };

    [Theory]
    [MemberData(nameof(RealWorldTariffs))]
    public void real_world_tariffs_pass(string tariff, TariffPublished published) =>
        Assert.True(TariffValidation.Problems(published).Count == 0, $"{tariff}: {string.Join("; ", TariffValidation.Problems(published))}");

    public static TheoryData<TariffPublished, string> BrokenTariffs => new()
    {
        { InCurrency("XYZ", Element(null, Energy())), "currency 'XYZ' is not an ISO 4217 code we know" },
        { InCurrency("eur", Element(null, Energy())), "currency 'eur' must be written 'EUR'" },
        { Tariff(), "a tariff needs at least one element" },
        { Tariff(Element(null)), "element 1: no price components" },
        { Tariff(Element(Hours("06:00", "22:00"), Energy()), Element(Hours("22:00", "06:00"), Energy(-0.10m))), "element 2: ENERGY price -0.10 is negative" },
        { Tariff(Element(null, Flat(1_000_001m))), "element 1: FLAT price 1000001 is above 1000000" },
        { Tariff(Element(null, Energy(vat: 120m))), "element 1: ENERGY vat 120% is not between 0 and 100" },
        { Tariff(Element(null, Energy(vat: -1m))), "element 1: ENERGY vat -1% is not between 0 and 100" },
        { Tariff(Element(null, Time(step: 0))), "element 1: TIME step_size 0 is not between 1 and 86400" },
        { Tariff(Element(null, Parking(step: 86_401))), "element 1: PARKING_TIME step_size 86401 is not between 1 and 86400" },
        { Tariff(Element(null, Energy(0.49m), Energy(0.59m))), "element 1: prices ENERGY twice, and only the first would ever apply" },
        { Tariff(Element(Hours("7:00", "22:00"), Energy())), "element 1: start_time '7:00' is not a time of day in HH:MM" },
        { Tariff(Element(Hours("22:00", "24:00"), Energy())), "element 1: end_time '24:00' is not a time of day in HH:MM" },
        { Tariff(Element(Hours("08:00", "08:00"), Energy())), "element 1: start_time and end_time are both 08:00, a window of no time" },
        { Tariff(Element(Always with { StartDate = new LocalDate(2026, 12, 31), EndDate = new LocalDate(2026, 12, 1) }, Energy())),
            "element 1: start_date 2026-12-31 is not before end_date 2026-12-01" },
        { Tariff(Element(Always with { StartDate = new LocalDate(2026, 12, 1), EndDate = new LocalDate(2026, 12, 1) }, Energy())),
            "element 1: start_date 2026-12-01 is not before end_date 2026-12-01" },
        { Tariff(Element(null, Flat()), Element(Always with { MinKwh = 10m, MaxKwh = 5m }, Energy())), "element 2: min_kwh 10 is not below max_kwh 5" },
        { Tariff(Element(Always with { MinCurrentA = 32m, MaxCurrentA = 16m }, Energy())), "element 1: min_current 32 is not below max_current 16" },
        { Tariff(Element(Always with { MinPowerKw = 50m, MaxPowerKw = 50m }, Energy())), "element 1: min_power 50 is not below max_power 50" },
        { Tariff(Element(Always with { MinDurationSeconds = 3_600, MaxDurationSeconds = 1_800 }, Parking())), "element 1: min_duration 3600 is not below max_duration 1800" },
        { Tariff(Element(Always with { MinKwh = -1m }, Energy())), "element 1: min_kwh -1 is negative" },
        { Tariff(Element(Always with { MinPowerKw = -0.5m }, Energy())), "element 1: min_power -0.5 is negative" },
        { Tariff(Element(Always with { MaxDurationSeconds = 0 }, Parking())), "element 1: max_duration 0 is not above 0, so the element never applies" },
        { Tariff(Element(Days(), Energy())), "element 1: day_of_week is empty, so the element never applies" },
        { Tariff(Element(Days(IsoDayOfWeek.Monday, IsoDayOfWeek.Tuesday, IsoDayOfWeek.Monday), Energy())), "element 1: day_of_week lists Monday more than once" },
        { Tariff(Element(Days(IsoDayOfWeek.None), Energy())), "element 1: day_of_week has None, which is not a day of the week" },
        { Tariff(Element(Hours("22:00", "07:00"), Energy(0.49m)), Element(Hours("06:00", "22:00"), Energy(0.69m))),
            "elements 1 and 2 both price ENERGY every day 06:00-07:00, so the price there depends on their order" },
        { Tariff(Element(Days(Weekdays) with { StartTime = "05:00", EndTime = "09:00" }, Energy(0.69m)),
                 Element(Days(IsoDayOfWeek.Monday, IsoDayOfWeek.Saturday) with { StartTime = "00:00", EndTime = "06:00" }, Energy(0.49m))),
            "elements 1 and 2 both price ENERGY on Monday 05:00-06:00, so the price there depends on their order" },
        { Tariff(Element(Hours("22:00", "06:00"), Energy(0.49m)), Element(Hours("23:00", "07:00"), Energy(0.39m))),
            "elements 1 and 2 both price ENERGY every day 00:00-06:00 and 23:00-24:00, so the price there depends on their order" },
        { Tariff(Element(Days(Weekend), Parking(4.00m)), Element(Days(IsoDayOfWeek.Sunday), Parking(2.00m))),
            "elements 1 and 2 both price PARKING_TIME on Sunday, so the price there depends on their order" },
        // 2026-12-24 is a Thursday: of the weekend only the Saturday falls in the Christmas dates.
        { Tariff(Element(Always with { StartDate = new LocalDate(2026, 12, 24), EndDate = new LocalDate(2026, 12, 27) }, Energy(0.39m)),
                 Element(Days(Weekend), Energy(0.45m))),
            "elements 1 and 2 both price ENERGY on Saturday from 2026-12-24 to 2026-12-26, so the price there depends on their order" },
        { Tariff(Element(null, Energy(0.59m)), Element(Hours("22:00", "06:00"), Energy(0.49m))),
            "element 2: its ENERGY price can never apply, because element 1 prices ENERGY whenever it would" },
        { Tariff(Element(Always with { MinKwh = 10m }, Energy(0.59m)), Element(Hours("22:00", "06:00") with { MinKwh = 10m }, Energy(0.49m))),
            "element 2: its ENERGY price can never apply, because element 1 prices ENERGY whenever it would" },
        { Tariff(Element(null, Energy(), Time()), Element(Always with { MinDurationSeconds = 3_600 }, Time(4.80m))),
            "element 2: its TIME price can never apply, because element 1 prices TIME whenever it would" },
    };

    [Theory]
    [MemberData(nameof(BrokenTariffs))]
    public void a_broken_tariff_is_refused_with_a_sentence_naming_the_element(TariffPublished tariff, string problem) =>
        Assert.Equal([problem], TariffValidation.Problems(tariff));

    public static TheoryData<string, TariffPublished> OrderIndependentTariffs => new()
    {
        { "overlapping hours of different components",
            Tariff(Element(Hours("06:00", "22:00"), Energy()), Element(Hours("00:00", "23:00"), Parking())) },
        { "overlapping hours under different energy limits",
            Tariff(Element(Hours("06:00", "22:00") with { MaxKwh = 20m }, Energy(0.69m)), Element(Hours("20:00", "23:00"), Energy(0.49m))) },
        { "the same hours on different days",
            Tariff(Element(Days(Weekdays) with { StartTime = "07:00", EndTime = "20:00" }, Energy(0.69m)),
                   Element(Days(Weekend) with { StartTime = "07:00", EndTime = "20:00" }, Energy(0.59m))) },
        { "the same hours on different dates",
            Tariff(Element(Hours("18:00", "22:00") with { EndDate = new LocalDate(2026, 11, 1) }, Energy(0.69m)),
                   Element(Hours("18:00", "22:00") with { StartDate = new LocalDate(2026, 11, 1) }, Energy(0.79m))) },
        { "a week-day and dates of another weekday",
            Tariff(Element(Days(IsoDayOfWeek.Monday), Energy(0.69m)),
                   Element(Always with { StartDate = new LocalDate(2026, 12, 24), EndDate = new LocalDate(2026, 12, 27) }, Energy(0.39m))) },
        { "windows that touch at midnight",
            Tariff(Element(Hours("18:00", "00:00"), Energy(0.69m)), Element(Hours("00:00", "06:00"), Energy(0.49m))) },
    };

    [Theory]
    [MemberData(nameof(OrderIndependentTariffs))]
    public void elements_that_never_compete_for_a_moment_pass(string tariff, TariffPublished published) =>
        Assert.True(TariffValidation.Problems(published).Count == 0, $"{tariff}: {string.Join("; ", TariffValidation.Problems(published))}");

    [Fact]
    public void every_problem_is_reported_at_once()
    {
        var tariff = InCurrency("XYZ", Element(null, Energy(-1m)), Element(Hours("25:00", "06:00") with { MinKwh = 5m, MaxKwh = 1m }, Energy()));

        Assert.Equal(
        [
            "currency 'XYZ' is not an ISO 4217 code we know",
            "element 1: ENERGY price -1 is negative",
            "element 2: start_time '25:00' is not a time of day in HH:MM",
            "element 2: min_kwh 5 is not below max_kwh 1",
        ], TariffValidation.Problems(tariff));
    }
}
