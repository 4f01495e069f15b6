using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Yamori.Agent.Windows.Interop;

/// <summary>Opens pull subscriptions with EvtSubscribe (a signal event, no callback thread).</summary>
[SupportedOSPlatform("windows")]
internal sealed class EvtSubscriber : IEventLogSubscriber
{
    public IEventLogSubscription Open(string channel, string structuredQuery, string? bookmarkXml, bool startAtOldestRecord) =>
        EvtChannelSubscription.Open(channel, structuredQuery, bookmarkXml, startAtOldestRecord);
}

/// <summary>
/// One EvtSubscribe pull subscription: the service sets <see cref="Signal"/>, EvtNext fetches
/// handles, EvtRender(EvtRenderEventXml) renders each into a reused buffer, EvtUpdateBookmark moves
/// the bookmark past it and EvtClose releases it.
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed unsafe class EvtChannelSubscription : IEventLogSubscription
{
    private readonly ManualResetEvent _signal;
    private readonly SafeEvtHandle _subscription;
    private readonly SafeEvtHandle _bookmark;
    private char[] _buffer = new char[8192];

    private EvtChannelSubscription(ManualResetEvent signal, SafeEvtHandle subscription, SafeEvtHandle bookmark, string? resumeProblem)
    {
        _signal = signal;
        _subscription = subscription;
        _bookmark = bookmark;
        ResumeProblem = resumeProblem;
    }

    public WaitHandle Signal => _signal;

    public string? ResumeProblem { get; }

    public static EvtChannelSubscription Open(string channel, string query, string? bookmarkXml, bool startAtOldestRecord)
    {
        // Initially set, so the first wait drains whatever is already there.
        var signal = new ManualResetEvent(initialState: true);
        SafeEvtHandle? bookmark = null;
        try
        {
            string? problem = null;
            SafeEvtHandle subscription;
            if (bookmarkXml is not null)
            {
                bookmark = WevtApi.EvtCreateBookmark(bookmarkXml);
                if (bookmark.IsInvalid)
                {
                    problem = $"the saved bookmark was refused ({Error(Marshal.GetLastPInvokeError())}); reading starts afresh";
                    bookmark.Dispose();
                    bookmark = null;
                }
            }

            if (bookmark is not null)
            {
                // Strict first: it fails when the bookmarked record is gone, which is a loss to report.
                // The bookmark handle outlives the subscription: both are owned by the returned object.
                nint position = bookmark.DangerousGetHandle();
                subscription = WevtApi.EvtSubscribe(0, signal.SafeWaitHandle, null, query, position, 0, 0,
                    WevtApi.EvtSubscribeStartAfterBookmark | WevtApi.EvtSubscribeStrict);
                if (subscription.IsInvalid)
                {
                    int error = Marshal.GetLastPInvokeError();
                    subscription.Dispose();
                    ThrowIfUnavailable(channel, error);
                    problem = $"the bookmarked record is no longer in the log ({Error(error)}): events between it and the oldest retained record were lost";
                    subscription = WevtApi.EvtSubscribe(0, signal.SafeWaitHandle, null, query, position, 0, 0, WevtApi.EvtSubscribeStartAfterBookmark);
                }
            }
            else
            {
                bookmark = WevtApi.EvtCreateBookmark(null);
                if (bookmark.IsInvalid)
                {
                    throw new Win32Exception(Marshal.GetLastPInvokeError(), "EvtCreateBookmark failed");
                }

                subscription = WevtApi.EvtSubscribe(0, signal.SafeWaitHandle, null, query, 0, 0, 0,
                    startAtOldestRecord ? WevtApi.EvtSubscribeStartAtOldestRecord : WevtApi.EvtSubscribeToFutureEvents);
            }

            if (subscription.IsInvalid)
            {
                int error = Marshal.GetLastPInvokeError();
                subscription.Dispose();
                ThrowIfUnavailable(channel, error);
                throw new Win32Exception(error, $"EvtSubscribe on {channel} failed: {Error(error)}");
            }

            return new EvtChannelSubscription(signal, subscription, bookmark, problem);
        }
        catch
        {
            bookmark?.Dispose();
            signal.Dispose();
            throw;
        }
    }

    public void ResetSignal() => _signal.Reset();

    public int ReadBatch(int max, Action<ReadOnlyMemory<char>> onEvent)
    {
        nint* handles = stackalloc nint[max];
        if (!WevtApi.EvtNext(_subscription, max, handles, 1000, 0, out int returned))
        {
            int error = Marshal.GetLastPInvokeError();
            if (error is WevtApi.ERROR_NO_MORE_ITEMS or WevtApi.ERROR_TIMEOUT)
            {
                return 0;
            }

            throw new Win32Exception(error, "EvtNext failed: " + Error(error));
        }

        int i = 0;
        try
        {
            for (; i < returned; i++)
            {
                int length = Render(handles[i], WevtApi.EvtRenderEventXml);
                onEvent(_buffer.AsMemory(0, length));
                if (!WevtApi.EvtUpdateBookmark(_bookmark, handles[i]))
                {
                    int error = Marshal.GetLastPInvokeError();
                    throw new Win32Exception(error, "EvtUpdateBookmark failed: " + Error(error));
                }

                WevtApi.EvtClose(handles[i]);
                handles[i] = 0;
            }
        }
        finally
        {
            // On an error midway, the handles not yet consumed are released here.
            for (int j = i; j < returned; j++)
            {
                if (handles[j] != 0)
                {
                    WevtApi.EvtClose(handles[j]);
                }
            }
        }

        return returned;
    }

    public string RenderBookmark()
    {
        int length = Render(_bookmark.DangerousGetHandle(), WevtApi.EvtRenderBookmark);
        return new string(_buffer, 0, length);
    }

    /// <summary>Renders into <see cref="_buffer"/> (grown on demand); returns the length in characters without the terminator.</summary>
    private int Render(nint fragment, int flags)
    {
        while (true)
        {
            int used;
            bool ok;
            fixed (char* p = _buffer)
            {
                ok = WevtApi.EvtRender(0, fragment, flags, _buffer.Length * sizeof(char), p, out used, out _);
            }

            if (ok)
            {
                int chars = used / sizeof(char);
                return chars > 0 && _buffer[chars - 1] == '\0' ? chars - 1 : chars;
            }

            int error = Marshal.GetLastPInvokeError();
            if (error != WevtApi.ERROR_INSUFFICIENT_BUFFER)
            {
                throw new Win32Exception(error, "EvtRender failed: " + Error(error));
            }

            _buffer = new char[(used / sizeof(char)) + 1];
        }
    }

    private static void ThrowIfUnavailable(string channel, int error)
    {
        string? reason = error switch
        {
            WevtApi.ERROR_EVT_CHANNEL_NOT_FOUND => "the channel does not exist on this host",
            WevtApi.ERROR_ACCESS_DENIED => "access denied (reading this channel needs more privilege)",
            WevtApi.ERROR_EVT_INVALID_QUERY => "the configured query is invalid",
            _ => null,
        };
        if (reason is not null)
        {
            throw new EventLogChannelUnavailableException($"{channel}: {reason}", new Win32Exception(error));
        }
    }

    private static string Error(int code) => new Win32Exception(code).Message + $" (0x{code:x})";

    public void Dispose()
    {
        _subscription.Dispose();
        _bookmark.Dispose();
        _signal.Dispose();
    }
}
