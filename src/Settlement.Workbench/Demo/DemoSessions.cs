using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Domain.Roaming;
using Settlement.Domain.Sessions;
using Settlement.Ledger.Drivers;

namespace Settlement.Workbench.Demo;

/// <summary>
/// Drivers arriving at one site over the requested days. Arrivals are drawn first, so downtime can be
/// planned around them, then handled in time order across all EVSEs so that power already promised
/// to earlier sessions limits later ones, as a site's load management would.
/// </summary>
internal sealed class DemoSessions
{
    private const int ReadingsPerMessage = 3;

    /// <summary>Unknown tokens; with the pools' blocked drivers about 2% of attempts are refused.</summary>
    private const double StrangerShare = 0.008;

    /// <summary>
    /// Accepted drivers whose car never draws energy: a failed ISO 15118 / DIN handshake or cable check. A few percent,
    /// as networks report, so the charge success rate has failures to count.
    /// </summary>
    private const double FailedStartShare = 0.03;

    private static readonly Duration ReadingInterval = Duration.FromMinutes(5);

    /// <summary>From arrival to the first charging minute, at most: nothing may be out of service then.</summary>
    private static readonly Duration StartGrace = Duration.FromMinutes(3);

    // Relative arrival rate by local hour: commuters in the morning, a longer evening peak, quiet nights.
    private static readonly double[] ArrivalsByHour =
    [
        0.15, 0.10, 0.08, 0.08, 0.10, 0.25, 0.60, 1.20, 1.60, 1.40, 1.00, 1.00,
        1.10, 1.00, 0.90, 1.00, 1.30, 1.70, 1.80, 1.50, 1.00, 0.70, 0.45, 0.30,
    ];

    private static readonly IReadOnlyList<(StopReason Reason, double Weight)> StopReasons =
    [
        (StopReason.EVDisconnected, 0.45), (StopReason.Local, 0.30), (StopReason.Remote, 0.245), (StopReason.EmergencyStop, 0.005),
    ];

    private static readonly IReadOnlyList<(int Stars, double Weight)> UsualStars = [(5, 57), (4, 27), (3, 9), (2, 4), (1, 3)];
    private static readonly IReadOnlyList<(int Stars, double Weight)> StarsAfterTrouble = [(1, 35), (2, 30), (3, 20), (4, 10), (5, 5)];

    private static readonly IReadOnlyDictionary<int, string[]> Comments = new Dictionary<int, string[]>
    {
        [5] = ["Fast and easy.", "Full power the whole time.", "Great location, quick top-up."],
        [4] = ["Worked fine.", "Good, but the cable is heavy."],
        [3] = ["Slower than advertised.", "OK, had to wait for a free charger."],
        [2] = ["Charging slowed down a lot.", "Payment took several tries."],
        [1] = ["Charging stopped halfway.", "Charger failed during my session."],
    };

    private readonly DemoHistory _history;
    private readonly Random _random;
    private readonly IReadOnlyList<ChargerPlan> _chargers;
    private readonly LocalDays _days;
    private readonly SiteLoad _load;
    private readonly Dictionary<ConnectorStandard, DriverPool> _drivers;
    private readonly List<(ChargerPlan Charger, int EvseId, Instant At)> _arrivals;

    public DemoSessions(DemoHistory history, IReadOnlyList<ChargerPlan> chargers)
    {
        _history = history;
        _random = history.Random;
        _chargers = chargers;
        _days = chargers[0].Days;
        _load = new SiteLoad(_days);
        _drivers = _days.Site.Chargers.SelectMany(c => c.Evses).Distinct()
            .ToDictionary(inlet => inlet, inlet => DriverPool.Create(_random, _days.Site, inlet));
        _arrivals = chargers
            .SelectMany(charger => Enumerable.Range(1, charger.Charger.Evses.Count)
                .SelectMany(evseId => DrawArrivals().Select(at => (charger, evseId, at))))
            .OrderBy(a => a.at)
            .ToList();
    }

    public SiteSpec Site => _days.Site;

    public IEnumerable<Instant> Arrivals => _arrivals.Select(a => a.At);

