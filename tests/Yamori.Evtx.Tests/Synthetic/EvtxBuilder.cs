using System.Buffers.Binary;
using System.Text;

namespace Yamori.Evtx.Tests.Synthetic;

// A small BinXML model for building EVTX files by hand, so every token and value type can be
// tested, including the ones real logs rarely contain.
internal abstract record BNode;

internal sealed record BElement(string Name, BAttr[] Attrs, BNode[] Children) : BNode
{
    public BElement(string name, params BNode[] children)
        : this(name, [], children)
    {
    }
}

internal sealed record BAttr(string Name, params BNode[] Value);

/// <summary>A value token holding a string.</summary>
internal sealed record BText(string Text) : BNode;

/// <summary>A value token of another type, with its bytes.</summary>
internal sealed record BTyped(byte Type, byte[] Data) : BNode;

internal sealed record BSub(ushort Index, byte Type, bool Optional = false) : BNode;

internal sealed record BCharRef(ushort Value) : BNode;

internal sealed record BEntityRef(string Name) : BNode;

internal sealed record BCData(string Text) : BNode;

internal sealed record BPI(string Target, string Data) : BNode;

/// <summary>A template instance; the same <see cref="Body"/> instance is defined once per chunk and then referenced.</summary>
internal sealed record BTemplate(BElement Body, BValue[] Values) : BNode;

internal abstract record BValue(byte Type);

internal sealed record BRaw(byte Type, byte[] Data) : BValue(Type);

/// <summary>A BinXML (0x21) value: a fragment written in place.</summary>
internal sealed record BNested(BNode Content, bool DependencyIds = false) : BValue(0x21);

/// <summary>Builds one 64 KiB chunk.</summary>
internal sealed class ChunkBuilder
{
    private readonly List<byte> _b = [.. new byte[512]];
    private readonly Dictionary<string, int> _names = [];
    private readonly Dictionary<BElement, int> _templates = new(ReferenceEqualityComparer.Instance);
    private readonly List<(ulong Id, int Offset)> _records = [];

    public int Position => _b.Count;

    public int LastRecordOffset => _records.Count == 0 ? 0 : _records[^1].Offset;

    public ChunkBuilder AddRecord(ulong id, BNode document, ulong fileTime = 133_000_000_000_000_000UL)
    {
        int start = _b.Count;
        _b.AddRange("**\0\0"u8.ToArray());
        int sizePos = U32(0);
        U64(id);
        U64(fileTime);
        Bytes(0x0f, 0x01, 0x01, 0x00);
        Write(document, dependencyIds: true);
        _b.Add(0x00);
        int size = _b.Count - start + 4;
        U32((uint)size);
        Patch32(sizePos, (uint)size);
        _records.Add((id, start));
        return this;
    }

    /// <summary>Appends raw bytes (to plant damage).</summary>
    public ChunkBuilder AddRaw(params byte[] bytes)
    {
        _b.AddRange(bytes);
        return this;
    }

