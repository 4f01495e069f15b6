using System.Diagnostics;

namespace Yamori.Cli.Scan;

/// <summary>
/// Progress of a long scan (files done, bytes, events per second) on stderr. It only draws on a
/// terminal, so piped or redirected output stays clean.
/// </summary>
internal sealed class ScanProgress : IDisposable
{
    private readonly Stopwatch _clock = new();
    private Timer? _timer;
    private TextWriter? _out;
    private int _files;
    private long _bytes;
    private int _filesDone;
    private long _bytesDone;
    private long _events;

    public void Start(int files, long bytes)
    {
        _files = files;
        _bytes = bytes;
        _clock.Start();
    }

    /// <summary>Draws on <paramref name="writer"/> twice a second until disposed.</summary>
    public void Attach(TextWriter writer)
    {
        _out = writer;
        _timer = new Timer(_ => Draw(), null, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(500));
    }

    public void Done(Scanner.WorkUnit unit, long events)
    {
        Interlocked.Add(ref _events, events);
        long share = unit.Input.IsEvtx ? Math.Min(65536, unit.Input.Length) : unit.Input.Length;
        Interlocked.Add(ref _bytesDone, share);
        if (unit.LastChunkOfFile)
        {
            Interlocked.Increment(ref _filesDone);
        }
    }

    private void Draw()
    {
        double seconds = Math.Max(0.001, _clock.Elapsed.TotalSeconds);
        long events = Interlocked.Read(ref _events);
        long bytes = Math.Min(Interlocked.Read(ref _bytesDone), _bytes);
        int width = 24;
        int filled = _bytes == 0 ? width : (int)(width * bytes / _bytes);
        _out?.Write($"\r[{new string('#', filled)}{new string('.', width - filled)}] files {Volatile.Read(ref _filesDone)}/{_files}  {bytes / 1048576.0:F1}/{_bytes / 1048576.0:F1} MiB  {events / seconds:N0} events/s ");
    }

    public void Dispose()
    {
        _timer?.Dispose();
        if (_out is not null)
        {
            _out.Write("\r" + new string(' ', 100) + "\r");
        }
    }
}
