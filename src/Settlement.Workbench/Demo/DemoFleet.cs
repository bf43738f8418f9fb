using NodaTime;
using Settlement.Domain.Chargers;

namespace Settlement.Workbench.Demo;

/// <summary>
/// What the demo network is made of. It is fixed, whatever the seed: the seed only shapes what happens
/// on it, so every demo database has the same sites and charger ids to look up.
/// </summary>
internal static class DemoFleet
{
    public const string RolloutModel = "HYC300";
    public const string RolloutFirmware = "1.5.0";

    public static IReadOnlyList<SiteSpec> Sites { get; } =
    [
        new("DE-MUC", "Munich Altstadt Fast Charging Hub", "DE", "Europe/Berlin", 48.1374m, 11.5755m, GridCapacityKw: 800m,
            ArrivalsPerEvseDay: 4.7, RoamingShare: 0.23,
            new TariffSpec("EUR", PricesIncludeVat: true, VatPercent: 19m, OffPeakPerKwh: 0.49m, PeakPerKwh: 0.69m, ParkingPerHour: 6.00m, SessionFee: 0.50m),
            [
                new("DE-MUC-01", "Alpitronic", "HYC300", OcppVersion.Ocpp16, 300m, "1.4.2", [ConnectorStandard.Ccs2, ConnectorStandard.Ccs2]),
                new("DE-MUC-02", "Alpitronic", "HYC300", OcppVersion.Ocpp201, 300m, "1.4.2", [ConnectorStandard.Ccs2, ConnectorStandard.Ccs2]),
                new("DE-MUC-03", "Kempower", "S-Series Satellite", OcppVersion.Ocpp201, 240m, "3.21.1", [ConnectorStandard.Ccs2, ConnectorStandard.Ccs2]),
                new("DE-MUC-04", "ABB", "Terra 184", OcppVersion.Ocpp16, 180m, "1.8.30", [ConnectorStandard.Ccs2, ConnectorStandard.Ccs2]),
                new("DE-MUC-05", "Tritium", "PKM150", OcppVersion.Ocpp16, 150m, "2.4.3", [ConnectorStandard.Ccs2, ConnectorStandard.Ccs2]),
            ]) { Address = new("Marienplatz 8", "80331", "Munich", "DE") },
        new("FR-LYS", "Lyon Presqu'île Fast Charging Hub", "FR", "Europe/Paris", 45.7640m, 4.8357m, GridCapacityKw: 600m,
            ArrivalsPerEvseDay: 4.3, RoamingShare: 0.25,
            new TariffSpec("EUR", PricesIncludeVat: true, VatPercent: 20m, OffPeakPerKwh: 0.39m, PeakPerKwh: 0.59m, ParkingPerHour: 9.00m, SessionFee: 0.35m),
            [
                new("FR-LYS-01", "Alpitronic", "HYC300", OcppVersion.Ocpp201, 300m, "1.4.2", [ConnectorStandard.Ccs2, ConnectorStandard.Ccs2]),
                new("FR-LYS-02", "ABB", "Terra 184", OcppVersion.Ocpp201, 180m, "1.8.30", [ConnectorStandard.Ccs2, ConnectorStandard.Ccs2]),
                new("FR-LYS-03", "Kempower", "S-Series Satellite", OcppVersion.Ocpp201, 240m, "3.21.1", [ConnectorStandard.Ccs2, ConnectorStandard.Ccs2]),
                new("FR-LYS-04", "Tritium", "PKM150", OcppVersion.Ocpp16, 150m, "2.4.3", [ConnectorStandard.Ccs2, ConnectorStandard.Ccs2]),
                new("FR-LYS-05", "ABB", "Terra 124", OcppVersion.Ocpp16, 120m, "1.8.30", [ConnectorStandard.Ccs2, ConnectorStandard.Ccs2]),
            ]) { Address = new("Place Bellecour 1", "69002", "Lyon", "FR") },
        new("US-DEN", "Denver Civic Center Fast Charging Hub", "US", "America/Denver", 39.7392m, -104.9903m, GridCapacityKw: 700m,
            ArrivalsPerEvseDay: 4.5, RoamingShare: 0.06,
            // US prices are quoted before sales tax, which is added on the receipt.
            new TariffSpec("USD", PricesIncludeVat: false, VatPercent: null, OffPeakPerKwh: 0.38m, PeakPerKwh: 0.56m, ParkingPerHour: 24.00m, SessionFee: 1.00m),
            [
                new("US-DEN-01", "Alpitronic", "HYC400", OcppVersion.Ocpp201, 400m, "1.4.2", [ConnectorStandard.Ccs1, ConnectorStandard.Nacs]),
                new("US-DEN-02", "Tritium", "PKM150", OcppVersion.Ocpp16, 150m, "2.4.3", [ConnectorStandard.Ccs1, ConnectorStandard.Nacs]),
                new("US-DEN-03", "ABB", "Terra 184", OcppVersion.Ocpp201, 180m, "1.8.30", [ConnectorStandard.Ccs1, ConnectorStandard.Nacs]),
                new("US-DEN-04", "Kempower", "S-Series Satellite", OcppVersion.Ocpp201, 240m, "3.21.1", [ConnectorStandard.Ccs1, ConnectorStandard.Nacs]),
                new("US-DEN-05", "ABB", "Terra 184", OcppVersion.Ocpp16, 180m, "1.8.30", [ConnectorStandard.Ccs1, ConnectorStandard.Nacs]),
            ]) { Address = new("101 W Colfax Ave", "80202", "Denver", "US") },
    ];