    /// <summary>The finished chunk with correct header fields and checksums; <paramref name="tamper"/> edits it before the checksums.</summary>
    public byte[] Build(Action<byte[]>? tamper = null, bool fixChecksums = true)
    {
        if (_b.Count > 65536)
        {
            throw new InvalidOperationException("chunk overflow");
        }

        byte[] c = new byte[65536];
        _b.CopyTo(c);
        "ElfChnk\0"u8.CopyTo(c);
        ulong first = _records.Count > 0 ? _records[0].Id : 0;
        ulong last = _records.Count > 0 ? _records[^1].Id : 0;
        BinaryPrimitives.WriteUInt64LittleEndian(c.AsSpan(8), 1);
        BinaryPrimitives.WriteUInt64LittleEndian(c.AsSpan(16), (ulong)_records.Count);
        BinaryPrimitives.WriteUInt64LittleEndian(c.AsSpan(24), first);
        BinaryPrimitives.WriteUInt64LittleEndian(c.AsSpan(32), last);
        BinaryPrimitives.WriteUInt32LittleEndian(c.AsSpan(40), 128);
        BinaryPrimitives.WriteUInt32LittleEndian(c.AsSpan(44), (uint)LastRecordOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(c.AsSpan(48), (uint)_b.Count);
        tamper?.Invoke(c);
        if (fixChecksums)
        {
            uint free = BinaryPrimitives.ReadUInt32LittleEndian(c.AsSpan(48));
            BinaryPrimitives.WriteUInt32LittleEndian(c.AsSpan(52), Crc(c.AsSpan(512, (int)Math.Min(free, 65536) - 512)));
            BinaryPrimitives.WriteUInt32LittleEndian(c.AsSpan(124), Crc2(c.AsSpan(0, 120), c.AsSpan(128, 384)));
        }

        return c;
    }

    private void Write(BNode node, bool dependencyIds)
    {
        switch (node)
        {
            case BElement e:
                WriteElement(e, dependencyIds);
                break;
            case BText t:
                Bytes(0x05, 0x01);
                PrefixedString(t.Text);
                break;
            case BTyped t:
                Bytes(0x05, t.Type);
                _b.AddRange(t.Data);
                break;
            case BSub s:
                Bytes(s.Optional ? (byte)0x0e : (byte)0x0d);
                U16(s.Index);
                Bytes(s.Type);
                break;
            case BCharRef r:
                Bytes(0x08);
                U16(r.Value);
                break;
            case BEntityRef r:
                Bytes(0x09);
                NameRef(r.Name);
                break;
            case BCData d:
                Bytes(0x07);
                PrefixedString(d.Text);
                break;
            case BPI pi:
                Bytes(0x0a);
                NameRef(pi.Target);
                Bytes(0x0b);
                PrefixedString(pi.Data);
                break;
            case BTemplate t:
                WriteTemplate(t);
                break;
            default:
                throw new ArgumentException(node.ToString());
        }
    }

    private void WriteElement(BElement e, bool dependencyIds)
    {
        int start = _b.Count;
        Bytes(e.Attrs.Length > 0 ? (byte)0x41 : (byte)0x01);
        if (dependencyIds)
        {
            U16(0xffff);
        }

        int sizePos = U32(0);
        NameRef(e.Name);
        if (e.Attrs.Length > 0)
        {
            int listPos = U32(0);
            int listStart = _b.Count;
            for (int i = 0; i < e.Attrs.Length; i++)
            {
                Bytes(i < e.Attrs.Length - 1 ? (byte)0x46 : (byte)0x06);
                NameRef(e.Attrs[i].Name);
                foreach (BNode part in e.Attrs[i].Value)
                {
                    Write(part, dependencyIds);
                }
            }

            Patch32(listPos, (uint)(_b.Count - listStart));
        }

        if (e.Children.Length == 0)
        {
            Bytes(0x03);
        }
        else
        {
            Bytes(0x02);
            foreach (BNode c in e.Children)
            {
                Write(c, dependencyIds);
            }

            Bytes(0x04);
        }

        Patch32(sizePos, (uint)(_b.Count - start - (dependencyIds ? 7 : 5)));
    }

    private void WriteTemplate(BTemplate t)
    {
        Bytes(0x0c, 0x01);
        U32(0x12345678);
        if (_templates.TryGetValue(t.Body, out int def))
        {
            U32((uint)def);
        }
        else
        {
            def = _b.Count + 4;
            U32((uint)def);
            U32(0);
            // A template id derived from its position keeps generated files byte-for-byte reproducible.
            _b.AddRange(new Guid(def, (short)_templates.Count, 0, 0, 0, 0, 0, 0, 0, 0, 1).ToByteArray());
            int sizePos = U32(0);
            int dataStart = _b.Count;
            Bytes(0x0f, 0x01, 0x01, 0x00);
            WriteElement(t.Body, dependencyIds: true);
            Bytes(0x00);
            Patch32(sizePos, (uint)(_b.Count - dataStart));
            _templates[t.Body] = def;
        }

        U32((uint)t.Values.Length);
        int descriptors = _b.Count;
        foreach (BValue v in t.Values)
        {
            U16(0);
            Bytes(v.Type, 0);
        }

        for (int i = 0; i < t.Values.Length; i++)
        {
            int start = _b.Count;
            switch (t.Values[i])
            {
                case BRaw r:
                    _b.AddRange(r.Data);
                    break;
                case BNested n:
                    Bytes(0x0f, 0x01, 0x01, 0x00);
                    Write(n.Content, n.DependencyIds);
                    Bytes(0x00);
                    break;
            }

            int size = _b.Count - start;
            _b[descriptors + (4 * i)] = (byte)size;
            _b[descriptors + (4 * i) + 1] = (byte)(size >> 8);
        }
    }

    /// <summary>Names are written inline on first use and referenced by offset afterwards, as Windows does.</summary>
    private void NameRef(string name)
    {
        if (_names.TryGetValue(name, out int off))
        {
            U32((uint)off);
            return;
        }

        off = _b.Count + 4;
        U32((uint)off);
        _names[name] = off;
        U32(0);
        U16(0);
        U16((ushort)name.Length);
        _b.AddRange(Encoding.Unicode.GetBytes(name));
        U16(0);
    }

    private void PrefixedString(string s)
    {
        U16((ushort)s.Length);
        _b.AddRange(Encoding.Unicode.GetBytes(s));
    }

    private void Bytes(params byte[] b) => _b.AddRange(b);

    private void U16(ushort v) => _b.AddRange([(byte)v, (byte)(v >> 8)]);

    private int U32(uint v)
    {
        int at = _b.Count;
        _b.AddRange([(byte)v, (byte)(v >> 8), (byte)(v >> 16), (byte)(v >> 24)]);
        return at;
    }

    private void U64(ulong v)
    {
        U32((uint)v);
        U32((uint)(v >> 32));
    }

    private void Patch32(int at, uint v)
    {
        _b[at] = (byte)v;
        _b[at + 1] = (byte)(v >> 8);
        _b[at + 2] = (byte)(v >> 16);
        _b[at + 3] = (byte)(v >> 24);
    }

    internal static uint Crc(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }
        }

