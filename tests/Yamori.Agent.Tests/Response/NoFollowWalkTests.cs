using Yamori.Agent.Linux.Interop;

namespace Yamori.Agent.Tests.Response;

/// <summary>
/// The open used by collect where openat2 is missing or filtered: it must refuse a symlink in any
/// component exactly as openat2's RESOLVE_NO_SYMLINKS does (tested directly, since this kernel has openat2).
/// </summary>
public sealed class NoFollowWalkTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("yamori-walk-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_plain_path_opens_and_reads_the_file()
    {
        Directory.CreateDirectory(Path.Combine(_root, "a", "b"));
        string file = Path.Combine(_root, "a", "b", "evidence.txt");
        File.WriteAllText(file, "x");

        using SafeFd fd = LibC.OpenNoFollowByWalk(file);
        Assert.False(fd.IsInvalid);
    }

    [Fact]
    public void A_symlink_as_the_file_or_as_any_directory_on_the_way_is_refused()
    {
        Directory.CreateDirectory(Path.Combine(_root, "real"));
        File.WriteAllText(Path.Combine(_root, "real", "f"), "x");
        File.CreateSymbolicLink(Path.Combine(_root, "link-to-file"), Path.Combine(_root, "real", "f"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "link-to-dir"), Path.Combine(_root, "real"));

        using SafeFd viaFile = LibC.OpenNoFollowByWalk(Path.Combine(_root, "link-to-file"));
        using SafeFd viaDirectory = LibC.OpenNoFollowByWalk(Path.Combine(_root, "link-to-dir", "f"));
        using SafeFd missing = LibC.OpenNoFollowByWalk(Path.Combine(_root, "nothing", "f"));
        using SafeFd root = LibC.OpenNoFollowByWalk("/");

        Assert.True(viaFile.IsInvalid);
        Assert.True(viaDirectory.IsInvalid);
        Assert.True(missing.IsInvalid);
        Assert.True(root.IsInvalid);
    }
}