    /// <summary>Call once the site's downtime is planned: drivers find EVSEs as that leaves them.</summary>
    public void Run()
    {
        var evses = _chargers
            .SelectMany(plan => plan.Charger.Evses.Select((inlet, i) => new EvseState(
                plan, i + 1, inlet, registerWh: 5_000_000 + _random.NextInt64(60_000_000))))
            .ToDictionary(evse => (evse.Charger.Id, evse.EvseId));
        foreach (var (charger, evseId, at) in _arrivals) Arrive(evses[(charger.Charger.Id, evseId)], at);
    }

    /// <summary>A random number per local day, at hours drawn by <see cref="ArrivalsByHour"/>.</summary>
    private List<Instant> DrawArrivals()
    {
        var popularity = _random.Between(0.8, 1.2);
        var arrivals = new List<Instant>();
        for (var index = 0; index < _days.Count; index++)
        {
            var day = _days.Day(index);
            var seconds = (long)(day.Until - day.From).TotalSeconds;
            var weekday = _days.First.PlusDays(index).DayOfWeek;
            var mean = _days.Site.ArrivalsPerEvseDay * popularity * weekday switch
            {
                IsoDayOfWeek.Saturday => 0.9,
                IsoDayOfWeek.Sunday => 0.8,
                _ => 1.0,
            };
            for (var count = _random.Poisson(mean); count > 0; count--)
            {
                // Drawn over the day's real instants, so a 25-hour day really has two 02:00 hours.
                Instant at;
                do at = day.From + Duration.FromSeconds(_random.NextInt64(seconds));
                while (!_random.Chance(ArrivalsByHour[at.InZone(_days.Site.Zone).Hour] / ArrivalsByHour.Max()));
                arrivals.Add(at);
            }
        }
        return arrivals;
    }

    private void Arrive(EvseState evse, Instant arrivedAt)
    {
        // A driver finding the EVSE taken or out of service goes elsewhere.
        if (arrivedAt <= evse.FreeAt || evse.NoStart.Any(w => w.Overlaps(arrivedAt, arrivedAt + StartGrace))) return;

        var driver = _random.Chance(StrangerShare) ? null : _drivers[evse.Inlet].Next(_random);
        if (driver is null || driver.Blocked)
        {
            Refuse(evse, driver, arrivedAt);
            return;
        }

        if (_random.Chance(FailedStartShare))
        {
            FailToStart(evse, driver, arrivedAt);
            return;
        }

        var visit = PlanVisit(evse, driver, arrivedAt);
        if (evse.Exclusive.Any(w => w.Overlaps(arrivedAt, visit.LeftAt + Duration.FromMinutes(1)))) return;
        var interruption = evse.Interruptions.FirstOrDefault(i => i.At > arrivedAt && i.At < visit.LeftAt);
        Record(evse, interruption is null ? visit : visit.InterruptedBy(interruption));
    }

    private Visit PlanVisit(EvseState evse, Driver driver, Instant arrivedAt)
    {
        var preparingAt = arrivedAt + _random.Between(Duration.FromSeconds(5), Duration.FromSeconds(40));
        var startedAt = preparingAt + _random.Between(Duration.FromSeconds(8), Duration.FromSeconds(30));
        var reason = _random.Weighted(StopReasons);
        var startSoc = _random.Between(0.10, 0.40);
        var targetSoc = _random.Between(0.70, 0.90);
        if (reason is StopReason.Local or StopReason.Remote && _random.Chance(0.08))
            targetSoc = startSoc + (targetSoc - startSoc) * _random.Between(0.3, 0.8); // in a hurry

        var curve = new ChargeCurve(driver.Vehicle, startSoc, targetSoc, evse.Charger, _load, _load.MinuteOf(startedAt));
        var charging = reason == StopReason.EmergencyStop
            ? Duration.FromSeconds(Math.Round(curve.Length.TotalSeconds * _random.Between(0.2, 0.8)))
            : curve.Length;
        var stoppedAt = startedAt + charging;

        // Unplugging ends the transaction at once; a driver who stopped it by card or app may leave the car a while.
        var idle = reason switch
        {
            StopReason.EVDisconnected => _random.Between(Duration.FromSeconds(3), Duration.FromSeconds(20)),
            StopReason.EmergencyStop => _random.Between(Duration.FromMinutes(1), Duration.FromMinutes(5)),
            _ when _random.Chance(0.7) => _random.Between(Duration.FromSeconds(20), Duration.FromMinutes(4)),
            _ => _random.LogUniform(Duration.FromMinutes(5), Duration.FromMinutes(150)),
        };
        return new Visit(driver, arrivedAt, preparingAt, startedAt, stoppedAt, stoppedAt + idle, reason, curve,
            Finishes: true, FreesEvse: true);
    }

