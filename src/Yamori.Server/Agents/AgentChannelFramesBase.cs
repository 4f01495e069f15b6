using Grpc.Core;
using Yamori.Cloud.Ingest;
using Yamori.Contracts.Agent.V1;

namespace Yamori.Server.Agents;

/// <summary>
/// <c>AgentChannel</c> as the generated <c>AgentChannelBase</c> would bind it (same service, methods
/// and wire format), except that <c>Connect</c> receives each message as raw bytes
/// (<see cref="AgentFrame"/>): the stream parses a batch only once the pipeline has room for it.
/// </summary>
[BindServiceMethod(typeof(AgentChannelFramesBase), nameof(BindService))]
internal abstract class AgentChannelFramesBase
{
    private static readonly Method<AgentFrame, CloudMessage> ConnectMethod = new(
        MethodType.DuplexStreaming,
        AgentChannel.Descriptor.FullName,
        nameof(Connect),
        Marshallers.Create(static frame => frame.Bytes, static bytes => new AgentFrame(bytes)),
        ProtobufMarshaller.For(CloudMessage.Parser));

    private static readonly Method<FileChunk, UploadReceipt> UploadFileMethod = new(
        MethodType.ClientStreaming,
        AgentChannel.Descriptor.FullName,
        nameof(UploadFile),
        ProtobufMarshaller.For(FileChunk.Parser),
        ProtobufMarshaller.For(UploadReceipt.Parser));

    public abstract Task Connect(IAsyncStreamReader<AgentFrame> requestStream, IServerStreamWriter<CloudMessage> responseStream, ServerCallContext context);

    public abstract Task<UploadReceipt> UploadFile(IAsyncStreamReader<FileChunk> requestStream, ServerCallContext context);

    /// <summary>
    /// Called by ASP.NET Core gRPC through the attribute, with a null service when it maps the
    /// routes; it then finds the handlers as the overrides of the methods above.
    /// </summary>
    public static void BindService(ServiceBinderBase binder, AgentChannelFramesBase? service)
    {
        binder.AddMethod(ConnectMethod, service is null ? null : new DuplexStreamingServerMethod<AgentFrame, CloudMessage>(service.Connect));
        binder.AddMethod(UploadFileMethod, service is null ? null : new ClientStreamingServerMethod<FileChunk, UploadReceipt>(service.UploadFile));
    }
}
