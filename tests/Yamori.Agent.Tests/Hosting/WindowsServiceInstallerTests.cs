using Yamori.Agent.Packaging;

namespace Yamori.Agent.Tests.Hosting;

/// <summary>
/// The Windows service installation, through a recorder in place of sc.exe: there is no Windows
/// Service Control Manager here, so what is checked is exactly what would be asked of it.
/// </summary>
public sealed class WindowsServiceInstallerTests
{
    [Fact]
    public void Install_registers_an_automatic_service_that_restarts_and_runs_the_agent_on_its_data()
    {
        var calls = new List<IReadOnlyList<string>>();
        var installer = new WindowsServiceInstaller(TextWriter.Null, args => { calls.Add(args); return 0; });

        Assert.Equal(0, installer.Install(@"C:\Program Files\Yamori\yamori-agent.exe", @"C:\ProgramData\Yamori\Agent"));

        Assert.Equal(["create", "description", "failure", "start"], calls.Select(c => c[0]));
        IReadOnlyList<string> create = calls[0];
        Assert.Equal("yamori-agent", create[1]);
        Assert.Equal(@"""C:\Program Files\Yamori\yamori-agent.exe"" run --data ""C:\ProgramData\Yamori\Agent""", create[create.ToList().IndexOf("binPath=") + 1]);
        Assert.Equal("auto", create[create.ToList().IndexOf("start=") + 1]);
        Assert.Contains(calls[2], a => a.StartsWith("restart/", StringComparison.Ordinal));
    }

    [Fact]
    public void A_failed_create_stops_the_install_and_says_so()
    {
        var calls = new List<IReadOnlyList<string>>();
        var output = new StringWriter();
        var installer = new WindowsServiceInstaller(output, args => { calls.Add(args); return args[0] == "create" ? 1073 : 0; });

        Assert.Equal(1, installer.Install(@"C:\a.exe", @"C:\d"));
        Assert.Single(calls);
        Assert.Contains("exit code 1073", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Uninstall_tolerates_a_stopped_service_but_not_a_failed_delete()
    {
        var stopped = new WindowsServiceInstaller(TextWriter.Null, args => args[0] == "stop" ? 1062 : 0);
        Assert.Equal(0, stopped.Uninstall());

        var broken = new WindowsServiceInstaller(TextWriter.Null, args => args[0] == "delete" ? 5 : 0);
        Assert.Equal(1, broken.Uninstall());
    }
}
