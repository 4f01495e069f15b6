using System.Buffers.Binary;

namespace Yamori.Evtx.Decoding;

/// <summary>
/// Reads BinXML tokens into a skeleton (<see cref="TNode"/>s). All offsets are chunk-relative:
/// names and template definitions are referenced by their offset in the chunk, and are stored
/// inline the first time they appear. Every read is bounds-checked against <c>_end</c>.
/// </summary>
internal ref struct BinXmlReader
{
    private const byte TokEof = 0x00;
    private const byte TokOpenStart = 0x01;
    private const byte TokCloseStart = 0x02;
    private const byte TokCloseEmpty = 0x03;
    private const byte TokEnd = 0x04;
    private const byte TokValue = 0x05;
    private const byte TokAttribute = 0x06;
    private const byte TokCData = 0x07;
    private const byte TokCharRef = 0x08;
    private const byte TokEntityRef = 0x09;
    private const byte TokPITarget = 0x0a;
    private const byte TokPIData = 0x0b;
    private const byte TokTemplateInstance = 0x0c;
    private const byte TokNormalSubst = 0x0d;
    private const byte TokOptionalSubst = 0x0e;
    private const byte TokFragmentHeader = 0x0f;

    private readonly ReadOnlySpan<byte> _c;
    private readonly ChunkContext _ctx;
    private readonly int _end;
    private readonly bool _inTemplate;
    private readonly int _depth;
    private int _pos;

    public BinXmlReader(ReadOnlySpan<byte> chunk, ChunkContext ctx, int start, int end, bool inTemplate, int depth)
    {
        if (start < 0 || end > chunk.Length || start > end)
        {
            throw new EvtxFormatException($"BinXML range 0x{start:x}..0x{end:x} outside the chunk");
        }

        if (depth > ChunkContext.MaxDepth)
        {
            throw new EvtxFormatException("BinXML nested too deeply");
        }

        _c = chunk;
        _ctx = ctx;
        _pos = start;
        _end = end;
        _inTemplate = inTemplate;
        _depth = depth;
    }

    public readonly int Position => _pos;

    /// <summary>Reads fragments (elements, template instances, PIs) until end-of-stream or the end of the range.</summary>
    public TNode[] ParseDocument()
    {
        var nodes = new List<TNode>(1);
        while (_pos < _end)
        {
            byte tok = _c[_pos];
            switch (tok & 0xbf)
            {
                case TokEof:
                    _pos++;
                    return [.. nodes];
                case TokFragmentHeader:
                    Need(4);
                    _pos += 4;
                    break;
                case TokOpenStart:
                    nodes.Add(ParseElement(_depth));
                    break;
                case TokTemplateInstance:
                    nodes.Add(ParseTemplateInstance(_depth));
                    break;
                case TokPITarget:
                case TokPIData:
                    nodes.Add(ParsePI());
                    break;
                default:
                    throw Bad(tok, "document");
            }
        }

        return [.. nodes];
    }

    private TElement ParseElement(int depth)
    {
        if (depth > ChunkContext.MaxDepth)
        {
            throw new EvtxFormatException("elements nested too deeply");
        }

        int start = _pos;
        byte tok = _c[_pos];
        bool dep = HasDependencyId(start);
        Need(dep ? 11 : 9);
        _pos += dep ? 7 : 5; // token, [dependency id], data size (not needed: the tokens delimit the element)
        string name = ReadNameRef();

        TAttribute[] attributes = [];
        if ((tok & 0x40) != 0)
        {
            Need(4);
            uint listSize = U32(_pos);
            _pos += 4;
            if (listSize > (uint)(_end - _pos))
            {
                throw new EvtxFormatException($"attribute list at 0x{_pos:x} runs past its data");
            }

            var list = new List<TAttribute>();
            while (_pos < _end && (_c[_pos] & 0xbf) == TokAttribute)
            {
                _pos++;
                string attrName = ReadNameRef();
                list.Add(new TAttribute(attrName, ParseAttributeValue()));
            }

            attributes = [.. list];
        }

        Need(1);
        byte close = _c[_pos++];
        TNode[] children;
        if (close == TokCloseEmpty)
        {
            children = [];
        }
        else if (close == TokCloseStart)
        {
            children = ParseContent(depth);
        }
        else
        {
            throw Bad(close, "element start");
        }

        var e = new TElement(name, attributes, children);
        e.Seal();
        return e;
    }

    private TNode[] ParseAttributeValue()
    {
        var parts = new List<TNode>(1);
        while (_pos < _end)
        {
            byte tok = _c[_pos];
            switch (tok & 0xbf)
            {
                case TokValue:
                    parts.Add(ParseValueText());
                    break;
                case TokCharRef:
                    parts.Add(ParseCharRef());
                    break;
                case TokEntityRef:
                    parts.Add(ParseEntityRef());
                    break;
                case TokNormalSubst:
                case TokOptionalSubst:
                    parts.Add(ParseSubstitution());
                    break;
                default:
                    return [.. parts];
            }
        }

        return [.. parts];
    }

    private TNode[] ParseContent(int depth)
    {
        var nodes = new List<TNode>();
        while (true)
        {
            Need(1);
            byte tok = _c[_pos];
            switch (tok & 0xbf)
            {
                case TokEnd:
                    _pos++;
                    return [.. nodes];
                case TokOpenStart:
                    nodes.Add(ParseElement(depth + 1));
                    break;
                case TokValue:
                    nodes.Add(ParseValueText());
                    break;
                case TokCData:
                    _pos++;
                    nodes.Add(new TLiteral(new EvtxCData(ReadPrefixedString())));
                    break;
                case TokCharRef:
                    nodes.Add(ParseCharRef());
                    break;
                case TokEntityRef:
                    nodes.Add(ParseEntityRef());
                    break;
                case TokPITarget:
                case TokPIData:
                    nodes.Add(ParsePI());
                    break;
                case TokNormalSubst:
                case TokOptionalSubst:
                    nodes.Add(ParseSubstitution());
                    break;
                case TokTemplateInstance:
                    nodes.Add(ParseTemplateInstance(depth + 1));
                    break;
                default:
                    throw Bad(tok, "element content");
            }
        }
    }

    private TLiteral ParseValueText()
    {
        Need(2);
        var type = (EvtxValueType)_c[_pos + 1];
        _pos += 2;
        if (type == EvtxValueType.String)
        {
            return new TLiteral(new EvtxText(EvtxValue.FromString(ReadPrefixedString())));
        }

        // Other types are rare in value tokens; they carry their fixed size.
        int size = type switch
        {
            EvtxValueType.Int8 or EvtxValueType.UInt8 => 1,
            EvtxValueType.Int16 or EvtxValueType.UInt16 => 2,
            EvtxValueType.Int32 or EvtxValueType.UInt32 or EvtxValueType.Real32 or EvtxValueType.Bool or EvtxValueType.HexInt32 => 4,
            EvtxValueType.Int64 or EvtxValueType.UInt64 or EvtxValueType.Real64 or EvtxValueType.FileTime or EvtxValueType.HexInt64 => 8,
            EvtxValueType.Guid or EvtxValueType.SystemTime => 16,
            EvtxValueType.Sid => SidSize(),
            _ => throw new EvtxFormatException($"value token of unsupported type 0x{(int)type:x2} at 0x{_pos:x}"),
        };
        Need(size);
        EvtxValue v = ValueDecoder.Decode(_ctx, _c, type, _pos, size, _depth);
        _pos += size;
        return new TLiteral(new EvtxText(v));
    }

    private readonly int SidSize()
    {
        Need(8);
        return 8 + (4 * _c[_pos + 1]);
    }

    private TLiteral ParseCharRef()
    {
        Need(3);
        ushort ch = BinaryPrimitives.ReadUInt16LittleEndian(_c[(_pos + 1)..]);
        _pos += 3;
        return new TLiteral(new EvtxCharRef(ch));
    }

    private TLiteral ParseEntityRef()
    {
        _pos++;
        return new TLiteral(new EvtxEntityRef(ReadNameRef()));
    }

    private TLiteral ParsePI()
    {
        string target = string.Empty;
        if ((_c[_pos] & 0xbf) == TokPITarget)
        {
            _pos++;
            target = ReadNameRef();
        }

        string data = string.Empty;
        if (_pos < _end && (_c[_pos] & 0xbf) == TokPIData)
        {
            _pos++;
            data = ReadPrefixedString();
        }

        return new TLiteral(new EvtxProcessingInstruction(target, data));
    }

    private TSubstitution ParseSubstitution()
    {
        Need(4);
        bool optional = (_c[_pos] & 0xbf) == TokOptionalSubst;
        int index = BinaryPrimitives.ReadUInt16LittleEndian(_c[(_pos + 1)..]);
        var type = (EvtxValueType)_c[_pos + 3];
        _pos += 4;
        return new TSubstitution(index, type, optional);
    }

    private TTemplateInstance ParseTemplateInstance(int depth)
    {
        if (depth > ChunkContext.MaxDepth)
        {
            throw new EvtxFormatException("template instances nested too deeply");
        }

        Need(10);
        int defOffset = (int)Math.Min(U32(_pos + 6), int.MaxValue);
        _pos += 10; // token, unknown byte, template id, definition offset
        if (defOffset == _pos)
        {
            // The definition follows inline (first use in this chunk): skip its header and body.
            Need(24);
            uint dataSize = U32(_pos + 20);
            if (dataSize > (uint)(_end - _pos - 24))
            {
                throw new EvtxFormatException($"inline template at 0x{_pos:x} declares {dataSize} bytes, past its record");
            }

            _pos += 24 + (int)dataSize;
        }

        CompiledTemplate template = _ctx.GetTemplate(_c, defOffset, depth);

        Need(4);
        uint count = U32(_pos);
        _pos += 4;
        if (count > (uint)(_end - _pos) / 4)
        {
            throw new EvtxFormatException($"template instance at 0x{_pos:x} declares {count} values, more than its data holds");
        }

        int descriptors = _pos;
        _pos += 4 * (int)count;

        // Instances inside a template definition live as long as the template; others are pooled.
        EvtxValue[] values = _inTemplate ? new EvtxValue[count] : TTemplateInstance.Rent((int)count);
        for (int i = 0; i < (int)count; i++)
        {
            int size = BinaryPrimitives.ReadUInt16LittleEndian(_c[(descriptors + (4 * i))..]);
            var type = (EvtxValueType)_c[descriptors + (4 * i) + 2];
            Need(size);
            values[i] = ValueDecoder.Decode(_ctx, _c, type, _pos, size, depth + 1);
            _pos += size;
        }

        return new TTemplateInstance(template, values, pooled: !_inTemplate);
    }

    /// <summary>
    /// Element starts carry a 2-byte dependency identifier inside template definitions; MS-EVEN6
    /// omits it in nested BinXML. Outside templates we decide by where each layout's name offset
    /// points, since a writer's choice is not flagged anywhere.
    /// </summary>
    private readonly bool HasDependencyId(int start)
    {
        if (_inTemplate)
        {
            return true;
        }

        bool inlineWith = FieldIs(start + 7, start + 11);
        bool inlineWithout = FieldIs(start + 5, start + 9);
        if (inlineWith != inlineWithout)
        {
            return inlineWith;
        }

        bool refWith = PointsBackToName(start + 7, start);
        bool refWithout = PointsBackToName(start + 5, start);
        return refWith || !refWithout;
    }

    private readonly bool FieldIs(int fieldPos, int expected) =>
        fieldPos + 4 <= _end && U32(fieldPos) == (uint)expected;

    private readonly bool PointsBackToName(int fieldPos, int before)
    {
        if (fieldPos + 4 > _end)
        {
            return false;
        }

        uint off = U32(fieldPos);
        if (off >= (uint)before || off > (uint)(_c.Length - 8))
        {
            return false;
        }

        int chars = BinaryPrimitives.ReadUInt16LittleEndian(_c[((int)off + 6)..]);
        return off + 8 + (2 * chars) <= (uint)_c.Length;
    }

    /// <summary>Reads a 4-byte name offset; when the name is stored right here, skips over it.</summary>
    private string ReadNameRef()
    {
        Need(4);
        uint off = U32(_pos);
        _pos += 4;
        if (off > int.MaxValue)
        {
            throw new EvtxFormatException($"name offset 0x{off:x} outside the chunk");
        }

        string name = _ctx.ReadName(_c, (int)off, out int size);
        if (off == (uint)_pos)
        {
            Need(size);
            _pos += size;
        }

        return name;
    }

    /// <summary>A UTF-16 string prefixed by its length in characters.</summary>
    private string ReadPrefixedString()
    {
        Need(2);
        int chars = BinaryPrimitives.ReadUInt16LittleEndian(_c[_pos..]);
        _pos += 2;
        Need(2 * chars);
        string s = EvtxValue.Utf16(_c.Slice(_pos, 2 * chars));
        _pos += 2 * chars;
        return s;
    }

    private readonly uint U32(int at) => BinaryPrimitives.ReadUInt32LittleEndian(_c[at..]);

    private readonly void Need(int bytes)
    {
        if (bytes < 0 || _pos > _end - bytes)
        {
            throw new EvtxFormatException($"BinXML truncated at 0x{_pos:x} (needs {bytes} bytes, {_end - _pos} left)");
        }
    }

    private readonly EvtxFormatException Bad(byte tok, string where) =>
        new($"unexpected token 0x{tok:x2} in {where} at 0x{_pos:x}");
}
