using System.Globalization;
using System.Runtime.InteropServices;

namespace BatchNormAxis.Conformance.Protocol;

/// <summary>
/// A Unix process group, by id: signalled as a whole, so a harness's children and grandchildren go with it even after
/// the process that started them has exited.
/// </summary>
public static partial class ProcessGroup
{
    /// <summary>SIGTERM: please end.</summary>
    public const int Terminate = 15;

    /// <summary>SIGKILL: end now.</summary>
    public const int KillNow = 9;

    private const int NoSuchProcess = 3; // ESRCH

    /// <summary>Sends a signal to every member of a process group.</summary>
    /// <param name="groupId">The group's id (its leader's pid).</param>
    /// <param name="signal">The signal number.</param>
    /// <returns>False when the group has no member left (nothing was signalled).</returns>
    public static bool Signal(int groupId, int signal)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(groupId, 2);
        return NativeMethods.Kill(-groupId, signal) == 0 || Marshal.GetLastPInvokeError() != NoSuchProcess;
    }

    /// <summary>
    /// Whether any member of the group still runs. Zombies (exited, waiting to be reaped by whoever adopted them) do
    /// not count: they hold no resources and cannot be signalled away.
    /// </summary>
    /// <param name="groupId">The group's id.</param>
    /// <returns>True while a live member remains.</returns>
    public static bool HasLiveMembers(int groupId)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(groupId, 2);
        if (!Signal(groupId, 0))
        {
            return false;
        }

        if (!Directory.Exists("/proc/self"))
        {
            return true;
        }

        foreach (string directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out _)
                && ReadStat(directory) is { } stat
                && stat.Group == groupId
                && stat.State is not ('Z' or 'X'))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Waits until no live member of the group remains.</summary>
    /// <param name="groupId">The group's id.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>Whether the group is gone.</returns>
    public static bool WaitUntilGone(int groupId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (HasLiveMembers(groupId))
        {
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            Thread.Sleep(20);
        }

        return true;
    }

    /// <summary>The state letter and process group of /proc/&lt;pid&gt;, or null when it is gone or unreadable.</summary>
    private static (char State, int Group)? ReadStat(string directory)
    {
        string text;
        try
        {
            text = File.ReadAllText(Path.Combine(directory, "stat"));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // "pid (comm) S ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ')'.
        string[] fields = text[(text.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 3 && int.TryParse(fields[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out int group)
            ? (fields[0][0], group)
            : null;
    }

    private static partial class NativeMethods
    {
        [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
        public static partial int Kill(int pid, int signal);
    }
}
