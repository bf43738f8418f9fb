using System.Globalization;
using System.Text;
using System.Xml;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Reports;

namespace Settlement.Documents.Reports;

/// <summary>
/// The AFIR feed as the two DATEX II v3 (3.5) energy-infrastructure publications a National Access Point takes
/// (Implementing Regulation (EU) 2025/655): the table publication with the static data (sites, stations, refill
/// points, connectors, operator, helpdesk, address, opening hours, ad hoc payment methods and price) and the status
/// publication with the dynamic data (each refill point's status and its ad hoc price now). A site is an
/// energyInfrastructureSite, a charger an energyInfrastructureStation, an EVSE an ElectricChargingPoint whose id is
/// its eMI3 EVSE id; the element order and choices follow the German NAP's "Level C" energy infrastructure profile
/// (see src/Settlement.Domain/Reports/README.md for where we depart from it). Deterministic: the same feed always
/// renders to the same bytes.
/// </summary>
public static class AfirDatex
{
    public const string D2 = "http://datex2.eu/schema/3/d2Payload";
    public const string Com = "http://datex2.eu/schema/3/common";
    public const string Egi = "http://datex2.eu/schema/3/energyInfrastructure";
    public const string Fac = "http://datex2.eu/schema/3/facilities";
    public const string Loc = "http://datex2.eu/schema/3/locationReferencing";
    public const string Locx = "http://datex2.eu/schema/3/locationExtension";
    public const string Xsi = "http://www.w3.org/2001/XMLSchema-instance";

    /// <summary>Every object's version: each publication is a full snapshot, so a consumer replaces what it holds.</summary>
    private const string Version = "1";

    public static byte[] RenderTable(AfirFeed feed)
    {
        ArgumentNullException.ThrowIfNull(feed);
        return Write(xml =>
        {
            StartPayload(xml, "egi:EnergyInfrastructureTablePublication", feed);
            Header(xml);
            xml.WriteStartElement("energyInfrastructureTable", Egi);
            xml.WriteAttributeString("id", TableId);
            xml.WriteAttributeString("version", Version);
            foreach (var pool in feed.Pools)
                WriteSite(xml, pool, feed.GeneratedAt);
            xml.WriteEndElement();
            xml.WriteEndElement();
        });
    }

    public static byte[] RenderStatus(AfirFeed feed)
    {
        ArgumentNullException.ThrowIfNull(feed);
        return Write(xml =>
        {
            StartPayload(xml, "egi:EnergyInfrastructureStatusPublication", feed);
            xml.WriteStartElement("tableReference", Egi);
            xml.WriteAttributeString("targetClass", "egi:EnergyInfrastructureTable");
            xml.WriteAttributeString("id", TableId);
            xml.WriteAttributeString("version", Version);
            xml.WriteEndElement();
            Header(xml);
            foreach (var pool in feed.Pools)
            {
                xml.WriteStartElement("energyInfrastructureSiteStatus", Egi);
                Reference(xml, pool.PoolId);
                foreach (var station in Stations(pool))
                {
                    xml.WriteStartElement("energyInfrastructureStationStatus", Egi);
                    Reference(xml, station.Key);
                    foreach (var point in station)
                    {
                        xml.WriteStartElement("refillPointStatus", Egi);
                        xml.WriteAttributeString("xsi", "type", Xsi, "egi:ElectricChargingPointStatus");
                        Reference(xml, point.EvseId);
                        Element(xml, Fac, "lastUpdated", DateTime(point.Status.LastUpdated));
                        Element(xml, Egi, "status", Status(point.Status.OperationalStatus));
                        xml.WriteStartElement("energyRateUpdate", Egi);
                        Element(xml, Egi, "lastUpdated", DateTime(feed.GeneratedAt));
                        xml.WriteStartElement("energyRateReference", Egi);
                        xml.WriteAttributeString("targetClass", "egi:EnergyRate");
                        xml.WriteAttributeString("id", RateId(point));
                        xml.WriteEndElement();
                        WritePrices(xml, point.AdHocPrice);
                        xml.WriteEndElement();
                        xml.WriteEndElement();
                    }
                    xml.WriteEndElement();
                }
                xml.WriteEndElement();
            }
            xml.WriteEndElement();
        });
    }

