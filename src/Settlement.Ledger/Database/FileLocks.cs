namespace Settlement.Ledger.Database;

/// <summary>
/// Advisory locks between processes (and between instances inside one process). On Unix .NET takes
/// flock(2) for FileShare: None is an exclusive lock, anything else a shared one; the kernel drops them
/// when the holder dies, so a crashed process never leaves a lock behind.
/// </summary>
internal static class FileLocks
{
    static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(100);

    public static async Task<FileStream> ExclusiveAsync(string path, TimeSpan timeout, string purpose, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var held = TryOpen(path, FileShare.None, out var busy);
            if (held is not null)
                return held;
            if (DateTime.UtcNow >= deadline)
                throw new DatabaseServerException(
                    $"gave up after {timeout.TotalSeconds:0} s waiting for the lock {path} ({purpose}): {busy?.Message}");
            await Task.Delay(RetryInterval, ct);
        }
    }

    public static FileStream? TryExclusive(string path) => TryOpen(path, FileShare.None, out _);

    public static FileStream Shared(string path) =>
        TryOpen(path, FileShare.ReadWrite, out var busy)
        ?? throw new DatabaseServerException($"cannot take a shared lock on {path}: {busy?.Message}");

    static FileStream? TryOpen(string path, FileShare share, out IOException? busy)
    {
        busy = null;
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.Read, share);
        }
        catch (IOException e) when (e is not DirectoryNotFoundException)
        {
            busy = e;
            return null;
        }
    }
}
