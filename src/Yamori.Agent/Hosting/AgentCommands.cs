namespace Yamori.Agent.Hosting;

internal static class AgentCommands
{
    public static Task<int> RunAsync(string[] args)
    {
        Console.Error.WriteLine($"yamori-agent: unknown command '{string.Join(' ', args)}'");
        return Task.FromResult(2);
    }
}