    private void Record(EvseState evse, Visit visit)
    {
        var charger = evse.Charger;
        var sessionId = evse.NextSessionId();
        var stream = StreamIds.Session(sessionId);
        var chargerStream = StreamIds.Charger(charger.Id);
        var correlation = _history.NewCorrelationId();
        var driver = visit.Driver;
        var roaming = driver.Roaming;

        if (roaming is not null)
            RecordForPartner(roaming,
                new RoamingTokenSeenV2(roaming.Partner.PartnerId, Drivers.SealToken(driver.IdToken), Drivers.Seal(driver.IdToken, roaming.ContractId),
                    Valid: true, visit.ArrivedAt),
                correlation, visit.ArrivedAt);
        _history.Reported(charger.Id, stream,
            new SessionAuthorisedV2(sessionId, charger.Id, evse.EvseId, Drivers.SealToken(driver.IdToken), driver.TokenType, AuthorisationOutcome.Accepted, visit.ArrivedAt),
            correlation, visit.ArrivedAt);
        RecordStatus(evse, ConnectorStatus.Preparing, visit.PreparingAt, correlation);

        var meterStartWh = evse.RegisterWh;
        _history.Reported(charger.Id, stream,
            new SessionStartedV2(sessionId, charger.Id, evse.EvseId, 1, _history.NewTransactionId(charger), Drivers.SealToken(driver.IdToken), meterStartWh, visit.StartedAt),
            correlation, visit.StartedAt);
        if (roaming is not null)
            RecordForPartner(roaming,
                new RoamingSessionRecordedV3(roaming.Partner.PartnerId, sessionId, Drivers.SealToken(driver.IdToken), "RFID", "WHITELIST", _random.Hex(8), visit.StartedAt),
                correlation, visit.StartedAt);
        RecordStatus(evse, ConnectorStatus.Charging, visit.StartedAt + Duration.FromSeconds(2), correlation);

        // The register only counts whole watt-hours, so it can never run ahead of the energy delivered.
        MeterReading ReadingAt(Instant at, bool last) => new(
            at,
            meterStartWh + (long)Math.Floor(visit.Curve.KwhAt(at - visit.StartedAt) * 1000),
            last ? 0m : Math.Round((decimal)visit.Curve.KwAt(at - visit.StartedAt) * 1000m),
            visit.Curve.SocPercentAt(at - visit.StartedAt));

        var readings = new List<MeterReading>();
        for (var at = visit.StartedAt + ReadingInterval; at < visit.StoppedAt; at += ReadingInterval)
        {
            readings.Add(ReadingAt(at, last: false));
            if (readings.Count < ReadingsPerMessage) continue;
            _history.Reported(charger.Id, stream, new MeterValuesRecorded(sessionId, ValueList.Of(readings)), correlation, at);
            readings.Clear();
        }
        // The stop message carries the final reading along with any not yet sent.
        var final = ReadingAt(visit.StoppedAt, last: true);
        readings.Add(final);
        var stop = new OcppMessage(charger.Id);
        _history.Reported(stop, stream, new MeterValuesRecorded(sessionId, ValueList.Of(readings)), correlation, visit.StoppedAt);
        _history.Reported(stop, stream, new SessionStopped(sessionId, final.EnergyWh, visit.Reason, visit.StoppedAt), correlation, visit.StoppedAt);
        evse.RegisterWh = final.EnergyWh;

        if (visit.Finishes) RecordStatus(evse, ConnectorStatus.Finishing, visit.StoppedAt, correlation);
        if (visit.FreesEvse) RecordStatus(evse, ConnectorStatus.Available, visit.LeftAt, correlation);
        evse.FreeAt = visit.LeftAt;
        _load.Commit(charger, _load.MinuteOf(visit.StartedAt), visit.Curve.MinutesUntil(visit.StoppedAt - visit.StartedAt));

        RecordRating(sessionId, visit, correlation);
    }

