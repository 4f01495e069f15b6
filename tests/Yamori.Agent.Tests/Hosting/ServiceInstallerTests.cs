using Yamori.Agent.Packaging;

namespace Yamori.Agent.Tests.Hosting;

/// <summary>install / uninstall into a staging root (a real "/" would install the test host as a service).</summary>
public sealed class ServiceInstallerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("yamori-agent-root-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Install_writes_the_binary_the_hardened_unit_and_an_owner_only_data_directory()
    {
        string binary = Path.Combine(_root, "yamori-agent.published");
        File.WriteAllText(binary, "#!/bin/true\n");
        var output = new StringWriter();
        var installer = new ServiceInstaller(_root, output);

        Assert.Equal(0, installer.Install(binary));

        Assert.Equal("#!/bin/true\n", File.ReadAllText(installer.BinaryPath));
        Assert.True(File.GetUnixFileMode(installer.BinaryPath).HasFlag(UnixFileMode.OtherExecute));
        string unit = File.ReadAllText(installer.UnitPath);
        Assert.Contains("ExecStart=/usr/local/bin/yamori-agent run --data /var/lib/yamori-agent", unit, StringComparison.Ordinal);
        Assert.Contains("Type=notify", unit, StringComparison.Ordinal);
        Assert.Contains("NoNewPrivileges=yes", unit, StringComparison.Ordinal);
        Assert.Contains("ProtectSystem=strict", unit, StringComparison.Ordinal);
        Assert.Contains("ReadWritePaths=/var/lib/yamori-agent", unit, StringComparison.Ordinal);
        Assert.DoesNotContain("@BIN@", unit, StringComparison.Ordinal);
        Assert.DoesNotContain("@DATA@", unit, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(_root, "var/lib/yamori-agent")));
        Assert.Contains("systemd is not running here", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Uninstall_keeps_the_identity_and_spool_unless_purged()
    {
        string binary = Path.Combine(_root, "yamori-agent.published");
        File.WriteAllText(binary, "x");
        var installer = new ServiceInstaller(_root, TextWriter.Null);
        installer.Install(binary);
        string data = Path.Combine(_root, "var/lib/yamori-agent");
        File.WriteAllText(Path.Combine(data, "spooled"), "unsent");

        installer.Uninstall(purge: false);
        Assert.False(File.Exists(installer.UnitPath));
        Assert.False(File.Exists(installer.BinaryPath));
        Assert.True(File.Exists(Path.Combine(data, "spooled")));

        installer.Uninstall(purge: true);
        Assert.False(Directory.Exists(data));
    }
}
