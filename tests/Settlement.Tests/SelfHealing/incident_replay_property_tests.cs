using CsCheck;
using Settlement.Domain.Events;
using Settlement.Domain.SelfHealing;
using Settlement.Ledger;
using Settlement.Projections.SelfHealing;
using Xunit;
using static Settlement.Tests.SelfHealing.HealingSpec;

namespace Settlement.Tests.SelfHealing;

/// <summary>
/// The replay test for incidents, against the real ledger: what the inline projection stored as an incident's
/// events were appended is what folding the stream read back gives, and both are the incident as it was decided live.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class incident_replay_property_tests(LedgerDatabase db)
{
    [Fact]
    public async Task an_incident_rebuilds_from_the_ledger_as_it_was_decided_and_projected() =>
        await incident_property_tests.Incidents.SampleAsync(async c =>
        {
            // Given an incident decided live through random triggers, appended as its stream
            var incidentId = $"INC-{Guid.NewGuid():N}";
            var (events, live) = incident_property_tests.Run(c.Kind, c.Ladder, c.Triggers, incidentId);
            var stream = StreamIds.Incident(incidentId);
            await db.Ledger.AppendAsync(new StreamAppend(stream,
                [.. events.Select(e => new PendingEvent(e, EventMetadata.NewCorrelation(Actor.Job("self-healer"), T0)))]));

            // When it is read back from the inline read model and replayed from the stream
            await using var query = db.Ledger.QueryReadModels();
            var projected = await query.LoadAsync<IncidentEntry>(stream);
            var replayed = (await db.Ledger.ReadStreamAsync(stream)).Aggregate((IncidentEntry?)null, (entry, e) => IncidentEntries.Evolve(entry, e.Data));

            // Then all three agree
            Same(IncidentEntry.Of(live), projected);
            Same(projected, replayed);
        }, iter: 15, threads: 1);
}
