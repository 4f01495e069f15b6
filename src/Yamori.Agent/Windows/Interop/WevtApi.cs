using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Yamori.Agent.Windows.Interop;

/// <summary>
/// The few Windows Event Log API calls the collector needs (wevtapi.dll). Declarations are only
/// metadata, so this compiles everywhere; callers are Windows-only and guarded by
/// <see cref="OperatingSystem.IsWindows"/>.
/// </summary>
[SupportedOSPlatform("windows")]
internal static partial class WevtApi
{
    private const string Lib = "wevtapi.dll";

    internal const int EvtSubscribeToFutureEvents = 1;
    internal const int EvtSubscribeStartAtOldestRecord = 2;
    internal const int EvtSubscribeStartAfterBookmark = 3;
    internal const int EvtSubscribeStrict = 0x10000;

    internal const int EvtRenderEventXml = 1;
    internal const int EvtRenderBookmark = 2;

    internal const int ERROR_ACCESS_DENIED = 5;
    internal const int ERROR_INSUFFICIENT_BUFFER = 122;
    internal const int ERROR_NO_MORE_ITEMS = 259;
    internal const int ERROR_TIMEOUT = 1460;
    internal const int ERROR_EVT_INVALID_QUERY = 15001;
    internal const int ERROR_EVT_CHANNEL_NOT_FOUND = 15007;

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    /// <remarks><paramref name="bookmark"/> must be 0 unless the flags say EvtSubscribeStartAfterBookmark.</remarks>
    internal static partial SafeEvtHandle EvtSubscribe(nint session, SafeHandle signalEvent, string? channelPath, string query,
        nint bookmark, nint context, nint callback, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static unsafe partial bool EvtNext(SafeEvtHandle resultSet, int eventsSize, nint* events, int timeout, int flags, out int returned);

    [LibraryImport(Lib, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static unsafe partial bool EvtRender(nint context, nint fragment, int flags, int bufferSize, void* buffer, out int bufferUsed, out int propertyCount);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    internal static partial SafeEvtHandle EvtCreateBookmark(string? bookmarkXml);

    [LibraryImport(Lib, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool EvtUpdateBookmark(SafeEvtHandle bookmark, nint evt);

    [LibraryImport(Lib, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool EvtClose(nint handle);
}

/// <summary>An EVT_HANDLE (subscription, bookmark), closed exactly once with EvtClose.</summary>
[SupportedOSPlatform("windows")]
internal sealed class SafeEvtHandle : SafeHandle
{
    public SafeEvtHandle()
        : base(invalidHandleValue: 0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle() => WevtApi.EvtClose(handle);
}
