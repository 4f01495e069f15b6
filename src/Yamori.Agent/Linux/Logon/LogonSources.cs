using System.Text;

namespace Yamori.Agent.Linux.Logon;

/// <summary>One followed file and the decoding state carried between polls.</summary>
internal abstract class TailedSource(FileTail tail)
{
    public FileTail Tail { get; } = tail;

    /// <summary>Bytes read but not yet part of a complete record or line; a saved position excludes them.</summary>
    public abstract int Carried { get; }
}

/// <summary>wtmp or btmp: fixed-size records, a partial one carried until the rest is written.</summary>
internal sealed class UtmpSource(FileTail tail, bool failures) : TailedSource(tail)
{
    private readonly byte[] _record = new byte[UtmpRecord.Size];
    private int _filled;

    public bool Failures { get; } = failures;

    public override int Carried => _filled;

    public void Feed(ReadOnlySpan<byte> data, Action<UtmpRecord> onRecord)
    {
        while (!data.IsEmpty)
        {
            int take = Math.Min(UtmpRecord.Size - _filled, data.Length);
            data[..take].CopyTo(_record.AsSpan(_filled));
            _filled += take;
            data = data[take..];
            if (_filled == UtmpRecord.Size)
            {
                _filled = 0;
                onRecord(UtmpRecord.Parse(_record));
            }
        }
    }

    public bool DropPartial()
    {
        bool had = _filled > 0;
        _filled = 0;
        return had;
    }
}

/// <summary>A text log: lines split on '\n', a partial last line carried until completed.</summary>
internal sealed class AuthLogSource(FileTail tail, int maxLineLength) : TailedSource(tail)
{
    private readonly byte[] _line = new byte[maxLineLength];
    private int _length;
    private bool _cut;

    public override int Carried => _length;

    public void Feed(ReadOnlySpan<byte> data, Action<string> onLine, Action onCut)
    {
        while (!data.IsEmpty)
        {
            int nl = data.IndexOf((byte)'\n');
            ReadOnlySpan<byte> part = nl >= 0 ? data[..nl] : data;
            int room = _line.Length - _length;
            if (part.Length > room)
            {
                _cut = true;
            }

            part[..Math.Min(part.Length, room)].CopyTo(_line.AsSpan(_length));
            _length += Math.Min(part.Length, room);
            if (nl < 0)
            {
                return;
            }

            if (_cut)
            {
                onCut();
            }

            Emit(onLine);
            data = data[(nl + 1)..];
        }
    }

    public void FlushPartial(Action<string> onLine)
    {
        if (_length > 0)
        {
            Emit(onLine);
        }
    }

    private void Emit(Action<string> onLine)
    {
        int len = _length > 0 && _line[_length - 1] == (byte)'\r' ? _length - 1 : _length;
        string line = Encoding.UTF8.GetString(_line, 0, len);
        _length = 0;
        _cut = false;
        onLine(line);
    }
}
