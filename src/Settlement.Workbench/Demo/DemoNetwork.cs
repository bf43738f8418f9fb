using Settlement.Ledger.Drivers;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Domain.Roaming;
using Settlement.Domain.Tariffs;

namespace Settlement.Workbench.Demo;

/// <param name="From">First day of history, read as each site's own local date.</param>
public sealed record DemoOptions(int Seed, LocalDate From, int Days);

public sealed record DemoEvent(string StreamId, object Data, EventMetadata Metadata);

/// <summary>A generated history and the drivers its tokens are sealed for, to be registered in the vault before it is appended.</summary>
public sealed class GeneratedHistory(IReadOnlyList<DemoEvent> events, DriverKeyring drivers) : IReadOnlyList<DemoEvent>
{
    public DriverKeyring Drivers { get; } = drivers;
    public DemoEvent this[int index] => events[index];
    public int Count => events.Count;
    public IEnumerator<DemoEvent> GetEnumerator() => events.GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// A seeded history of a three-site, thirty-EVSE charging network: its set-up before
/// <see cref="DemoOptions.From"/>, then sessions, faults, outages, maintenance and a firmware rollout
/// over the requested days. Pure: the same options always give the same events.
/// </summary>
public static class DemoNetwork
{
    private static readonly Actor Operator = new(ActorKind.Operator, "demo");

    /// <summary>
    /// All events ordered by <see cref="EventMetadata.OccurredAt"/>, each stream's in causal order.
    /// Sessions start within the requested days; one started late on the last may end after it.
    /// </summary>
    public static GeneratedHistory Generate(DemoOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Days, 1);
        // The drivers' keys draw from their own random, so sealing leaves the rest of the history as the seed had it.
        var history = new DemoHistory(new Random(options.Seed), new DriverKeyring(new Random(options.Seed)));

        RegisterPartners(history, options.From);
        var chargers = new List<ChargerPlan>();
        foreach (var site in DemoFleet.Sites)
        {
            var days = new LocalDays(site, options.From, options.Days);
            RegisterSite(history, days);
            chargers.AddRange(site.Chargers.Select((charger, index) => Commission(history, days, charger, index)));
            PublishTariff(history, days);
        }

        var sites = chargers.GroupBy(c => c.Site).Select(site => new DemoSessions(history, site.ToList())).ToList();
        DemoDowntime.Plan(history.Random, chargers, sites.ToDictionary(s => s.Site, s => s.Arrivals.ToList()));
        foreach (var site in sites) site.Run();
        foreach (var charger in chargers) DemoDowntime.Record(history, charger);
        foreach (var nevi in chargers.GroupBy(c => c.Days).Where(site => site.Key.Site.CountryCode == "US"))
            DemoDowntime.ReportMaintenanceCosts(history, nevi.Key, nevi.ToList());
        return new GeneratedHistory(history.InTimeOrder(), history.Drivers);
    }

    private static void RegisterPartners(DemoHistory history, LocalDate from)
    {
        var registeredAt = from.PlusDays(-35).At(new LocalTime(10, 0)).InUtc().ToInstant();
        foreach (var partner in DemoFleet.Partners)
        {
            var commission = Math.Round((decimal)history.Random.Between(5, 15) * 2) / 2;
            history.Record(StreamIds.RoamingPartner(partner.PartnerId),
                new RoamingPartnerRegistered(partner.PartnerId, partner.CountryCode, partner.PartyId, partner.Name,
                    PartnerRole.Emsp, commission, registeredAt),
                Operator, history.NewCorrelationId(), registeredAt);
            registeredAt += Duration.FromDays(1);
        }
    }

