using System.Globalization;

namespace Settlement.Workbench.Bench;

/// <summary>Resident memory of a process: now (VmRSS) and its peak since it started (VmHWM), managed and native alike.</summary>
public sealed record MemoryReading(long ResidentBytes, long PeakResidentBytes);

/// <summary>The few Linux /proc figures the bench reports. Each is null where /proc is not there to read.</summary>
public static class ProcFs
{
    /// <summary>The unit of /proc's CPU times: Linux reports them in ticks of 1/100 s whatever the kernel's own tick rate.</summary>
    public const int ClockTicksPerSecond = 100;

    public static MemoryReading? Memory(int processId)
    {
        var status = ReadLines($"/proc/{processId}/status");
        return status is null ? null : new MemoryReading(Kilobytes(status, "VmRSS:") * 1024, Kilobytes(status, "VmHWM:") * 1024);
    }

    /// <summary>CPU time the whole machine spent busy and in total, in clock ticks summed over all cores (the "cpu" line of /proc/stat).</summary>
    public static (long Busy, long Total)? MachineCpu()
    {
        var first = ReadLines("/proc/stat")?.FirstOrDefault(l => l.StartsWith("cpu ", StringComparison.Ordinal));
        if (first is null) return null;
        var ticks = first.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
            .Select(t => long.Parse(t, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal: idle and iowait are the not-busy ones.
        var total = ticks.Sum();
        return (total - ticks[3] - ticks[4], total);
    }

    /// <summary>
    /// CPU time the whole machine has spent busy since it booted, summed over its cores: what a run cost every process
    /// together (this one, PostgreSQL's backends, its WAL writer and autovacuum), not only this one.
    /// </summary>
    public static TimeSpan? MachineBusyTime() =>
        MachineCpu() is { } cpu ? TimeSpan.FromSeconds((double)cpu.Busy / ClockTicksPerSecond) : null;

    /// <summary>
    /// CPU time the threads of a process named <paramref name="threadName"/> have used, in clock ticks
    /// (<see cref="ClockTicksPerSecond"/>), from /proc/{pid}/task/*/stat.
    /// </summary>
    public static long? ThreadCpuTicks(int processId, string threadName)
    {
        string[] tasks;
        try
        {
            tasks = Directory.GetDirectories($"/proc/{processId}/task");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        long ticks = 0;
        foreach (var task in tasks)
        {
            var stat = ReadLines($"{task}/stat")?.FirstOrDefault();
            if (stat is null || ReadLines($"{task}/comm")?.FirstOrDefault() != threadName) continue;
            // The name is in parentheses and may hold spaces and parentheses, so fields are counted after the last ')':
            // from there, utime and stime are the 12th and 13th.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        return ticks;
    }

    /// <summary>This process's soft and hard limit on open files (sockets count), from /proc/self/limits.</summary>
    public static (long Soft, long Hard)? OpenFileLimit()
    {
        var line = ReadLines("/proc/self/limits")?.FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var parts = line?["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts is [var soft, var hard, ..] && long.TryParse(soft, out var s) && long.TryParse(hard, out var h) ? (s, h) : null;
    }

    private static long Kilobytes(string[] status, string field)
    {
        var line = status.FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    private static string[]? ReadLines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
