using Google.Protobuf;
using Grpc.Core;

namespace Yamori.Server.Agents;

/// <summary>The marshaller the generated gRPC code would use, for methods bound by hand.</summary>
internal static class ProtobufMarshaller
{
    public static Marshaller<T> For<T>(MessageParser<T> parser)
        where T : class, IMessage<T>, IBufferMessage =>
        Marshallers.Create(
            static (T message, SerializationContext context) =>
            {
                context.SetPayloadLength(message.CalculateSize());
                message.WriteTo(context.GetBufferWriter());
                context.Complete();
            },
            context => parser.ParseFrom(context.PayloadAsReadOnlySequence()));
}
