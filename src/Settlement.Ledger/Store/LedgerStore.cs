using JasperFx;
using JasperFx.Events;
using Marten;
using Npgsql;
using Polly;
using Settlement.Domain.Events;
using Settlement.Ledger.Schemas;
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
    /// <summary>Hangfire's tables, for the hosts' scheduled checkpoints; migrated with the ledger so the application never needs DDL.</summary>
    public const string JobSchema = "hangfire";

    /// <summary>The OCPP 1.6 transaction ids the central system hands out: an int32 on the wire, hence its maximum.</summary>
    public const string Ocpp16TransactionIds = Schema + ".ocpp16_transaction_id";

    /// <summary>For a store of its own (tests, tools, the migration): Marten keeps a pool of its own, sized by the connection string.</summary>
    /// <param name="schemaChanges">
    /// <see cref="AutoCreate.None"/> unless it is the owner's migration: only the owner may change the schema.
    /// </param>
    public static StoreOptions Configure(
        StoreOptions options, string connectionString, AutoCreate schemaChanges, ReadModelSet readModels, EventCatalogue catalogue, params IEventUpcaster[] upcasters)
    {
        options.Connection(connectionString);
        return Configure(options, schemaChanges, readModels, catalogue, upcasters);
    }

    /// <summary>A host's store, on the one pool its <see cref="ConnectionBudget"/> allows; it changes no schema.</summary>
    private static StoreOptions Configure(
        StoreOptions options, NpgsqlDataSource dataSource, ReadModelSet readModels, EventCatalogue catalogue, params IEventUpcaster[] upcasters)
    {
        options.Connection(dataSource);
        return Configure(options, AutoCreate.None, readModels, catalogue, upcasters);
    }

    private static StoreOptions Configure(StoreOptions options, AutoCreate schemaChanges, ReadModelSet readModels, EventCatalogue catalogue, IEventUpcaster[] upcasters)
    {
        ConfigureEventsAndProjections(options, readModels, catalogue, Schema, schemaChanges, upcasters);

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
    public static StoreOptions ConfigureCopy(StoreOptions options, NpgsqlDataSource dataSource, ReadModelSet readModels, string schema)
    {
        options.Connection(dataSource);
        return ConfigureEventsAndProjections(options, readModels, EventCatalogue.Current, schema, AutoCreate.CreateOrUpdate, VersionUpcasters.All);
    }

    private static StoreOptions ConfigureEventsAndProjections(
        StoreOptions options, ReadModelSet readModels, EventCatalogue catalogue, string schema, AutoCreate schemaChanges, IEventUpcaster[] upcasters)
    {
        options.DatabaseSchemaName = schema;
        // A storm of reconnecting chargers, or hosts together asking more than the server allows, makes getting a
        // connection fail for a moment (the pool's wait elapsed, 53300 too many clients, 57P03 starting up):
        // reads wait it out rather than fail the charger or the request.
        options.ExtendPolly(reads => reads.AddRetry(ConnectionRetry.ReadRetry));
        options.AutoCreateSchemaObjects = schemaChanges;
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
        readModels.Register(options);
        return options;
    }

    /// <summary>
    /// Creates or updates the store's schema, its append-only guard and the sequences beside it, connected as the
    /// role that is to own them; then grants <paramref name="applicationRole"/> what the everyday work needs and
    /// nothing that could change recorded history (see <see cref="LedgerPrivileges"/>).
    /// </summary>
    /// <param name="applicationRole">Null when the application connects as the owner itself.</param>
    public static async Task MigrateAsync(string ownerConnectionString, string? applicationRole, ReadModelSet readModels, CancellationToken ct = default)
    {
        await using var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(ownerConnectionString) { Pooling = false }.ConnectionString);
        // Hosts starting together would migrate at once, and two GRANTs on one table fail ("tuple concurrently
        // updated"): one migrates at a time, for as long as this session holds the lock.
        await using var migrating = await dataSource.OpenConnectionAsync(ct);
        await using (var wait = new NpgsqlCommand($"SELECT pg_advisory_lock({AdvisoryLock.MigrationKey})", migrating))
            await wait.ExecuteNonQueryAsync(ct);

        using (var store = new DocumentStore(Configure(new StoreOptions(), ownerConnectionString, AutoCreate.CreateOrUpdate,
                   readModels, EventCatalogue.Current, VersionUpcasters.All)))
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await AppendOnlyGuard.InstallAsync(dataSource, Schema, ct);
        await using (var sequence = dataSource.CreateCommand($"CREATE SEQUENCE IF NOT EXISTS {Ocpp16TransactionIds} MAXVALUE 2147483647"))
            await sequence.ExecuteNonQueryAsync(ct);
        await LedgerPrivileges.InstallJobSchemaAsync(dataSource, ct);
        if (applicationRole is not null)
            await LedgerPrivileges.GrantAsync(dataSource, applicationRole, ct);
    }

    /// <summary>Opens the ledger over a schema <see cref="MigrateAsync"/> made; it changes no schema itself.</summary>
    /// <param name="vaultSecret">The driver vault's secret; null reads <see cref="Drivers.VaultSecret.EnvironmentVariable"/>.</param>
    /// <param name="budget">The connections it may hold at once, all uses together; null is <see cref="ConnectionBudget.Standard"/>.</param>
    public static async Task<Ledger> OpenAsync(string connectionString, ReadModelSet readModels, CancellationToken ct = default, Drivers.VaultSecret? vaultSecret = null,
        ConnectionBudget? budget = null)
    {
        var catalogue = EventCatalogue.Current;
        var validator = new EventValidator(catalogue);
        var dataSource = (budget ?? ConnectionBudget.Standard).CreateDataSource(connectionString);
        var store = new DocumentStore(Configure(new StoreOptions(), dataSource, readModels, catalogue, VersionUpcasters.All));
        try
        {
            await using var migrated = dataSource.CreateCommand($"SELECT to_regclass('{Schema}.mt_events') IS NOT NULL");
            if (!(bool)(await migrated.ExecuteScalarAsync(ct))!)
                throw new InvalidOperationException(
                    $"database {new NpgsqlConnectionStringBuilder(connectionString).Database} has no ledger yet: its owner must migrate it first (LedgerStore.MigrateAsync, which every settle command runs with the migration connection)");
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
