using Settlement.Domain.Invoicing;
using Settlement.Domain.Invoicing.TaxRates;
using Settlement.Domain.Kpis;
using Settlement.Domain.Receivables;
using Settlement.Domain.Sessions;
using Settlement.Domain.Tariffs;
using Settlement.Host.Access;
using Settlement.Host.Chargers;
using Settlement.Host.Drivers;
using Settlement.Host.Invoicing;
using Settlement.Host.Kpis;
using Settlement.Host.Receivables;
using Settlement.Host.Tariffs;
using Settlement.Ocpp.Commands;
using Settlement.Ocpp.Connections;
using Settlement.Ocpp.Security;
using Settlement.Projections.Access;
using Settlement.Projections.Chargers;
using Settlement.Projections.Invoicing;
using Settlement.Projections.Sessions;
using Settlement.Projections.Tariffs;

namespace Settlement.Host.OpenApi;

/// <summary>What the API document says of one endpoint beyond its handler's signature.</summary>
/// <param name="Summary">One line: what calling it does.</param>
/// <param name="Example">A request body that the endpoint accepts (a test sends each one through the deserializer).</param>
/// <param name="Answer">The JSON the endpoint answers with on success, when the handler returns an untyped result.</param>
/// <param name="Status">The success status: 200, 201 for what a command recorded, 204 for nothing to show.</param>
/// <param name="Files">Media types of a document answered as a file instead of JSON.</param>
public sealed record ApiOperation(string Summary, object? Example = null, Type? Answer = null, int Status = 200, string[]? Files = null);

/// <summary>
/// Every endpoint's line in the API document, keyed "METHOD /route" as <see cref="AccessTable"/> names them. Kept
/// here, beside the document's transformers, so that the endpoint files stay about handling requests; a test fails
/// for an endpoint of the access table missing here, or with a request body but no example.
/// </summary>
public static class ApiCatalogue
{
    private const string Charger = "DE-MUC-01";
    private const string Csv = "text/csv";
    private const string Json = "application/json";
    private const string Xml = "application/xml";