    /// <summary>
    /// The driver is accepted but the car never draws energy: the charger gives up before opening a transaction
    /// (Preparing, then Available again). A failed attempt in the charge success rate; nothing to bill.
    /// </summary>
    private void FailToStart(EvseState evse, Driver driver, Instant arrivedAt)
    {
        var preparingAt = arrivedAt + _random.Between(Duration.FromSeconds(5), Duration.FromSeconds(40));
        var givenUpAt = preparingAt + _random.Between(Duration.FromSeconds(45), Duration.FromSeconds(150));
        if (evse.NoStart.Concat(evse.Exclusive).Any(w => w.Overlaps(arrivedAt, givenUpAt + Duration.FromMinutes(1)))
            || evse.Interruptions.Any(i => i.At >= arrivedAt && i.At <= givenUpAt)) return;

        var charger = evse.Charger;
        var sessionId = evse.NextSessionId();
        var stream = StreamIds.Session(sessionId);
        var correlation = _history.NewCorrelationId();
        var roaming = driver.Roaming;
        if (roaming is not null)
            RecordForPartner(roaming,
                new RoamingTokenSeenV2(roaming.Partner.PartnerId, Drivers.SealToken(driver.IdToken), Drivers.Seal(driver.IdToken, roaming.ContractId),
                    Valid: true, arrivedAt),
                correlation, arrivedAt);
        _history.Reported(charger.Id, stream,
            new SessionAuthorisedV2(sessionId, charger.Id, evse.EvseId, Drivers.SealToken(driver.IdToken), driver.TokenType, AuthorisationOutcome.Accepted, arrivedAt),
            correlation, arrivedAt);
        RecordStatus(evse, ConnectorStatus.Preparing, preparingAt, correlation);

        RecordStatus(evse, ConnectorStatus.Available, givenUpAt, correlation);
        evse.FreeAt = givenUpAt;
    }

    /// <summary>Roaming drivers rate in their own provider's app, which does not pass ratings on.</summary>
    private void RecordRating(string sessionId, Visit visit, string correlation)
    {
        var troubled = visit.Reason is StopReason.EmergencyStop or StopReason.PowerLoss or StopReason.Other;
        if (visit.Driver.Roaming is not null || !_random.Chance(troubled ? 0.6 : 0.33)) return;
        var stars = _random.Weighted(troubled ? StarsAfterTrouble : UsualStars);
        var comment = _random.Chance(0.3) ? _random.Pick(Comments[troubled ? 1 : stars]) : null;
        var ratedAt = visit.LeftAt + _random.Between(Duration.FromMinutes(3), Duration.FromHours(3));
        _history.Record(StreamIds.Session(sessionId), new SessionRated(sessionId, stars, comment, ratedAt),
            Actor.ApiKey("driver-app"), correlation, ratedAt);
    }

    /// <summary>An unknown or blocked token: the attempt is on record, but no charging session follows.</summary>
    private void Refuse(EvseState evse, Driver? driver, Instant at)
    {
        var charger = evse.Charger;
        var sessionId = evse.NextSessionId();
        var correlation = _history.NewCorrelationId();
        var token = driver?.IdToken ?? _random.Hex(7);
        if (driver?.Roaming is { } roaming)
            RecordForPartner(roaming, new RoamingTokenSeenV2(roaming.Partner.PartnerId, Drivers.SealToken(token), Drivers.Seal(token, roaming.ContractId), Valid: false, at),
                correlation, at);
        _history.Reported(charger.Id, StreamIds.Session(sessionId),
            new SessionAuthorisedV2(sessionId, charger.Id, evse.EvseId, Drivers.SealToken(token), driver?.TokenType ?? TokenType.Rfid,
                driver is null ? AuthorisationOutcome.Invalid : AuthorisationOutcome.Blocked, at),
            correlation, at);
    }

    private DriverKeyring Drivers => _history.Drivers;

    private void RecordForPartner(RoamingContract roaming, object data, string correlation, Instant at) =>
        _history.Record(StreamIds.RoamingPartner(roaming.Partner.PartnerId), data,
            new Actor(ActorKind.Partner, roaming.Partner.PartnerId), correlation, at);

    private void RecordStatus(EvseState evse, ConnectorStatus status, Instant at, string correlation) =>
        _history.Reported(evse.Charger.Id, StreamIds.Charger(evse.Charger.Id),
            new ConnectorStatusChanged(evse.Charger.Id, evse.EvseId, 1, status, at), correlation, at);

