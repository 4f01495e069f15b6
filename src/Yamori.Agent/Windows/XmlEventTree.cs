using System.Buffers;
using System.Globalization;
using System.Text;
using System.Xml;

namespace Yamori.Agent.Windows;

/// <summary>
/// The element skeleton of one rendered event, read with <see cref="XmlReader"/> into arrays
/// that are reused from event to event. The mapper needs to look ahead (does a container hold a
/// named <c>Data</c>? how many unnamed ones?), which a forward-only reader cannot give; a pooled
/// skeleton gives it without building an <c>XDocument</c> per event.
/// </summary>
internal sealed class XmlEventTree
{
    /// <summary>Deeper nesting than any Windows event has: refuse rather than recurse without bound.</summary>
    public const int MaxDepth = 64;

    /// <summary>Limits a hostile or damaged rendering; real events have a few hundred nodes at most.</summary>
    public const int MaxNodes = 100_000;

    private readonly NameTable _names = new();
    private readonly ReusableTextReader _input = new();
    private readonly int[] _stack = new int[MaxDepth + 1];
    private readonly StringBuilder _mixed = new();
    private Node[] _nodes = new Node[64];
    private Attr[] _attrs = new Attr[64];
    private int _attrCount;

    public int Count { get; private set; }

    public ref readonly Node this[int index] => ref _nodes[index];

    public ref readonly Attr Attribute(int index) => ref _attrs[index];

    /// <summary>The value of the attribute named <paramref name="name"/> on <paramref name="node"/>, or null.</summary>
    public string? AttributeValue(int node, string name)
    {
        ref readonly Node n = ref _nodes[node];
        for (int i = n.FirstAttr; i < n.FirstAttr + n.AttrCount; i++)
        {
            if (string.Equals(_attrs[i].Name, name, StringComparison.Ordinal))
            {
                return _attrs[i].Value;
            }
        }

        return null;
    }

    /// <summary>Atomised names, so the mapper can cache joined field names by reference.</summary>
    public XmlNameTable Names => _names;

    /// <summary>Reads one event document; throws <see cref="FormatException"/> naming the problem.</summary>
    public void Load(ReadOnlyMemory<char> xml)
    {
        Count = 0;
        _attrCount = 0;
        _input.Reset(xml);

        // XmlTextReader rather than XmlReader.Create: with Normalization off it keeps CR LF inside
        // values as Windows wrote them (PowerShell script blocks), where XmlReader.Create folds them to LF.
        using var reader = new XmlTextReader(_input, _names)
        {
            Normalization = false,
            WhitespaceHandling = WhitespaceHandling.All,
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
        };

        try
        {
            Read(reader);
        }
        catch (XmlException ex)
        {
            throw new FormatException($"event XML is not well-formed at line {ex.LineNumber}, position {ex.LinePosition}: {ex.Message}", ex);
        }

        if (Count == 0)
        {
            throw new FormatException("event XML holds no element");
        }
    }

    private void Read(XmlTextReader reader)
    {
        int depth = 0;
        while (reader.Read())
        {
            switch (reader.NodeType)
            {
                case XmlNodeType.Element:
                    if (depth == 0 && Count > 0)
                    {
                        throw new FormatException("event XML has more than one root element");
                    }

                    if (depth >= MaxDepth)
                    {
                        throw new FormatException($"event XML nests deeper than {MaxDepth} elements");
                    }

                    int index = Open(reader, depth == 0 ? -1 : _stack[depth - 1]);
                    if (reader.IsEmptyElement)
                    {
                        Close(index);
                    }
                    else
                    {
                        _stack[depth++] = index;
                    }

                    break;
                case XmlNodeType.EndElement:
                    Close(_stack[--depth]);
                    break;
                case XmlNodeType.Text:
                case XmlNodeType.CDATA:
                case XmlNodeType.Whitespace:
                case XmlNodeType.SignificantWhitespace:
                    if (depth > 0)
                    {
                        AppendText(_stack[depth - 1], reader.Value);
                    }

                    break;
                default:
                    // Declarations, comments and processing instructions carry no event data.
                    break;
            }
        }
    }

    private int Open(XmlTextReader reader, int parent)
    {
        if (Count >= MaxNodes)
        {
            throw new FormatException($"event XML has more than {MaxNodes} elements");
        }

        if (Count == _nodes.Length)
        {
            Array.Resize(ref _nodes, _nodes.Length * 2);
        }

        int index = Count++;
        ref Node n = ref _nodes[index];
        n = new Node { Name = reader.Name, Parent = parent, FirstChild = -1, LastChild = -1, NextSibling = -1, FirstAttr = _attrCount };
        if (reader.MoveToFirstAttribute())
        {
            do
            {
                if (_attrCount == _attrs.Length)
                {
                    Array.Resize(ref _attrs, _attrs.Length * 2);
                }

                string value = reader.Value;
                _attrs[_attrCount++] = new Attr(reader.Name, value);
                n.AttrCount++;
                n.HasAttributeValue |= value.Length > 0;
            }
            while (reader.MoveToNextAttribute());

            reader.MoveToElement();
        }

        if (parent >= 0)
        {
            ref Node p = ref _nodes[parent];
            p.HasElementChild = true;
            if (p.LastChild < 0)
            {
                p.FirstChild = index;
            }
            else
            {
                _nodes[p.LastChild].NextSibling = index;
            }

            p.LastChild = index;
        }

        return index;
    }

