using System.Text;
using System.Text.Json;
using Marten;
using NodaTime;
using Settlement.Documents;
using Settlement.Documents.Reports;
using Settlement.Domain.Events;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Kpis;
using Settlement.Domain.Roaming;
using Settlement.Host.Kpis;
using Settlement.Host.Reports;
using Settlement.Ledger;
using Settlement.Ledger.Audit;
using Settlement.Projections.Invoicing;
using static Settlement.Host.Audit.DocumentDiff;

namespace Settlement.Host.Audit;

/// <summary>How one kind of document compared: all of them, the identical ones, the different ones, and those the cut explains.</summary>
public sealed record KindComparison(string Kind, int Compared, int Identical, int Different, int AfterCut);

/// <param name="Differences">Where live and replay disagree although the cut cannot explain it: the replay failed to reproduce them.</param>
/// <param name="AfterCut">Live documents written at or after the first event past the cut: different because history went on.</param>
public sealed record ReplayComparison(
    IReadOnlyList<KindComparison> Kinds, IReadOnlyList<DocumentDifference> Differences, IReadOnlyList<DocumentDifference> AfterCut)
{
    public bool Reproduced => Differences.Count == 0;

    /// <summary>The one sentence that says whether the replay reproduced the live documents: `settle replay --compare` prints it, and a replay run of the host answers with it.</summary>
    public string Verdict => Reproduced
        ? "The replay reproduces every live document compared."
        : $"{Differences.Select(d => (d.Kind, d.Document)).Distinct().Count():N0} documents differ from their replay.";

    /// <summary>
    /// Renders the same public documents from the live ledger and from the replay and compares them: every
    /// read model's documents (canonical JSON per id), the issued invoices and credit notes (JSON, CSV, PDF),
    /// the CDRs, the KPI figures per site, the NEVI modules 2 to 5 (CSV and JSON) and the AFIR feed.
    /// </summary>
    /// <remarks>
    /// <para>After a full replay every document must be identical. After a cut, only what already existed
    /// at the cut must be: a live read-model document last written (mt_last_modified) before the events past
    /// the cut were recorded, and not in a transaction that appended any of them, must equal its replay; one
    /// written since, and one created since, is counted as changed after the cut and listed, not failed. Issued invoices, credit notes and CDRs
    /// never change, so one in both must be identical whatever the cut. Reports sum up the whole ledger:
    /// after a cut they are listed, not failed.</para>
    /// <para>Reports cover the calendar months of the live KPI facts, with the clock at the end of that
    /// period, so both sides compute the same figures for the same instants.</para>
    /// </remarks>
    public static async Task<ReplayComparison> CompareAsync(Ledger.Ledger live, Replay replay, CancellationToken ct)
    {
        var comparison = new Comparer(replay.ChangedFrom, replay.TransactionsAfterCut);
        var liveModels = await ReadModelsAsync(live, ct);
        var replayModels = await ReadModelsAsync(replay.Ledger, ct);
        foreach (var table in liveModels.Keys.Union(replayModels.Keys).Order(StringComparer.Ordinal))
            comparison.Compare(table, Form.Json, liveModels.GetValueOrDefault(table, None), replayModels.GetValueOrDefault(table, None), immutable: false);

        var liveWritten = liveModels.GetValueOrDefault(nameof(InvoiceEntry), None).ToDictionary(d => d.Key, d => (d.Value.Written, d.Value.WrittenBy));
        var (liveInvoices, replayInvoices) = (await InvoicesAsync(live, ct), await InvoicesAsync(replay.Ledger, ct));
        foreach (var kind in new[] { InvoiceKind.SessionInvoice, InvoiceKind.PartnerInvoice, InvoiceKind.CreditNote })
            foreach (var (format, form, render) in Renderings)
                comparison.Compare($"{Label(kind)} {format}", form,
                    Rendered(liveInvoices, kind, render, id => liveWritten.GetValueOrDefault(id)),
                    Rendered(replayInvoices, kind, render, _ => default), immutable: true);

        comparison.Compare("CDR", Form.Json, await CdrsAsync(live, ct), await CdrsAsync(replay.Ledger, ct), immutable: true);

        if (await PeriodAsync(live, ct) is { } period)
            foreach (var (kind, form, liveReport, replayReport) in await ReportsAsync(live, replay.Ledger, period, ct))
                comparison.Compare(kind, form, liveReport, replayReport, immutable: false);

        return new ReplayComparison(comparison.Kinds, comparison.Differences, comparison.AfterCut);
    }

    /// <summary>
    /// A document as rendered, and when and by which transaction the live store last wrote what it was rendered
    /// from (null: unknown, or a replay's).
    /// </summary>
    private sealed record Rendering(byte[] Bytes, Instant? Written, long? WrittenBy = null);

    private sealed class Comparer(Instant? changedFrom, IReadOnlySet<long> transactionsAfterCut)
    {
        public List<KindComparison> Kinds { get; } = [];
        public List<DocumentDifference> Differences { get; } = [];
        public List<DocumentDifference> AfterCut { get; } = [];

        public void Compare(string kind, Form form, IReadOnlyDictionary<string, Rendering> live, IReadOnlyDictionary<string, Rendering> replay, bool immutable)
        {
            int identical = 0, different = 0, afterCut = 0;
            foreach (var id in live.Keys.Union(replay.Keys).Order(StringComparer.Ordinal))
            {
                var (left, right) = (live.GetValueOrDefault(id), replay.GetValueOrDefault(id));
                if (left is not null && right is not null && Same(form, left.Bytes, right.Bytes))
                {
                    identical++;
                    continue;
                }
                // Written live since the cut (or derived from everything, as reports are): history went on.
                var explained = changedFrom is { } from && left is not null && (right is null || !immutable)
                                && (left.Written is not { } written || written >= from || left.WrittenBy is { } by && transactionsAfterCut.Contains(by));
                var found = (left, right) switch
                {
                    (null, _) => [new DocumentDifference(kind, id, "whole document", "(absent)", "present")],
                    (_, null) => [new DocumentDifference(kind, id, "whole document", "present", "(absent)")],
                    _ => Between(kind, id, form, left.Bytes, right.Bytes),
                };
                (explained ? AfterCut : Differences).AddRange(found);
                if (explained) afterCut++;
                else different++;
            }
            Kinds.Add(new KindComparison(kind, identical + different + afterCut, identical, different, afterCut));
        }
    }

    private static readonly IReadOnlyDictionary<string, Rendering> None = new Dictionary<string, Rendering>();

    private static readonly (string Format, Form Form, Func<InvoiceDocument, byte[]> Render)[] Renderings =
    [
        ("JSON", Form.Json, InvoiceJson.Render),
        ("CSV", Form.Text, InvoiceCsv.Render),
        ("PDF", Form.Binary, InvoicePdf.Render),
    ];

    private static string Label(InvoiceKind kind) => kind switch
    {
        InvoiceKind.SessionInvoice => "Driver invoice",
        InvoiceKind.PartnerInvoice => "Partner invoice",
        _ => "Credit note",
    };

    /// <summary>Every read model's documents by document type, as JSON per id, with when each was last written.</summary>
    private static async Task<Dictionary<string, IReadOnlyDictionary<string, Rendering>>> ReadModelsAsync(Ledger.Ledger ledger, CancellationToken ct)
    {
        return (await ledger.ReadModelDocumentsAsync(ct)).ToDictionary(
            model => model.Key,
            model => (IReadOnlyDictionary<string, Rendering>)model.Value.ToDictionary(
                document => document.Key,
                document => new Rendering(Encoding.UTF8.GetBytes(document.Value.Json), document.Value.LastModified, document.Value.WrittenBy)));
    }

    private static async Task<IReadOnlyList<InvoiceEntry>> InvoicesAsync(Ledger.Ledger ledger, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        return await query.Query<InvoiceEntry>().ToListAsync(ct);
    }

    private static Dictionary<string, Rendering> Rendered(
        IReadOnlyList<InvoiceEntry> entries, InvoiceKind kind, Func<InvoiceDocument, byte[]> render, Func<string, (Instant? At, long? By)> written) =>
        entries.Where(e => e.Document.Kind == kind).ToDictionary(e => e.Id, e =>
        {
            var (at, by) = written(e.Id);
            return new Rendering(render(e.Document), at, by);
        });

    private const int CdrPageSize = 10_000;

    /// <summary>CDRs are sent as recorded; no read model holds them, so the copy's own events are what the replay reproduces.</summary>
    private static async Task<Dictionary<string, Rendering>> CdrsAsync(Ledger.Ledger ledger, CancellationToken ct)
    {
        var cdrs = new Dictionary<string, Rendering>();
        var last = await ledger.LastPositionAsync(ct);
        for (var after = 0L; after < last;)
        {
            var page = await ledger.ReadEventPageAsync([EventType.StoredNameOf(typeof(CdrIssued)), EventType.StoredNameOf(typeof(CdrIssuedV2))], after, last, CdrPageSize, ct);
            if (page.Json.Length == 0) break;
            foreach (var json in page.Json)
            {
                using var cdr = JsonDocument.Parse(json);
                cdrs[$"{cdr.RootElement.GetProperty("partnerId").GetString()}/{cdr.RootElement.GetProperty("cdrId").GetString()}"] =
                    new Rendering(Encoding.UTF8.GetBytes(json), null);
            }
            after = page.Last;
        }
        return cdrs;
    }

    /// <summary>The calendar months the live KPI facts span; null when there are none.</summary>
    private static async Task<(LocalDate From, LocalDate Through)?> PeriodAsync(Ledger.Ledger live, CancellationToken ct)
    {
        await using var query = live.QueryReadModels();
        var months = await query.Query<ChargerMonthFacts>().Select(m => m.Month).ToListAsync(ct);
        if (months.Count == 0) return null;
        var pattern = NodaTime.Text.YearMonthPattern.Iso;
        var (first, last) = (pattern.Parse(months.Min(StringComparer.Ordinal)!).Value, pattern.Parse(months.Max(StringComparer.Ordinal)!).Value);
        return (first.OnDayOfMonth(1), last.OnDayOfMonth(last.Calendar.GetDaysInMonth(last.Year, last.Month)));
    }

    private static async Task<IReadOnlyList<(string Kind, Form Form, Dictionary<string, Rendering> Live, Dictionary<string, Rendering> Replay)>> ReportsAsync(
        Ledger.Ledger live, Ledger.Ledger replay, (LocalDate From, LocalDate Through) period, CancellationToken ct)
    {
        var clock = new FixedClock(period.Through.PlusDays(1).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant());
        var (liveReports, replayReports) = (Reports(live), Reports(replay));
        var reports = new List<(string, Form, Dictionary<string, Rendering>, Dictionary<string, Rendering>)>
        {
            ("KPI figures", Form.Json, await KpiFiguresAsync(live, period, ct), await KpiFiguresAsync(replay, period, ct)),
        };
        foreach (var module in new[] { 2, 3, 4, 5 })
            foreach (var csv in new[] { true, false })
                reports.Add(($"NEVI module {module} {(csv ? "CSV" : "JSON")}", csv ? Form.Text : Form.Json,
                    await NeviAsync(liveReports, module, csv), await NeviAsync(replayReports, module, csv)));
        reports.Add(("AFIR feed", Form.Json, await AfirAsync(liveReports), await AfirAsync(replayReports)));
        return reports;

        RegulatorReports Reports(Ledger.Ledger ledger) => new(ledger, new KpiHistories(ledger), clock);

        async Task<Dictionary<string, Rendering>> NeviAsync(RegulatorReports reports, int module, bool csv) =>
            Whole($"{period.From:yyyy-MM-dd}..{period.Through:yyyy-MM-dd}",
                (await reports.NeviDocumentAsync(module, null, ReportEndpoints.DefaultNetworkProvider, period.From, period.Through, csv, ct))!);

        async Task<Dictionary<string, Rendering>> AfirAsync(RegulatorReports reports) =>
            Whole(clock.GetCurrentInstant().ToString(), AfirJson.Render((await reports.AfirAsync(ct)).WhereAfirApplies()));
    }

    private sealed class FixedClock(Instant now) : IClock
    {
        public Instant GetCurrentInstant() => now;
    }

    private static Dictionary<string, Rendering> Whole(string id, byte[] document) => new() { [id] = new Rendering(document, null) };

    /// <summary>The figures <c>settle report kpis</c> prints, per site: each port's uptime, charge success, utilisation, ratings.</summary>
    private static async Task<Dictionary<string, Rendering>> KpiFiguresAsync(Ledger.Ledger ledger, (LocalDate From, LocalDate Through) period, CancellationToken ct)
    {
        var figures = new Dictionary<string, Rendering>();
        foreach (var history in await new KpiHistories(ledger).HistoriesAsync(null, period.Through, ct))
        {
            var (start, until) = history.Bounds(period.From, period.Through);
            var timelines = history.Timelines(until);
            var site = new
            {
                Uptime = timelines.Select(t => Uptime.For(t, start, until)).ToList(),
                ChargeSuccess = ChargeSuccess.For(history.Chargers, start, until).Total,
                Utilisation = Utilisation.ForSite(history.Site.SiteId, timelines, history.Zone, new DateInterval(period.From, period.Through)),
                Ratings = Ratings.For(history.Chargers.SelectMany(c => c.Sessions), start, until),
            };
            figures[history.Site.SiteId] = new Rendering(JsonSerializer.SerializeToUtf8Bytes(site, LedgerJson.Options), null);
        }
        return figures;
    }
}
