using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Yamori.Bench;

/// <summary>
/// <c>dotnet run -c Release --project bench/Yamori.Bench -- throughput|load|bdn …</c>.
/// See docs/performance.md for what each figure means and the latest results.
/// </summary>
internal static class Program
{
    private static readonly string Usage = $"""
        usage: dotnet run -c Release --project bench/Yamori.Bench -- COMMAND
          throughput [--seconds N] [--rounds N] [--events N] [--workload process-creation|mix|all]
                     events/s per core (1 and 2 threads), matches/1k events, evaluations/event,
                     bytes allocated/event, pre-filter speedup over naive evaluation
          load       rule load+compile time: first load, then median of 5
          probe [--events N] [--threads N]
                     where match time and allocations go: group lookup, literal scan, candidate rules
          bdn [BenchmarkDotNet args]
                     the match path under BenchmarkDotNet with [MemoryDiagnoser] (default: --filter *)
        {ScanVsLibevtx.ScanVsLibevtxCommand.Usage}
        {CloudLoad.CloudLoadCommand.Usage}
        {AgentBurst.AgentBurstCommand.Usage}
        {AgentSteady.AgentSteadyCommand.Usage}
        SigmaHQ data: YAMORI_SIGMAHQ, else ../shared/data/sigmahq above the current directory.
        """;

    public static int Main(string[] args)
    {
        string command = args.Length > 0 ? args[0] : string.Empty;
        string[] rest = args.Length > 0 ? args[1..] : [];
        switch (command)
        {
            case "throughput":
                return Throughput.Run(rest);
            case "load":
                return LoadCommand.Run(rest);
            case "bdn":
                return RunBenchmarkDotNet(rest);
            case "probe":
                return Probe.Run(rest);
            case "cloud-load":
                return CloudLoad.CloudLoadCommand.Run(rest);
            case "agent-burst":
                return AgentBurst.AgentBurstCommand.Run(rest);
            case "agent-steady":
                return AgentSteady.AgentSteadyCommand.Run(rest);
            case "scan-vs-libevtx":
                return ScanVsLibevtx.ScanVsLibevtxCommand.Run(rest);
            default:
                Console.Error.WriteLine(Usage);
                return command is "-h" or "--help" ? 0 : 1;
        }
    }

    private static int RunBenchmarkDotNet(string[] args)
    {
        SigmaHq.RequireRoot();

        // In-process: the default toolchain generates and builds a separate project per benchmark,
        // which would inherit this repository's Directory.Build.props (warnings as errors, central
        // package versions) and costs minutes of build on a small shared machine.
        IConfig config = DefaultConfig.Instance
            .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(3).WithIterationCount(10))
            .WithOptions(ConfigOptions.DisableOptimizationsValidator);

        // Without a filter BenchmarkSwitcher asks interactively, which hangs a non-interactive run.
        string[] bdnArgs = args.Contains("--filter") ? args : [.. args, "--filter", "*"];
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(bdnArgs, config);
        return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
    }
}