        return ~c;
    }

    private static uint Crc2(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        byte[] joined = [.. a, .. b];
        return Crc(joined);
    }
}

/// <summary>Assembles a file: header plus chunks.</summary>
internal static class EvtxFileBuilder
{
    public static byte[] Build(IReadOnlyList<byte[]> chunks, int? declaredChunks = null, uint flags = 0, bool fixChecksum = true)
    {
        byte[] file = new byte[4096 + (65536 * chunks.Count)];
        "ElfFile\0"u8.CopyTo(file);
        int n = declaredChunks ?? chunks.Count;
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(8), 0);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(16), (ulong)Math.Max(0, n - 1));
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(24), 1000);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(32), 128);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(36), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(38), 3);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(40), 4096);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(42), (ushort)n);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(120), flags);
        if (fixChecksum)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(124), ChunkBuilder.Crc(file.AsSpan(0, 120)));
        }

        for (int i = 0; i < chunks.Count; i++)
        {
            chunks[i].CopyTo(file, 4096 + (65536 * i));
        }

        return file;
    }

    /// <summary>A file with one chunk holding the given records (ids 1..n).</summary>
    public static byte[] Single(params BNode[] documents)
    {
        var chunk = new ChunkBuilder();
        for (int i = 0; i < documents.Length; i++)
        {
            chunk.AddRecord((ulong)(i + 1), documents[i]);
        }

        return Build([chunk.Build()]);
    }
}
