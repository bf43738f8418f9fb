using System.Text.RegularExpressions;

namespace Settlement.Ledger.Database;

/// <summary>The PostgreSQL server programs the embedded cluster runs, and their major version.</summary>
internal sealed partial record PostgresBinaries(string InitDb, string PgCtl, int MajorVersion)
{
    const string DebianInstallRoot = "/usr/lib/postgresql";
    static readonly string InstallLock = Path.Combine(Path.GetTempPath(), "settlement-postgresql-install.lock");

    /// <summary>Finds the programs, installing Debian's postgresql package first when we are root and they are missing.</summary>
    public static async Task<PostgresBinaries> FindOrInstallAsync(bool isRoot, Action<string> report, CancellationToken ct)
    {
        if (await FindAsync(ct) is { } found)
            return found;

        if (!isRoot)
            throw new DatabaseServerException(
                "PostgreSQL is not installed (no initdb/pg_ctl on PATH or under /usr/lib/postgresql/*/bin). " +
                "Install it with `sudo apt-get install postgresql`, " +
                $"or point Settlement at an existing server with {DatabaseServer.ConnectionVariable} or --connection.");

        // Test classes and CLI commands may all find PostgreSQL missing at once; one of them installs it.
        await using (await FileLocks.ExclusiveAsync(InstallLock, TimeSpan.FromMinutes(15), "installing PostgreSQL", ct))
        {
            if (await FindAsync(ct) is { } installedMeanwhile)
                return installedMeanwhile;
            await InstallDebianPackageAsync(report, ct);
        }
        return await FindAsync(ct) ?? throw new DatabaseServerException(
            "installed Debian's postgresql package but still found no initdb/pg_ctl under /usr/lib/postgresql/*/bin.");
    }

    static async Task<PostgresBinaries?> FindAsync(CancellationToken ct)
    {
        var (initDb, pgCtl) = (OnPath("initdb"), OnPath("pg_ctl"));
        if (initDb is null || pgCtl is null)
        {
            // Debian keeps the server programs off PATH, one folder per major version.
            var newest = Directory.Exists(DebianInstallRoot)
                ? Directory.EnumerateDirectories(DebianInstallRoot)
                    .Select(dir => (dir, major: int.TryParse(Path.GetFileName(dir), out var major) ? major : -1))
                    .Where(v => v.major > 0 && File.Exists(Path.Combine(v.dir, "bin", "initdb")) && File.Exists(Path.Combine(v.dir, "bin", "pg_ctl")))
                    .OrderByDescending(v => v.major)
                    .Select(v => Path.Combine(v.dir, "bin"))
                    .FirstOrDefault()
                : null;
            if (newest is null)
                return null;
            (initDb, pgCtl) = (Path.Combine(newest, "initdb"), Path.Combine(newest, "pg_ctl"));
        }

        var version = await ExternalCommand.RunAsync(pgCtl, ["--version"], ct);
        var match = MajorVersionPattern().Match(version.Output);
        if (!version.Succeeded || !match.Success)
            throw new DatabaseServerException($"cannot tell the PostgreSQL version of {pgCtl}: {version.Output.Trim()}");
        return new PostgresBinaries(initDb, pgCtl, int.Parse(match.Groups[1].Value));
    }

    static string? OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(Runnable);

    // File.Exists is true for a symlink whose target is gone, e.g. a link left behind by a removed package.
    static bool Runnable(string path) =>
        File.Exists(path) && (new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true) is not { Exists: false });

    static async Task InstallDebianPackageAsync(Action<string> report, CancellationToken ct)
    {
        report("PostgreSQL is not installed; installing Debian's postgresql package with apt-get (this takes a minute) ...");
        // Waiting for the dpkg lock lets two Settlement processes (or unattended-upgrades) install side by side.
        string[] waitForLock = ["-o", "DPkg::Lock::Timeout=600"];
        var noninteractive = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };

        string[][] steps =
        [
            [.. waitForLock, "update"],
            [.. waitForLock, "install", "-y", "--no-install-recommends", "postgresql"],
        ];
        foreach (var arguments in steps)
        {
            report($"apt-get {string.Join(' ', arguments)}");
            var result = await ExternalCommand.RunAsync("apt-get", arguments, ct, line => report($"  {line}"), environment: noninteractive);
            if (!result.Succeeded)
                throw new DatabaseServerException(
                    $"installing PostgreSQL failed (apt-get {string.Join(' ', arguments)} exited with {result.ExitCode}). " +
                    $"Install it yourself (apt-get install postgresql) or set {DatabaseServer.ConnectionVariable} to an existing server.\n" +
                    Tail(result.Output, 20));
        }
        report("PostgreSQL installed.");
    }

    internal static string Tail(string text, int lines) =>
        string.Join('\n', text.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(lines));

    [GeneratedRegex(@"\(PostgreSQL\)\s+(\d+)")]
    private static partial Regex MajorVersionPattern();
}

/// <summary>
/// The unprivileged OS account the server runs as when we are root (initdb and postgres refuse to run as root);
/// the cluster then lives under its home, and every server program is started through runuser.
/// </summary>
internal sealed record ServerAccount(string Name, int Uid, int Gid, string Home)
{
    public const string DebianName = "postgres";

    public static async Task<ServerAccount> LookUpAsync(CancellationToken ct)
    {
        // getent rather than /etc/passwd alone, so accounts from NSS (LDAP, systemd-userdb) are found too.
        var entry = await ExternalCommand.RunAsync("getent", ["passwd", DebianName], ct);
        var fields = entry.Output.Trim().Split(':');
        if (!entry.Succeeded || fields.Length < 7)
            throw new DatabaseServerException(
                $"running as root, the embedded PostgreSQL must run as the unprivileged '{DebianName}' user, which does not exist. " +
                $"Install Debian's postgresql package (apt-get install postgresql), which creates it, " +
                $"or set {DatabaseServer.ConnectionVariable} / --connection to an existing server.");
        return new ServerAccount(fields[0], int.Parse(fields[2]), int.Parse(fields[3]), fields[5]);
    }

    public (string Program, IEnumerable<string> Arguments) Wrap(string program, IEnumerable<string> arguments) =>
        ("runuser", ["-u", Name, "--", program, .. arguments]);

    /// <summary>Creates a folder only the server account can enter (install -d sets owner and mode in one step).</summary>
    public async Task CreatePrivateDirectoryAsync(string path, CancellationToken ct)
    {
        var result = await ExternalCommand.RunAsync("install", ["-d", "-o", Uid.ToString(), "-g", Gid.ToString(), "-m", "0700", path], ct);
        if (!result.Succeeded)
            throw new DatabaseServerException($"cannot create {path} for the '{Name}' user: {result.Output.Trim()}");
    }

    /// <summary>Copies a file so that only the server account can read it.</summary>
    public async Task CopyPrivateFileAsync(string source, string destination, CancellationToken ct)
    {
        var result = await ExternalCommand.RunAsync("install", ["-o", Uid.ToString(), "-g", Gid.ToString(), "-m", "0600", source, destination], ct);
        if (!result.Succeeded)
            throw new DatabaseServerException($"cannot copy {source} to {destination} for the '{Name}' user: {result.Output.Trim()}");
    }
}
