using System.Buffers.Binary;
using System.Text;

namespace Yamori.Evtx.Tests.Synthetic;

/// <summary>Substitution values as bytes, by type.</summary>
internal static class V
{
    public static BRaw Null => new(0x00, []);

    public static BRaw Str(string s) => new(0x01, [.. Encoding.Unicode.GetBytes(s), 0, 0]);

    public static BRaw Ansi(string s) => new(0x02, [.. Encoding.Latin1.GetBytes(s), 0]);

    public static BRaw I8(sbyte v) => new(0x03, [(byte)v]);

    public static BRaw U8(byte v) => new(0x04, [v]);

    public static BRaw I16(short v) => new(0x05, Le(v, 2));

    public static BRaw U16(ushort v) => new(0x06, Le(v, 2));

    public static BRaw I32(int v) => new(0x07, Le(v, 4));

    public static BRaw U32(uint v) => new(0x08, Le(v, 4));

    public static BRaw I64(long v) => new(0x09, Le(v, 8));

    public static BRaw U64(ulong v) => new(0x0a, Le((long)v, 8));

    public static BRaw R32(float v) => new(0x0b, BitConverter.GetBytes(v));

    public static BRaw R64(double v) => new(0x0c, BitConverter.GetBytes(v));

    public static BRaw Bool(bool v) => new(0x0d, Le(v ? 1 : 0, 4));

    public static BRaw Bin(params byte[] b) => new(0x0e, b);

    public static BRaw Guid(Guid g) => new(0x0f, g.ToByteArray());

    public static BRaw SizeT(ulong v, int width) => new(0x10, Le((long)v, width));

    public static BRaw FileTime(DateTime utc) => new(0x11, Le(utc.ToFileTimeUtc(), 8));

    public static BRaw SysTime(DateTime t)
    {
        byte[] b = new byte[16];
        ushort[] f = [(ushort)t.Year, (ushort)t.Month, (ushort)t.DayOfWeek, (ushort)t.Day, (ushort)t.Hour, (ushort)t.Minute, (ushort)t.Second, (ushort)t.Millisecond];
        for (int i = 0; i < 8; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(2 * i), f[i]);
        }

        return new(0x12, b);
    }

    public static BRaw Sid(byte authority, params uint[] subs)
    {
        var b = new List<byte> { 1, (byte)subs.Length, 0, 0, 0, 0, 0, authority };
        foreach (uint s in subs)
        {
            b.AddRange(Le(s, 4));
        }

        return new(0x13, [.. b]);
    }

    public static BRaw Hex32(uint v) => new(0x14, Le(v, 4));

    public static BRaw Hex64(ulong v) => new(0x15, Le((long)v, 8));

    public static BRaw StrArray(params string[] items) => new(0x81, [.. items.SelectMany(s => Encoding.Unicode.GetBytes(s + "\0"))]);

    public static BRaw I32Array(params int[] items) => new(0x87, [.. items.SelectMany(i => Le(i, 4))]);

    public static byte[] Le(long v, int width)
    {
        byte[] b = new byte[width];
        for (int i = 0; i < width; i++)
        {
            b[i] = (byte)(v >> (8 * i));
        }

        return b;
    }
}

/// <summary>A Windows-shaped event template: System with the usual children, then EventData.</summary>
internal static class Templates
{
    public static readonly Guid Provider = new("5770385f-c22a-43e0-bf4c-06f5698ffbd9");
    public static readonly DateTime Created = new(2025, 10, 24, 23, 41, 48, DateTimeKind.Utc);

    /// <summary>System uses substitutions 0..6; the EventData children use 7 onwards.</summary>
    public static BElement Event(params BNode[] eventData) => EventWith(new BElement("EventData", eventData));

    public static BElement EventWith(BElement data) => new(
        "Event",
        [new BAttr("xmlns", new BText("http://schemas.microsoft.com/win/2004/08/events/event"))],
        [
            new BElement(
                "System",
                new BElement("Provider", [new BAttr("Name", new BText("Test-Provider")), new BAttr("Guid", new BSub(0, 0x0f))], []),
                new BElement("EventID", [new BAttr("Qualifiers", new BSub(1, 0x06, Optional: true))], [new BSub(2, 0x06)]),
                new BElement("TimeCreated", [new BAttr("SystemTime", new BSub(3, 0x11))], []),
                new BElement("EventRecordID", new BSub(4, 0x0a)),
                new BElement("Correlation", [new BAttr("ActivityID", new BSub(5, 0x0f, Optional: true))], []),
                new BElement("Channel", new BText("Test/Operational")),
                new BElement("Computer", new BText("host.example")),
                new BElement("Security", [new BAttr("UserID", new BSub(6, 0x13, Optional: true))], [])),
            data,
        ]);

    /// <summary>Values 0..6 for <see cref="Event(BNode[])"/>; <paramref name="qualifiers"/> null leaves the attribute out.</summary>
    public static BValue[] SystemValues(ushort eventId, ulong recordId, ushort? qualifiers = null, bool withUser = true) =>
    [
        V.Guid(Provider),
        qualifiers is null ? V.Null : V.U16(qualifiers.Value),
        V.U16(eventId),
        V.FileTime(Created.AddTicks(4971709)),
        V.U64(recordId),
        V.Null,
        withUser ? V.Sid(5, 18) : V.Null,
    ];

    public static BTemplate Instance(BElement body, BValue[] system, params BValue[] data) => new(body, [.. system, .. data]);

    public static BElement Data(string name, ushort index, byte type) =>
        new("Data", [new BAttr("Name", new BText(name))], [new BSub(index, type)]);
}
