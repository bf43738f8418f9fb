using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Settlement.Domain.Events;
using Settlement.Ledger;
using Settlement.Ledger.Audit;
using static Settlement.Tests.Ledger.Events;

namespace Settlement.Tests.Audit;

/// <summary>
/// A ledger of its own for a test that tampers with history: the shared test ledger must stay verifiable.
/// Tampering is done as the database administrator with triggers off, which is what an attacker with full
/// access to PostgreSQL could do; the ledger itself connects as the application role, which cannot.
/// </summary>
internal sealed class ChainedLedger : IAsyncDisposable
{
    private readonly string _superuserConnectionString;

    private ChainedLedger(string databaseName, string superuserConnectionString, Settlement.Ledger.Ledger ledger, ChainWriter writer)
    {
        DatabaseName = databaseName;
        _superuserConnectionString = superuserConnectionString;
        Ledger = ledger;
        Writer = writer;
    }

    public string DatabaseName { get; }

    public Settlement.Ledger.Ledger Ledger { get; }
    public ChainWriter Writer { get; }
    public NpgsqlDataSource DataSource => Ledger.DataSource;

    public static async Task<ChainedLedger> CreateAsync(LedgerDatabase db, string purpose)
    {
        var ledger = await db.ScratchLedgerAsync(purpose);
        return new ChainedLedger(db.Scratch(purpose), db.Server.AdministrationConnectionStringFor(db.Scratch(purpose)), ledger,
            new ChainWriter(ledger, NullLogger.Instance));
    }

    /// <summary>Given sessions of a start and a stop each, appended one session per transaction; returns their stream ids.</summary>
    public async Task<IReadOnlyList<string>> AppendSessionsAsync(int count)
    {
        var streams = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var sessionId = NewSessionId();
            var stream = StreamIds.Session(sessionId);
            await Ledger.AppendAsync(StreamAppend.New(stream, Pending(Started(sessionId)), Pending(Stopped(sessionId, 9_000))));
            streams.Add(stream);
        }
        return streams;
    }

    public Task<VerificationResult> VerifyAsync(string? trustedKeyId = null) =>
        LedgerVerification.VerifyAsync(Ledger, trustedKeyId);

    /// <summary>Runs SQL as the administrator, a superuser who switched the append-only triggers off (the ledger itself connects as the application role, which cannot).</summary>
    public async Task TamperAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_superuserConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SET session_replication_role = replica; {sql}", connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<long> ScalarAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    public async ValueTask DisposeAsync()
    {
        await Writer.DisposeAsync();
        await Ledger.DisposeAsync();
    }
}
