using JasperFx;
using JasperFx.Events;
using Marten;
using Npgsql;
using Settlement.Domain.Events;
using Settlement.Ledger.Schemas;
using Settlement.Projections.Invoicing;
using Settlement.Projections.Kpis;
using Settlement.Projections.Network;
using Settlement.Projections.Pricing;
using Settlement.Projections.Roaming;
using Settlement.Projections.Sessions;
using JasperFx.Events.Projections;
using Marten.Services.Json.Transformations;
using Weasel.Core;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace Settlement.Ledger.Store;

/// <summary>The one place the event store is configured.</summary>
public static class LedgerStore
{
    public const string Schema = "ledger";

    public static StoreOptions Configure(
        StoreOptions options, string connectionString, EventCatalogue catalogue, params IEventUpcaster[] upcasters)
    {
        ConfigureEventsAndProjections(options, connectionString, catalogue, Schema, upcasters);

        // Beside the ledger, not part of it: which node holds each charger's connection, and the relayed
        // command messages too large for a NOTIFY (Settlement.Ocpp's CommandRelay).
        var presence = new Table(new PostgresqlObjectName(Schema, "charger_presence", SchemaUtils.IdentifierUsage.General));
        presence.AddColumn<string>("charger_id").AsPrimaryKey();
        presence.AddColumn<int>("node_pid").NotNull();
        presence.AddColumn("node_started", "timestamptz").NotNull();
        presence.AddColumn<string>("protocol").NotNull();
        options.Storage.ExtendedSchemaObjects.Add(presence);
        var relayed = new Table(new PostgresqlObjectName(Schema, "relayed_messages", SchemaUtils.IdentifierUsage.General));
        relayed.AddColumn<Guid>("id").AsPrimaryKey();
        relayed.AddColumn<string>("body").NotNull();
        relayed.AddColumn("stored_at", "timestamptz").NotNull().DefaultValueByExpression("now()");
        options.Storage.ExtendedSchemaObjects.Add(relayed);
        foreach (var table in Audit.ChainTables.Define(Schema))
            options.Storage.ExtendedSchemaObjects.Add(table);
        options.Storage.ExtendedSchemaObjects.Add(Drivers.DriverVault.SchemaObject(Schema));

        return options;
    }

    /// <summary>
    /// A copy of the ledger in another schema of the same database: the same events, projections and read
    /// models, none of the node tables. What an audit replays history into (Audit/Replay).
    /// </summary>
    public static StoreOptions ConfigureCopy(StoreOptions options, string connectionString, string schema) =>
        ConfigureEventsAndProjections(options, connectionString, EventCatalogue.Current, schema, PlainIdentifierUpcasters.All);

    private static StoreOptions ConfigureEventsAndProjections(
        StoreOptions options, string connectionString, EventCatalogue catalogue, string schema, IEventUpcaster[] upcasters)
    {
        // Marten sends document writes and loads unprepared, so PostgreSQL parsed and planned each of the inline
        // projections' upserts again: prepared once per connection, their share of a 1,000-event append fell from
        // 760 to 280 ms per 100,000 events.
        options.Connection(new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = 64, AutoPrepareMinUsages = 2 }.ConnectionString);
        options.DatabaseSchemaName = schema;
        options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
        options.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase, json => LedgerJson.Configure(json));

        options.Events.StreamIdentity = StreamIdentity.AsString;
        // The ledger writes its events itself (EventRows), stamped by the database clock so that hosts with skewed
        // clocks cannot reorder history; quick mode keeps that rule for anything appended through Marten directly.
        // (Despite its name, QuickWithServerTimestamps sends each host's clock.)
        options.Events.AppendMode = EventAppendMode.Quick;
        options.Events.MetadataConfig.CorrelationIdEnabled = true;
        options.Events.MetadataConfig.CausationIdEnabled = true;
        options.Events.MetadataConfig.HeadersEnabled = true;

        foreach (var type in catalogue.All)
            options.Events.MapEventType(type.ClrType, type.StoredName);
        options.Events.Upcast(upcasters);

        // AsyncProjections runs the daemon itself, one node at a time: say so, or Marten warns at every start
        // that the async projections will never run.
        options.Projections.AsyncMode = JasperFx.Events.Daemon.DaemonMode.HotCold;
        options.Projections.Add<ChargerDirectory>(ProjectionLifecycle.Inline);
        options.Projections.Add<TransactionIndex>(ProjectionLifecycle.Inline);
        options.Projections.Add<SessionLifecycles>(ProjectionLifecycle.Inline);
        // The silence closer looks for the open sessions among all that ever ran.
        options.Schema.For<SessionLifecycle>().Duplicate(s => s.Open);
        options.Projections.Add<SiteDirectory>(ProjectionLifecycle.Inline);
        options.Projections.Add<TariffDirectory>(ProjectionLifecycle.Inline);
        options.Projections.Add<RoamedSessions>(ProjectionLifecycle.Inline);
        options.Projections.Add<InvoiceRegister>(ProjectionLifecycle.Inline);
        options.Projections.Add<SessionBillings>(ProjectionLifecycle.Inline);
        options.Projections.Add(new PricedSessions(), ProjectionLifecycle.Async);
        options.Projections.Add(new ChargerKpiFacts(), ProjectionLifecycle.Async);
        options.Projections.Add(new SessionKpiFacts(), ProjectionLifecycle.Async);
        options.Schema.For<PendingCharger>();
        return options;
    }

    /// <summary>Creates or updates the store's schema and its append-only guard, then opens the ledger.</summary>
    /// <param name="vaultSecret">The driver vault's secret; null reads <see cref="Drivers.VaultSecret.EnvironmentVariable"/>.</param>
    public static async Task<Ledger> OpenAsync(string connectionString, CancellationToken ct = default, Drivers.VaultSecret? vaultSecret = null)
    {
        var catalogue = EventCatalogue.Current;
        var validator = new EventValidator(catalogue);
        var store = new DocumentStore(Configure(new StoreOptions(), connectionString, catalogue, PlainIdentifierUpcasters.All));
        // Only for the odd statement beside Marten (guard, sequences): a small pool, so the two pools
        // together stay within a default max_connections of 100.
        var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 5 }.ConnectionString);
        try
        {
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            await AppendOnlyGuard.InstallAsync(dataSource, Schema, ct);
            return new Ledger(store, validator, dataSource, vaultSecret ?? Drivers.VaultSecret.FromEnvironment());
        }
        catch
        {
            store.Dispose();
            await dataSource.DisposeAsync();
            throw;
        }
    }
}