    private sealed record Visit(
        Driver Driver, Instant ArrivedAt, Instant PreparingAt, Instant StartedAt, Instant StoppedAt, Instant LeftAt,
        StopReason Reason, ChargeCurve Curve, bool Finishes, bool FreesEvse)
    {
        /// <summary>
        /// A fault or power cut while charging ends the transaction; one while the car stands idle only
        /// takes the connector out of service. Either way the downtime, not the session, reports the
        /// connector's next status.
        /// </summary>
        public Visit InterruptedBy(Interruption interruption) => interruption.At <= StoppedAt
            ? this with
            {
                StoppedAt = interruption.SessionStopsAt, LeftAt = interruption.SessionStopsAt, Reason = interruption.Reason,
                Finishes = false, FreesEvse = false,
            }
            : this with { LeftAt = interruption.At, FreesEvse = false };
    }

    private sealed class EvseState(ChargerPlan plan, int evseId, ConnectorStandard inlet, long registerWh)
    {
        private int _sessions;

        public ChargerSpec Charger => plan.Charger;
        public int EvseId => evseId;
        public ConnectorStandard Inlet => inlet;
        public long RegisterWh { get; set; } = registerWh;
        public Instant FreeAt { get; set; } = Instant.MinValue;
        public IReadOnlyList<Window> NoStart { get; } = plan.NoStart(evseId);
        public IReadOnlyList<Window> Exclusive { get; } = plan.Exclusive();
        public IReadOnlyList<Interruption> Interruptions { get; } = plan.Interruptions(evseId).OrderBy(i => i.At).ToList();

        public string NextSessionId() => $"{Charger.Id}-{evseId}-{++_sessions:D6}";
    }
}

/// <summary>Power promised per minute, to the site's grid connection and to each charger's power cabinet.</summary>
internal sealed class SiteLoad
{
    private readonly Instant _origin;
    private readonly double _gridKw;
    private readonly double[] _site;
    private readonly Dictionary<string, double[]> _chargers;

    public SiteLoad(LocalDays days)
    {
        _origin = days.Start;
        _gridKw = (double)days.Site.GridCapacityKw;
        // A day beyond the last for sessions that started late on it.
        var minutes = (int)(days.Length + Duration.FromDays(1)).TotalMinutes;
        _site = new double[minutes];
        _chargers = days.Site.Chargers.ToDictionary(c => c.Id, _ => new double[minutes]);
    }

    public int MinuteOf(Instant at) => (int)Math.Floor((at - _origin).TotalMinutes);

    public double HeadroomKw(ChargerSpec charger, int minute) =>
        Math.Max(0, Math.Min(_gridKw - _site[minute], (double)charger.MaxPowerKw - _chargers[charger.Id][minute]));

    public void Commit(ChargerSpec charger, int firstMinute, IEnumerable<double> kwPerMinute)
    {
        var minute = firstMinute;
        foreach (var kw in kwPerMinute)
        {
            _site[minute] += kw;
            _chargers[charger.Id][minute] += kw;
            minute++;
        }
    }
}

/// <summary>
/// The power a session draws minute by minute: the car's own limit, which falls as its battery fills,
/// capped by what the charger and the site's grid connection have left.
/// </summary>
internal sealed class ChargeCurve
{
    /// <summary>Grid-side meter to battery: the car stores less than the meter counts.</summary>
    private const double Efficiency = 0.92;

    /// <summary>A car on a saturated site gives up rather than wait for ever.</summary>
    private const int LongestMinutes = 240;

    private readonly VehicleSpec _vehicle;
    private readonly double _startSoc;
    private readonly List<double> _kw = [];
    private readonly List<double> _kwhBefore = [];
    private readonly double _totalKwh;

    public ChargeCurve(VehicleSpec vehicle, double startSoc, double targetSoc, ChargerSpec charger, SiteLoad load, int firstMinute)
    {
        _vehicle = vehicle;
        _startSoc = startSoc;
        var neededKwh = (targetSoc - startSoc) * vehicle.BatteryKwh / Efficiency;
        var seconds = 60.0 * LongestMinutes;
        for (var minute = 0; minute < LongestMinutes; minute++)
        {
            var soc = startSoc + _totalKwh * Efficiency / vehicle.BatteryKwh;
            var ramp = minute == 0 ? 0.5 : 1.0; // cable check and power ramp-up
            var power = Math.Min(vehicle.MaxPowerKw * Taper(soc) * ramp, load.HeadroomKw(charger, firstMinute + minute));
            _kw.Add(power);
            _kwhBefore.Add(_totalKwh);
            if (_totalKwh + power / 60 >= neededKwh)
            {
                seconds = minute * 60 + (neededKwh - _totalKwh) / power * 3600;
                _totalKwh = neededKwh;
                break;
            }
            _totalKwh += power / 60;
        }
        Length = Duration.FromSeconds(Math.Max(120, Math.Ceiling(seconds)));
    }