    private void AppendText(int node, string text)
    {
        ref Node n = ref _nodes[node];
        if (n.Text is null)
        {
            n.Text = text;
            return;
        }

        // Several text nodes (text around CDATA or child elements): rare, so concatenated on demand.
        _mixed.Clear();
        n.Text = _mixed.Append(n.Text).Append(text).ToString();
    }

    private void Close(int node)
    {
        ref Node n = ref _nodes[node];

        // Whitespace between child elements is layout (an indented rendering), not content; in a
        // leaf it is the value itself.
        if (n.Text is { } t && (t.Length == 0 || (n.HasElementChild && string.IsNullOrWhiteSpace(t))))
        {
            n.Text = null;
        }
    }

    /// <summary>One element: its name, links to its element children, its attributes and own text.</summary>
    internal struct Node
    {
        public string Name;
        public int Parent;
        public int FirstChild;
        public int LastChild;
        public int NextSibling;
        public int FirstAttr;
        public int AttrCount;

        /// <summary>The concatenated non-element content; null when there is none.</summary>
        public string? Text;
        public bool HasElementChild;
        public bool HasAttributeValue;

        public readonly bool HasContent => Text is not null;
    }

    internal readonly record struct Attr(string Name, string Value);

    /// <summary>
    /// A <see cref="TextReader"/> over caller memory that survives the XML reader's Dispose, to be
    /// reused. EvtRender writes control characters in values raw, which XML 1.0 forbids and the
    /// parser would refuse with the whole event; they are handed over as character references
    /// instead, which the parser (Normalization off) accepts and resolves to the same character.
    /// Lone surrogates become U+FFFD, as the evtx_dump JSON path does. (Inside a CDATA section a
    /// reference stays literal; EvtRender does not write CDATA.)
    /// </summary>
    private sealed class ReusableTextReader : TextReader
    {
        private static readonly SearchValues<char> Suspect = SearchValues.Create(
            "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000B\u000C\u000E\u000F" +
            "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\uFFFE\uFFFF" +
            string.Concat(Enumerable.Range(0xD800, 0x800).Select(c => (char)c)));

        private readonly char[] _pending = new char[8];
        private ReadOnlyMemory<char> _text;
        private int _position;
        private int _pendingStart;
        private int _pendingEnd;

        public void Reset(ReadOnlyMemory<char> text)
        {
            _text = text;
            _position = 0;
            _pendingStart = _pendingEnd = 0;
        }

        public override int Peek()
        {
            Span<char> one = stackalloc char[1];
            int saveStart = _pendingStart, saveEnd = _pendingEnd, savePos = _position;
            int n = Read(one);
            if (n == 0)
            {
                return -1;
            }

            // Undo: re-expand from the saved state (pending holds at most one expansion).
            if (saveEnd > saveStart)
            {
                _pendingStart = saveStart;
                _pendingEnd = saveEnd;
            }
            else
            {
                _position = savePos;
                _pendingStart = _pendingEnd = 0;
            }

            return one[0];
        }

        public override int Read()
        {
            Span<char> one = stackalloc char[1];
            return Read(one) == 0 ? -1 : one[0];
        }

        public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

        public override int Read(Span<char> buffer)
        {
            int written = 0;
            while (written < buffer.Length)
            {
                if (_pendingStart < _pendingEnd)
                {
                    int n = Math.Min(buffer.Length - written, _pendingEnd - _pendingStart);
                    _pending.AsSpan(_pendingStart, n).CopyTo(buffer[written..]);
                    _pendingStart += n;
                    written += n;
                    continue;
                }

                ReadOnlySpan<char> rest = _text.Span[_position..];
                if (rest.IsEmpty)
                {
                    break;
                }

                int take = Math.Min(rest.Length, buffer.Length - written);
                int bad = rest[..take].IndexOfAny(Suspect);
                if (bad != 0)
                {
                    int n = bad < 0 ? take : bad;
                    rest[..n].CopyTo(buffer[written..]);
                    _position += n;
                    written += n;
                    continue;
                }

                char c = rest[0];
                if (char.IsHighSurrogate(c) && rest.Length > 1 && char.IsLowSurrogate(rest[1]))
                {
                    _pending[0] = c;
                    _pending[1] = rest[1];
                    _pendingStart = 0;
                    _pendingEnd = 2;
                    _position += 2;
                    continue;
                }

                _position++;
                if (char.IsSurrogate(c))
                {
                    _pending[0] = '\uFFFD';
                    _pendingStart = 0;
                    _pendingEnd = 1;
                }
                else
                {
                    _pending[0] = '&';
                    _pending[1] = '#';
                    _pending[2] = 'x';
                    ((int)c).TryFormat(_pending.AsSpan(3), out int digits, "X", CultureInfo.InvariantCulture);
                    _pending[3 + digits] = ';';
                    _pendingStart = 0;
                    _pendingEnd = 4 + digits;
                }
            }

            return written;
        }

        protected override void Dispose(bool disposing)
        {
            // Deliberately nothing: XmlTextReader disposes its input, and this one is reused.
        }
    }
}
