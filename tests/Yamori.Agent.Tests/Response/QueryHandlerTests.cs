using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text;
using System.Text.Json;
using Yamori.Agent.Response;
using Yamori.Contracts.Agent.V1;

namespace Yamori.Agent.Tests.Response;

[SupportedOSPlatform("linux")]
public sealed class QueryHandlerTests
{
    [SkippableFact]
    public async Task Processes_lists_this_test_process_with_its_image_and_command_line()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "Linux only");

        CommandOutcome outcome = await Query(new QueryHandler(new ProcProcessLister(), new SocketConnectionLister()), "processes");

        Assert.Equal(CommandStatus.Succeeded, outcome.Status);
        List<JsonElement> rows = Lines(outcome.Output!);
        JsonElement me = Assert.Single(rows, r => r.GetProperty("pid").GetInt32() == Environment.ProcessId);
        Assert.Equal(Environment.ProcessPath, me.GetProperty("image").GetString());
        Assert.Contains("Yamori.Agent.Tests", me.GetProperty("command_line").GetString(), StringComparison.Ordinal);
        Assert.True(me.GetProperty("start_time").GetUInt64() > 0);
        Assert.Contains(rows, r => r.GetProperty("pid").GetInt32() == 1);
        Assert.Equal($"processes: {rows.Count} rows", outcome.Message);
    }

    [SkippableFact]
    public async Task Connections_lists_a_listening_socket_with_its_owning_process()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "Linux only");
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);

        CommandOutcome outcome = await Query(new QueryHandler(new ProcProcessLister(), new SocketConnectionLister()), "connections");

        Assert.Equal(CommandStatus.Succeeded, outcome.Status);
        List<JsonElement> rows = Lines(outcome.Output!);
        JsonElement listening = Assert.Single(rows, r => r.GetProperty("local_port").GetInt32() == port && r.GetProperty("state").GetString() == "LISTEN");
        Assert.Equal("127.0.0.1", listening.GetProperty("local_address").GetString());
        Assert.Equal(Environment.ProcessId, listening.GetProperty("pid").GetInt32());
        Assert.Equal(Environment.ProcessPath, listening.GetProperty("image").GetString());
        Assert.Contains(rows, r => r.GetProperty("remote_port").GetInt32() == port
            && r.GetProperty("state").GetString() == "ESTABLISHED"
            && r.GetProperty("pid").GetInt32() == Environment.ProcessId);
    }

    [SkippableFact]
    public async Task Output_over_the_cap_is_truncated_at_a_row_boundary_and_the_message_says_so()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "Linux only");

        CommandOutcome outcome = await Query(new QueryHandler(new ProcProcessLister(), new SocketConnectionLister(), maxOutputBytes: 600), "processes");

        Assert.Equal(CommandStatus.Succeeded, outcome.Status);
        Assert.True(outcome.Output!.Length <= 600);
        List<JsonElement> rows = Lines(outcome.Output);
        Assert.NotEmpty(rows);
        Assert.Contains($"truncated to the first {rows.Count}", outcome.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "missing argument 'name'")]
    [InlineData("users", "argument 'name' must be 'processes' or 'connections'")]
    public async Task Unknown_or_missing_query_names_are_rejected(string? name, string expected)
    {
        var handler = new QueryHandler(new ProcProcessLister(), new SocketConnectionLister());
        var args = name is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["name"] = name };

        CommandOutcome outcome = await handler.ExecuteAsync(new CommandRequest("q", CommandKind.Query, args), CancellationToken.None);

        Assert.Equal(CommandStatus.Rejected, outcome.Status);
        Assert.StartsWith(expected, outcome.Message, StringComparison.Ordinal);
    }

    private static Task<CommandOutcome> Query(QueryHandler handler, string name) =>
        handler.ExecuteAsync(new CommandRequest("q", CommandKind.Query, new Dictionary<string, string> { ["name"] = name }), CancellationToken.None);

    /// <summary>Every line must be one JSON object; the output ends with a newline.</summary>
    private static List<JsonElement> Lines(byte[] output)
    {
        string text = Encoding.UTF8.GetString(output);
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        return [.. text.TrimEnd('\n').Split('\n').Select(l => JsonDocument.Parse(l).RootElement.Clone())];
    }
}
