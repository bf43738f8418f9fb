namespace Settlement.Cli;

internal static class Repository
{
    /// <summary>The checkout holding the current directory, found by its solution file.</summary>
    public static string Root()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Settlement.sln")))
                return dir.FullName;
        throw new InvalidOperationException("Run this inside the Settlement repository (no Settlement.sln found above the current directory).");
    }
}
