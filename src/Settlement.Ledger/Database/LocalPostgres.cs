using System.Diagnostics;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Settlement.Ledger.Database;

/// <summary>
/// The "embedded local default": a private PostgreSQL cluster that Settlement initialises and starts itself
/// when no server is configured. One cluster per data folder is shared by every Settlement process on the
/// machine: whoever comes first starts it, later ones reuse it, and the last one out stops it (only if a
/// Settlement process started it; a cluster started by hand is left alone).
/// </summary>
/// <remarks>
/// Beside the data folder <c>&lt;parent&gt;/&lt;name&gt;</c> live, owned by the invoking user:
/// <c>&lt;name&gt;.password</c> (mode 0600, the superuser's), <c>&lt;name&gt;.owner.password</c> and
/// <c>&lt;name&gt;.app.password</c> (mode 0600, see <see cref="OwnerRole"/> and <see cref="ApplicationRole"/>), <c>&lt;name&gt;.lock</c> (held while starting or stopping),
/// <c>&lt;name&gt;.users</c> (a shared lock held by every live instance) and <c>&lt;name&gt;.launched</c>
/// (the pid of a postmaster a Settlement process started); and, owned by the server's OS user,
/// <c>&lt;name&gt;.run/</c> with the server log and the Unix socket.
/// </remarks>
// Unix only: Unix file modes, flock, runuser. Windows users point Settlement at a server of their own.
[UnsupportedOSPlatform("windows")]
public sealed class LocalPostgres : IAsyncDisposable
{
    public const string DataDirectoryVariable = "SETTLE_DATA_DIR";
    public const string UserName = "settlement";
    /// <summary>Owns the ledger's databases and schemas: the migrations run as this role.</summary>
    public const string OwnerRole = "settlement_owner";
    /// <summary>What the commands and hosts do their everyday work as: see <see cref="Store.LedgerPrivileges"/>.</summary>
    public const string ApplicationRole = "settlement_app";

    static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(3);
    static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(2);
    const int StartAttempts = 3;
    // sockaddr_un.sun_path holds 108 bytes, the terminating NUL included.
    const int MaxSocketPath = 107;

    readonly PostgresBinaries binaries;
    readonly ServerAccount? account;
    readonly Action<string> report;
    readonly string data;
    readonly string parent;
    FileStream? lease;

    LocalPostgres(PostgresBinaries binaries, ServerAccount? account, string dataDirectory, Action<string> report)
    {
        this.binaries = binaries;
        this.account = account;
        this.report = report;
        data = dataDirectory;
        parent = Path.GetDirectoryName(dataDirectory)
                 ?? throw new DatabaseServerException($"the data folder {dataDirectory} has no parent folder to keep its password and lock files in");
    }

    public int Port { get; private set; }
    public string DataDirectory => data;
    public int MajorVersion => binaries.MajorVersion;
    public string PasswordFile => Sibling(".password");
    public string OwnerPasswordFile => Sibling(".owner.password");
    public string ApplicationPasswordFile => Sibling(".app.password");
    public string LogFile => Path.Combine(RunDirectory, "server.log");
    /// <summary>True when this instance launched the server; false when it found one already running and reused it.</summary>
    public bool StartedByUs { get; private set; }
    /// <summary>The superuser's, for creating and dropping databases (and for tests that play an attacker with full access).</summary>
    public string AdminConnectionString { get; private set; } = "";
    public string OwnerConnectionString { get; private set; } = "";
    public string ApplicationConnectionString { get; private set; } = "";
    public string Description => $"embedded PostgreSQL {MajorVersion} on 127.0.0.1:{Port} (data {DataDirectory})";

    string RunDirectory => Sibling(".run");
    string StartLockFile => Sibling(".lock");
    string UsersFile => Sibling(".users");
    string LaunchedFile => Sibling(".launched");
    string PostmasterPidFile => Path.Combine(data, "postmaster.pid");
    string Sibling(string suffix) => Path.Combine(parent, Path.GetFileName(data) + suffix);

