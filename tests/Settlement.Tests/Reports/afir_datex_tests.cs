using System.Xml;
using System.Xml.Linq;
using System.Xml.XPath;
using Settlement.Documents.Reports;
using Settlement.Domain.Reports;

namespace Settlement.Tests.Reports;

/// <summary>The AFIR feed as the DATEX II v3 energy-infrastructure table and status publications, read back with XPath.</summary>
public sealed class afir_datex_tests
{
    internal static readonly XmlNamespaceManager Namespaces = NamespacesOf(new NameTable());

    private static XmlNamespaceManager NamespacesOf(XmlNameTable names)
    {
        var manager = new XmlNamespaceManager(names);
        manager.AddNamespace("d2", AfirDatex.D2);
        manager.AddNamespace("com", AfirDatex.Com);
        manager.AddNamespace("egi", AfirDatex.Egi);
        manager.AddNamespace("fac", AfirDatex.Fac);
        manager.AddNamespace("loc", AfirDatex.Loc);
        manager.AddNamespace("locx", AfirDatex.Locx);
        manager.AddNamespace("xsi", AfirDatex.Xsi);
        return manager;
    }

    internal static XDocument Parse(byte[] xml)
    {
        using var stream = new MemoryStream(xml);
        return XDocument.Load(stream);
    }

    internal static string Text(XDocument document, string xpath) =>
        document.XPathSelectElement(xpath, Namespaces)?.Value ?? throw new Xunit.Sdk.XunitException($"nothing at {xpath}");

    internal static string[] Texts(XDocument document, string xpath) =>
        [.. document.XPathSelectElements(xpath, Namespaces).Select(e => e.Value)];

    private const string Munich = "//egi:energyInfrastructureSite[@id='DE-MUC-01']";
    private const string Starnberg = "//egi:energyInfrastructureSite[@id='DE-STA-02']";

    [Fact]
    public void the_table_carries_each_sites_address_operator_helpdesk_hours_payment_methods_points_and_connectors()
    {
        var table = Parse(AfirDatex.RenderTable(afir_feed_tests.Feed()));

        Assert.Equal("egi:EnergyInfrastructureTablePublication", table.Root!.Attribute(XName.Get("type", AfirDatex.Xsi))!.Value);
        Assert.Equal("Werner-Heisenberg-Allee 25", Text(table, $"{Munich}/fac:locationReference/loc:facilityLocation/locx:address/locx:addressLine[locx:type='street']/locx:text/com:values/com:value"));
        Assert.Equal("80939", Text(table, $"{Munich}/fac:locationReference/loc:facilityLocation/locx:address/locx:postcode"));
        Assert.Equal("München", Text(table, $"{Munich}/fac:locationReference/loc:facilityLocation/locx:address/locx:city/com:values/com:value"));
        Assert.Equal("48.188562", Text(table, $"{Munich}/fac:locationReference/loc:pointByCoordinates/loc:pointCoordinates/loc:latitude"));
        Assert.Equal("DE*SET", Text(table, $"{Munich}/fac:operator/fac:operatorId"));
        Assert.Equal("+498920004711", Text(table, $"{Munich}/fac:helpdesk/fac:organisationUnit/fac:contactInformation/fac:telephoneNumber"));
        Assert.Equal("fac:OpenAllHours", table.XPathSelectElement($"{Munich}/fac:operatingHours", Namespaces)!.Attribute(XName.Get("type", AfirDatex.Xsi))!.Value);
        Assert.Equal("barrierFreeAccessible", Text(table, $"{Munich}/fac:accessibility"));
        Assert.Equal(["DE*SET*E*MUC01*1", "DE*SET*E*MUC01*2"], Texts(table, $"{Munich}//egi:refillPoint/egi:evseId"));
        Assert.Equal(["iec62196T2COMBO", "chademo"], Texts(table, $"{Munich}//egi:refillPoint[@id='DE*SET*E*MUC01*2']/egi:connector/egi:connectorType"));
        Assert.Equal(["300000", "50000"], Texts(table, $"{Munich}//egi:refillPoint[@id='DE*SET*E*MUC01*2']/egi:connector/egi:maxPowerAtSocket"));
        Assert.Equal(["emv", "nfc"], Texts(table, $"{Munich}//egi:refillPoint[@id='DE*SET*E*MUC01*1']//egi:energyRate/egi:paymentMethod/fac:paymentMeans"));
        Assert.Equal(["qrCode"], Texts(table, $"{Starnberg}//egi:energyRate/egi:paymentMethod/fac:paymentMeans"));
    }

