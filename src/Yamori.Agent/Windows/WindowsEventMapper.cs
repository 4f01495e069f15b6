using System.Globalization;
using System.Runtime.CompilerServices;
using Yamori.Sigma.Events;

namespace Yamori.Agent.Windows;

/// <summary>
/// Turns the XML that <c>EvtRender(EvtRenderEventXml)</c> gives for a Windows event into the
/// <see cref="FlatEvent"/> the rest of Yamori builds for Windows events (the scanner's EVTX
/// decoder, <see cref="JsonEventReader"/> for evtx_dump JSON), so SigmaHQ rules and the log-source
/// map apply unchanged:
/// <list type="bullet">
/// <item>System children by name (<c>EventID</c>, <c>Channel</c>, <c>Computer</c>…), their
/// non-empty attributes as <c>Element_Attribute</c> (<c>Provider_Name</c>, <c>TimeCreated_SystemTime</c>,
/// <c>Execution_ProcessID</c>…);</item>
/// <item>EventData and UserData leaves by their own name; <c>Data</c> by its <c>Name</c>; unnamed
/// <c>Data</c> as one <c>Data</c> field (an array when there are several); an empty element is null;
/// repeated names in one element get <c>_1</c>, <c>_2</c>… as evtx_dump's JSON does;</item>
/// <item>trailing whitespace of values dropped (evtx_dump does, and SigmaHQ's rules assume it);</item>
/// <item><see cref="FlatEvent.Timestamp"/> from <c>TimeCreated/@SystemTime</c>; <see cref="FlatEvent.Source"/>
/// left empty, because the engine classifies Windows events by Channel and EventID.</item>
/// </list>
/// Values keep Windows' text (GUIDs in braces, 7 fractional digits), which is what SigmaHQ's rules
/// are written against (e.g. <c>SubcategoryGuid: '{0CCE9210-…}'</c>); every scalar is a string,
/// since the XML does not say which were integers and Sigma compares them as text anyway.
/// Not thread-safe: one mapper per collector thread (it reuses its buffers from event to event).
/// </summary>
public sealed class WindowsEventMapper
{
    private const string SystemTimeField = "TimeCreated_SystemTime";

    private readonly XmlEventTree _tree = new();
    private readonly Dictionary<(string, string), string> _joined = new(PairComparer.Instance);
    private readonly List<List<string>> _keys = [];

    /// <summary>Maps one rendered event to a new <see cref="FlatEvent"/>.</summary>
    /// <exception cref="FormatException">The XML is not well-formed or not an <c>Event</c> with a <c>System</c> element.</exception>
    public FlatEvent Map(string xml)
    {
        var e = new FlatEvent();
        Fill(e, xml.AsMemory());
        return e;
    }