    private static void RegisterSite(DemoHistory history, LocalDays days)
    {
        var site = days.Site;
        var registeredAt = site.At(days.First.PlusDays(-30), new LocalTime(9, 0));
        history.Record(StreamIds.Site(site.Id),
            new SiteRegisteredV2(site.Id, site.Name, site.Address, site.CountryCode, site.TimeZoneId, site.Latitude, site.Longitude,
                site.GridCapacityKw, GridCapacityAmpsPerPhase: null, registeredAt),
            Operator, history.NewCorrelationId(), registeredAt);
        if (!Domain.Reports.AfirFeed.Countries.Contains(site.CountryCode)) return;

        // What AFIR has the operator publish about a European site: who runs it, the helpdesk, when it is open and how a
        // driver without a contract pays. Lyon's chargers are in a car park that closes at night.
        var describedAt = registeredAt + Duration.FromMinutes(5);
        var openingHours = site.CountryCode == "FR"
            ? new OpeningHours(false, ValueList.Of(new OpeningPeriod(ValueList.Of(
                IsoDayOfWeek.Monday, IsoDayOfWeek.Tuesday, IsoDayOfWeek.Wednesday, IsoDayOfWeek.Thursday, IsoDayOfWeek.Friday,
                IsoDayOfWeek.Saturday, IsoDayOfWeek.Sunday), "06:00", "23:00")))
            : new OpeningHours(true, ValueList.Of<OpeningPeriod>());
        history.Record(StreamIds.Site(site.Id),
            new SitePublicDetailsDescribed(site.Id, "Settlement Demo Charging GmbH", $"{site.CountryCode}*SET",
                site.CountryCode == "FR" ? "+33482530000" : "+498920004711", openingHours,
                ValueList.Of(AdHocPaymentMethod.PaymentCardContactless, AdHocPaymentMethod.QrCodeWebPayment), BarrierFree: true, describedAt),
            Operator, history.NewCorrelationId(), describedAt);
    }

    /// <summary>Registered by the operator, then first powered up and reporting every EVSE available.</summary>
    private static ChargerPlan Commission(DemoHistory history, LocalDays days, ChargerSpec charger, int index)
    {
        var registeredAt = days.Site.At(days.First.PlusDays(-21), new LocalTime(10, 0)) + Duration.FromMinutes(30 * index);
        var correlation = history.NewCorrelationId();
        history.Record(StreamIds.Charger(charger.Id),
            new ChargerRegistered(charger.Id, days.Site.Id, charger.Vendor, charger.Model, charger.Protocol,
                ValueList.Of(charger.Evses.Select((inlet, i) => new EvseSpecification(i + 1,
                    ValueList.Of(new ConnectorSpecification(1, inlet, charger.MaxPowerKw))))),
                registeredAt),
            Operator, correlation, registeredAt);

        var plan = new ChargerPlan(days, charger, $"{charger.Vendor[..3].ToUpperInvariant()}{history.Random.Digits(9)}");
        var bootedAt = registeredAt + history.Random.Between(Duration.FromMinutes(20), Duration.FromMinutes(90));
        DemoDowntime.RecordBoot(history, plan, new OcppMessage(charger.Id), BootReason.PowerUp, bootedAt, correlation);
        return plan;
    }

    /// <summary>
    /// Time-of-use in OCPI's shape: both elements restricted to their hours, so nothing of the day tariff
    /// (its session fee in particular) leaks into the night.
    /// </summary>
    private static void PublishTariff(DemoHistory history, LocalDays days)
    {
        var site = days.Site;
        var tariff = site.Tariff;
        var vat = tariff.VatPercent;
        var publishedAt = site.At(days.First.PlusDays(-7), new LocalTime(12, 0));
        var validFrom = days.Start;
        var parking = new PriceComponent(PriceComponentType.ParkingTime, tariff.ParkingPerHour, vat, StepSize: 60);
        var offPeak = new TariffElement(
            ValueList.Of(new PriceComponent(PriceComponentType.Energy, tariff.OffPeakPerKwh, vat, StepSize: 1), parking),
            TariffRestrictions.Hours("22:00", "06:00"));
        var peak = new TariffElement(
            ValueList.Of(
                new PriceComponent(PriceComponentType.Energy, tariff.PeakPerKwh, vat, StepSize: 1),
                new PriceComponent(PriceComponentType.Flat, tariff.SessionFee, vat, StepSize: 1),
                parking),
            TariffRestrictions.Hours("06:00", "22:00"));

        var stream = StreamIds.Tariff(site.TariffId);
        var correlation = history.NewCorrelationId();
        history.Record(stream,
            new TariffPublished(site.TariffId, 1, tariff.Currency, tariff.PricesIncludeVat, ValueList.Of(offPeak, peak),
                validFrom, ValidUntil: null, publishedAt),
            Operator, correlation, publishedAt);
        var assignedAt = publishedAt + Duration.FromMinutes(2);
        history.Record(stream, new TariffAssigned(site.TariffId, TariffScope.Site, site.Id, validFrom, ValidUntil: null, assignedAt),
            Operator, correlation, assignedAt);
    }
}
