using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Xml.Linq;
using System.Xml.XPath;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Domain.Tariffs;
using Settlement.Ledger;
using Settlement.Ledger.Store;
using static Settlement.Tests.Reports.afir_datex_tests;

namespace Settlement.Tests.Reports;

/// <summary>
/// The open AFIR API end to end: a Munich site the operator described and a Denver site, each with a two-EVSE charger
/// and an ad hoc tariff charging energy, charging time, an idle fee and a session fee; EVSE 1 in Munich faulted.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class afir_datex_api_tests(LedgerDatabase db) : IAsyncLifetime
{
    private static readonly Instant SetUpAt = Instant.FromUtc(2026, 1, 5, 9, 0);
    private static readonly EventMetadata ByOperator = EventMetadata.NewCorrelation(new Actor(ActorKind.Operator, "tests"), SetUpAt);

    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
    private TestHost _host = null!;

    private string Munich => $"DE-MUC-{_suffix}";
    private string Denver => $"US-DEN-{_suffix}";
    private string MunichCharger => $"MUC{_suffix}";

    private static object PublicDetails(string operatorId) => new
    {
        operatorName = "Settlement Charging GmbH",
        operatorId,
        helpdeskPhone = "+498920004711",
        openingHours = new
        {
            twentyFourSeven = false,
            periods = new[] { new { days = new[] { "Monday", "Tuesday", "Wednesday", "Thursday", "Friday" }, from = "06:00", until = "22:00" } },
        },
        adHocPaymentMethods = new[] { "PaymentCardContactless", "QrCodeWebPayment" },
        barrierFree = true,
    };

    public async Task InitializeAsync()
    {
        _host = await new TestHost(db).StartAsync();
        await _host.DisposeOnFailureAsync(async () =>
        {
            await RegisterAsync(Munich, MunichCharger, "Werner-Heisenberg-Allee 25", "80939", "München", "DE", 48.188562m, 11.612345m, "Europe/Berlin");
            await RegisterAsync(Denver, $"DEN{_suffix}", "101 W Colfax Ave", "80202", "Denver", "US", 39.7392m, -104.9903m, "America/Denver");
            Assert.Equal(HttpStatusCode.NoContent, (await _host.Http.PutAsJsonAsync($"/api/sites/{Munich}/public-details", PublicDetails("DE*SET"))).StatusCode);
            Assert.Equal(HttpStatusCode.NoContent, (await _host.Http.PutAsJsonAsync($"/api/sites/{Denver}/public-details", PublicDetails("US*SET"))).StatusCode);
            var now = SystemClock.Instance.GetCurrentInstant();
            await db.Ledger.AppendAsync(new StreamAppend(StreamIds.Charger(MunichCharger),
                [new PendingEvent(new FaultReported(MunichCharger, 1, 1, "GroundFailure", null, null, now - Duration.FromMinutes(1)), EventMetadata.NewCorrelation(Actor.Charger(MunichCharger), now))]));
            await _host.Services.GetRequiredService<AsyncProjections>().WaitForNonStaleDataAsync(TimeSpan.FromSeconds(60));
        });
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task RegisterAsync(string siteId, string chargerId, string street, string postalCode, string city, string country, decimal latitude, decimal longitude, string zone)
    {
        var registered = await _host.Http.PostAsJsonAsync("/api/sites", new
        {
            siteId, name = $"Site {siteId}", address = new { street, postalCode, city, countryCode = country },
            latitude, longitude, timeZone = zone, gridCapacityKw = 400m,
        });
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        await db.Ledger.AppendAsync(StreamAppend.New(StreamIds.Charger(chargerId), new PendingEvent(
            new ChargerRegistered(chargerId, siteId, "Alpitronic", "HYC300", OcppVersion.Ocpp201,
                [new EvseSpecification(1, [new ConnectorSpecification(1, ConnectorStandard.Ccs2, 300m)]),
                 new EvseSpecification(2, [new ConnectorSpecification(1, ConnectorStandard.Type2, 22m)])], SetUpAt), ByOperator)));
        var tariffId = $"ADHOC-{siteId}";
        var tariff = new TariffPublished(tariffId, 1, country == "US" ? "USD" : "EUR", PricesIncludeVat: true,
            [new TariffElement(
            [
                new PriceComponent(PriceComponentType.Energy, 0.59m, VatPercent: 19m, StepSize: 1),
                new PriceComponent(PriceComponentType.Time, 1.20m, VatPercent: 19m, StepSize: 60),
                new PriceComponent(PriceComponentType.ParkingTime, 6.00m, VatPercent: 19m, StepSize: 60),
                new PriceComponent(PriceComponentType.Flat, 0.50m, VatPercent: 19m, StepSize: 1),
            ], Restrictions: null)],
            SetUpAt, ValidUntil: null, SetUpAt);
        await db.Ledger.AppendAsync(StreamAppend.New(StreamIds.Tariff(tariffId),
            new PendingEvent(tariff, ByOperator),
            new PendingEvent(new TariffAssigned(tariffId, TariffScope.Site, siteId, SetUpAt, ValidUntil: null, SetUpAt), ByOperator)));
    }

    private async Task<XDocument> PublicationAsync(string which)
    {
        using var anonymous = _host.Client(null);
        using var response = await anonymous.GetAsync($"/api/afir/datex/{which}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/xml", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(30), response.Headers.CacheControl?.MaxAge);
        return Parse(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task anyone_reads_the_german_site_with_its_address_helpdesk_hours_payment_methods_points_and_connectors()
    {
        var table = await PublicationAsync("table");
        var site = $"//egi:energyInfrastructureSite[@id='{Munich}']";

        Assert.Equal("Werner-Heisenberg-Allee 25", Text(table, $"{site}/fac:locationReference/loc:facilityLocation/locx:address/locx:addressLine/locx:text/com:values/com:value"));
        Assert.Equal("80939", Text(table, $"{site}/fac:locationReference/loc:facilityLocation/locx:address/locx:postcode"));
        Assert.Equal("Settlement Charging GmbH", Text(table, $"{site}/fac:operator/fac:name/com:values/com:value"));
        Assert.Equal("+498920004711", Text(table, $"{site}/fac:helpdesk/fac:organisationUnit/fac:contactInformation/fac:telephoneNumber"));
        Assert.Equal(["monday", "tuesday", "wednesday", "thursday", "friday"], Texts(table, $"{site}/fac:operatingHours/fac:overallPeriod/com:validPeriod/com:recurringDayWeekMonthPeriod/com:applicableDay"));
        Assert.Equal("06:00:00", Text(table, $"{site}/fac:operatingHours/fac:overallPeriod/com:validPeriod/com:recurringTimePeriodOfDay/com:startTimeOfPeriod"));
        Assert.Equal([$"DE*SET*E{MunichCharger}*1", $"DE*SET*E{MunichCharger}*2"], Texts(table, $"{site}//egi:refillPoint/egi:evseId"));
        Assert.Equal(["iec62196T2COMBO", "iec62196T2"], Texts(table, $"{site}//egi:refillPoint/egi:connector/egi:connectorType"));
        Assert.Equal(["nfc", "qrCode"], Texts(table, $"{site}//egi:refillPoint[1]//egi:paymentMethod/fac:paymentMeans"));
    }

    [Fact]
    public async Task a_us_site_is_in_neither_publication_nor_in_the_json_feed()
    {
        var table = await PublicationAsync("table");
        var status = await PublicationAsync("status");
        var json = await _host.Http.GetStringAsync("/api/reports/afir");

        Assert.NotEmpty(table.XPathSelectElements($"//egi:energyInfrastructureSite[@id='{Munich}']", Namespaces));
        Assert.DoesNotContain(Denver, table.ToString());
        Assert.DoesNotContain(Denver, status.ToString());
        Assert.DoesNotContain(Denver, json);
        Assert.Contains(Munich, json);
    }

    [Fact]
    public async Task the_status_carries_each_points_status_and_the_complete_ad_hoc_price_with_its_idle_fee()
    {
        var status = await PublicationAsync("status");
        string Point(int evse) => $"//egi:refillPointStatus[fac:reference/@id='DE*SET*E{MunichCharger}*{evse}']";

        Assert.Equal("outOfOrder", Text(status, $"{Point(1)}/egi:status"));
        Assert.Equal("available", Text(status, $"{Point(2)}/egi:status"));
        var prices = status.XPathSelectElements($"{Point(2)}/egi:energyRateUpdate/egi:energyPrice", Namespaces)
            .Select(p => (p.Element(XName.Get("priceType", Settlement.Documents.Reports.AfirDatex.Egi))!.Value, p.Element(XName.Get("value", Settlement.Documents.Reports.AfirDatex.Egi))!.Value))
            .ToList();
        // 1.20 an hour charging is 0.02 a minute, 6.00 an hour idle 0.1 a minute; all incl. 19% VAT.
        Assert.Equal([("pricePerKWh", "0.59"), ("pricePerMinute", "0.02"), ("other", "0.1"), ("basePrice", "0.5")], prices);
        Assert.Equal(["19", "19", "19", "19"], Texts(status, $"{Point(2)}/egi:energyRateUpdate/egi:energyPrice/egi:taxRate"));
    }

    [Fact]
    public async Task the_json_feed_has_the_idle_fee_and_the_site_details()
    {
        using var feed = JsonDocument.Parse(await _host.Http.GetByteArrayAsync("/api/reports/afir"));
        var pool = feed.RootElement.GetProperty("pools").EnumerateArray().Single(p => p.GetProperty("poolId").GetString() == Munich);

        Assert.Equal("+498920004711", pool.GetProperty("operator").GetProperty("helpdeskPhone").GetString());
        Assert.Equal("6.00", pool.GetProperty("rechargingPoints")[0].GetProperty("adHocPrice").GetProperty("perIdleHourInclVat").GetString());
        Assert.Equal("Werner-Heisenberg-Allee 25", pool.GetProperty("address").GetProperty("street").GetString());
    }

    [Fact]
    public async Task public_details_with_bad_fields_are_refused_naming_each_field_and_nothing_is_written()
    {
        var response = await _host.Http.PutAsJsonAsync($"/api/sites/{Munich}/public-details", new
        {
            operatorName = "Settlement Charging GmbH",
            operatorId = "SET",
            helpdeskPhone = "089 2000 4711",
            openingHours = new { twentyFourSeven = false, periods = new[] { new { days = new[] { "Monday" }, from = "22:00", until = "06:00" } } },
            adHocPaymentMethods = Array.Empty<string>(),
        });
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        foreach (var field in new[] { "operatorId:", "helpdeskPhone:", "openingHours.periods[0].until:", "adHocPaymentMethods:" })
            Assert.Contains(field, body);
        var described = (await db.Ledger.ReadStreamAsync(StreamIds.Site(Munich))).Select(e => e.Data).OfType<SitePublicDetailsDescribed>().ToList();
        Assert.Single(described);
    }
}
