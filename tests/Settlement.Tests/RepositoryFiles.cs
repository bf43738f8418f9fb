namespace Settlement.Tests;

/// <summary>
/// Files the tests read from the source tree (schemas, fixtures, the Node client), found from the
/// test's output folder upwards by the solution file.
/// </summary>
internal static class RepositoryFiles
{
    // Lazy so a missing checkout layout surfaces as a readable failure rather than a TypeInitializationException.
    private static readonly Lazy<string> RootFolder = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Settlement.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"no folder above {AppContext.BaseDirectory} contains Settlement.sln");
    });

    public static string Root => RootFolder.Value;

    /// <summary>The committed schemas: <c>schemas/</c>.</summary>
    public static string Schemas => Path.Combine(Root, "schemas");

    public static string EvChart(string relativePath) =>
        Path.Combine(Root, "tests", "Settlement.Tests", "Reports", "Fixtures", "ev-chart", relativePath);

    public static string EvChartSample(string file) => EvChart(Path.Combine("sample_data", file));
}