    /// <summary>The one table both publications name: every pool of the operator's ledger.</summary>
    public const string TableId = "afir-recharging-pools";

    /// <summary>The charger an EVSE id names ("DE*SET*EDEMUC01*1" is of station "DE*SET*EDEMUC01"), in id order.</summary>
    private static IEnumerable<IGrouping<string, AfirRechargingPoint>> Stations(AfirPool pool) =>
        pool.RechargingPoints.GroupBy(p => p.EvseId[..p.EvseId.LastIndexOf('*')]).OrderBy(g => g.Key, StringComparer.Ordinal);

    private static string RateId(AfirRechargingPoint point) => point.EvseId + "*AD-HOC";

    private static void StartPayload(XmlWriter xml, string type, AfirFeed feed)
    {
        xml.WriteStartElement("d2", "payload", D2);
        xml.WriteAttributeString("xmlns", "com", null, Com);
        xml.WriteAttributeString("xmlns", "egi", null, Egi);
        xml.WriteAttributeString("xmlns", "fac", null, Fac);
        xml.WriteAttributeString("xmlns", "loc", null, Loc);
        xml.WriteAttributeString("xmlns", "locx", null, Locx);
        xml.WriteAttributeString("xmlns", "xsi", null, Xsi);
        xml.WriteAttributeString("xsi", "type", Xsi, type);
        xml.WriteAttributeString("lang", "en");
        xml.WriteAttributeString("modelBaseVersion", "3");
        Element(xml, Com, "publicationTime", DateTime(feed.GeneratedAt));
        // The operator publishes its own data: the creator is the operator of the first pool; with nothing to publish
        // yet, there is no operator id to name, so the EU and a placeholder say so.
        var operatorId = feed.Pools.Select(p => p.Operator.OperatorId).FirstOrDefault();
        xml.WriteStartElement("publicationCreator", Com);
        Element(xml, Com, "country", operatorId is null ? "eu" : operatorId[..2].ToLowerInvariant());
        Element(xml, Com, "nationalIdentifier", operatorId ?? "no-pools-published");
        xml.WriteEndElement();
    }

    private static void Header(XmlWriter xml)
    {
        xml.WriteStartElement("headerInformation", Egi);
        Element(xml, Com, "confidentiality", "noRestriction");
        Element(xml, Com, "allowedDeliveryChannel", "anyGeneralDeliveryService");
        Element(xml, Com, "informationStatus", "real");
        xml.WriteEndElement();
    }

    private static void WriteSite(XmlWriter xml, AfirPool pool, Instant now)
    {
        xml.WriteStartElement("energyInfrastructureSite", Egi);
        xml.WriteAttributeString("id", pool.PoolId);
        xml.WriteAttributeString("version", Version);
        Multilingual(xml, Fac, "name", pool.Name);
        if (pool.BarrierFree is { } barrierFree) Element(xml, Fac, "accessibility", barrierFree ? "barrierFreeAccessible" : "none");
        WriteOperatingHours(xml, pool, now);
        WriteLocation(xml, pool, now);
        WriteOperator(xml, pool.Operator);
        WriteHelpdesk(xml, pool.Operator);
        foreach (var station in Stations(pool))
            WriteStation(xml, pool, station);
        xml.WriteEndElement();
    }

    private static void WriteStation(XmlWriter xml, AfirPool pool, IGrouping<string, AfirRechargingPoint> station)
    {
        xml.WriteStartElement("energyInfrastructureStation", Egi);
        xml.WriteAttributeString("id", station.Key);
        xml.WriteAttributeString("version", Version);
        Element(xml, Egi, "totalMaximumPower", Watts(station.Sum(p => p.Connectors.Max(c => c.MaxPowerKw))));
        foreach (var method in pool.AdHocPaymentMethods.Select(Authentication).Distinct().Order(StringComparer.Ordinal))
            Element(xml, Egi, "authenticationAndIdentificationMethods", method);
        Element(xml, Egi, "numberOfRefillPoints", station.Count().ToString(CultureInfo.InvariantCulture));
        // Unattended: the ledger knows no staffed site, and a helpdesk by phone is not attendance.
        xml.WriteStartElement("serviceType", Egi);
        Element(xml, Egi, "serviceType", "unattended");
        xml.WriteEndElement();
        foreach (var point in station)
            WritePoint(xml, pool, point);
        xml.WriteEndElement();
    }

