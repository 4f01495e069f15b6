using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Yamori.Server.Agents;

/// <summary>
/// The agent listener: its own port, TLS that demands a client certificate, HTTP/2 only. Its
/// connections are tagged, so the agent service refuses a call that reached it through the API
/// port and the API refuses requests that arrive on the agent port.
/// </summary>
internal static class AgentListener
{
    private const string Tag = "yamori.listener";
    private const string AgentTag = "agent";

    /// <summary>Configures <paramref name="listen"/> as the agent listener with <paramref name="https"/>'s server certificate.</summary>
    public static void Configure(ListenOptions listen, HttpsConnectionAdapterOptions https)
    {
        listen.Protocols = HttpProtocols.Http2;

        // The handshake only asks for a certificate; trust is decided by CertificateValidator, which
        // knows the registry and revocations and can say precisely why it refused.
        https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
        https.ClientCertificateValidation = static (_, _, _) => true;
        https.CheckCertificateRevocation = false;
        listen.UseHttps(https);
        listen.Use(next => connection =>
        {
            connection.Items[Tag] = AgentTag;
            return next(connection);
        });
    }

    public static bool IsAgentConnection(HttpContext http) =>
        http.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(Tag, out object? tag) == true && (string?)tag == AgentTag;
}