    /// <summary>
    /// Starts the cluster, or reuses it when it is already running; initialises it first when the folder is new.
    /// The data folder is <paramref name="dataDirectory"/>, else <c>SETTLE_DATA_DIR</c>, else
    /// <c>~/.settlement/postgres/&lt;major&gt;</c>; as root the server runs as the <c>postgres</c> user and the
    /// default is <c>~postgres/settlement/&lt;major&gt;</c>.
    /// </summary>
    public static async Task<LocalPostgres> StartAsync(Action<string> report, CancellationToken cancellationToken, string? dataDirectory = null)
    {
        var isRoot = Environment.UserName == "root";
        var binaries = await PostgresBinaries.FindOrInstallAsync(isRoot, report, cancellationToken);
        var account = isRoot ? await ServerAccount.LookUpAsync(cancellationToken) : null;

        var chosen = dataDirectory
                     ?? NonEmpty(Environment.GetEnvironmentVariable(DataDirectoryVariable))
                     ?? DefaultDataDirectory(account, binaries.MajorVersion);
        var cluster = new LocalPostgres(binaries, account, Path.TrimEndingDirectorySeparator(Path.GetFullPath(chosen)), report);
        await cluster.OpenAsync(cancellationToken);
        return cluster;
    }

    static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    static string DefaultDataDirectory(ServerAccount? account, int major) => account is null
        ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".settlement", "postgres", major.ToString())
        : Path.Combine(account.Home, "settlement", major.ToString());

    async Task OpenAsync(CancellationToken ct)
    {
        if (!Directory.Exists(parent))
        {
            Directory.CreateDirectory(parent);
            // The server account must be able to walk through to its folders whatever root's umask is.
            if (account is not null)
                File.SetUnixFileMode(parent, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                                             | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
                                             | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        await using var startLock = await LockStartAndStopAsync(ct);
        await CreateServerDirectoriesAsync(ct);
        var password = await EnsureInitialisedAsync(ct);

        if (await FindRunningAsync(password, ct) is { } port)
        {
            Port = port;
        }
        else
        {
            Port = await LaunchAsync(password, ct);
            StartedByUs = true;
        }
        AdminConnectionString = ConnectionString(Port, UserName, password, probe: false);
        OwnerConnectionString = ConnectionString(Port, OwnerRole, await EnsureRoleAsync(OwnerRole, OwnerPasswordFile, password, ct), probe: false);
        ApplicationConnectionString = ConnectionString(Port, ApplicationRole,
            await EnsureRoleAsync(ApplicationRole, ApplicationPasswordFile, password, ct), probe: false);
        lease = FileLocks.Shared(UsersFile);
    }

    /// <summary>
    /// Stops the server if this is the last Settlement instance using it and a Settlement process started it.
    /// Stopping earlier would cut off the others (pg_ctl -m fast ends their sessions).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (lease is null)
            return;

        await using var startLock = await LockStartAndStopAsync(CancellationToken.None);
        await lease.DisposeAsync();
        lease = null;

        await using var sole = FileLocks.TryExclusive(UsersFile);
        if (sole is null)
        {
            report($"leaving PostgreSQL on 127.0.0.1:{Port} running: another Settlement process is still using it");
            return;
        }
        var running = ReadPostmasterPid();
        if (running is null)
            return;
        if (!File.Exists(LaunchedFile) || (await File.ReadAllTextAsync(LaunchedFile)).Trim() != running.Value.ToString())
        {
            report($"leaving PostgreSQL on 127.0.0.1:{Port} running: it was started outside Settlement");
            return;
        }

        report($"stopping PostgreSQL {MajorVersion} on 127.0.0.1:{Port}");
        var stop = await RunServerProgramAsync(binaries.PgCtl, ["stop", "-D", data, "-m", "fast", "-w", "-t", "120"], CancellationToken.None);
        if (!stop.Succeeded)
            throw new DatabaseServerException(
                $"could not stop PostgreSQL for {data} (pg_ctl exited with {stop.ExitCode}):\n{PostgresBinaries.Tail(stop.Output, 10)}\n{LogTail(0)}");
        File.Delete(LaunchedFile);
    }

    Task<FileStream> LockStartAndStopAsync(CancellationToken ct) =>
        FileLocks.ExclusiveAsync(StartLockFile, LockTimeout, "held while a Settlement process starts or stops this cluster", ct);

    async Task CreateServerDirectoriesAsync(CancellationToken ct)
    {
        foreach (var directory in new[] { data, RunDirectory }.Where(d => !Directory.Exists(d)))
        {
            if (account is null)
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            else
                await account.CreatePrivateDirectoryAsync(directory, ct);
        }
    }

    /// <returns>The password of the <c>settlement</c> superuser.</returns>
    async Task<string> EnsureInitialisedAsync(CancellationToken ct)
    {
        var versionFile = Path.Combine(data, "PG_VERSION");
        if (File.Exists(versionFile))
        {
            var version = (await File.ReadAllTextAsync(versionFile, ct)).Trim();
            if (version != MajorVersion.ToString())
                throw new DatabaseServerException(
                    $"the cluster in {data} was made by PostgreSQL {version}, but the installed server is PostgreSQL {MajorVersion}. " +
                    $"Install PostgreSQL {version}, or set {DataDirectoryVariable} to another folder.");
            if (!File.Exists(PasswordFile))
                throw new DatabaseServerException(
                    $"the cluster in {data} exists but its password file {PasswordFile} is missing. " +
                    $"Restore the file, or delete the cluster folder (and its data) so that it is made afresh.");
            return await ReadPasswordAsync(ct);
        }

        var password = File.Exists(PasswordFile) ? await ReadPasswordAsync(ct) : await WriteNewPasswordAsync(ct);
        report($"initialising a PostgreSQL {MajorVersion} cluster in {data}");

        // The password file belongs to the invoking user; as root the server account gets a private copy for initdb only.
        var passwordForInitDb = account is null ? PasswordFile : Path.Combine(RunDirectory, "initdb.pwfile");
        if (account is not null)
            await account.CopyPrivateFileAsync(PasswordFile, passwordForInitDb, ct);
        try
        {
            var initDb = await RunServerProgramAsync(binaries.InitDb,
            [
                "-D", data, "-U", UserName, $"--pwfile={passwordForInitDb}",
                "--auth-local=scram-sha-256", "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C",
            ], ct);
            if (!initDb.Succeeded)
                throw new DatabaseServerException(
                    $"initdb could not create the cluster in {data} (exit code {initDb.ExitCode}):\n{PostgresBinaries.Tail(initDb.Output, 30)}");
        }
        finally
        {
            if (account is not null)
                File.Delete(passwordForInitDb);
        }
        return password;
    }

    Task<string> ReadPasswordAsync(CancellationToken ct) => ReadPasswordAsync(PasswordFile, ct);

    static async Task<string> ReadPasswordAsync(string path, CancellationToken ct) => (await File.ReadAllTextAsync(path, ct)).Trim();

    Task<string> WriteNewPasswordAsync(CancellationToken ct) => WriteNewPasswordAsync(PasswordFile, ct);

    /// <summary>
    /// Creates the login role unless it exists, and holds it to no more than a login: never a superuser, and unable
    /// to create roles or databases, whoever may have widened it. Runs under the start lock, as the superuser.
    /// </summary>
    /// <returns>The role's password, generated once and kept in its own file.</returns>
    async Task<string> EnsureRoleAsync(string role, string passwordFile, string superuserPassword, CancellationToken ct)
    {
        var password = File.Exists(passwordFile) ? await ReadPasswordAsync(passwordFile, ct) : await WriteNewPasswordAsync(passwordFile, ct);
        await using var connection = await new NpgsqlConnection(ConnectionString(Port, UserName, superuserPassword, probe: true)).OpenedAsync(ct);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_roles WHERE rolname = $1", connection) { Parameters = { new() { Value = role } } };
        if (await exists.ExecuteScalarAsync(ct) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE ROLE {role}", connection);
            await create.ExecuteNonQueryAsync(ct);
        }
        // The password is hex, so it needs no quoting; utility statements take no parameters.
        await using var hold = new NpgsqlCommand(
            $"ALTER ROLE {role} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '{password}'", connection);
        await hold.ExecuteNonQueryAsync(ct);
        return password;
    }

    static async Task<string> WriteNewPasswordAsync(string path, CancellationToken ct)
    {
        var password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        await using var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        await file.WriteAsync(Encoding.ASCII.GetBytes(password + "\n"), ct);
        return password;
    }

    /// <returns>The port of a live server for this folder, or null when none runs (a stale postmaster.pid is removed).</returns>
    async Task<int?> FindRunningAsync(string password, CancellationToken ct)
    {
        if (!File.Exists(PostmasterPidFile))
            return null;

        var lines = await File.ReadAllLinesAsync(PostmasterPidFile, ct);
        if (lines.Length >= 4 && int.TryParse(lines[0], out var pid) && int.TryParse(lines[3], out var port) && IsPostgresProcess(pid))
        {
            report($"reusing the running PostgreSQL {MajorVersion} on 127.0.0.1:{port} (pid {pid}, data {data})");
            await WaitUntilAcceptingAsync(port, password, logOffset: 0, ct);
            return port;
        }

        // Left by a server that crashed or was killed. Its pid may since belong to another process, which would
        // make the new postmaster refuse to start, so the file goes rather than being left to pg_ctl.
        report($"removing the stale {PostmasterPidFile} (its server is no longer running)");
        File.Delete(PostmasterPidFile);
        return null;
    }

    static bool IsPostgresProcess(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.ProcessName == "postgres";
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    int? ReadPostmasterPid() =>
        File.Exists(PostmasterPidFile) && int.TryParse(File.ReadLines(PostmasterPidFile).FirstOrDefault(), out var pid) ? pid : null;

    async Task<int> LaunchAsync(string password, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = LoopbackPort.Free();
            var (started, failure) = await TryLaunchOnAsync(port, password, ct);
            if (started) return port;

            // Another program can take the port between our probe and the server's bind.
            if (attempt < StartAttempts && failure.Contains("Address already in use"))
            {
                report($"port {port} was taken meanwhile; trying another");
                continue;
            }
            throw new DatabaseServerException(failure);
        }
    }

    /// <returns>Whether the server started on <paramref name="port"/>, and if not, pg_ctl's output and the server log.</returns>
    async Task<(bool Started, string Failure)> TryLaunchOnAsync(int port, string password, CancellationToken ct)
    {
        var logStart = File.Exists(LogFile) ? new FileInfo(LogFile).Length : 0;
        // The Unix socket is only a convenience for psql; without room for its path the server runs on TCP alone.
        var socket = Encoding.UTF8.GetByteCount(Path.Combine(RunDirectory, $".s.PGSQL.{port}")) <= MaxSocketPath
            ? $"-k {ShellQuote(RunDirectory)}"
            : "-c unix_socket_directories=''";

        report($"starting PostgreSQL {MajorVersion} on 127.0.0.1:{port} (data {data})");
        var start = await RunServerProgramAsync(binaries.PgCtl,
            ["start", "-w", "-t", "120", "-D", data, "-l", LogFile, "-o", $"-c listen_addresses=127.0.0.1 -p {port} {socket}"], ct);
        if (!start.Succeeded)
            return (false, $"PostgreSQL {MajorVersion} did not start for {data} (pg_ctl exited with {start.ExitCode}):\n" +
                           $"{PostgresBinaries.Tail(start.Output, 10)}\n{LogTail(logStart)}");
        await WaitUntilAcceptingAsync(port, password, logStart, ct);
        await File.WriteAllTextAsync(LaunchedFile, $"{ReadPostmasterPid()}\n", ct);
        return (true, "");
    }

    /// <summary>
    /// Stops the server the way a crash or a power cut would (pg_ctl's immediate mode: no checkpoint, every
    /// session cut), for drills and chaos tests that must show nothing acknowledged is lost. The next start
    /// runs crash recovery.
    /// </summary>
    public async Task CrashAsync(CancellationToken ct)
    {
        report($"stopping PostgreSQL {MajorVersion} on 127.0.0.1:{Port} immediately");
        var stop = await RunServerProgramAsync(binaries.PgCtl, ["stop", "-D", data, "-m", "immediate", "-w", "-t", "60"], ct);
        if (!stop.Succeeded)
            throw new DatabaseServerException(
                $"could not stop PostgreSQL for {data} (pg_ctl exited with {stop.ExitCode}):\n{PostgresBinaries.Tail(stop.Output, 10)}");
    }

    /// <summary>Starts the server again after <see cref="CrashAsync"/>, on the port it had, so connection strings handed out still reach it.</summary>
    public async Task RestartAsync(CancellationToken ct)
    {
        await using var startLock = await LockStartAndStopAsync(ct);
        var (started, failure) = await TryLaunchOnAsync(Port, await ReadPasswordAsync(ct), ct);
        if (!started) throw new DatabaseServerException(failure);
    }

    /// <summary>Waits out crash recovery or start-up and proves our password works.</summary>
    async Task WaitUntilAcceptingAsync(int port, string password, long logOffset, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString(port, UserName, password, probe: true));
                await connection.OpenAsync(ct);
                return;
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification)
            {
                throw new DatabaseServerException(
                    $"the PostgreSQL for {data} on 127.0.0.1:{port} rejects the password in {PasswordFile}: {e.MessageText}", e);
            }
            catch (NpgsqlException e) when (DateTime.UtcNow >= deadline)
            {
                throw new DatabaseServerException(
                    $"the PostgreSQL for {data} does not accept connections on 127.0.0.1:{port} after {ReadyTimeout.TotalSeconds:0} s: {e.Message}\n{LogTail(logOffset)}", e);
            }
            catch (NpgsqlException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
            }
        }
    }

    static string ConnectionString(int port, string user, string password, bool probe)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = user,
            Password = password,
            Database = "postgres",
        };
        if (probe)
        {
            // Probes are retried by the caller, and must not leave idle connections behind in a pool.
            builder.Timeout = 5;
            builder.Pooling = false;
        }
        return builder.ConnectionString;
    }

    /// <summary>The server log from <paramref name="offset"/> on, last lines only, headed with where the whole log is.</summary>
    string LogTail(long offset)
    {
        if (!File.Exists(LogFile))
            return $"(no server log at {LogFile})";
        using var log = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        log.Position = Math.Min(offset, log.Length);
        using var reader = new StreamReader(log);
        return $"server log ({LogFile}):\n{PostgresBinaries.Tail(reader.ReadToEnd(), 30)}";
    }

    /// <summary>Runs initdb or pg_ctl as the server's OS user: ourselves, or postgres through runuser when we are root.</summary>
    Task<CommandResult> RunServerProgramAsync(string program, IEnumerable<string> arguments, CancellationToken ct)
    {
        var (file, args) = account is null ? (program, arguments) : account.Wrap(program, arguments);
        // A working folder the server user may enter; initdb otherwise complains about root's home.
        return ExternalCommand.RunAsync(file, args, ct, workingDirectory: RunDirectory);
    }

    // pg_ctl hands -o to /bin/sh, so paths in it must be quoted for the shell.
    static string ShellQuote(string value) => "'" + value.Replace("'", "'\\''") + "'";
}