    private static void WritePoint(XmlWriter xml, AfirPool pool, AfirRechargingPoint point)
    {
        xml.WriteStartElement("refillPoint", Egi);
        xml.WriteAttributeString("xsi", "type", Xsi, "egi:ElectricChargingPoint");
        xml.WriteAttributeString("id", point.EvseId);
        xml.WriteAttributeString("version", Version);
        Element(xml, Egi, "deliveryUnit", "kWh");
        Element(xml, Egi, "evseId", point.EvseId);
        Element(xml, Egi, "numberOfConnectors", point.Connectors.Count.ToString(CultureInfo.InvariantCulture));
        Element(xml, Egi, "availableChargingPower", Watts(point.Connectors.Max(c => c.MaxPowerKw)));
        foreach (var connector in point.Connectors)
        {
            xml.WriteStartElement("connector", Egi);
            Element(xml, Egi, "connectorType", ConnectorType(connector.Standard));
            Element(xml, Egi, "maxPowerAtSocket", Watts(connector.MaxPowerKw));
            xml.WriteEndElement();
        }
        var price = point.AdHocPrice;
        xml.WriteStartElement("electricEnergy", Egi);
        xml.WriteStartElement("energyRate", Egi);
        xml.WriteAttributeString("id", RateId(point));
        Element(xml, Egi, "ratePolicy", "adHoc");
        Element(xml, Egi, "lastUpdated", DateTime(price.PublishedAt ?? point.Status.LastUpdated));
        Element(xml, Egi, "applicableCurrency", price.Currency);
        xml.WriteStartElement("paymentMethod", Egi);
        foreach (var method in pool.AdHocPaymentMethods.Select(PaymentMeans).Distinct().Order(StringComparer.Ordinal))
            Element(xml, Fac, "paymentMeans", method);
        xml.WriteEndElement();
        WritePrices(xml, price);
        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndElement();
    }

    /// <summary>
    /// The ad hoc price's components incl. VAT, in a fixed order: energy per kWh, charging time, the idle fee for the
    /// time the vehicle stays connected after charging (DATEX II has no price type of its own for it: "other", said
    /// in words), the fee per session (a base price added to the rest).
    /// </summary>
    private static void WritePrices(XmlWriter xml, AfirAdHocPrice price)
    {
        if (price.PerKwhInclVat is { } perKwh) Price(xml, "pricePerKWh", perKwh, price.VatPercent, null);
        if (price.PerMinuteInclVat is { } perMinute) TimePrice(xml, perMinute, perMinute * 60m, price.VatPercent, idle: false);
        else if (price.PerHourInclVat is { } perHour) TimePrice(xml, perHour / 60m, perHour, price.VatPercent, idle: false);
        if (price.PerIdleHourInclVat is { } idle) TimePrice(xml, idle / 60m, idle, price.VatPercent, idle: true);
        if (price.PerSessionInclVat is { } perSession) Price(xml, "basePrice", perSession, price.VatPercent, null);
    }

    /// <summary>
    /// A time price in the unit that states it exactly: DATEX II money has two decimals, so per minute when that is a
    /// whole number of cents (1.20 an hour is 0.02 a minute), else per hour as the tariff states it (0.30 an hour is
    /// 0.005 a minute), said in words. A price is never rounded: one exact in neither unit is published per minute
    /// with its decimals, and a validator will point at it rather than a driver paying other than published.
    /// </summary>
    private static void TimePrice(XmlWriter xml, decimal perMinute, decimal perHour, decimal? vatPercent, bool idle)
    {
        var (value, perWhat) = InCents(perMinute) || !InCents(perHour) ? (perMinute, "minute") : (perHour, "hour");
        if (idle)
            Price(xml, "other", value, vatPercent, $"Idle fee: per {perWhat} the vehicle stays connected after charging has ended.");
        else if (perWhat == "minute")
            Price(xml, "pricePerMinute", value, vatPercent, null);
        else
            Price(xml, "other", value, vatPercent, "Charging time: per hour.");
    }

