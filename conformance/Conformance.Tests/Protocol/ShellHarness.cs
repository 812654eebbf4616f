using System.Diagnostics;
using System.Globalization;

namespace BatchNormAxis.Conformance.Tests.Protocol;

/// <summary>
/// A harness written as a shell script in a temporary folder: quick to start, so property tests can start one per
/// sample. The script records its process group id in <c>group</c>, which <see cref="AssertGroupGone"/> checks.
/// Files it may use: <c>start</c> (the start reply) and <c>reply</c> (a run reply, <c>{seq}</c> replaced).
/// </summary>
internal sealed class ShellHarness : IDisposable
{
    /// <summary>Reads start, prints the file <c>start</c>; for each run prints the file <c>reply</c> with its seq.</summary>
    public const string Scripted = """
        read -r line
        cat "$DIR/start"
        while read -r line; do
          seq=$(printf '%s' "$line" | sed -n 's/^{"cmd":"run","seq":\([0-9]*\).*/\1/p')
          sed "s/{seq}/$seq/g" "$DIR/reply"
        done
        """;

    private readonly string _directory = System.IO.Directory.CreateTempSubdirectory("bnaxis-shell-harness-").FullName;

    public ShellHarness(string script, string? start = null, string? reply = null)
    {
        File.WriteAllText(Path.Combine(_directory, "harness.sh"), $"DIR='{_directory}'\ncut -d' ' -f5 /proc/$$/stat > \"$DIR/group\"\n{script}\n");
        File.WriteAllText(Path.Combine(_directory, "start"), (start ?? StartReply) + "\n");
        File.WriteAllText(Path.Combine(_directory, "reply"), (reply ?? "") + "\n");
    }

    /// <summary>A start reply declaring everything.</summary>
    public static string StartReply => Conformance.Protocol.ProtocolMessages.FormatStartReply(Conformance.Protocol.HarnessCapabilities.BuiltIn("shell"));

    public string Command => $"sh '{Path.Combine(_directory, "harness.sh")}'";

    public string Directory => _directory;

    /// <summary>Asserts that no live process of the harness's group is left (zombies awaiting their reaper aside).</summary>
    public void AssertGroupGone()
    {
        string file = Path.Combine(_directory, "group");
        int group = int.Parse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture);
        var clock = Stopwatch.StartNew();
        while (LiveMembers(group).Count > 0 && clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            Thread.Sleep(50);
        }

        Assert.True(LiveMembers(group).Count == 0, $"process group {group} still has live members: {string.Join(", ", LiveMembers(group))}");
    }

    public void Dispose() => System.IO.Directory.Delete(_directory, recursive: true);

    /// <summary>Pids in /proc whose process group is <paramref name="group"/> and whose state is not zombie.</summary>
    private static List<string> LiveMembers(int group)
    {
        var members = new List<string>();
        foreach (string stat in System.IO.Directory.EnumerateDirectories("/proc").Select(d => Path.Combine(d, "stat")))
        {
            string text;
            try
            {
                text = File.ReadAllText(stat);
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            string[] fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            if (fields[2] == group.ToString(CultureInfo.InvariantCulture) && fields[0] != "Z")
            {
                members.Add(text[..text.IndexOf(' ', StringComparison.Ordinal)]);
            }
        }

        return members;
    }
}
