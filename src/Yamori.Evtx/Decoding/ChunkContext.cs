using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Yamori.Evtx.Decoding;

/// <summary>
/// Per-chunk decoding state: the chunk bytes, names by offset and compiled templates by offset.
/// One instance per decoder (thread); <see cref="Reset"/> reuses its tables for the next chunk.
/// </summary>
internal sealed class ChunkContext
{
    /// <summary>Maximum nesting of elements, template instances and nested BinXML together.</summary>
    public const int MaxDepth = 64;

    private readonly Dictionary<int, string> _names = [];
    private readonly Dictionary<int, CompiledTemplate?> _templates = [];
    private readonly HashSet<int> _compiling = [];

    // Interns element/attribute names across chunks so repeated names share one string.
    private readonly Dictionary<string, string> _intern = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _internLookup;

    public ChunkContext()
    {
        _internLookup = _intern.GetAlternateLookup<ReadOnlySpan<char>>();
        Instantiator = new Instantiator();
    }

    public ReadOnlyMemory<byte> Data { get; private set; }

    public Instantiator Instantiator { get; }

    public void Reset(ReadOnlyMemory<byte> data)
    {
        Data = data;
        _names.Clear();
        _templates.Clear();
        _compiling.Clear();
        if (_intern.Count > 16384)
        {
            _intern.Clear(); // bounded memory on files with pathological names
        }
    }

    /// <summary>Reads the name structure at <paramref name="offset"/> (chunk-relative); returns its total size via <paramref name="size"/>.</summary>
    public string ReadName(ReadOnlySpan<byte> c, int offset, out int size)
    {
        if (offset < 0 || offset > c.Length - 8)
        {
            throw new EvtxFormatException($"name offset 0x{offset:x} outside the chunk");
        }

        int chars = BinaryPrimitives.ReadUInt16LittleEndian(c[(offset + 6)..]);
        size = 8 + (2 * chars) + 2;
        if (offset + 8 + (2 * chars) > c.Length)
        {
            throw new EvtxFormatException($"name at 0x{offset:x} runs past the chunk");
        }

        if (_names.TryGetValue(offset, out string? cached))
        {
            return cached;
        }

        ReadOnlySpan<byte> bytes = c.Slice(offset + 8, 2 * chars);
        string name;
        if (BitConverter.IsLittleEndian)
        {
            ReadOnlySpan<char> span = MemoryMarshal.Cast<byte, char>(bytes);
            if (!_internLookup.TryGetValue(span, out string? interned))
            {
                interned = new string(span);
                _intern[interned] = interned;
            }

            name = interned;
        }
        else
        {
            name = EvtxValue.Utf16(bytes);
        }

        _names[offset] = name;
        return name;
    }

    /// <summary>The template whose definition header is at <paramref name="offset"/>, compiled on first use.</summary>
    public CompiledTemplate GetTemplate(ReadOnlySpan<byte> c, int offset, int depth)
    {
        if (_templates.TryGetValue(offset, out CompiledTemplate? t))
        {
            return t ?? throw new EvtxFormatException($"template at 0x{offset:x} is unreadable");
        }

        if (!_compiling.Add(offset))
        {
            throw new EvtxFormatException($"template at 0x{offset:x} refers to itself");
        }

        try
        {
            t = Compile(c, offset, depth);
            _templates[offset] = t;
            return t;
        }
        catch (EvtxFormatException)
        {
            _templates[offset] = null;
            throw;
        }
        finally
        {
            _compiling.Remove(offset);
        }
    }

    private CompiledTemplate Compile(ReadOnlySpan<byte> c, int offset, int depth)
    {
        // Definition header: next-definition offset (4), template GUID (16), data size (4), then BinXML.
        if (offset < 0 || offset > c.Length - 24)
        {
            throw new EvtxFormatException($"template offset 0x{offset:x} outside the chunk");
        }

        var id = new Guid(c.Slice(offset + 4, 16));
        uint dataSize = BinaryPrimitives.ReadUInt32LittleEndian(c[(offset + 20)..]);
        int start = offset + 24;
        if (dataSize > (uint)(c.Length - start))
        {
            throw new EvtxFormatException($"template at 0x{offset:x} declares {dataSize} bytes, past the chunk");
        }

        var reader = new BinXmlReader(c, this, start, start + (int)dataSize, inTemplate: true, depth + 1);
        TNode[] nodes = reader.ParseDocument();
        return new CompiledTemplate(nodes, id);
    }
}
