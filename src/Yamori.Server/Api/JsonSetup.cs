using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;
using Yamori.Cloud.Tenancy;

namespace Yamori.Server.Api;

/// <summary>
/// The API's JSON: enums as their names (readable and stable when values are added), and the id
/// types as plain GUID strings, so a domain record can be returned as it is where no DTO is needed.
/// </summary>
internal static class JsonSetup
{
    public static void Configure(JsonOptions options)
    {
        options.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.SerializerOptions.Converters.Add(new GuidIdConverter<TenantId>(g => new TenantId(g), id => id.Value));
        options.SerializerOptions.Converters.Add(new GuidIdConverter<DeviceId>(g => new DeviceId(g), id => id.Value));
        options.SerializerOptions.Converters.Add(new GuidIdConverter<SegmentId>(g => new SegmentId(g), id => id.Value));
        options.SerializerOptions.Converters.Add(new GuidIdConverter<Yamori.Cloud.Notifications.ContactId>(g => new Yamori.Cloud.Notifications.ContactId(g), id => id.Value));
    }

    private sealed class GuidIdConverter<T>(Func<Guid, T> create, Func<T, Guid> value) : JsonConverter<T>
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => create(reader.GetGuid());

        public override void Write(Utf8JsonWriter writer, T value1, JsonSerializerOptions options) => writer.WriteStringValue(value(value1));
    }
}
