using System.Text;
using Yamori.Cloud.Events;

namespace Yamori.Cloud.Tests;

public sealed class EncodedFieldsTests
{
    [Fact]
    public void A_batch_encodes_back_to_back_each_event_as_its_own_json()
    {
        TelemetryEvent[] events =
        [
            .. Events.Batch(7, 3),
            new(Events.T0, LogSource.Empty, []),
            new(Events.T0, LogSource.Empty, [new EventField("ユーザー", EventValue.From("山田")), new EventField("Hashes", EventValue.From(["a", "b"])), new EventField("Ratio", EventValue.From(0.5))]),
        ];

        using EncodedFields encoded = FieldsJson.EncodeAll(events);

        Assert.Equal(events.Length, encoded.Count);
        for (int i = 0; i < events.Length; i++)
        {
            Assert.Equal(FieldsJson.Encode(events[i].Fields), Encoding.UTF8.GetString(encoded[i]));
        }

        Assert.Equal("{}", Encoding.UTF8.GetString(encoded[3]));
        Assert.Equal("""{"ユーザー":"山田","Hashes":["a","b"],"Ratio":0.5}""", Encoding.UTF8.GetString(encoded[4]));
    }

    [Fact]
    public void A_disposed_batch_gives_no_bytes_from_a_buffer_it_returned()
    {
        EncodedFields encoded = FieldsJson.EncodeAll(Events.Batch(1, 2));
        encoded.Dispose();
        encoded.Dispose();
        Assert.Throws<ObjectDisposedException>(() => encoded[0].Length);
    }
}