    [Fact]
    public void weekly_opening_hours_are_periods_of_days_in_local_time()
    {
        var table = Parse(AfirDatex.RenderTable(afir_feed_tests.Feed()));
        const string hours = $"{Starnberg}/fac:operatingHours/fac:overallPeriod/com:validPeriod";

        Assert.Equal(["06:00:00", "08:00:00"], Texts(table, $"{hours}/com:recurringTimePeriodOfDay/com:startTimeOfPeriod"));
        Assert.Equal(["22:00:00", "23:59:59"], Texts(table, $"{hours}/com:recurringTimePeriodOfDay/com:endTimeOfPeriod"));
        Assert.Equal(["monday", "tuesday", "wednesday", "thursday", "friday"], Texts(table, $"{hours}[1]/com:recurringDayWeekMonthPeriod/com:applicableDay"));
        Assert.Equal("+01:00", Text(table, $"{Starnberg}/fac:locationReference/loc:facilityLocation/locx:timeZone"));
    }

    [Fact]
    public void the_status_carries_each_points_status_and_its_complete_ad_hoc_price_with_the_idle_fee()
    {
        var status = Parse(AfirDatex.RenderStatus(afir_feed_tests.Feed()));
        const string point = "//egi:refillPointStatus[fac:reference/@id='DE*SET*E*STA02*1']";

        Assert.Equal(["occupied", "outOfOrder", "available"], Texts(status, "//egi:refillPointStatus/egi:status"));
        Assert.Equal("DE*SET*E*STA02*1*AD-HOC", status.XPathSelectElement($"{point}/egi:energyRateUpdate/egi:energyRateReference", Namespaces)!.Attribute("id")!.Value);
        var prices = status.XPathSelectElements($"{point}/egi:energyRateUpdate/egi:energyPrice", Namespaces)
            .Select(p => (Type: p.Element(XName.Get("priceType", AfirDatex.Egi))!.Value, Value: p.Element(XName.Get("value", AfirDatex.Egi))!.Value))
            .ToList();
        // Energy, charging time (0.005 a minute is no whole cent, so 0.30 an hour), the idle fee (6.00 an hour: 0.1 a
        // minute) and the session fee, all incl. 19% VAT.
        Assert.Equal([("pricePerKWh", "0.45"), ("other", "0.3"), ("other", "0.1"), ("basePrice", "0.5")], prices);
        Assert.Equal(["Charging time: per hour.", "Idle fee: per minute the vehicle stays connected after charging has ended."],
            Texts(status, $"{point}/egi:energyRateUpdate/egi:energyPrice/egi:additionalInformation/com:values/com:value"));
        Assert.Equal(["true", "true", "true", "true"], Texts(status, $"{point}/egi:energyRateUpdate/egi:energyPrice/egi:taxIncluded"));
        Assert.Equal(["19", "19", "19", "19"], Texts(status, $"{point}/egi:energyRateUpdate/egi:energyPrice/egi:taxRate"));
    }

    [Fact]
    public void every_rate_the_status_updates_is_defined_in_the_table()
    {
        var feed = afir_feed_tests.Feed();
        var table = Parse(AfirDatex.RenderTable(feed));
        var status = Parse(AfirDatex.RenderStatus(feed));

        var defined = table.XPathSelectElements("//egi:energyRate", Namespaces).Select(e => e.Attribute("id")!.Value).ToList();
        var updated = status.XPathSelectElements("//egi:energyRateReference", Namespaces).Select(e => e.Attribute("id")!.Value).ToList();

        Assert.Equal(3, updated.Count);
        Assert.Equal(defined, updated);
        Assert.Equal(defined.Count, defined.Distinct().Count());
    }

    [Fact]
    public void a_pool_outside_the_eu_and_eea_is_never_published()
    {
        var feed = afir_feed_tests.Feed();
        var denver = feed.Pools[0] with { PoolId = "US-DEN-01", CountryCode = "US", TimeZone = "America/Denver" };
        var withUs = feed with { Pools = [.. feed.Pools, denver], Withheld = [.. feed.Withheld, new AfirWithheldPool("US-BOU-02", "US", [WithheldReason.NoPublicDetails])] };

        var published = withUs.WhereAfirApplies();

        Assert.Equal(["DE-MUC-01", "DE-STA-02"], published.Pools.Select(p => p.PoolId));
        Assert.Equal(["DE-AUG-03"], published.Withheld.Select(w => w.PoolId));
        Assert.DoesNotContain("US-DEN-01", System.Text.Encoding.UTF8.GetString(AfirDatex.RenderTable(published)));
    }

    [Fact]
    public void the_publications_are_well_formed_and_render_to_the_same_bytes_every_time()
    {
        var feed = afir_feed_tests.Feed();
        var rescaled = feed with { Pools = [feed.Pools[0] with { Coordinates = new AfirCoordinates(48.1885620m, 11.61234500m) }, feed.Pools[1]] };

        Assert.Equal(AfirDatex.RenderTable(feed), AfirDatex.RenderTable(rescaled));
        Assert.Equal(AfirDatex.RenderStatus(feed), AfirDatex.RenderStatus(afir_feed_tests.Feed()));
        foreach (var xml in new[] { AfirDatex.RenderTable(feed), AfirDatex.RenderStatus(feed) })
        {
            using var reader = XmlReader.Create(new MemoryStream(xml), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit });
            while (reader.Read()) { }
            Assert.NotEqual(0xEF, xml[0]);
        }
    }
}
