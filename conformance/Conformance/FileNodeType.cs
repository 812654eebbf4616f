namespace BatchNormAxis.Conformance;

/// <summary>What a path names, as <c>lstat</c> sees it: the entry itself, never what a symbolic link points to.</summary>
public enum FileNodeType
{
    /// <summary>Nothing by that name (or a parent is not a folder).</summary>
    Missing,

    /// <summary>A regular file: the only kind a fixture file may be.</summary>
    RegularFile,

    /// <summary>A folder.</summary>
    Directory,

    /// <summary>A symbolic link, whatever it points to.</summary>
    SymbolicLink,

    /// <summary>A FIFO (named pipe): opening it for reading blocks until a writer comes.</summary>
    Fifo,

    /// <summary>A character device such as <c>/dev/zero</c>: endless or side-effecting reads.</summary>
    CharacterDevice,

    /// <summary>A block device.</summary>
    BlockDevice,

    /// <summary>A Unix domain socket.</summary>
    Socket,
}