    /// <summary>Clears <paramref name="target"/> and fills it from one rendered event (e.g. EvtRender's buffer, without a string copy).</summary>
    /// <exception cref="FormatException">The XML is not well-formed or not an <c>Event</c> with a <c>System</c> element.</exception>
    public void Fill(FlatEvent target, ReadOnlyMemory<char> xml)
    {
        target.Clear();
        _tree.Load(xml);
        ref readonly XmlEventTree.Node root = ref _tree[0];
        if (!string.Equals(root.Name, "Event", StringComparison.Ordinal))
        {
            throw new FormatException($"not a Windows event: the root element is <{root.Name}>, not <Event>");
        }

        int system = FirstChild(0, "System");
        if (system < 0)
        {
            throw new FormatException("not a Windows event: <Event> has no <System> element");
        }

        // The event's members in evtx_dump's order: #attributes (skipped), #text, then the sections.
        List<string> keys = Keys(0);
        if (root.HasContent)
        {
            keys.Add("#text");
            target.Set("#text", Value(root.Text));
        }

        for (int c = root.FirstChild; c >= 0; c = _tree[c].NextSibling)
        {
            string name = _tree[c].Name;
            string key = Unique(keys, name);
            if (c == system)
            {
                FillSystem(target, system);
            }
            else
            {
                FlattenElement(target, c, key, IsContainer(name), 1);
            }
        }

        if (target.TryGetField(SystemTimeField, out FieldValue t) && t.Text is { } time &&
            DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset ts))
        {
            target.Timestamp = ts;
        }
    }

    /// <summary>System children become fields by name; their attributes become <c>Name_Attribute</c>; deeper elements are ignored, as in the other readers.</summary>
    private void FillSystem(FlatEvent target, int system)
    {
        ref readonly XmlEventTree.Node sys = ref _tree[system];
        if (!sys.HasElementChild && !sys.HasAttributeValue)
        {
            return;
        }

        List<string> keys = Keys(1);
        if (sys.HasContent)
        {
            keys.Add("#text");
            target.Set("#text", Value(sys.Text));
        }

        for (int c = sys.FirstChild; c >= 0; c = _tree[c].NextSibling)
        {
            ref readonly XmlEventTree.Node child = ref _tree[c];
            string key = Unique(keys, child.Name);
            if (!child.HasElementChild && !child.HasAttributeValue)
            {
                target.Set(key, Leaf(child));
                continue;
            }

            for (int a = child.FirstAttr; a < child.FirstAttr + child.AttrCount; a++)
            {
                ref readonly XmlEventTree.Attr attr = ref _tree.Attribute(a);
                if (attr.Value.Length > 0)
                {
                    target.Set(Join(key, attr.Name), Value(attr.Value));
                }
            }

            if (child.HasContent)
            {
                target.Set(key, Value(child.Text));
            }
        }
    }

    /// <summary>An element as a value: a leaf is its text (or null); anything else contributes its leaves.</summary>
    private void FlattenElement(FlatEvent target, int node, string key, bool container, int depth)
    {
        ref readonly XmlEventTree.Node n = ref _tree[node];
        if (!n.HasElementChild && !n.HasAttributeValue)
        {
            target.Set(key, Leaf(n));
            return;
        }

        FlattenBody(target, node, key, container, depth);
    }

    /// <summary>
    /// The members of an element with structure: its own text under its own key, then its children.
    /// In EventData and UserData, Data elements are keyed by their Name; if none has a Name, all of
    /// them form one "Data" member at the place of the first.
    /// </summary>
    private void FlattenBody(FlatEvent target, int node, string key, bool container, int depth)
    {
        if (depth > XmlEventTree.MaxDepth)
        {
            return; // unreachable: the tree refuses deeper documents
        }

        ref readonly XmlEventTree.Node n = ref _tree[node];
        List<string> keys = Keys(depth);
        if (n.HasAttributeValue)
        {
            keys.Add("#attributes");
        }

        if (n.HasContent)
        {
            keys.Add("#text");
            target.Set(key, Value(n.Text));
        }

        bool named = container && HasNamedData(node);
        bool positionalDone = false;
        for (int c = n.FirstChild; c >= 0; c = _tree[c].NextSibling)
        {
            string childName = _tree[c].Name;
            if (container && string.Equals(childName, "Data", StringComparison.Ordinal))
            {
                if (named)
                {
                    if (DataName(c) is { } dataName)
                    {
                        FlattenData(target, c, Unique(keys, dataName), depth + 1);
                    }
                }
                else if (!positionalDone)
                {
                    positionalDone = true;
                    FlattenPositional(target, node, Unique(keys, "Data"), depth + 1);
                }

                continue;
            }

            FlattenElement(target, c, Unique(keys, childName), IsContainer(childName), depth + 1);
        }
    }

    /// <summary>A Data element's value: null when empty (its attributes do not count), its leaves when it has children.</summary>
    private void FlattenData(FlatEvent target, int data, string key, int depth)
    {
        ref readonly XmlEventTree.Node d = ref _tree[data];
        if (d.HasElementChild)
        {
            FlattenBody(target, data, key, container: false, depth);
        }
        else
        {
            target.Set(key, Leaf(d));
        }
    }

    /// <summary>Unnamed Data: one value when alone, else an array of the non-empty ones.</summary>
    private void FlattenPositional(FlatEvent target, int container, string key, int depth)
    {
        int count = 0;
        int single = -1;
        for (int c = _tree[container].FirstChild; c >= 0; c = _tree[c].NextSibling)
        {
            if (string.Equals(_tree[c].Name, "Data", StringComparison.Ordinal))
            {
                single = count == 0 ? c : single;
                count++;
            }
        }

        if (count == 1)
        {
            FlattenData(target, single, key, depth);
            return;
        }

        var items = new List<string>(count);
        for (int c = _tree[container].FirstChild; c >= 0; c = _tree[c].NextSibling)
        {
            ref readonly XmlEventTree.Node d = ref _tree[c];
            if (string.Equals(d.Name, "Data", StringComparison.Ordinal) && d.Text is { } text)
            {
                // A structured item among several (never seen in Windows events) keeps its own text only.
                items.Add(Trim(text));
            }
        }

        target.Set(key, new FieldValue([.. items]));
    }

    private bool HasNamedData(int container)
    {
        for (int c = _tree[container].FirstChild; c >= 0; c = _tree[c].NextSibling)
        {
            if (string.Equals(_tree[c].Name, "Data", StringComparison.Ordinal) && DataName(c) is not null)
            {
                return true;
            }
        }

        return false;
    }

    private string? DataName(int data) => _tree.AttributeValue(data, "Name") is { Length: > 0 } name ? Trim(name) : null;

    private int FirstChild(int node, string name)
    {
        for (int c = _tree[node].FirstChild; c >= 0; c = _tree[c].NextSibling)
        {
            if (string.Equals(_tree[c].Name, name, StringComparison.Ordinal))
            {
                return c;
            }
        }

        return -1;
    }

    private static bool IsContainer(string name) => name is "EventData" or "UserData";

    private static FieldValue Leaf(in XmlEventTree.Node n) => n.Text is null ? FieldValue.Null : FieldValue.FromString(Trim(n.Text));

    private static FieldValue Value(string? text) => text is null ? FieldValue.Null : FieldValue.FromString(Trim(text));

    // TrimEnd returns the same instance when there is nothing to trim: no copy for most values.
    private static string Trim(string s) => s.Length > 0 && char.IsWhiteSpace(s[^1]) ? s.TrimEnd() : s;

    /// <summary>Scratch key list for one nesting level; evtx_dump suffixes repeated keys within one element.</summary>
    private List<string> Keys(int depth)
    {
        while (_keys.Count <= depth)
        {
            _keys.Add([]);
        }

        List<string> keys = _keys[depth];
        keys.Clear();
        return keys;
    }

    private static string Unique(List<string> keys, string name)
    {
        string key = name;
        for (int k = 1; Contains(keys, key); k++)
        {
            key = name + "_" + k.ToString(CultureInfo.InvariantCulture);
        }

        keys.Add(key);
        return key;
    }

    private static bool Contains(List<string> keys, string key)
    {
        foreach (string k in keys)
        {
            if (string.Equals(k, key, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>"Element_Attribute", cached by the reader's atomised names so the common ones are built once.</summary>
    private string Join(string element, string attribute)
    {
        if (_joined.TryGetValue((element, attribute), out string? joined))
        {
            return joined;
        }

        joined = element + "_" + attribute;
        if (_joined.Count > 4096)
        {
            _joined.Clear();
        }

        _joined[(element, attribute)] = joined;
        return joined;
    }

    private sealed class PairComparer : IEqualityComparer<(string, string)>
    {
        public static readonly PairComparer Instance = new();

        public bool Equals((string, string) x, (string, string) y) =>
            (ReferenceEquals(x.Item1, y.Item1) || x.Item1 == y.Item1) && (ReferenceEquals(x.Item2, y.Item2) || x.Item2 == y.Item2);

        public int GetHashCode((string, string) obj) =>
            HashCode.Combine(RuntimeHelpers.GetHashCode(obj.Item1), RuntimeHelpers.GetHashCode(obj.Item2));
    }
}
