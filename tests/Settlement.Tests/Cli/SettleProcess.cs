using System.Diagnostics;
using Settlement.Ledger.Audit;
using Settlement.Ledger.Database;

namespace Settlement.Tests.Cli;

/// <summary>The settle CLI as a user runs it: a separate process, its output and exit code.</summary>
internal static class SettleProcess
{
    private static readonly Lazy<Task<string>> Built = new(BuildAsync);

    /// <summary>settle.dll as the settle script builds it: once per test run, and only when its sources changed.</summary>
    public static Task<string> BinaryAsync() => Built.Value;

    private static async Task<string> BuildAsync()
    {
        // `settle --help` makes the script build whatever is stale and then does nothing; the script's output folder is .build/settle.
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryFiles.Root };
        start.ArgumentList.Add(Path.Combine(RepositoryFiles.Root, "settle"));
        start.ArgumentList.Add("--help");
        // Set by `dotnet test` for its own build; a nested build must find its SDK afresh.
        foreach (var variable in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(variable);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(10));
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"./settle could not build the CLI:\n{await output}{await errors}");
        return Path.Combine(RepositoryFiles.Root, ".build", "settle", "settle.dll");
    }

    public static Task<(int ExitCode, string Output)> RunAsync(params string[] arguments) =>
        RunAsync(new Dictionary<string, string?>(), arguments);

    /// <summary>
    /// Runs against the test's server as an operator with their own PostgreSQL would: <c>--connection</c> as the
    /// application role, and the administrator's connection (who may create databases) to migrate with.
    /// </summary>
    public static Task<(int ExitCode, string Output)> RunAsync(LedgerDatabase db, params string[] arguments) =>
        RunAsync(new Dictionary<string, string?>
        {
            [DatabaseServer.MigrationConnectionVariable] = db.Server.AdministrationConnectionStringFor("postgres"),
        }, [.. arguments, "--connection", db.ConnectionString]);

    /// <param name="environment">Variables set (or, when null, removed) for this run only.</param>
    public static async Task<(int ExitCode, string Output)> RunAsync(IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        using var process = Process.Start(await StartInfoAsync(environment, arguments))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        return (process.ExitCode, await output + await errors);
    }

    /// <summary>
    /// A command that runs until stopped (the demo serving its dashboard), started against the test's server as
    /// <see cref="RunAsync(LedgerDatabase, string[])"/> runs one; the caller reads its output and stops it.
    /// </summary>
    public static async Task<Process> StartAsync(LedgerDatabase db, params string[] arguments) =>
        Process.Start(await StartInfoAsync(new Dictionary<string, string?>
        {
            [DatabaseServer.MigrationConnectionVariable] = db.Server.AdministrationConnectionStringFor("postgres"),
        }, [.. arguments, "--connection", db.ConnectionString]))!;

    private static async Task<ProcessStartInfo> StartInfoAsync(IReadOnlyDictionary<string, string?> environment, string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
            Environment =
            {
                ["COLUMNS"] = "200",
                // The demo and checkpoint anchor what they sign: in the temporary directory, not the home of whoever runs the tests.
                [AnchorLog.EnvironmentVariable] = Path.Combine(Path.GetTempPath(), "settle-test-anchors"),
            },
        };
        foreach (var (name, value) in environment) start.Environment[name] = value;
        start.ArgumentList.Add(await BinaryAsync());
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        return start;
    }
}
