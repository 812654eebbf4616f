using System.Runtime.InteropServices;
using System.Text;

namespace BatchNormAxis.Cli;

/// <summary>What a path names, without following a final symbolic link.</summary>
internal enum FileKind
{
    /// <summary>Nothing is there.</summary>
    Missing,

    /// <summary>A regular file.</summary>
    RegularFile,

    /// <summary>A folder.</summary>
    Folder,

    /// <summary>A symbolic link (to anything, or dangling).</summary>
    SymbolicLink,

    /// <summary>A character device such as /dev/null or a terminal.</summary>
    CharacterDevice,

    /// <summary>A block device such as a disk.</summary>
    BlockDevice,

    /// <summary>A named pipe (FIFO).</summary>
    NamedPipe,

    /// <summary>A Unix domain socket.</summary>
    Socket,
}

/// <summary>
/// Tells a regular file from a device, FIFO or socket. .NET 10 has no API for that (SafeFileHandle.Type comes in
/// .NET 11, and needs an open handle, which blocks on a FIFO), so on Linux this asks the kernel with statx(2),
/// whose struct layout is the same on every architecture. Elsewhere only folders and links are told apart.
/// </summary>
internal static class FileKinds
{
    private const int AtCurrentDirectory = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const int StatxSize = 256;
    private const int StatxModeOffset = 28;
    private const int NoSuchEntry = 2;
    private const int NotADirectory = 20;

    /// <summary>What <paramref name="path"/> is; a final symbolic link is reported, not followed.</summary>
    public static FileKind Of(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            FileKind? kind = Statx(path);
            if (kind is not null)
            {
                return kind.Value;
            }
        }

        var info = new FileInfo(path);
        return info.LinkTarget is not null ? FileKind.SymbolicLink
            : info.Exists ? FileKind.RegularFile
            : Directory.Exists(path) ? FileKind.Folder
            : FileKind.Missing;
    }

    /// <summary>A name for messages: "a character device".</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Missing => "missing",
        FileKind.RegularFile => "a regular file",
        FileKind.Folder => "a folder",
        FileKind.SymbolicLink => "a symbolic link",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.NamedPipe => "a named pipe (FIFO)",
        _ => "a socket",
    };

    private static FileKind? Statx(string path)
    {
        byte[] status = new byte[StatxSize];
        byte[] name = Encoding.UTF8.GetBytes(path + "\0");
        int result;
        try
        {
            result = statx(AtCurrentDirectory, name, AtSymlinkNoFollow, StatxType, status);
        }
        catch (EntryPointNotFoundException)
        {
            return null; // a C library older than statx: fall back
        }

        if (result != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno is NoSuchEntry or NotADirectory ? FileKind.Missing : null;
        }

        int mode = BitConverter.ToUInt16(status, StatxModeOffset) & 0xF000;
        return mode switch
        {
            0x8000 => FileKind.RegularFile,
            0x4000 => FileKind.Folder,
            0xA000 => FileKind.SymbolicLink,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            0x1000 => FileKind.NamedPipe,
            _ => FileKind.Socket,
        };
    }

#pragma warning disable SYSLIB1054, CA5392 // Blittable byte arrays need no generated marshalling (and no unsafe code); libc is the system's own.
    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int directory, byte[] path, int flags, uint mask, byte[] status);
#pragma warning restore SYSLIB1054, CA5392
}
