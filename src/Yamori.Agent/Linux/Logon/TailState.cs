using System.Globalization;

namespace Yamori.Agent.Linux.Logon;

/// <summary>
/// Read positions saved between agent runs, one line per followed file ("device inode offset path"),
/// written to a temporary file and renamed over the old one so a crash never leaves half a state.
/// </summary>
internal sealed class TailState(string path)
{
    private string? _lastWritten;

    public Dictionary<string, TailPosition> Load()
    {
        var positions = new Dictionary<string, TailPosition>(StringComparer.Ordinal);
        if (!System.IO.File.Exists(path))
        {
            return positions;
        }

        foreach (string line in System.IO.File.ReadAllLines(path))
        {
            string[] parts = line.Split(' ', 4);
            if (parts.Length == 4 &&
                ulong.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out ulong dev) &&
                ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out ulong ino) &&
                long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out long offset))
            {
                positions[parts[3]] = new TailPosition(dev, ino, offset);
            }
        }

        return positions;
    }

    /// <summary>Writes the positions if they changed since the last save.</summary>
    public void Save(IEnumerable<(string Path, TailPosition Position)> positions)
    {
        string text = string.Concat(positions.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Position.Device} {p.Position.Inode} {p.Position.Offset} {p.Path}\n")));
        if (text == _lastWritten)
        {
            return;
        }

        string temp = path + ".tmp";
        System.IO.File.WriteAllText(temp, text);
        System.IO.File.Move(temp, path, overwrite: true);
        _lastWritten = text;
    }
}
