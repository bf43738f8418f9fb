using NodaTime;
using Settlement.Domain.Events;
using Settlement.Domain.Sessions;
using Settlement.Ledger;
using Settlement.Ledger.Schemas;
using static Settlement.Tests.Ledger.Events;

namespace Settlement.Tests.Ledger;

public sealed record NotInTheCatalogue(string SessionId);

[Collection(LedgerCollection.Name)]
public sealed class bad_event_tests(LedgerDatabase db)
{
    [Fact]
    public async Task an_unknown_event_is_refused_and_nothing_else_in_its_batch_is_written()
    {
        var good = NewSessionId();
        var bad = NewSessionId();

        var error = await Assert.ThrowsAsync<UnknownEventException>(() => db.Ledger.AppendAsync(
        [
            StreamAppend.New(StreamIds.Session(good), Pending(Started(good))),
            StreamAppend.New(StreamIds.Session(bad), Pending(new NotInTheCatalogue(bad))),
        ]));

        Assert.Contains(nameof(NotInTheCatalogue), error.Message);
        Assert.Contains("not in the event catalogue", error.Message);
        Assert.Empty(await db.Ledger.ReadStreamAsync(StreamIds.Session(good)));
        Assert.Empty(await db.Ledger.ReadStreamAsync(StreamIds.Session(bad)));
    }

    [Fact]
    public async Task a_malformed_event_is_refused_naming_the_field_and_nothing_else_in_its_batch_is_written()
    {
        var sessionId = NewSessionId();
        var stream = StreamIds.Session(sessionId);

        var error = await Assert.ThrowsAsync<MalformedEventException>(() => db.Ledger.AppendAsync(
            StreamAppend.New(stream,
                Pending(Started(sessionId)),
                Pending(new SessionRated(sessionId, Stars: 9, Comment: null, Noon)))));

        Assert.Contains("/stars", error.Message);
        Assert.Contains("session_rated.v1.json", error.Message);
        Assert.Empty(await db.Ledger.ReadStreamAsync(stream));
    }

    [Theory]
    [MemberData(nameof(MalformedEvents))]
    public void each_schema_rule_is_enforced(object malformed, string field)
    {
        var validator = new EventValidator(EventCatalogue.Current);

        var error = Assert.Throws<MalformedEventException>(() => validator.Validate(malformed));

        Assert.Contains(error.Problems, p => p.StartsWith(field, StringComparison.Ordinal));
    }

    public static TheoryData<object, string> MalformedEvents() => new()
    {
        { Started("") , "/sessionId" },
        { Started("S-1", meterStartWh: -5), "/meterStartWh" },
        { new MeterValuesRecorded("S-1", []), "/readings" },
        { new MeterValuesRecorded("S-1", [new MeterReading(Noon, 10, null, StateOfChargePercent: 120)]), "/readings/0/stateOfChargePercent" },
        { new Settlement.Domain.Tariffs.TariffPublished("T-1", 1, "euro", false, [], Noon, null, Noon), "/currency" },
        { new Settlement.Domain.Chargers.SiteRegisteredV2("MUC", "Munich", null, "DE", "Europe/Berlin", 95m, 11m, 300m, null, Noon), "/latitude" },
    };

    [Fact]
    public async Task an_event_without_an_actor_is_refused()
    {
        var sessionId = NewSessionId();
        var anonymous = new EventMetadata("corr-1", null, new Actor(ActorKind.Charger, ""), Noon);

        await Assert.ThrowsAsync<ArgumentException>(() => db.Ledger.AppendAsync(
            StreamAppend.New(StreamIds.Session(sessionId), new PendingEvent(Started(sessionId), anonymous))));

        Assert.Empty(await db.Ledger.ReadStreamAsync(StreamIds.Session(sessionId)));
    }
}
