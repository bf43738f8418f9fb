using System.Text.Json;
using Marten;
using Settlement.Domain.Events;
using Settlement.Domain.Kpis;
using Settlement.Ledger;
using Settlement.Ledger.Store;

namespace Settlement.Projections.Kpis;

/// <summary>
/// Rebuilds the KPI projections from zero, writing the same documents the daemon would and leaving
/// the daemon to follow on from where it ends.
/// </summary>
/// <remarks>
/// <para>Marten's daemon replays about 15,000 events/s into these projections on a 2-core machine: it
/// treats every event generically and writes per page. This reads the few event types the KPIs use
/// with plain Npgsql, deserialises them on every core, folds them in memory with the projections' own
/// fold, and writes each document once.</para>
/// <para>Run it while no host runs the daemon (e.g. <c>settle rebuild kpis</c> during maintenance):
/// the ceiling is the ledger's last event when it starts, and the daemon must not write the same
/// documents meanwhile.</para>
/// </remarks>
public sealed class KpiRebuild(Ledger.Ledger ledger)
{
    private const int PageSize = 20_000;
    private static readonly string[] ProjectionNames = [ChargerKpiFacts.ProjectionName, SessionKpiFacts.ProjectionName];

    /// <summary>How an audit replay rebuilds the KPI projections (see <see cref="ReadModelSet"/>).</summary>
    public static readonly FastRebuild Fast = new(ProjectionNames, (ledger, progress, ct) => new KpiRebuild(ledger).RunAsync(progress, ct));

    public sealed record Result(long Ceiling, long EventsReplayed, int ChargerMonths, int Sessions);

    public async Task<Result> RunAsync(Action<long, long> progress, CancellationToken ct)
    {
        // Rows stored under a superseded version are read too, and upcast, as the daemon reads them.
        var kpiTypes = ChargerKpiFacts.EventTypes.Concat(SessionKpiFacts.EventTypes).ToList();
        var typesByStoredName = kpiTypes
            .Concat(kpiTypes.Select(t => VersionUpcasters.Supersedes.GetValueOrDefault(t)).OfType<Type>())
            .ToDictionary(EventType.StoredNameOf);
        var ceiling = await CeilingAsync(ct);

        var months = new Dictionary<string, (string ChargerId, List<ChargerFact> Facts)>();
        var sessions = new Dictionary<string, SessionFacts>();
        long replayed = 0;
        await foreach (var page in PagesAsync(typesByStoredName, ceiling, ct))
        {
            foreach (var data in page)
            {
                if (ChargerKpiFacts.FactOf(data) is (var chargerId, { } fact))
                {
                    var key = ChargerMonthFacts.KeyOf(chargerId, fact.At);
                    if (!months.TryGetValue(key, out var month)) months[key] = month = (chargerId, []);
                    month.Facts.Add(fact);
                }
                else if (SessionKpiFacts.Handles(data))
                {
                    var key = SessionKpiFacts.KeyOf(data);
                    if (SessionKpiFacts.Evolve(sessions.GetValueOrDefault(key), key, data) is { } session) sessions[key] = session;
                }
            }
            replayed += page.Length;
            progress(page.Length == 0 ? ceiling : replayed, ceiling);
        }

        var monthDocuments = months.Select(m => new ChargerMonthFacts(m.Key, m.Value.ChargerId, ChargerMonthFacts.MonthOf(m.Value.Facts[0].At), m.Value.Facts)).ToList();
        await WriteAsync(monthDocuments, sessions.Values.ToList(), ceiling, ct);
        return new Result(ceiling, replayed, monthDocuments.Count, sessions.Count);
    }

    /// <summary>Every KPI document as JSON, in id order: what two rebuilds compare.</summary>
    public static async Task<IReadOnlyList<string>> DocumentsAsync(Ledger.Ledger ledger, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        var months = await query.Query<ChargerMonthFacts>().OrderBy(m => m.Id).ToListAsync(ct);
        var sessions = await query.Query<SessionFacts>().OrderBy(s => s.Id).ToListAsync(ct);
        return [.. months.Select(m => JsonSerializer.Serialize(m, LedgerJson.Options)), .. sessions.Select(s => JsonSerializer.Serialize(s, LedgerJson.Options))];
    }

    private Task<long> CeilingAsync(CancellationToken ct) => ledger.LastPositionAsync(ct);

    /// <summary>The events of the given stored types up to the ceiling, a page at a time, in ledger order; the next page is read while this one is deserialised.</summary>
    private async IAsyncEnumerable<object[]> PagesAsync(
        Dictionary<string, Type> typesByStoredName, long ceiling, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var after = 0L;
        var reading = ReadPageAsync(typesByStoredName, after, ceiling, ct);
        while (true)
        {
            var (types, json, last) = await reading;
            if (types.Length == 0) yield break;
            after = last;
            reading = ReadPageAsync(typesByStoredName, after, ceiling, ct);
            var page = new object[types.Length];
            Parallel.For(0, types.Length, i => page[i] = VersionUpcasters.Upcast(JsonSerializer.Deserialize(json[i], types[i], LedgerJson.Options)!));
            yield return page;
        }
    }

    private async Task<(Type[] Types, string[] Json, long Last)> ReadPageAsync(
        Dictionary<string, Type> typesByStoredName, long after, long ceiling, CancellationToken ct)
    {
        var page = await ledger.ReadEventPageAsync(typesByStoredName.Keys, after, ceiling, PageSize, ct);
        return ([.. page.StoredTypes.Select(stored => typesByStoredName[stored])], page.Json, page.Last);
    }

    /// <summary>Replaces the documents and records the projections as caught up to the ceiling, so the daemon follows on from there.</summary>
    private Task WriteAsync(IReadOnlyList<ChargerMonthFacts> months, IReadOnlyList<SessionFacts> sessions, long ceiling, CancellationToken ct) =>
        ledger.ReplaceRebuiltDocumentsAsync(
            [new RebuiltDocuments(typeof(ChargerMonthFacts), months, BatchSize: 1_000), new RebuiltDocuments(typeof(SessionFacts), sessions, BatchSize: 5_000)],
            ProjectionNames, ceiling, ct);
}