    public Duration Length { get; }

    /// <summary>Share of the car's peak power it accepts: flat to about half full, then tapering.</summary>
    private static double Taper(double soc) => soc switch
    {
        < 0.55 => 1.0,
        < 0.80 => 1.0 - (soc - 0.55) / 0.25 * 0.55,
        _ => Math.Max(0.15, 0.45 - (soc - 0.80) / 0.20 * 0.30),
    };

    public double KwAt(Duration sinceStart)
    {
        var minute = (int)(sinceStart.TotalSeconds / 60);
        return minute < _kw.Count ? _kw[minute] : 0;
    }

    public double KwhAt(Duration sinceStart)
    {
        var minute = (int)(sinceStart.TotalSeconds / 60);
        if (minute >= _kw.Count) return _totalKwh;
        return Math.Min(_totalKwh, _kwhBefore[minute] + _kw[minute] * (sinceStart.TotalSeconds - minute * 60) / 3600);
    }

    public int SocPercentAt(Duration sinceStart) =>
        (int)Math.Round(100 * Math.Min(1, _startSoc + KwhAt(sinceStart) * Efficiency / _vehicle.BatteryKwh));

    public IEnumerable<double> MinutesUntil(Duration stoppedAfter) =>
        _kw.Take((int)Math.Ceiling(stoppedAfter.TotalSeconds / 60));
}

internal sealed record RoamingContract(PartnerSpec Partner, string ContractId);

internal sealed record Driver(string IdToken, TokenType TokenType, VehicleSpec Vehicle, RoamingContract? Roaming, bool Blocked);

/// <summary>The regulars and passers-by of one site with one kind of inlet: a few come often, most now and then.</summary>
internal sealed class DriverPool
{
    private const int Size = 250;
    private const double BlockedShare = 0.012;

    private static readonly IReadOnlyList<(TokenType Type, double Weight)> TokenTypes =
        [(TokenType.Rfid, 0.5), (TokenType.App, 0.35), (TokenType.CreditCard, 0.15)];

    private readonly Driver[] _drivers;
    private readonly double[] _cumulativeWeight;

    private DriverPool(Driver[] drivers)
    {
        _drivers = drivers;
        _cumulativeWeight = new double[drivers.Length];
        var sum = 0.0;
        for (var rank = 0; rank < drivers.Length; rank++) _cumulativeWeight[rank] = sum += 1 / (1 + rank / 25.0);
    }

    public static DriverPool Create(Random random, SiteSpec site, ConnectorStandard inlet)
    {
        var vehicles = DemoFleet.Vehicles.Where(v => v.Inlet == inlet).ToList();
        var partners = DemoFleet.Partners.Select(p => (p, p.Share)).ToList();
        var drivers = new Driver[Size];
        for (var i = 0; i < drivers.Length; i++)
        {
            var vehicle = random.Pick(vehicles);
            var blocked = random.Chance(BlockedShare);
            if (random.Chance(site.RoamingShare))
            {
                var partner = random.Weighted(partners);
                var contract = $"{partner.CountryCode}-{partner.PartyId}-C{random.Hex(4)}-{random.Next(10)}";
                drivers[i] = new Driver(random.Hex(7), TokenType.Roaming, vehicle, new RoamingContract(partner, contract), blocked);
                continue;
            }
            var type = random.Weighted(TokenTypes);
            var token = type switch
            {
                TokenType.App => "APP" + random.Hex(6),
                TokenType.CreditCard => "CC" + random.Hex(6),
                _ => random.Hex(7), // an RFID card's 7-byte UID
            };
            drivers[i] = new Driver(token, type, vehicle, Roaming: null, blocked);
        }
        return new DriverPool(drivers);
    }

    public Driver Next(Random random)
    {
        var roll = random.NextDouble() * _cumulativeWeight[^1];
        var index = Array.BinarySearch(_cumulativeWeight, roll);
        return _drivers[index < 0 ? ~index : index];
    }
}
