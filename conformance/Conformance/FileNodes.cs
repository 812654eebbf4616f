using System.Runtime.InteropServices;

namespace BatchNormAxis.Conformance;

/// <summary>
/// Tells what a path is without opening it or following a symbolic link. The BCL cannot: on Unix
/// <see cref="File.GetAttributes(string)"/> reports a FIFO or a device node as <see cref="FileAttributes.Normal"/>,
/// <see cref="FileSystemInfo.UnixFileMode"/> holds only the permission bits, and opening the path to ask would block
/// on a FIFO. So on Linux this calls <c>statx(2)</c> with <c>AT_SYMLINK_NOFOLLOW</c>: unlike <c>lstat</c>, whose
/// <c>struct stat</c> layout differs between x86-64 and arm64, <c>struct statx</c> has one layout on every
/// architecture. Elsewhere (Windows has no FIFOs or device nodes in folders) the BCL's attributes are used, which
/// tell symbolic links, folders and files apart.
/// </summary>
public static partial class FileNodes
{
    private const int AtCurrentDirectory = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const uint StatxSize = 0x200;
    private const int NoSuchEntry = 2;
    private const int NotADirectory = 20;

    private static bool s_statxMissing;

    /// <summary>Examines <paramref name="path"/> itself.</summary>
    /// <param name="path">The path.</param>
    /// <returns>Its type, and its size in bytes for a regular file.</returns>
    /// <exception cref="IOException">The path cannot be examined (e.g. permission denied on a parent folder).</exception>
    public static (FileNodeType Type, long Size) Probe(string path)
    {
        if (OperatingSystem.IsLinux() && !s_statxMissing)
        {
            try
            {
                return ProbeWithStatx(path);
            }
            catch (EntryPointNotFoundException)
            {
                // A C library older than glibc 2.28 or musl 1.2.5: fall back to what the BCL can tell.
                s_statxMissing = true;
            }
        }

        return ProbeWithAttributes(path);
    }

    /// <summary>What <paramref name="path"/> is, for a caller that has no use for the size; a path that cannot be examined reads as missing.</summary>
    /// <param name="path">The path.</param>
    /// <returns>Its type; a final symbolic link is reported, not followed.</returns>
    public static FileNodeType TypeOf(string path)
    {
        try
        {
            return Probe(path).Type;
        }
        catch (IOException)
        {
            return FileNodeType.Missing;
        }
    }

    /// <summary>A name for messages, such as "a FIFO (named pipe)".</summary>
    /// <param name="type">The type.</param>
    /// <returns>The name, with its article.</returns>
    public static string Describe(FileNodeType type) => type switch
    {
        FileNodeType.Missing => "missing",
        FileNodeType.RegularFile => "a regular file",
        FileNodeType.Directory => "a folder",
        FileNodeType.SymbolicLink => "a symbolic link",
        FileNodeType.Fifo => "a FIFO (named pipe)",
        FileNodeType.CharacterDevice => "a character device",
        FileNodeType.BlockDevice => "a block device",
        _ => "a socket",
    };

    private static (FileNodeType Type, long Size) ProbeWithStatx(string path)
    {
        if (NativeMethods.Statx(AtCurrentDirectory, path, AtSymlinkNoFollow, StatxType | StatxSize, out StatxBuffer buffer) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno is NoSuchEntry or NotADirectory
                ? (FileNodeType.Missing, 0)
                : throw new IOException($"cannot examine it ({Marshal.GetPInvokeErrorMessage(errno)})");
        }

        FileNodeType type = (buffer.Mode & 0xF000) switch
        {
            0x8000 => FileNodeType.RegularFile,
            0x4000 => FileNodeType.Directory,
            0xA000 => FileNodeType.SymbolicLink,
            0x1000 => FileNodeType.Fifo,
            0x2000 => FileNodeType.CharacterDevice,
            0x6000 => FileNodeType.BlockDevice,
            _ => FileNodeType.Socket,
        };
        return (type, type == FileNodeType.RegularFile ? (long)buffer.Size : 0);
    }

    private static (FileNodeType Type, long Size) ProbeWithAttributes(string path)
    {
        FileAttributes attributes;
        try
        {
            attributes = File.GetAttributes(path);
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            return (FileNodeType.Missing, 0);
        }

        return attributes.HasFlag(FileAttributes.ReparsePoint) ? (FileNodeType.SymbolicLink, 0)
            : attributes.HasFlag(FileAttributes.Directory) ? (FileNodeType.Directory, 0)
            : (FileNodeType.RegularFile, new FileInfo(path).Length);
    }

    /// <summary>The fields of <c>struct statx</c> read here, at their fixed offsets; the kernel writes 256 bytes.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
        [FieldOffset(28)]
        public ushort Mode;

        [FieldOffset(40)]
        public ulong Size;
    }

    private static partial class NativeMethods
    {
        [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int Statx(int directoryDescriptor, string path, int flags, uint mask, out StatxBuffer buffer);
    }
}
