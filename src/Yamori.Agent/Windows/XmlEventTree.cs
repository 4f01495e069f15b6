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

    /// <summary>A <see cref="TextReader"/> over caller memory that survives the XML reader's Dispose, to be reused.</summary>
    private sealed class ReusableTextReader : TextReader
    {
        private ReadOnlyMemory<char> _text;
        private int _position;

        public void Reset(ReadOnlyMemory<char> text)
        {
            _text = text;
            _position = 0;
        }

        public override int Peek() => _position < _text.Length ? _text.Span[_position] : -1;

        public override int Read() => _position < _text.Length ? _text.Span[_position++] : -1;

        public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

        public override int Read(Span<char> buffer)
        {
            int n = Math.Min(buffer.Length, _text.Length - _position);
            _text.Span.Slice(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        protected override void Dispose(bool disposing)
        {
            // Deliberately nothing: XmlTextReader disposes its input, and this one is reused.
            _text = default;
        }
    }
}