    public static readonly IReadOnlyDictionary<string, ApiOperation> Operations = new Dictionary<string, ApiOperation>
    {
        ["GET /"] = new("Redirects to the dashboard, served at /dashboard/ (static files; they call the API with the key you sign in with)."),
        ["GET /health"] = new("Whether the host is up; with a key, also its database, event counts and roles in the cluster."),
        ["GET /api/streams/{streamId}"] = new("Read one stream's events exactly as recorded: data, stored type, times, actor, correlation."),

        ["POST /api/keys"] = new("Create an API key of a role; the key is shown in this answer only.",
            new { name = "ERP export", role = "Integration", operatorId = (string?)null }, Status: 201),
        ["GET /api/keys"] = new("List the keys this key may manage: name, role, sub-operator, when created, rotated or revoked.", Answer: typeof(IReadOnlyList<ApiKeySummary>)),
        ["POST /api/keys/{keyId}/rotate"] = new("Replace a key's secret: the old one stops working at once, the new one is shown in this answer only."),
        ["POST /api/keys/{keyId}/revoke"] = new("Revoke a key: it stops working at once.", new { reason = "Laptop lost" }, Status: 204),
        ["POST /api/operators"] = new("Register a sub-operator hosted by the top-level operator, with the legal name its invoices carry.",
            new { operatorId = "CHARGE-CO", name = "ChargeCo", legalName = "ChargeCo Mobility GmbH" }, Status: 201),
        ["GET /api/operators"] = new("List the sub-operators, a page at a time (?limit=, ?cursor= from the previous page's next)."),
        ["POST /api/sites/{siteId}/operator"] = new("Give a site to a sub-operator, or back to the top-level operator (operatorId null).",
            new { operatorId = "CHARGE-CO" }),
        ["GET /api/access/failed-logins"] = new("The clients and chargers with the most recent failed authentications.", Answer: typeof(IReadOnlyList<FailureCount>)),
        ["GET /api/access/me"] = new("The calling key: its id, name, role and sub-operator, the dashboard pages it may open and every endpoint it may call.",
            Answer: typeof(Settlement.Host.Dashboard.SignedInKey)),

        ["POST /api/sites"] = new("Register a site: name, address, GPS position, IANA time zone (checked against the position) and grid connection limit.",
            new
            {
                siteId = "DE-MUC", name = "München Marienplatz", address = new { street = "Marienplatz 8", postalCode = "80331", city = "München", countryCode = "DE" },
                latitude = 48.1374m, longitude = 11.5755m, timeZone = "Europe/Berlin", gridCapacityKw = 300m, gridCapacityAmpsPerPhase = 400m,
            }, Status: 201),
        ["PUT /api/sites/{siteId}"] = new("Change a site's name, address, position, time zone or grid connection limit.",
            new
            {
                name = "München Marienplatz", address = new { street = "Marienplatz 8", postalCode = "80331", city = "München", countryCode = "DE" },
                latitude = 48.1374m, longitude = 11.5755m, timeZone = "Europe/Berlin", gridCapacityKw = 450m,
            }, Status: 204),
        ["PUT /api/sites/{siteId}/public-details"] = new("Describe what a site shows the public (AFIR): operator name and eMI3 id, helpdesk phone, opening hours "
            + "(twentyFourSeven, or weekly periods in local time), ad hoc payment methods, barrier-free; a repeat changes nothing.",
            new
            {
                operatorName = "Settlement Charging GmbH", operatorId = "DE*SET", helpdeskPhone = "+498920004711",
                openingHours = new { twentyFourSeven = false, periods = new[] { new { days = new[] { "Monday", "Tuesday", "Wednesday", "Thursday", "Friday" }, from = "06:00", until = "22:00" } } },
                adHocPaymentMethods = new[] { "PaymentCardContactless", "QrCodeWebPayment" }, barrierFree = true,
            }, Status: 204),
        ["GET /api/sites"] = new("List the sites in id order, a page at a time (?limit=, ?cursor= from the previous page's next).", Answer: typeof(Page<SiteEndpoints.SiteView>)),
        ["GET /api/sites/{siteId}"] = new("One site: address, position, time zone, grid connection and tax jurisdiction.", Answer: typeof(SiteEndpoints.SiteView)),

        ["PUT /api/sites/{siteId}/power-model"] = new("Define or replace a site's power model: circuits from the grid connection down, the EVSEs the balancer controls, an onsite battery and the sharing policy; a repeat changes nothing.",
            new
            {
                nominalVoltage = 230,
                circuits = new object[]
                {
                    new { circuitId = "grid", parentId = (string?)null, maxAmpsPerPhase = 250m, maxKw = 170m },
                    new { circuitId = "board-a", parentId = "grid", maxAmpsPerPhase = 125m, maxKw = (decimal?)null },
                },
                evses = new[] { new { chargerId = Charger, evseId = 1, circuitId = "board-a", phases = new[] { "L1", "L2", "L3" }, minAmps = 6m, maxAmps = 32m, unit = "A" } },
                battery = new { circuitId = "grid", capacityKwh = 200m, maxChargeKw = 50m, maxDischargeKw = 100m, reservePercent = 20m },
                policy = new { sharing = "Priority", reclaim = true, priorityWeights = new Dictionary<string, int> { ["fleet-acme"] = 3 }, rebalanceSeconds = 30 },
            }, typeof(LoadBalancing.PowerEndpoints.PowerModelView)),
        ["GET /api/sites/{siteId}/power-model"] = new("A site's power model in force, the version that defined it and the battery's last state of charge.",
            Answer: typeof(LoadBalancing.PowerEndpoints.PowerModelView)),
        ["POST /api/sites/{siteId}/grid-signals"] = new("Issue a grid signal: a utility throttle or demand-response cap (percent of the circuit's limit and/or kW) or an outage, from and until an instant.",
            new { signalId = "dso-2026-12-06-1", kind = "Throttle", circuitId = (string?)null, capPercent = 60m, capKw = (decimal?)null, from = "2026-12-06T13:00:00Z", until = "2026-12-06T17:00:00Z", source = "DSO Netze BW" },
            typeof(LoadBalancing.PowerEndpoints.GridSignalView), Status: 201),
        ["GET /api/sites/{siteId}/grid-signals"] = new("A site's grid signals in force and ahead (?all=true: every one ever issued), latest start first, a page at a time.",
            Answer: typeof(Page<LoadBalancing.PowerEndpoints.GridSignalView>)),
        ["POST /api/sites/{siteId}/grid-signals/{signalId}/withdraw"] = new("Withdraw a grid signal from now on (the utility lifted it early).",
            Answer: typeof(LoadBalancing.PowerEndpoints.GridSignalView)),
        ["POST /api/sites/{siteId}/battery-state"] = new("Report the onsite battery's state of charge, as its energy management system measured it.",
            new { stateOfChargePercent = 64.5m }, typeof(LoadBalancing.PowerEndpoints.BatteryStateView), Status: 201),
        ["GET /api/sites/{siteId}/allocations"] = new("The balancer's latest decision: each session's limit, status, measured current and whether its charger acknowledged the limit; circuits, signals in force, battery.",
            Answer: typeof(LoadBalancing.LiveAllocationsView)),
        ["GET /api/sites/{siteId}/allocations/history"] = new("The balancer's decisions with every input they had, newest first, recorded from ?from= until ?to= (instants), a page at a time.",
            Answer: typeof(Page<LoadBalancing.AllocationDecisionView>)),
        ["GET /api/sites/{siteId}/allocations/history/{version:long}/replay"] = new("Re-run a recorded decision on its inputs (the model at its version, the signals as then known) and say whether every limit comes out the same.",
            Answer: typeof(LoadBalancing.ReplayView)),
        ["GET /api/sites/{siteId}/power-report"] = new("A site's month (?month=2026-11, in its time zone): peak 15-minute demand, the peak unmanaged, energy, sessions slowed and by how much, signals; JSON or CSV (?format=).",
            Files: [Json, Csv]),

        ["POST /api/firmware/rollouts"] = new("Plan a staged firmware rollout: the target's chargers resolved now, a canary soaked (soakHours, default 48) and gated against each charger's own baseline, then waves of bounded concurrency; halts on the abort criteria.",
            new
            {
                rolloutId = "fw-2-4-1", name = "Acme 2.4.1 to the Munich fleet",
                image = new { version = "2.4.1", location = "https://firmware.example/acme/2.4.1.bin", signature = (string?)null, signingCertificate = (string?)null },
                target = new { vendors = new[] { "Acme" }, models = Array.Empty<string>(), fromFirmware = new[] { "2.3.9" }, sites = Array.Empty<string>(), countries = new[] { "DE" } },
                canary = new { count = 1 }, soakHours = 48m,
                gates = new { requireBootAccepted = true, maxFaultsPerHourIncrease = 0.5m, maxReconnectsPerHourIncrease = 1m, maxChargeSuccessDropPoints = 10m, maxUptimeDropPoints = 5m },
                waves = new { firstWaveSize = 5, growth = 2m, maxConcurrency = 10, soakHours = 24m },
                abort = new { maxFailedPercent = 20m, minSample = 3 },
                rollbackImage = new { version = "2.3.9", location = "https://firmware.example/acme/2.3.9.bin" },
            }, typeof(Projections.Firmware.RolloutEntry), Status: 201),
        ["GET /api/firmware/rollouts"] = new("List the rollouts in the order planned, a page at a time: name, version, status, each charger's progress and the gates.",
            Answer: typeof(Page<Projections.Firmware.RolloutEntry>)),
        ["GET /api/firmware/rollouts/{rolloutId}"] = new("One rollout's progress: its phase and stage, each charger's stage and status, every gate evaluated (each charger's baseline against since its update), and why it halted or was aborted.",
            Answer: typeof(Projections.Firmware.RolloutEntry)),
        ["GET /api/firmware/rollouts/{rolloutId}/history"] = new("A rollout's events as recorded, oldest first, a page at a time.",
            Answer: typeof(Page<Firmware.RolloutEndpoints.RolloutHistoryEntry>)),
        ["POST /api/firmware/rollouts/{rolloutId}/pause"] = new("Pause a running rollout: no new update is requested until it is resumed; those under way finish.",
            new { reason = "Holiday traffic" }, typeof(Projections.Firmware.RolloutEntry)),
        ["POST /api/firmware/rollouts/{rolloutId}/resume"] = new("Resume a paused rollout where it stood.",
            new { reason = "Traffic back to normal" }, typeof(Projections.Firmware.RolloutEntry)),
        ["POST /api/firmware/rollouts/{rolloutId}/abort"] = new("Abort a rollout for good: nothing more is requested.",
            new { reason = "Vendor withdrew the release" }, typeof(Projections.Firmware.RolloutEntry)),

        ["GET /api/chargers"] = new("List the chargers in id order (?site= for one site's), a page at a time: site, vendor, model, protocol, EVSEs and whether a password is set.",
            Answer: typeof(Page<ChargerEndpoints.ChargerView>)),
        ["GET /api/chargers/{chargerId}"] = new("One charger: site, vendor, model, protocol, EVSEs, whether it is online and whether a password is set.",
            Answer: typeof(ChargerEndpoints.ChargerView)),
        ["GET /api/live/chargers"] = new("Server-sent events of the chargers' live status: 'snapshot' ({ chargers }) first, then a 'charger' event per change of presence, faults or a connector's status; a ': keep-alive' comment every 15 s; at most 4 open per key.",
            Files: ["text/event-stream"]),
        ["PUT /api/chargers/{chargerId}/evses/{evseId:int}"] = new("Add an EVSE to a charger, or replace its connectors.",
            new { connectors = new[] { new { connectorId = 1, standard = "Ccs2", maxPowerKw = 150m }, new { connectorId = 2, standard = "Chademo", maxPowerKw = 50m } } },
            Status: 204),
        ["GET /api/chargers/pending"] = new("Chargers that tried to connect without being registered, most recent first.", Answer: typeof(IReadOnlyList<PendingCharger>)),
        ["POST /api/chargers"] = new("Register a charger on a site with its EVSEs and connectors, and optionally its OCPP password.",
            new
            {
                chargerId = Charger, siteId = "DE-MUC", vendor = "Alpitronic", model = "HYC300", protocol = "Ocpp201",
                evses = new[] { new { evseId = 1, connectors = new[] { new { connectorId = 1, standard = "Ccs2", maxPowerKw = 150 } } } },
                password = "a-long-random-charger-password",
            }, Status: 201),
        ["PUT /api/chargers/{chargerId}/credentials"] = new("Set or replace a charger's OCPP Basic authentication password.",
            new { password = "a-long-random-charger-password" }, Status: 204),
        ["POST /api/chargers/{chargerId}/commands/remote-start"] = new("Ask the charger to start a session on an EVSE for a token.",
            new { evseId = 1, idToken = "04A1B2C3D4E5F6" }, typeof(CommandResult)),
        ["POST /api/chargers/{chargerId}/commands/remote-stop"] = new("Ask the charger to stop a transaction.",
            new { transactionId = "8f2c0a4e-3b1d-4c6a-9e7f-2d5b8a1c0e93" }, typeof(CommandResult)),
        ["POST /api/chargers/{chargerId}/commands/reset"] = new("Reset the charger, softly (after sessions end) or hard (now).",
            new { kind = "Soft" }, typeof(CommandResult)),
        ["POST /api/chargers/{chargerId}/commands/change-availability"] = new("Make an EVSE (0: the whole charger) operative or inoperative.",
            new { evseId = 1, operative = false }, typeof(CommandResult)),
        ["POST /api/chargers/{chargerId}/commands/unlock-connector"] = new("Release a cable stuck in a connector.",
            new { evseId = 1, connectorId = 1 }, typeof(CommandResult)),
        ["POST /api/chargers/{chargerId}/commands/set-charging-profile"] = new("Send a charging profile (in the charger's OCPP version) to an EVSE.",
            new
            {
                evseId = 1,
                profile = new
                {
                    id = 7, stackLevel = 0, chargingProfilePurpose = "TxDefaultProfile", chargingProfileKind = "Absolute",
                    chargingSchedule = new[] { new { id = 1, chargingRateUnit = "W", chargingSchedulePeriod = new[] { new { startPeriod = 0, limit = 11000, numberPhases = 3 } } } },
                },
            }, typeof(CommandResult)),
        ["POST /api/chargers/{chargerId}/commands/clear-charging-profile"] = new("Clear one charging profile, or every one when no id is given.",
            new { profileId = 7 }, typeof(CommandResult)),
        ["POST /api/chargers/{chargerId}/commands/trigger-message"] = new("Ask the charger to send a message now (e.g. Heartbeat, StatusNotification).",
            new { message = "StatusNotification", evseId = 1 }, typeof(CommandResult)),
        ["POST /api/chargers/{chargerId}/commands/get-settings"] = new("Read configuration keys (1.6) or variables (2.0.1) from the charger.",
            new { keys = new[] { "HeartbeatInterval" } }, typeof(CommandResult)),
        ["POST /api/chargers/{chargerId}/commands/change-setting"] = new("Change one configuration key (1.6) or variable (2.0.1) on the charger.",
            new { key = "HeartbeatInterval", value = "300" }, typeof(CommandResult)),
        ["POST /api/chargers/{chargerId}/commands/update-firmware"] = new("Ask the charger to download and install firmware from a URL at a time.",
            new { location = "https://firmware.example.com/hyc300/1.4.2.bin", retrieveAt = "2026-10-12T02:00:00Z" }, typeof(CommandResult)),

        ["POST /api/tariffs"] = new("Publish a version of a tariff: currency, price components and restrictions, valid from an instant.",
            new
            {
                tariffId = "DE-AC-STANDARD", currency = "EUR", pricesIncludeVat = true, validFrom = "2026-10-01T00:00:00Z",
                elements = new object[]
                {
                    new { priceComponents = new[] { new { type = "Energy", price = 0.59m, vatPercent = 19m, stepSize = 1 } } },
                    new
                    {
                        priceComponents = new[] { new { type = "ParkingTime", price = 6.00m, vatPercent = 19m, stepSize = 60 } },
                        restrictions = new { startTime = "08:00", endTime = "20:00", daysOfWeek = new[] { "Monday", "Tuesday", "Wednesday", "Thursday", "Friday" } },
                    },
                },
            }, typeof(TariffPublished), Status: 201),
        ["POST /api/tariffs/ocpi"] = new("Publish a version of a tariff written exactly as an OCPI 2.2.1 Tariff object (prices excluding VAT), from its start_date_time.",
            new
            {
                id = "DE-AC-OCPI", currency = "EUR", start_date_time = "2026-10-01T00:00:00Z",
                elements = new object[]
                {
                    new { price_components = new[] { new { type = "ENERGY", price = 0.50m, vat = 19m, step_size = 1 } } },
                    new
                    {
                        price_components = new[] { new { type = "PARKING_TIME", price = 5.00m, vat = 19m, step_size = 60 } },
                        restrictions = new { start_time = "08:00", end_time = "20:00", day_of_week = new[] { "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY" } },
                    },
                },
            }, typeof(TariffPublished), Status: 201),
        ["GET /api/tariffs"] = new("List the tariffs in id order with their versions and assignments, a page at a time.", Answer: typeof(Page<TariffHistory>)),
        ["GET /api/tariffs/{tariffId}"] = new("A tariff's every published version and assignment.", Answer: typeof(TariffHistory)),
        ["POST /api/tariffs/{tariffId}/assignments"] = new("Assign a tariff to a site, an EVSE or a customer group from an instant.",
            new { scope = "Site", scopeId = "DE-MUC", validFrom = "2026-10-01T00:00:00Z" }, typeof(TariffAssigned), Status: 201),
        ["GET /api/evses/{chargerId}/{evseId}/tariff"] = new("The tariff version in force for an EVSE at an instant (default now), and until when.", Answer: typeof(TariffEndpoints.TariffInForce)),
        ["GET /api/evses/{chargerId}/{evseId}/adhoc-price"] = new("The ad-hoc price shown to drivers at an EVSE (AFIR), at an instant in the site's own time zone.", Answer: typeof(AdHocPriceQuote)),
        ["GET /api/sessions"] = new("List sessions by start time (?order=newest: latest first), filtered by ?site=, ?charger=, ?from=, ?to= (instants) and ?status= (active, completed, closed-for-silence).",
            Answer: typeof(Page<SessionEntry>)),
        ["GET /api/sessions/{sessionId}"] = new("One session: charger, EVSE, times, energy and status; with ?include=meter-values, { session, meterValues, truncated }: its meter readings and the energy delivered at each.",
            Answer: typeof(SessionEntry)),
        ["GET /api/sessions/{sessionId}/price"] = new("A session's price, broken down by period and component.", Answer: typeof(PricedSessionView)),

        ["POST /api/issuers"] = new("Register an invoice issuer: the legal entity named on invoices, its VAT registrations per country (OSS on the home one), payment terms and bank account.",
            new
            {
                issuerId = "SET-DE", legalName = "Settlement Charging GmbH", address = "Leopoldstr. 1, 80802 München", countryCode = "DE",
                vatRegistrations = new object[] { new { countryCode = "DE", vatId = "DE300000002", oss = true }, new { countryCode = "FR", vatId = "FR68300000002" } },
                paymentTermsDays = 14, bankAccount = new { iban = "DE89370400440532013000", bic = "COBADEFFXXX", accountHolder = "Settlement Charging GmbH" },
            },
            typeof(InvoiceIssuerRegisteredV2), Status: 201),
        ["GET /api/issuers"] = new("List the invoice issuers in id order, a page at a time.", Answer: typeof(Page<IssuerEntry>)),
        ["GET /api/issuers/{issuerId}"] = new("One invoice issuer: legal name, address, country and VAT id.", Answer: typeof(IssuerEntry)),
        ["GET /api/sites/{siteId}/jurisdiction"] = new("The tax jurisdiction of a site, and whether it was resolved or overridden."),
        ["POST /api/sites/{siteId}/jurisdiction"] = new("Override the tax jurisdiction of a site, saying why.",
            new { jurisdiction = "DE", reason = "Site lies on the border; the tax office confirmed DE." }, Status: 201),
        ["GET /api/tax-rates/{jurisdiction}"] = new("A jurisdiction's VAT rates over time, or the one in force on a date (?on=2026-10-01).", Answer: typeof(IReadOnlyList<RateInForce>)),
        ["POST /api/tax-rates"] = new("Record a VAT rate of a jurisdiction from a date, with its legal source.",
            new { jurisdiction = "DE", ratePercent = 19m, validFrom = "2026-01-01", source = "UStG §12 Abs. 1" }, typeof(TaxRateSet), Status: 201),
        ["GET /api/sites/{siteId}/sales-tax"] = new("A US site's sales tax by level in force on a date (?on=2026-10-01, default today) and every definition recorded.",
            Answer: typeof(SalesTaxEndpoints.SiteSalesTaxView)),
        ["PUT /api/sites/{siteId}/sales-tax"] = new("Define a US site's sales tax by level (state, county, city, special district) from a date; a later definition wins on the dates it covers.",
            new
            {
                components = new object[]
                {
                    new { level = "State", authority = "Colorado", ratePercent = 2.9m },
                    new { level = "City", authority = "Denver", ratePercent = 4.81m },
                    new { level = "SpecialDistrict", authority = "RTD", ratePercent = 1m },
                    new { level = "SpecialDistrict", authority = "SCFD", ratePercent = 0.1m },
                },
                validFrom = "2026-01-01", source = "Colorado DOR sales tax rate lookup for 101 W Colfax Ave, Denver",
            }, typeof(Domain.Invoicing.SalesTax.SiteSalesTaxDefined), Status: 201),
        ["GET /api/tax-point-rules/{jurisdiction}"] = new("The tax point rule in force for a jurisdiction (supply or issue date) and the law it follows; 404 when none is recorded nor built in.",
            Answer: typeof(TaxPointRule)),
        ["PUT /api/tax-point-rules/{jurisdiction}"] = new("Record the tax point rule of a jurisdiction, with the provision it follows; it replaces the built-in one.",
            new { basis = "IssueDate", source = "Art. 19a ust. 5 pkt 4 ustawy o VAT (PL): supplies of electricity are taxed when invoiced" }, typeof(TaxPointRuleSet), Status: 201),
        ["POST /api/invoices/sessions"] = new("Issue invoices for priced sessions, one per buyer and currency.",
            new { issuerId = "SET-DE", sessionIds = new[] { "3f1e2d4c-5b6a-4798-8a9b-0c1d2e3f4a5b" } }, typeof(IReadOnlyList<InvoiceDocument>), Status: 201),
        ["POST /api/invoices/partners"] = new("Issue a roaming partner's invoices of its unbilled CDRs supplied in a period, one per agreement in force and currency.",
            new { issuerId = "SET-DE", partnerId = "NL-EMS", from = "2026-10-01", through = "2026-10-31" }, typeof(IReadOnlyList<InvoiceDocument>), Status: 201),
        ["POST /api/invoices/{issuerId}/{number}/credit-notes"] = new("Credit an invoice, wholly or some of its lines.",
            new { reason = "Session aborted by a charger fault", lines = new[] { 1 } }, typeof(IReadOnlyList<InvoiceDocument>), Status: 201),
        ["GET /api/invoices"] = new("List invoices and credit notes by issuer, series, kind, partner, jurisdiction, session or issue date.", Answer: typeof(Page<InvoiceEndpoints.InvoiceSummary>)),
        ["GET /api/invoices/{issuerId}/{number}"] = new(
            "One invoice or credit note as JSON, PDF or CSV, or as an EN 16931 e-invoice (?format=json|pdf|csv|ubl|cii|facturx): ubl is UBL 2.1 "
            + "Peppol BIS Billing 3.0, cii is UN/CEFACT CII D16B (EN 16931 profile), facturx a PDF/A-3 with that CII embedded as factur-x.xml. "
            + "A US sales tax document is not an EN 16931 document: 422.",
            Files: [Json, "application/pdf", Csv, "application/xml"]),
        ["GET /api/exports/journal"] = new("The accounting journal of a period, as CSV, by the lines' tax point (?basis=taxPoint, the default) or issue date (?basis=issueDate).", Files: [Csv]),
        ["GET /api/exports/vat"] = new("The VAT report of a period, as CSV or JSON (?format=), by the lines' tax point (?basis=taxPoint, the default) or issue date (?basis=issueDate), saying as of which ledger position.", Files: [Csv, Json]),

        ["POST /api/receivables/payments"] = new("Record a payment against an invoice; more than is open is recorded as an overpayment owed back.",
            new { issuerId = "SET-DE", invoiceNumber = "INV-000001", amount = 11.90m, currency = "EUR", valueDate = "2026-11-05", method = "Card", payer = "M. Muster", paymentId = "acq-7731" },
            typeof(PaymentReceived), Status: 201),
        ["POST /api/receivables/refunds"] = new("Pay back an overpayment or a credited amount of an invoice.",
            new { issuerId = "SET-DE", invoiceNumber = "INV-000001", amount = 5.00m, currency = "EUR", valueDate = "2026-11-20", reason = "Credit note CN-000001 after payment" },
            typeof(RefundPaid), Status: 201),
        ["POST /api/receivables/write-offs"] = new("Write off what is open on an invoice (or part of it), saying why.",
            new { issuerId = "SET-DE", invoiceNumber = "INV-000001", reason = "Uncollectable after three reminders", effectiveOn = "2027-03-31" },
            typeof(InvoiceWrittenOff), Status: 201),
        ["POST /api/receivables/bank-statements"] = new("Import a camt.053 bank statement (application/xml, ?issuer=) once: credits matched to invoices by exact payment reference, the rest listed with why.",
            Answer: typeof(BankStatementImported), Status: 201),
        ["GET /api/receivables/open-items"] = new("Open items as of a date (?asOf=), by issuer, driver (pseudonym) or partner, oldest due first, a page at a time.",
            Answer: typeof(Page<ReceivableEndpoints.OpenItemView>)),
        ["GET /api/receivables/ageing"] = new("Open items aged (not due, 1-30, 31-60, 61-90, over 90 days past due) per driver or partner (?by=) as of a date, as JSON or CSV.",
            Answer: typeof(ReceivableEndpoints.AgeingReport), Files: [Json, Csv]),

        ["POST /api/chargers/{chargerId}/outage-causes"] = new("Tag an outage of a port with a cause outside the operator's control.",
            new { evseId = 1, from = "2026-10-12T06:00:00Z", until = "2026-10-12T09:30:00Z", cause = "UtilityInterruption", notes = "Grid operator ticket 4711" },
            typeof(OutageCauseTagged), Status: 201),
        ["POST /api/sessions/{sessionId}/rating"] = new("Record a driver's rating of a session, 1 to 5 stars.",
            new { stars = 4, comment = "Quick, but the cable was short." }, typeof(SessionRated), Status: 201),
        ["POST /api/sites/{siteId}/maintenance-costs"] = new("Report a site's maintenance costs of a period (NEVI module 5).",
            new { from = "2026-10-01", through = "2026-12-31", totalCost = 1250.00m, federalCost = 1000.00m, chargingAsAService = false },
            typeof(MaintenanceCostReported), Status: 201),
        ["GET /api/kpis/uptime"] = new("Uptime per port over a period, or the trailing year through a month (NEVI); ?by=site pools each site's ports over the period and on each day (at most 92 days).", Answer: typeof(IReadOnlyList<KpiEndpoints.UptimeRow>)),
        ["GET /api/kpis/outages"] = new("Every outage of a period, with what was excluded from uptime and why."),
        ["GET /api/kpis/charge-success"] = new("Charge success rates over a period, by port, charger, site, model and firmware; ?by=day adds each day's total and sites (at most 92 days).", Answer: typeof(KpiEndpoints.ChargeSuccessAnswer)),
        ["GET /api/kpis/utilisation"] = new("Utilisation of each site over a period.", Answer: typeof(IReadOnlyList<SiteUtilisation>)),
        ["GET /api/kpis/ratings"] = new("Drivers' average rating of each site over a period; ?by=day adds each day's (at most 92 days).", Answer: typeof(IReadOnlyList<KpiEndpoints.RatingRow>)),

        ["PUT /api/self-healing/rules"] = new("Define the self-healing rules as a whole: thresholds (offline grace, stuck session, failed starts in a row, "
            + "transient error codes, truck roll cost) and the ladders of remote actions per vendor, model ('*' for any) and incident kind. Every problem is named by its field.",
            new
            {
                thresholds = new { offlineGraceSeconds = 120, stuckSessionSeconds = 900, failedStartsInRow = 3, transientErrorCodes = new[] { "InternalError", "OtherError", "Faulted" }, truckRollCost = 200m, currency = "USD" },
                ladders = new[]
                {
                    new { vendor = "*", model = "*", kind = "ConnectorFaulted", steps = new[] { new { action = "TriggerStatus", waitSeconds = 60 }, new { action = "SoftReset", waitSeconds = 300 } } },
                    new { vendor = "Acme", model = "*", kind = "ConnectorFaulted", steps = new[] { new { action = "CycleAvailability", waitSeconds = 120 }, new { action = "HardReset", waitSeconds = 600 } } },
                },
            },
            Answer: typeof(SelfHealing.SelfHealingEndpoints.RulesAnswer)),
        ["GET /api/self-healing/rules"] = new("The self-healing rules in force (the defaults, definedAt null, until the operator defines some).",
            Answer: typeof(SelfHealing.SelfHealingEndpoints.RulesAnswer)),
        ["GET /api/incidents"] = new("Self-healing incidents newest first, filtered by ?site=, ?charger=, ?status= (open, escalated, resolved) and ?kind= (chargeroffline, sessionstuck, connectorfaulted, repeatedfailedstarts), a page at a time.",
            Answer: typeof(Page<Settlement.Domain.SelfHealing.IncidentState>)),
        ["GET /api/incidents/{incidentId}"] = new("One incident: its rungs with the charger's answers, the evidence, the maintenance ticket if escalated, and its event history.",
            Answer: typeof(SelfHealing.SelfHealingEndpoints.IncidentAnswer)),
        ["GET /api/self-healing/kpis"] = new("Self-healing KPIs of the incidents opened from ?from= until ?to= (instants), ?by= fleet, site, vendor, model or firmware: incidents, "
            + "resolved remotely and their share, truck rolls avoided and their money, mean time to recovery; JSON or CSV (?format=).", Files: [Json, Csv]),

        ["GET /api/reports/nevi/{module:int}"] = new("An EV-ChART module (2 sessions, 3 uptime, 4 outages, 5 maintenance costs) of a period, as CSV or JSON.", Files: [Csv, Json]),
        ["GET /api/reports/afir"] = new("The AFIR feed of every EU/EEA recharging point as of now, and the sites withheld and why (our JSON).", Files: [Json]),
        ["GET /api/afir/datex/table"] = new("Open, no key: the AFIR static data of every EU/EEA recharging pool as a DATEX II v3 EnergyInfrastructureTablePublication (cached 30 s).", Files: [Xml]),
        ["GET /api/afir/datex/status"] = new("Open, no key: the AFIR dynamic data (status and ad hoc price incl. VAT of every refill point) as a DATEX II v3 EnergyInfrastructureStatusPublication (cached 30 s).", Files: [Xml]),

        ["GET /api/audit/chain"] = new("The hash chain's head and the last signed checkpoint."),
        ["GET /api/audit/checkpoints"] = new("Every signed checkpoint."),
        ["GET /api/audit/proofs/events/{sequence:long}"] = new("A proof that the event at a position is under a signed checkpoint.", Files: [Json]),
        ["GET /api/audit/proofs/invoices/{issuerId}/{number}"] = new("A proof that the event issuing an invoice is under a signed checkpoint.", Files: [Json]),
        ["POST /api/audit/verify-runs"] = new("Start verifying the ledger's hash chain against its signed and anchored checkpoints in the background, as `settle verify` does; "
            + "409 with the run's id while one runs.", Answer: typeof(Audit.RunStarted), Status: 202),
        ["GET /api/audit/verify-runs/{runId}"] = new("A verify run: positions checked of the total, then passed or failed, the verdict and the first event that does not match.",
            Answer: typeof(Audit.VerifyRunView)),
        ["POST /api/audit/replay-runs"] = new("Start replaying every projection up to ?until= (an instant; the whole ledger without) and comparing its documents with the live ones, "
            + "as `settle replay --compare` does; 409 with the run's id while one runs.", Answer: typeof(Audit.RunStarted), Status: 202),
        ["GET /api/audit/replay-runs/{runId}"] = new("A replay run: its step and progress, then the comparison per kind of document and the first 100 differences.",
            Answer: typeof(Audit.ReplayRunView)),
        ["GET /api/audit/bundle"] = new("The auditor's bundle of ?from= to ?to= (dates, both inclusive, or instants; at most 366 days) as `settle export` writes it, zipped.",
            Files: ["application/zip"]),

        ["POST /api/tokens"] = new("Register an RFID or app token of the operator's own drivers or fleets; it goes on to the chargers' local lists.",
            new { uid = "04A1B2C3D4E5F6", type = "Rfid", contractId = "DE-SET-C12345678-X", customerGroup = "fleet-acme", expiresAt = "2028-12-31T23:00:00Z" },
            typeof(TokenEndpoints.TokenView), Status: 201),
        ["GET /api/tokens"] = new("List the registered tokens in id order, a page at a time.", Answer: typeof(Page<TokenEndpoints.TokenView>)),
        ["GET /api/tokens/{tokenId}"] = new("One token: uid, type, contract id, customer group and status now (Valid, Blocked or Expired).", Answer: typeof(TokenEndpoints.TokenView)),
        ["POST /api/tokens/{tokenId}/block"] = new("Block a token: chargers refuse it from now on, offline ones once their local list is updated.",
            Answer: typeof(TokenEndpoints.TokenView)),
        ["POST /api/tokens/{tokenId}/unblock"] = new("Unblock a token.", Answer: typeof(TokenEndpoints.TokenView)),
        ["POST /api/tokens/{tokenId}/expire"] = new("Expire a token now, before or without its expiry instant; it stays expired.", Answer: typeof(TokenEndpoints.TokenView)),
        ["PUT /api/tokens/{tokenId}/group"] = new("Put a token in a customer group, whose tariffs then price its sessions, or in none (null).",
            new { customerGroup = "fleet-acme" }, typeof(TokenEndpoints.TokenView)),

        ["GET /api/roaming/cdrs"] = new("List the CDRs issued to roaming partners (credit CDRs included) in issue order, a page at a time; filter with partnerId.",
            Answer: typeof(Page<Roaming.CdrsModule.CdrSummary>)),
        ["GET /api/roaming/cdrs/{cdrId}"] = new("One CDR as its partner receives it: the OCPI 2.2.1 CDR object, with the driver's token.", Files: [Json]),
        ["POST /api/roaming/cdrs/{cdrId}/credit"] = new("Credit a CDR in full: a credit CDR with every cost negated is issued and pushed to the partner; a CDR never changes.",
            new { reason = "Charger metered the wrong connector" }, typeof(Roaming.CdrsModule.CdrSummary), Status: 201),

        ["POST /api/drivers/erasure"] = new("Erase a driver's personal data (GDPR Art. 17) by destroying their key; name them by token or pseudonym.",
            new { idToken = "04A1B2C3D4E5F6", reason = "GDPR Art. 17 erasure request" }),

        ["POST /api/roaming/partners"] = new("Invite an OCPI roaming partner with its agreement; answers its token A (this once) and our versions URL, to hand over outside OCPI.",
            new { name = "EMSP Example", countryCode = "NL", partyId = "EMS", agreement = new { commissionPercent = 15m, currency = "EUR", settlementPeriod = "Monthly" } },
            typeof(Roaming.PartnerEndpoints.InvitedPartnerView), Status: 201),
        ["GET /api/roaming/partners"] = new("List the roaming partners in id order, a page at a time: status, agreement, OCPI version, roles and endpoints.",
            Answer: typeof(Page<Roaming.PartnerEndpoints.PartnerView>)),
        ["GET /api/roaming/partners/{partnerId}"] = new("One roaming partner: status, agreement, OCPI version, roles and endpoints (never a token).",
            Answer: typeof(Roaming.PartnerEndpoints.PartnerView)),
        ["PUT /api/roaming/partners/{partnerId}/agreement"] = new("Change a partner's agreement for sessions supplied from effectiveFrom on.",
            new { commissionPercent = 12.5m, currency = "EUR", settlementPeriod = "Monthly", effectiveFrom = "2027-01-01" }, typeof(Roaming.PartnerEndpoints.PartnerView)),
        ["POST /api/roaming/partners/{partnerId}/unregister"] = new("End a partner's connection: its token stops working and nothing more is pushed to it; its history stays.",
            new { reason = "Contract ended" }, typeof(Roaming.PartnerEndpoints.PartnerView)),
        ["GET /api/roaming/partners/{partnerId}/messages"] = new("Every OCPI message exchanged with a partner, newest first, a page at a time: module, direction, status, outcome.",
            Answer: typeof(Page<Roaming.PartnerEndpoints.MessageView>)),
        ["GET /api/roaming/partners/{partnerId}/pushes"] = new("What is owed to a partner and how its delivery goes (?status=Pending, Delivered or GivenUp), a page at a time.",
            Answer: typeof(Page<Roaming.PartnerEndpoints.PushView>)),
    };
}
