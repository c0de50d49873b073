namespace ClusterKit.Worker.Runtime.Security;

/// <summary>One classic-BPF instruction (struct sock_filter).</summary>
public readonly record struct BpfInstruction(ushort Code, byte JumpTrue, byte JumpFalse, uint K);

/// <summary>
/// Compiles a <see cref="SeccompProfile"/> into the BPF program the helper installs:
/// non-x86_64 and x32 calls get EPERM, blocked calls EPERM, clone with namespace flags EPERM,
/// personality outside the allowed values EPERM, clone3 ENOSYS (so libc falls back to clone,
/// whose flags a filter can see), everything else is allowed.
/// </summary>
public static class SeccompCompiler
{
    public const uint AuditArchX8664 = 0xC000003E;
    public const uint RetAllow = 0x7fff0000;
    public const uint RetErrno = 0x00050000;
    public const int EPERM = 1;
    public const int ENOSYS = 38;

    private const ushort LoadWordAbsolute = 0x20;
    private const ushort JumpEqual = 0x15;
    private const ushort JumpGreaterEqual = 0x35;
    private const ushort JumpSet = 0x45;
    private const ushort Return = 0x06;
    private const uint X32SyscallBit = 0x40000000;
    private const uint OffsetNr = 0;
    private const uint OffsetArch = 4;
    private const uint OffsetArg0 = 16;

    public static IReadOnlyList<BpfInstruction> Compile(SeccompProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var asm = new Assembler();
        asm.Load(OffsetArch);
        asm.Jump(JumpEqual, AuditArchX8664, null, "deny");
        asm.Load(OffsetNr);
        asm.Jump(JumpGreaterEqual, X32SyscallBit, "deny", null);
        foreach (var nr in profile.Blocked.Values.Distinct().Order())
        {
            asm.Jump(JumpEqual, (uint)nr, "deny", null);
        }

        asm.Jump(JumpEqual, SeccompProfile.Clone3Nr, "enosys", null);
        asm.Jump(JumpEqual, SeccompProfile.CloneNr, null, "not-clone");
        asm.Load(OffsetArg0);
        asm.Jump(JumpSet, profile.CloneNamespaceFlags, "deny", "allow");
        asm.Label("not-clone");
        asm.Jump(JumpEqual, SeccompProfile.PersonalityNr, null, "allow");
        asm.Load(OffsetArg0);
        foreach (var persona in profile.PersonalityAllowed)
        {
            asm.Jump(JumpEqual, persona, "allow", null);
        }

        asm.Label("deny");
        asm.Return(RetErrno | EPERM);
        asm.Label("enosys");
        asm.Return(RetErrno | ENOSYS);
        asm.Label("allow");
        asm.Return(RetAllow);
        return asm.Resolve();
    }

    /// <summary>The program as struct sock_filter[] bytes (little-endian), for the plan.</summary>
    public static byte[] ToBytes(IReadOnlyList<BpfInstruction> program)
    {
        ArgumentNullException.ThrowIfNull(program);
        var bytes = new byte[program.Count * 8];
        for (var i = 0; i < program.Count; i++)
        {
            var span = bytes.AsSpan(i * 8, 8);
            BitConverter.TryWriteBytes(span[..2], program[i].Code);
            span[2] = program[i].JumpTrue;
            span[3] = program[i].JumpFalse;
            BitConverter.TryWriteBytes(span[4..], program[i].K);
        }

        return bytes;
    }

    /// <summary>
    /// Runs the program over one call, as the kernel would: for unit tests and for explaining
    /// a profile ("what does the filter return for mount?").
    /// </summary>
    public static uint Evaluate(IReadOnlyList<BpfInstruction> program, uint arch, int nr, ulong arg0 = 0)
    {
        ArgumentNullException.ThrowIfNull(program);
        uint accumulator = 0;
        for (var pc = 0; pc < program.Count; pc++)
        {
            var ins = program[pc];
            switch (ins.Code)
            {
                case LoadWordAbsolute:
                    accumulator = ins.K switch
                    {
                        OffsetNr => (uint)nr,
                        OffsetArch => arch,
                        OffsetArg0 => (uint)arg0,
                        _ => throw new InvalidOperationException($"load of offset {ins.K} is not modelled"),
                    };
                    break;
                case Return:
                    return ins.K;
                default:
                    var taken = ins.Code switch
                    {
                        JumpEqual => accumulator == ins.K,
                        JumpGreaterEqual => accumulator >= ins.K,
                        JumpSet => (accumulator & ins.K) != 0,
                        _ => throw new InvalidOperationException($"opcode 0x{ins.Code:x} is not modelled"),
                    };
                    pc += taken ? ins.JumpTrue : ins.JumpFalse;
                    break;
            }
        }

        throw new InvalidOperationException("the program ran off its end");
    }

    /// <summary>Emits instructions with symbolic forward jumps, then resolves them to offsets.</summary>
    private sealed class Assembler
    {
        private readonly List<(ushort Code, uint K, string? True, string? False)> _code = [];
        private readonly Dictionary<string, int> _labels = [];

        public void Load(uint offset) => _code.Add((LoadWordAbsolute, offset, null, null));

        public void Jump(ushort code, uint k, string? whenTrue, string? whenFalse) => _code.Add((code, k, whenTrue, whenFalse));

        public void Return(uint value) => _code.Add((SeccompCompiler.Return, value, null, null));

        public void Label(string name) => _labels[name] = _code.Count;

        public IReadOnlyList<BpfInstruction> Resolve()
        {
            var result = new List<BpfInstruction>(_code.Count);
            for (var i = 0; i < _code.Count; i++)
            {
                var (code, k, t, f) = _code[i];
                result.Add(new BpfInstruction(code, Offset(i, t), Offset(i, f), k));
            }

            return result;
        }

        private byte Offset(int from, string? label)
        {
            if (label is null)
            {
                return 0;
            }

            var distance = _labels[label] - from - 1;
            return distance is >= 0 and <= byte.MaxValue
                ? (byte)distance
                : throw new InvalidOperationException($"seccomp jump to {label} spans {distance} instructions; BPF allows 0..255");
        }
    }
}
