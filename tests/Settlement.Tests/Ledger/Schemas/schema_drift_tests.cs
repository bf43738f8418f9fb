using NodaTime;
using Settlement.Domain.Events;
using Settlement.Ledger.Schemas;

namespace Settlement.Tests.Ledger.Schemas
{
    public sealed class schema_drift_tests
    {
        [Fact]
        public void every_catalogued_event_matches_its_committed_schema()
        {
            var audits = EventSchemas.Audit(EventCatalogue.Current, RepositoryFiles.Schemas);

            var wrong = audits.Where(a => a.Status != SchemaStatus.Matches)
                .Select(a => $"{a.Type.ClrType.Name}: {a.Status} (schemas/{a.Type.SchemaPath})");
            Assert.Empty(wrong);
        }

        [Fact]
        public void a_record_that_changed_shape_is_reported_as_drifted()
        {
            // Same stored contract name as the real SessionStarted, one field added.
            var drifted = new EventCatalogue([new EventType(typeof(Drifted.SessionStarted), EventFamily.Sessions)]);

            var audit = Assert.Single(EventSchemas.Audit(drifted, RepositoryFiles.Schemas));

            Assert.Equal("session_started_v1", audit.Type.StoredName);
            Assert.Equal(SchemaStatus.Drifted, audit.Status);
        }

        [Fact]
        public void the_embedded_schemas_are_the_committed_files()
        {
            foreach (var type in EventCatalogue.Current.All)
                Assert.Equal(File.ReadAllText(Path.Combine(RepositoryFiles.Schemas, type.SchemaPath)), EventSchemas.Committed(type));
        }

        [Theory]
        [InlineData(typeof(Drifted.SessionStarted), "session_started", 1, "events/sessions/session_started.v1.json")]
        [InlineData(typeof(Drifted.SessionStartedV2), "session_started", 2, "events/sessions/session_started.v2.json")]
        public void stored_names_and_versions_follow_the_record_name(Type clrType, string name, int version, string schemaPath)
        {
            var type = new EventType(clrType, EventFamily.Sessions);

            Assert.Equal(name, type.Name);
            Assert.Equal(version, type.Version);
            Assert.Equal($"{name}_v{version}", type.StoredName);
            Assert.Equal(schemaPath, type.SchemaPath);
        }

        [Fact]
        public void two_types_with_one_stored_name_are_refused()
        {
            var error = Assert.Throws<ArgumentException>(() => new EventCatalogue(
            [
                new EventType(typeof(Drifted.SessionStarted), EventFamily.Sessions),
                new EventType(typeof(Domain.Sessions.SessionStarted), EventFamily.Sessions),
            ]));
            Assert.Contains("session_started_v1", error.Message);
        }
    }
}

namespace Settlement.Tests.Ledger.Schemas.Drifted
{
    public sealed record SessionStarted(
        string SessionId, string ChargerId, int EvseId, int ConnectorId, string TransactionId, string IdToken,
        long MeterStartWh, Instant StartedAt, string TariffId);

    public sealed record SessionStartedV2(string SessionId, Instant StartedAt);
}
