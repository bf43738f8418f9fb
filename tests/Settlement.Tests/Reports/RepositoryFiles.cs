namespace Settlement.Tests.Reports;

/// <summary>
/// Files these tests read from the source tree, found from the test's output folder upwards: the EV-ChART
/// fixtures in Reports/Fixtures and the report schemas in schemas/reports.
/// </summary>
internal static class RepositoryFiles
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Settlement.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"no folder above {AppContext.BaseDirectory} contains Settlement.sln");
    });

    public static string EvChart(string relativePath) =>
        Path.Combine(Root.Value, "tests", "Settlement.Tests", "Reports", "Fixtures", "ev-chart", relativePath);

    public static string EvChartSample(string file) => EvChart(Path.Combine("sample_data", file));

    public static string Schema(string file) => Path.Combine(Root.Value, "schemas", "reports", file);
}
