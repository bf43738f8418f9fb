using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Settlement.Domain.Reports;

namespace Settlement.Tests.Reports;

/// <summary>
/// One line of the reference data's ev-chart/EXPECTED_validation_outcomes.csv: a sample file, whether
/// EV-ChART's own tests expect it accepted ("valid…") or refused, and the upstream test list it came from.
/// </summary>
internal sealed partial record UpstreamOutcome(string File, NeviModule Module, bool Valid, string UpstreamList)
{
    // Lazy: read when a test asks, not when the type is first touched, so a missing reference folder
    // cannot turn into a TypeInitializationException (the tests reading it are skipped then).
    private static readonly Lazy<List<UpstreamOutcome>> Rows = new(Read);

    public static IReadOnlyList<UpstreamOutcome> All => Rows.Value;

    public string Csv => Sample(File);

    /// <summary>A sample as uploaded, its byte order mark (which many have) kept for the validator to strip.</summary>
    public static string Sample(string file) =>
        Encoding.UTF8.GetString(System.IO.File.ReadAllBytes(RepositoryFiles.EvChartSample(file)));

    private static List<UpstreamOutcome> Read() =>
        System.IO.File.ReadAllLines(RepositoryFiles.EvChart("EXPECTED_validation_outcomes.csv"))
            .Skip(1)
            .Select(line => CommaOutsideQuotes().Split(line))
            .Select(cells => new UpstreamOutcome(
                cells[0],
                (NeviModule)int.Parse(cells[1], CultureInfo.InvariantCulture),
                Valid: cells[2].TrimStart('"').StartsWith("valid", StringComparison.Ordinal),
                UpstreamList: cells[3]))
            .ToList();

    [GeneratedRegex(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)")]
    private static partial Regex CommaOutsideQuotes();
}
