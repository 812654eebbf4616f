using System.Globalization;

namespace BatchNormAxis.Cli.Tests;

/// <summary>What /proc says about running processes: who carries an environment marker, which process groups live.</summary>
internal static class ProcessTable
{
    /// <summary>Processes whose environment holds <paramref name="entry"/> (NAME=value), other than <paramref name="except"/>.</summary>
    public static IReadOnlyList<int> WithEnvironment(string entry, int except)
    {
        var found = new List<int>();
        foreach (int pid in Pids().Where(p => p != except))
        {
            try
            {
                if (File.ReadAllText($"/proc/{pid}/environ").Split('\0').Contains(entry, StringComparer.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // The process ended while we looked, or is not ours to read.
            }
        }

        return found;
    }

    /// <summary>The arguments a process was started with (its program first), or empty once it is gone.</summary>
    public static IReadOnlyList<string> CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").TrimEnd('\0').Split('\0');
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>The process group of a process, or null once it is gone.</summary>
    public static int? ProcessGroup(int pid) => Stat(pid) is { } fields ? int.Parse(fields[2], CultureInfo.InvariantCulture) : null;

    /// <summary>The processes of a group that still run (zombies, already dead and waiting to be reaped, do not count).</summary>
    public static IReadOnlyList<int> LivingMembers(int processGroup) =>
        [.. Pids().Where(pid => Stat(pid) is { } fields && fields[0] != "Z" && int.Parse(fields[2], CultureInfo.InvariantCulture) == processGroup)];

    /// <summary>Waits up to <paramref name="timeout"/> for a group to have no living member; returns those left.</summary>
    public static IReadOnlyList<int> WaitUntilGone(int processGroup, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        IReadOnlyList<int> living = LivingMembers(processGroup);
        while (living.Count > 0 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(100);
            living = LivingMembers(processGroup);
        }

        return living;
    }

    private static IEnumerable<int> Pids() =>
        Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(name => name!.All(char.IsAsciiDigit))
            .Select(name => int.Parse(name!, CultureInfo.InvariantCulture));

    /// <summary>The fields of /proc/PID/stat after the command name: state, ppid, pgrp, ...</summary>
    private static string[]? Stat(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
