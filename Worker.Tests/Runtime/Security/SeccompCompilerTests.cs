using ClusterKit.Worker.Runtime.Security;

namespace ClusterKit.Worker.Runtime.Tests.Security;

public sealed class SeccompCompilerTests
{
    private const uint Eperm = SeccompCompiler.RetErrno | SeccompCompiler.EPERM;
    private const uint X8664 = SeccompCompiler.AuditArchX8664;
    private static readonly IReadOnlyList<BpfInstruction> Program = SeccompCompiler.Compile(SeccompProfile.DockerDefault);

    [Theory]
    [InlineData("mount")]
    [InlineData("umount2")]
    [InlineData("pivot_root")]
    [InlineData("unshare")]
    [InlineData("setns")]
    [InlineData("kexec_load")]
    [InlineData("init_module")]
    [InlineData("bpf")]
    [InlineData("keyctl")]
    [InlineData("open_by_handle_at")]
    [InlineData("fsopen")]
    public void Blocked_calls_return_EPERM(string name) =>
        Assert.Equal(Eperm, SeccompCompiler.Evaluate(Program, X8664, SeccompProfile.DockerDefault.Blocked[name]));

    [Theory]
    [InlineData(0)]   // read
    [InlineData(59)]  // execve
    [InlineData(101)] // ptrace: allowed, as Docker on kernels >= 4.8
    [InlineData(231)] // exit_group
    public void Ordinary_calls_are_allowed(int nr) => Assert.Equal(SeccompCompiler.RetAllow, SeccompCompiler.Evaluate(Program, X8664, nr));

    [Fact]
    public void Other_architectures_and_the_x32_abi_are_refused()
    {
        Assert.Equal(Eperm, SeccompCompiler.Evaluate(Program, 0x40000003, 0)); // i386
        Assert.Equal(Eperm, SeccompCompiler.Evaluate(Program, X8664, 0x40000000)); // x32 read
    }

    [Theory]
    [InlineData(0x11UL, SeccompCompiler.RetAllow)]                              // SIGCHLD: fork
    [InlineData(0x003D0F00UL, SeccompCompiler.RetAllow)]                        // pthread_create's flags
    [InlineData(0x10000000UL | 0x11, SeccompCompiler.RetErrno | 1)]            // CLONE_NEWUSER
    [InlineData(0x00020000UL | 0x11, SeccompCompiler.RetErrno | 1)]            // CLONE_NEWNS
    public void Clone_is_refused_only_with_namespace_flags(ulong flags, uint expected) =>
        Assert.Equal(expected, SeccompCompiler.Evaluate(Program, X8664, SeccompProfile.CloneNr, flags));

    [Fact]
    public void Clone3_gets_ENOSYS_so_libc_falls_back_to_clone() =>
        Assert.Equal(SeccompCompiler.RetErrno | SeccompCompiler.ENOSYS, SeccompCompiler.Evaluate(Program, X8664, SeccompProfile.Clone3Nr));

    [Theory]
    [InlineData(0x0UL, SeccompCompiler.RetAllow)]
    [InlineData(0xffffffffUL, SeccompCompiler.RetAllow)]
    [InlineData(0x0040000UL, SeccompCompiler.RetErrno | 1)] // ADDR_NO_RANDOMIZE
    public void Personality_is_limited_to_dockers_values(ulong persona, uint expected) =>
        Assert.Equal(expected, SeccompCompiler.Evaluate(Program, X8664, SeccompProfile.PersonalityNr, persona));

    [Fact]
    public void The_program_starts_with_the_arch_check_and_ends_with_returns()
    {
        Assert.Equal(new BpfInstruction(0x20, 0, 0, 4), Program[0]);
        Assert.Equal(0x15, Program[1].Code);
        Assert.Equal(X8664, Program[1].K);
        Assert.Equal(SeccompCompiler.RetAllow, Program[^1].K);
        Assert.All(Program.TakeLast(3), i => Assert.Equal(0x06, i.Code));
        Assert.True(Program.Count < 100, $"{Program.Count} instructions");
    }

    [Fact]
    public void Bytes_are_struct_sock_filter_little_endian()
    {
        var bytes = SeccompCompiler.ToBytes(Program);

        Assert.Equal(Program.Count * 8, bytes.Length);
        Assert.Equal(new byte[] { 0x20, 0, 0, 0, 4, 0, 0, 0 }, bytes[..8]);
        Assert.Equal(new byte[] { 0x00, 0x00, 0xff, 0x7f }, bytes[^4..]);
    }
}
