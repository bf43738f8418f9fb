using System.Security.Cryptography;
using System.Text;

namespace Settlement.Tests;

/// <summary>
/// A lock across test processes around installing a test tool's packages (npm ci, apt-get): a file opened exclusively
/// in the temporary directory, outside the source tree so no stray file shows up in git, and named after the tool's
/// folder so that parallel runs of one checkout install once while separate checkouts don't wait on each other.
/// </summary>
internal static class InstallLock
{
    public static async Task<FileStream> AcquireAsync(string purpose, string folder, TimeSpan timeout, CancellationToken ct)
    {
        var tag = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(folder)))[..16];
        var path = Path.Combine(Path.GetTempPath(), $"{purpose}-{tag}.lock");
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, ct);
            }
        }
    }
}
