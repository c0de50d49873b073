using ClusterKit.Worker.Cgroups.Devices;
using ClusterKit.Worker.Cgroups.V2;

namespace ClusterKit.Worker.Cgroups.Tests.V2;

/// <summary>The compiled program, run by a small interpreter of the instructions it uses, answers as the rules say.</summary>
public sealed class DeviceFilterCompilerTests
{
    private const int Mknod = 1, Read = 2, Write = 4;
    private const int Block = 1, Char = 2;

    private static readonly DeviceRule[] Defaults =
    [
        DeviceRule.Character(1, 3), DeviceRule.Character(1, 9), DeviceRule.Character(5, 2),
        DeviceRule.Character(136, DeviceRule.Any), DeviceRule.Block(8, 0, "r"), DeviceRule.Character(10, 200, "m"),
    ];

    [Theory]
    [InlineData(Char, 1, 3, Read | Write, 1)]
    [InlineData(Char, 1, 3, Mknod, 1)]
    [InlineData(Char, 1, 9, Read, 1)]
    [InlineData(Char, 136, 7, Read | Write, 1)]
    [InlineData(Char, 136, 4095, Mknod, 1)]
    [InlineData(Char, 1, 11, Read, 0)]
    [InlineData(Char, 1, 11, Mknod, 0)]
    [InlineData(Char, 10, 237, Read | Write, 0)]
    [InlineData(Char, 10, 232, Read, 0)]
    [InlineData(Block, 1, 3, Read, 0)]
    [InlineData(Block, 8, 0, Read, 1)]
    [InlineData(Block, 8, 0, Read | Write, 0)]
    [InlineData(Block, 8, 0, Mknod, 0)]
    [InlineData(Block, 8, 1, Read, 0)]
    [InlineData(Char, 10, 200, Mknod, 1)]
    [InlineData(Char, 10, 200, Read, 0)]
    public void Each_request_is_allowed_only_when_a_rule_covers_type_numbers_and_every_access_bit(int type, int major, int minor, int access, int expected)
    {
        var program = DeviceFilterCompiler.Compile(Defaults);

        Assert.Equal(expected, Run(program, type, access, major, minor));
    }

    [Fact]
    public void No_rules_deny_everything_and_an_all_devices_rule_allows_everything()
    {
        Assert.Equal(0, Run(DeviceFilterCompiler.Compile([]), Char, Read, 1, 3));
        Assert.Equal(1, Run(DeviceFilterCompiler.Compile([new DeviceRule('a', DeviceRule.Any, DeviceRule.Any, "rwm")]), Block, Write, 259, 1));
    }

    [Fact]
    public void Instructions_are_eight_little_endian_bytes_with_registers_packed_in_one()
    {
        var bytes = DeviceFilterCompiler.ToBytes([new BpfInstruction(DeviceFilterCompiler.LoadWord, 4, 1, 4, 0), new BpfInstruction(DeviceFilterCompiler.JumpNotEqual, 5, 0, 3, 0x1234)]);

        Assert.Equal(new byte[] { 0x61, 0x14, 4, 0, 0, 0, 0, 0, 0x55, 0x05, 3, 0, 0x34, 0x12, 0, 0 }, bytes);
    }

    [Theory]
    [InlineData('x', 1L, 3L, "rwm", "type 'x'")]
    [InlineData('c', 4096L, 3L, "rwm", "major 4096")]
    [InlineData('c', 1L, -2L, "rwm", "minor -2")]
    [InlineData('c', 1L, 3L, "", "access \"\"")]
    [InlineData('c', 1L, 3L, "rwx", "access \"rwx\"")]
    [InlineData('c', 1L, 3L, "rr", "access \"rr\"")]
    public void A_malformed_rule_is_refused_naming_the_field(char type, long major, long minor, string access, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => DeviceFilterCompiler.Compile([new DeviceRule(type, major, minor, access)]));

        Assert.Contains(expected, error.Message);
    }

    /// <summary>Executes the program on a bpf_cgroup_dev_ctx; only the opcodes the compiler emits are known.</summary>
    private static long Run(IReadOnlyList<BpfInstruction> program, int type, int access, int major, int minor)
    {
        var context = new uint[] { (uint)(access << 16 | type), (uint)major, (uint)minor };
        var registers = new ulong[11];
        for (var pc = 0; pc < program.Count; pc++)
        {
            var insn = program[pc];
            switch (insn.Code)
            {
                case DeviceFilterCompiler.LoadWord:
                    Assert.Equal(1, insn.Src);
                    registers[insn.Dst] = context[insn.Offset / 4];
                    break;
                case DeviceFilterCompiler.And32:
                    registers[insn.Dst] = (uint)registers[insn.Dst] & (uint)insn.Immediate;
                    break;
                case DeviceFilterCompiler.RightShift32:
                    registers[insn.Dst] = (uint)registers[insn.Dst] >> insn.Immediate;
                    break;
                case DeviceFilterCompiler.Move32:
                    registers[insn.Dst] = (uint)insn.Immediate;
                    break;
                case DeviceFilterCompiler.Move32Register:
                    registers[insn.Dst] = (uint)registers[insn.Src];
                    break;
                case DeviceFilterCompiler.JumpNotEqual:
                    pc += registers[insn.Dst] != (ulong)(long)insn.Immediate ? insn.Offset : 0;
                    break;
                case DeviceFilterCompiler.JumpNotEqualRegister:
                    pc += registers[insn.Dst] != registers[insn.Src] ? insn.Offset : 0;
                    break;
                case DeviceFilterCompiler.Exit:
                    return (long)registers[0];
                default:
                    Assert.Fail($"unexpected opcode 0x{insn.Code:x2} at {pc}");
                    break;
            }

            Assert.InRange(pc, 0, program.Count - 1);
        }

        Assert.Fail("the program ran off its end");
        return -1;
    }
}
