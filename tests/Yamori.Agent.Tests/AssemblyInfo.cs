// The agent's tests exercise the Linux kernel, files and processes of this machine; Windows code
// paths are tested through their platform-neutral mapping.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