    private static bool InCents(decimal amount) => decimal.Round(amount, 2) == amount;

    private static void Price(XmlWriter xml, string type, decimal value, decimal? vatPercent, string? explanation)
    {
        xml.WriteStartElement("energyPrice", Egi);
        Element(xml, Egi, "priceType", type);
        Element(xml, Egi, "value", Plain(value));
        Element(xml, Egi, "taxIncluded", "true");
        if (vatPercent is { } vat) Element(xml, Egi, "taxRate", Plain(vat));
        if (explanation is not null) Multilingual(xml, Egi, "additionalInformation", explanation, "en");
        xml.WriteEndElement();
    }

    private static void WriteOperatingHours(XmlWriter xml, AfirPool pool, Instant now)
    {
        xml.WriteStartElement("operatingHours", Fac);
        if (pool.OpeningHours.TwentyFourSeven)
        {
            xml.WriteAttributeString("xsi", "type", Xsi, "fac:OpenAllHours");
            xml.WriteEndElement();
            return;
        }
        xml.WriteAttributeString("xsi", "type", Xsi, "fac:OperatingHoursSpecification");
        xml.WriteAttributeString("id", pool.PoolId + "-opening-hours");
        xml.WriteAttributeString("version", Version);
        xml.WriteStartElement("overallPeriod", Fac);
        // The weekly periods are the hours as of the publication: DATEX II asks when they start to hold, not when they end.
        Element(xml, Com, "overallStartTime", DateTime(now));
        foreach (var period in pool.OpeningHours.Periods)
        {
            xml.WriteStartElement("validPeriod", Com);
            xml.WriteStartElement("recurringTimePeriodOfDay", Com);
            Element(xml, Com, "startTimeOfPeriod", period.From + ":00");
            // The end of the day as the last second of it: xs:time's "24:00:00" is refused by common validators (.NET's among them).
            Element(xml, Com, "endTimeOfPeriod", period.Until == "24:00" ? "23:59:59" : period.Until + ":00");
            xml.WriteEndElement();
            xml.WriteStartElement("recurringDayWeekMonthPeriod", Com);
            foreach (var day in period.Days.Order())
                Element(xml, Com, "applicableDay", day.ToString().ToLowerInvariant());
            xml.WriteEndElement();
            xml.WriteEndElement();
        }
        xml.WriteEndElement();
        xml.WriteEndElement();
    }

    private static void WriteLocation(XmlWriter xml, AfirPool pool, Instant now)
    {
        xml.WriteStartElement("locationReference", Fac);
        xml.WriteAttributeString("xsi", "type", Xsi, "loc:PointLocation");
        xml.WriteStartElement("facilityLocation", Loc);
        // DATEX II states a zone as its offset from UTC: the site's offset at the time of publication.
        var offset = DateTimeZoneProviders.Tzdb[pool.TimeZone].GetUtcOffset(now);
        Element(xml, Locx, "timeZone", NodaTime.Text.OffsetPattern.CreateWithInvariantCulture("+HH:mm").Format(offset));
        xml.WriteStartElement("address", Locx);
        if (pool.Address is { } address)
        {
            Element(xml, Locx, "postcode", address.PostalCode);
            Multilingual(xml, Locx, "city", address.City);
        }
        Element(xml, Locx, "countryCode", pool.CountryCode);
        if (pool.Address is { } street)
        {
            xml.WriteStartElement("addressLine", Locx);
            xml.WriteAttributeString("order", "0");
            Element(xml, Locx, "type", "street");
            Multilingual(xml, Locx, "text", street.Street);
            xml.WriteEndElement();
        }
        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteStartElement("pointByCoordinates", Loc);
        xml.WriteStartElement("pointCoordinates", Loc);
        Element(xml, Loc, "latitude", Plain(pool.Coordinates.Latitude));
        Element(xml, Loc, "longitude", Plain(pool.Coordinates.Longitude));
        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndElement();
    }

