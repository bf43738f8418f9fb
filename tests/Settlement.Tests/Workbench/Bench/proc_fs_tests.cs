using Settlement.Workbench.Bench;

namespace Settlement.Tests.Workbench.Bench;

/// <summary>The bench waits for the host's JIT by the CPU time of one named thread, read from /proc.</summary>
public sealed class proc_fs_tests
{
    [Fact]
    public void a_named_thread_s_cpu_time_is_read_even_when_its_name_holds_spaces_and_parentheses()
    {
        // Linux keeps the first 15 bytes of a thread's name, as it does for ".NET Tiered Compilation Worker".
        const string name = "spin) a) b) c";
        var stop = new ManualResetEventSlim();
        var spinner = new Thread(() => { while (!stop.IsSet) Thread.SpinWait(1_000); }) { Name = name, IsBackground = true };
        spinner.Start();
        try
        {
            long ticks = 0;
            var until = DateTime.UtcNow.AddSeconds(20);
            while (ticks < 20 && DateTime.UtcNow < until)
            {
                Thread.Sleep(50);
                ticks = ProcFs.ThreadCpuTicks(Environment.ProcessId, name) ?? -1;
            }

            Assert.InRange(ticks, 20, long.MaxValue);
            Assert.Equal(0, ProcFs.ThreadCpuTicks(Environment.ProcessId, "no such thread"));
        }
        finally
        {
            stop.Set();
            spinner.Join();
        }
    }

    [Fact]
    public void the_machine_s_busy_time_grows_by_at_least_what_a_spinning_thread_used()
    {
        var stop = new ManualResetEventSlim();
        var spinner = new Thread(() => { while (!stop.IsSet) Thread.SpinWait(1_000); }) { Name = "busy spinner", IsBackground = true };
        var machineBefore = ProcFs.MachineBusyTime()!.Value;
        spinner.Start();
        long spinnerTicks;
        try
        {
            // Until the spinner has had a fifth of a second of CPU: on a busy machine that takes longer than a fifth of a
            // second of wall time, so the wait is on its CPU, not the clock. Read while it runs: an ended thread is gone from /proc.
            var giveUp = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            do
            {
                Thread.Sleep(50);
                spinnerTicks = ProcFs.ThreadCpuTicks(Environment.ProcessId, "busy spinner")!.Value;
            }
            while ((double)spinnerTicks / ProcFs.ClockTicksPerSecond < 0.2 && DateTime.UtcNow < giveUp);
        }
        finally
        {
            stop.Set();
            spinner.Join();
        }
        var machineUsed = ProcFs.MachineBusyTime()!.Value - machineBefore;

        // The thread's own time, in /proc's 10 ms ticks, can round one tick either way of the machine's.
        var spinnerUsed = TimeSpan.FromSeconds((double)spinnerTicks / ProcFs.ClockTicksPerSecond);
        Assert.InRange(spinnerUsed, TimeSpan.FromMilliseconds(200), TimeSpan.MaxValue);
        Assert.InRange(machineUsed, spinnerUsed - TimeSpan.FromMilliseconds(20), TimeSpan.MaxValue);
    }

    [Fact]
    public void a_process_that_is_not_there_has_no_threads_to_read() =>
        Assert.Null(ProcFs.ThreadCpuTicks(int.MaxValue, "spin"));
}
