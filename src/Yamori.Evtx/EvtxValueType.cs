namespace Yamori.Evtx;

/// <summary>BinXML value types (MS-EVEN6). The 0x80 bit marks an array of the base type.</summary>
public enum EvtxValueType
{
    Null = 0x00,
    String = 0x01,
    AnsiString = 0x02,
    Int8 = 0x03,
    UInt8 = 0x04,
    Int16 = 0x05,
    UInt16 = 0x06,
    Int32 = 0x07,
    UInt32 = 0x08,
    Int64 = 0x09,
    UInt64 = 0x0a,
    Real32 = 0x0b,
    Real64 = 0x0c,
    Bool = 0x0d,
    Binary = 0x0e,
    Guid = 0x0f,
    SizeT = 0x10,
    FileTime = 0x11,
    SystemTime = 0x12,
    Sid = 0x13,
    HexInt32 = 0x14,
    HexInt64 = 0x15,
    EvtHandle = 0x20,
    BinXml = 0x21,
    EvtXml = 0x23,
    ArrayFlag = 0x80,
}
