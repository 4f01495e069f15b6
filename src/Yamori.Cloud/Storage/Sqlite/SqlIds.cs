using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Storage.Sqlite;

/// <summary>
/// Ids are bound as 16-byte blobs (Microsoft.Data.Sqlite would otherwise bind a Guid as 36
/// characters of text): smaller rows and indexes on every event.
/// </summary>
internal static class SqlIds
{
    public static byte[] ToBlob(this TenantId id) => id.Value.ToByteArray();

    public static byte[] ToBlob(this DeviceId id) => id.Value.ToByteArray();

    public static byte[] ToBlob(this SegmentId id) => id.Value.ToByteArray();
}