    private static void WriteOperator(XmlWriter xml, AfirOperator op)
    {
        xml.WriteStartElement("operator", Fac);
        xml.WriteAttributeString("xsi", "type", Xsi, "fac:OrganisationSpecification");
        xml.WriteAttributeString("id", op.OperatorId);
        xml.WriteAttributeString("version", Version);
        Element(xml, Fac, "operatorId", op.OperatorId);
        Multilingual(xml, Fac, "name", op.Name);
        xml.WriteEndElement();
    }

    private static void WriteHelpdesk(XmlWriter xml, AfirOperator op)
    {
        xml.WriteStartElement("helpdesk", Fac);
        xml.WriteAttributeString("xsi", "type", Xsi, "fac:OrganisationSpecification");
        xml.WriteAttributeString("id", op.OperatorId + "-helpdesk");
        xml.WriteAttributeString("version", Version);
        Multilingual(xml, Fac, "name", op.Name);
        xml.WriteStartElement("organisationUnit", Fac);
        xml.WriteStartElement("contactInformation", Fac);
        Element(xml, Fac, "telephoneNumber", op.HelpdeskPhone);
        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndElement();
    }

    private static void Reference(XmlWriter xml, string id)
    {
        xml.WriteStartElement("reference", Fac);
        xml.WriteAttributeString("targetClass", "fac:FacilityObject");
        xml.WriteAttributeString("id", id);
        xml.WriteAttributeString("version", Version);
        xml.WriteEndElement();
    }

    private static string Status(OperationalStatus status) => status switch
    {
        OperationalStatus.Available => "available",
        OperationalStatus.Occupied => "occupied",
        OperationalStatus.OutOfOrder => "outOfOrder",
        _ => "unknown",
    };

    private static string ConnectorType(ConnectorStandard standard) => standard switch
    {
        ConnectorStandard.Type2 => "iec62196T2",
        ConnectorStandard.Ccs2 => "iec62196T2COMBO",
        ConnectorStandard.Ccs1 => "iec62196T1COMBO",
        ConnectorStandard.Type1 => "iec62196T1",
        ConnectorStandard.Chademo => "chademo",
        ConnectorStandard.Nacs => "teslaConnectorAmerica",
        _ => "other",
    };

    private static string PaymentMeans(AdHocPaymentMethod method) => method switch
    {
        AdHocPaymentMethod.PaymentCardContactless => "nfc",
        AdHocPaymentMethod.PaymentCardReader => "emv",
        _ => "qrCode",
    };

    private static string Authentication(AdHocPaymentMethod method) => method switch
    {
        AdHocPaymentMethod.PaymentCardContactless => "nfc",
        AdHocPaymentMethod.PaymentCardReader => "creditCard",
        _ => "website",
    };

    private static string Watts(decimal kw) => Plain(kw * 1000m);

    private static string Plain(decimal value) => value.ToString(DocumentNumbers.PlainFormat, CultureInfo.InvariantCulture);

    private static string DateTime(Instant instant) => NodaTime.Text.InstantPattern.General.Format(instant);

    private static void Element(XmlWriter xml, string ns, string name, string value) => xml.WriteElementString(name, ns, value);

    private static void Multilingual(XmlWriter xml, string ns, string name, string text, string? lang = null)
    {
        xml.WriteStartElement(name, ns);
        xml.WriteStartElement("values", Com);
        xml.WriteStartElement("value", Com);
        if (lang is not null) xml.WriteAttributeString("lang", lang);
        xml.WriteString(text);
        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndElement();
    }

    private static byte[] Write(Action<XmlWriter> write)
    {
        var settings = new XmlWriterSettings
        {
            Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            Indent = true,
            IndentChars = "  ",
            NewLineChars = "\n",
            NamespaceHandling = NamespaceHandling.OmitDuplicates,
        };
        using var stream = new MemoryStream();
        using (var xml = XmlWriter.Create(stream, settings))
        {
            xml.WriteStartDocument();
            write(xml);
            xml.WriteEndDocument();
        }
        return stream.ToArray();
    }
}
