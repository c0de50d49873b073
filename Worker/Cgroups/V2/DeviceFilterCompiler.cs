using System.Buffers.Binary;
using ClusterKit.Worker.Cgroups.Devices;

namespace ClusterKit.Worker.Cgroups.V2;

/// <summary>One eBPF instruction: opcode, destination and source registers, jump offset, immediate.</summary>
internal readonly record struct BpfInstruction(byte Code, byte Dst, byte Src, short Offset, int Immediate);

/// <summary>
/// Compiles device allow rules into a BPF_PROG_TYPE_CGROUP_DEVICE program. Pure.
/// The context (struct bpf_cgroup_dev_ctx) holds access_type = (access &lt;&lt; 16) | type, major and
/// minor as u32s. The program loads type into r2, access into r3, major into r4 and minor into r5,
/// then tries each rule in order: a rule whose type, major and minor match and whose access
/// covers every requested bit returns 1 (allow); when no rule matches it returns 0 (deny).
/// </summary>
internal static class DeviceFilterCompiler
{
    // Opcodes (linux/bpf.h): class | operation | source.
    public const byte LoadWord = 0x61;      // BPF_LDX | BPF_MEM | BPF_W
    public const byte And32 = 0x54;         // BPF_ALU | BPF_AND | BPF_K
    public const byte RightShift32 = 0x74;  // BPF_ALU | BPF_RSH | BPF_K
    public const byte Move32 = 0xb4;        // BPF_ALU | BPF_MOV | BPF_K
    public const byte Move32Register = 0xbc; // BPF_ALU | BPF_MOV | BPF_X
    public const byte JumpNotEqual = 0x55;  // BPF_JMP | BPF_JNE | BPF_K
    public const byte JumpNotEqualRegister = 0x5d; // BPF_JMP | BPF_JNE | BPF_X
    public const byte Exit = 0x95;          // BPF_JMP | BPF_EXIT

    public const int DeviceBlock = 1;
    public const int DeviceCharacter = 2;
    private const int AllAccess = 7;

    private const byte R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5;

    public static IReadOnlyList<BpfInstruction> Compile(IReadOnlyList<DeviceRule> allowed)
    {
        ArgumentNullException.ThrowIfNull(allowed);
        var program = new List<BpfInstruction>
        {
            new(LoadWord, R2, R1, 0, 0),
            new(And32, R2, 0, 0, 0xffff),
            new(LoadWord, R3, R1, 0, 0),
            new(RightShift32, R3, 0, 0, 16),
            new(LoadWord, R4, R1, 4, 0),
            new(LoadWord, R5, R1, 8, 0),
        };
        foreach (var rule in allowed)
        {
            rule.Validate();
            program.AddRange(RuleBlock(rule));
        }

        program.Add(new(Move32, R0, 0, 0, 0));
        program.Add(new(Exit, 0, 0, 0, 0));
        return program;
    }

    /// <summary>Each instruction as 8 bytes: code, dst | src &lt;&lt; 4, offset (s16 LE), immediate (s32 LE).</summary>
    public static byte[] ToBytes(IReadOnlyList<BpfInstruction> program)
    {
        ArgumentNullException.ThrowIfNull(program);
        var bytes = new byte[program.Count * 8];
        for (var i = 0; i < program.Count; i++)
        {
            var span = bytes.AsSpan(i * 8, 8);
            span[0] = program[i].Code;
            span[1] = (byte)(program[i].Dst | (program[i].Src << 4));
            BinaryPrimitives.WriteInt16LittleEndian(span[2..], program[i].Offset);
            BinaryPrimitives.WriteInt32LittleEndian(span[4..], program[i].Immediate);
        }

        return bytes;
    }

    /// <summary>The checks of one rule; each failed check jumps past the block's end (the next rule).</summary>
    private static List<BpfInstruction> RuleBlock(DeviceRule rule)
    {
        var block = new List<BpfInstruction>();
        if (rule.Type != 'a')
        {
            block.Add(new(JumpNotEqual, R2, 0, 0, rule.Type == 'b' ? DeviceBlock : DeviceCharacter));
        }

        if (rule.AccessMask != AllAccess)
        {
            // Requested access (r3) must be a subset of the rule's: (r3 & mask) == r3.
            block.Add(new(Move32Register, R1, R3, 0, 0));
            block.Add(new(And32, R1, 0, 0, rule.AccessMask));
            block.Add(new(JumpNotEqualRegister, R1, R3, 0, 0));
        }

        if (rule.Major != DeviceRule.Any)
        {
            block.Add(new(JumpNotEqual, R4, 0, 0, (int)rule.Major));
        }

        if (rule.Minor != DeviceRule.Any)
        {
            block.Add(new(JumpNotEqual, R5, 0, 0, (int)rule.Minor));
        }

        block.Add(new(Move32, R0, 0, 0, 1));
        block.Add(new(Exit, 0, 0, 0, 0));

        // A jump's offset counts the instructions after it: to the end of the block.
        for (var i = 0; i < block.Count; i++)
        {
            if (block[i].Code is JumpNotEqual or JumpNotEqualRegister)
            {
                block[i] = block[i] with { Offset = (short)(block.Count - i - 1) };
            }
        }

        return block;
    }
}