    // Usable battery and peak DC power; the inlet decides which EVSEs a car can use.
    public static IReadOnlyList<VehicleSpec> Vehicles { get; } =
    [
        new("Volkswagen ID.3", 58, 120, ConnectorStandard.Ccs2),
        new("Volkswagen ID.4", 77, 135, ConnectorStandard.Ccs2),
        new("Skoda Enyaq", 77, 135, ConnectorStandard.Ccs2),
        new("Tesla Model Y", 75, 250, ConnectorStandard.Ccs2),
        new("Tesla Model 3", 75, 250, ConnectorStandard.Ccs2),
        new("Hyundai Ioniq 5", 77, 235, ConnectorStandard.Ccs2),
        new("Kia EV6", 77, 240, ConnectorStandard.Ccs2),
        new("BMW i4", 81, 205, ConnectorStandard.Ccs2),
        new("Renault Megane E-Tech", 60, 130, ConnectorStandard.Ccs2),
        new("Peugeot e-2008", 50, 100, ConnectorStandard.Ccs2),
        new("Polestar 2", 78, 205, ConnectorStandard.Ccs2),
        new("Mercedes EQE", 89, 170, ConnectorStandard.Ccs2),
        new("Porsche Taycan", 93, 270, ConnectorStandard.Ccs2),
        new("MG4", 64, 140, ConnectorStandard.Ccs2),

        new("Ford Mustang Mach-E", 91, 150, ConnectorStandard.Ccs1),
        new("Chevrolet Bolt EUV", 65, 55, ConnectorStandard.Ccs1),
        new("Chevrolet Equinox EV", 85, 150, ConnectorStandard.Ccs1),
        new("Volkswagen ID.4", 82, 135, ConnectorStandard.Ccs1),
        new("Kia EV6", 77, 240, ConnectorStandard.Ccs1),
        new("Cadillac Lyriq", 100, 190, ConnectorStandard.Ccs1),
        new("BMW i4", 81, 205, ConnectorStandard.Ccs1),

        new("Tesla Model Y", 75, 250, ConnectorStandard.Nacs),
        new("Tesla Model 3", 75, 250, ConnectorStandard.Nacs),
        new("Tesla Model S", 95, 250, ConnectorStandard.Nacs),
        new("Hyundai Ioniq 5", 84, 235, ConnectorStandard.Nacs),
    ];

    public static IReadOnlyList<PartnerSpec> Partners { get; } =
    [
        new("NL-VLT", "NL", "VLT", "Voltaroam", Share: 0.6, VatId: "NL300000005B01"),
        new("DE-STW", "DE", "STW", "Stromweg Mobility", Share: 0.4, VatId: "DE300000019"),
    ];
}

internal sealed record SiteSpec(
    string Id, string Name, string CountryCode, string TimeZoneId, decimal Latitude, decimal Longitude,
    decimal GridCapacityKw, double ArrivalsPerEvseDay, double RoamingShare, TariffSpec Tariff,
    IReadOnlyList<ChargerSpec> Chargers)
{
    public DateTimeZone Zone { get; } = DateTimeZoneProviders.Tzdb[TimeZoneId];

    public SiteAddress? Address { get; init; }

    public string TariffId => $"{Id}-STANDARD";

    /// <summary>A local time of day at the site; in the hour clocks go back, its first occurrence.</summary>
    public Instant At(LocalDate date, LocalTime time) => date.At(time).InZoneLeniently(Zone).ToInstant();
}

/// <summary>
/// The requested days as the site's own calendar days: each starts at local midnight, so a day can be
/// 23 or 25 hours long when the clocks change.
/// </summary>
internal sealed record LocalDays(SiteSpec Site, LocalDate First, int Count)
{
    public Instant Start { get; } = First.AtStartOfDayInZone(Site.Zone).ToInstant();
    public Instant End { get; } = First.PlusDays(Count).AtStartOfDayInZone(Site.Zone).ToInstant();
    public Duration Length => End - Start;

    /// <summary>From the day's local midnight up to, not including, the next.</summary>
    public Window Day(int index) => new(
        First.PlusDays(index).AtStartOfDayInZone(Site.Zone).ToInstant(),
        First.PlusDays(index + 1).AtStartOfDayInZone(Site.Zone).ToInstant());
}

/// <summary>One connector per EVSE; <see cref="Evses"/>[i] is the connector standard of EVSE i + 1.</summary>
internal sealed record ChargerSpec(
    string Id, string Vendor, string Model, OcppVersion Protocol, decimal MaxPowerKw, string FirmwareVersion,
    IReadOnlyList<ConnectorStandard> Evses);

internal sealed record TariffSpec(
    string Currency, bool PricesIncludeVat, decimal? VatPercent,
    decimal OffPeakPerKwh, decimal PeakPerKwh, decimal ParkingPerHour, decimal SessionFee);

internal sealed record VehicleSpec(string Name, double BatteryKwh, double MaxPowerKw, ConnectorStandard Inlet);

/// <param name="VatId">Fictitious, but of its country's format and check digit, since invoices refuse any other.</param>
internal sealed record PartnerSpec(string PartnerId, string CountryCode, string PartyId, string Name, double Share, string VatId);
