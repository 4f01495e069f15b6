using System.Globalization;
using System.Text;

namespace Yamori.Evtx.Rendering;

/// <summary>
/// Renders event XML as Windows does: values in Windows' text formats (GUIDs in braces, FILETIMEs
/// with 7 fractional digits, 0x-prefixed hex), &amp; &lt; &gt; escaped in text and also &quot; in
/// attributes. Indented output matches Event Viewer's and evtxexport's layout.
/// </summary>
internal static class EvtxXmlWriter
{
    public static void Write(StringBuilder sb, IReadOnlyList<EvtxNode> nodes, bool indent)
    {
        foreach (EvtxNode n in nodes)
        {
            WriteNode(sb, n, indent, 0);
        }
    }

    private static void WriteNode(StringBuilder sb, EvtxNode node, bool indent, int level)
    {
        switch (node)
        {
            case EvtxElement e:
                WriteElement(sb, e, indent, level);
                break;
            case EvtxProcessingInstruction pi:
                Indent(sb, indent, level);
                sb.Append("<?").Append(pi.Target);
                if (pi.Data.Length > 0)
                {
                    sb.Append(' ').Append(pi.Data);
                }

                sb.Append("?>");
                NewLine(sb, indent);
                break;
            default:
                Indent(sb, indent, level);
                WriteText(sb, node);
                NewLine(sb, indent);
                break;
        }
    }

    private static void WriteElement(StringBuilder sb, EvtxElement e, bool indent, int level)
    {
        Indent(sb, indent, level);
        sb.Append('<').Append(e.Name);
        foreach (EvtxAttribute a in e.AttributeArray)
        {
            sb.Append(' ').Append(a.Name).Append("=\"");
            Escape(sb, a.Value.ToString(), attribute: true);
            sb.Append('"');
        }

        EvtxNode[] children = e.ChildArray;
        if (children.Length == 0)
        {
            sb.Append("/>");
            NewLine(sb, indent);
            return;
        }

        sb.Append('>');
        if (!e.HasElementChild)
        {
            foreach (EvtxNode c in children)
            {
                WriteText(sb, c);
            }
        }
        else
        {
            NewLine(sb, indent);
            foreach (EvtxNode c in children)
            {
                WriteNode(sb, c, indent, level + 1);
            }

            Indent(sb, indent, level);
        }

        sb.Append("</").Append(e.Name).Append('>');
        NewLine(sb, indent);
    }

    private static void WriteText(StringBuilder sb, EvtxNode node)
    {
        switch (node)
        {
            case EvtxText t:
                Escape(sb, t.Value.ToString(), attribute: false);
                break;
            case EvtxCData c:
                sb.Append("<![CDATA[").Append(c.Value).Append("]]>");
                break;
            case EvtxCharRef r:
                sb.Append("&#").Append(r.CodePoint.ToString(CultureInfo.InvariantCulture)).Append(';');
                break;
            case EvtxEntityRef r:
                sb.Append('&').Append(r.Name).Append(';');
                break;
            case EvtxProcessingInstruction pi:
                sb.Append("<?").Append(pi.Target).Append(pi.Data.Length > 0 ? " " : string.Empty).Append(pi.Data).Append("?>");
                break;
            default:
                break;
        }
    }

    private static void Escape(StringBuilder sb, string s, bool attribute)
    {
        int start = 0;
        for (int i = 0; i < s.Length; i++)
        {
            string? rep = s[i] switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' when attribute => "&quot;",
                _ => null,
            };
            if (rep is not null)
            {
                sb.Append(s, start, i - start).Append(rep);
                start = i + 1;
            }
        }

        sb.Append(s, start, s.Length - start);
    }

    private static void Indent(StringBuilder sb, bool indent, int level)
    {
        if (indent)
        {
            sb.Append(' ', 2 * level);
        }
    }

    private static void NewLine(StringBuilder sb, bool indent)
    {
        if (indent)
        {
            sb.Append('\n');
        }
    }
}
