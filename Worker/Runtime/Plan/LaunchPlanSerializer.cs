using System.Globalization;
using System.Text;
using ClusterKit.Worker.Runtime.Security;

namespace ClusterKit.Worker.Runtime.Plan;

/// <summary>
/// Writes and reads the plan file: "ck-plan 1", then one directive per line, fields separated
/// by tabs, with \\, \t and \n escaped inside fields, so that C parses it with strchr.
/// </summary>
internal static class LaunchPlanSerializer
{
    public const string Header = "ck-plan 1";

    public static string Write(LaunchPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var text = new StringBuilder(4096).Append(Header).Append('\n');
        void Line(params string[] fields)
        {
            for (var i = 0; i < fields.Length; i++)
            {
                if (i > 0)
                {
                    text.Append('\t');
                }

                Escape(text, fields[i]);
            }

            text.Append('\n');
        }

        static string Flag(bool value) => value ? "1" : "0";
        static string Num(ulong value) => value.ToString(CultureInfo.InvariantCulture);

        foreach (var (key, value) in plan.Labels)
        {
            Line("label", key, value);
        }

        if (plan.StateDirectory is not null)
        {
            Line("state", plan.StateDirectory);
        }

        if (plan.TargetPid > 0)
        {
            Line("target-pid", Num((ulong)plan.TargetPid));
        }

        if (plan.Rootfs is not null)
        {
            Line("rootfs", plan.Rootfs);
        }

        if (plan.Hostname is not null)
        {
            Line("hostname", plan.Hostname);
        }

        Line("network", plan.NewNetwork ? "new" : "host");
        Line("tty", Flag(plan.Tty));
        if (plan.TerminalSize is { } size)
        {
            Line("winsize", size.Rows.ToString(CultureInfo.InvariantCulture), size.Columns.ToString(CultureInfo.InvariantCulture));
        }

        Line("stdin", Flag(plan.OpenStdin));
        Line("readonly-rootfs", Flag(plan.ReadOnlyRootfs));
        Line("no-new-privileges", Flag(plan.NoNewPrivileges));
        Line("cgroup-namespace", Flag(plan.CgroupNamespace));
        foreach (var procs in plan.CgroupProcs)
        {
            Line("cgroup-procs", procs);
        }

        foreach (var step in plan.Steps)
        {
            switch (step)
            {
                case PlanMount m:
                    Line("mount", m.Source, m.Target, m.FileSystemType, Num(m.Flags), m.Data);
                    break;
                case PlanDevice d:
                    Line("mknod", d.Target, d.Type.ToString(), Num(d.Major), Num(d.Minor), Convert.ToString(d.Mode, 8));
                    break;
                case PlanSymlink s:
                    Line("symlink", s.LinkTo, s.Target);
                    break;
                default:
                    throw new ArgumentException($"plan step {step.GetType().Name} has no directive", nameof(plan));
            }
        }

        foreach (var path in plan.Masked)
        {
            Line("masked", path);
        }

        foreach (var path in plan.ReadOnlyPaths)
        {
            Line("readonly", path);
        }

        foreach (var r in plan.Rlimits)
        {
            Line("rlimit", Num((ulong)r.Resource), Num(r.Soft), Num(r.Hard));
        }

        Line("user", Num(plan.Uid), Num(plan.Gid));
        Line("groups", string.Join(',', plan.Groups.Select(g => Num(g))));
        if (plan.Capabilities is { } c)
        {
            Line("caps", Hex(c.Bounding), Hex(c.Effective), Hex(c.Permitted), Hex(c.Inheritable), Hex(c.Ambient));
        }

        if (plan.Seccomp is { Length: > 0 } seccomp)
        {
            Line("seccomp", Convert.ToHexStringLower(seccomp));
        }

        foreach (var env in plan.Env)
        {
            Line("env", env);
        }

        Line("cwd", plan.Cwd);
        foreach (var arg in plan.Args)
        {
            Line("arg", arg);
        }

        if (plan.LogPath is not null)
        {
            Line("log", plan.LogPath, Num((ulong)plan.LogMaxSize), Num((ulong)plan.LogMaxFiles));
        }

        if (plan.AttachSocket is not null)
        {
            Line("attach", plan.AttachSocket);
        }

        return text.ToString();
    }

    public static LaunchPlan Read(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Split('\n');
        if (lines[0] != Header)
        {
            throw new FormatException($"plan: first line is \"{lines[0]}\", expected \"{Header}\"");
        }

        var plan = new LaunchPlan();
        List<string> cgroups = [], masked = [], readOnly = [], env = [], args = [];
        List<PlanStep> steps = [];
        List<PlanRlimit> rlimits = [];
        var labels = new Dictionary<string, string>();
        for (var n = 1; n < lines.Length; n++)
        {
            if (lines[n].Length == 0)
            {
                continue;
            }

            var f = lines[n].Split('\t').Select(Unescape).ToArray();
            var lineNumber = n + 1;
            string Field(int i) => i < f.Length ? f[i] : throw new FormatException($"plan line {lineNumber}: {f[0]} needs at least {i} fields, has {f.Length - 1}");
            ulong U(int i) => ulong.Parse(Field(i), CultureInfo.InvariantCulture);
            ulong H(int i) => ulong.Parse(Field(i), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            plan = f[0] switch
            {
                "label" => Add(plan, () => labels[Field(1)] = Field(2)),
                "state" => plan with { StateDirectory = Field(1) },
                "target-pid" => plan with { TargetPid = (int)U(1) },
                "rootfs" => plan with { Rootfs = Field(1) },
                "hostname" => plan with { Hostname = Field(1) },
                "network" => plan with { NewNetwork = Field(1) == "new" },
                "tty" => plan with { Tty = Field(1) == "1" },
                "winsize" => plan with { TerminalSize = new TerminalSize(ushort.Parse(Field(1), CultureInfo.InvariantCulture), ushort.Parse(Field(2), CultureInfo.InvariantCulture)) },
                "stdin" => plan with { OpenStdin = Field(1) == "1" },
                "readonly-rootfs" => plan with { ReadOnlyRootfs = Field(1) == "1" },
                "no-new-privileges" => plan with { NoNewPrivileges = Field(1) == "1" },
                "cgroup-namespace" => plan with { CgroupNamespace = Field(1) == "1" },
                "cgroup-procs" => Add(plan, () => cgroups.Add(Field(1))),
                "mount" => Add(plan, () => steps.Add(new PlanMount(Field(1), Field(2), Field(3), U(4), Field(5)))),
                "mknod" => Add(plan, () => steps.Add(new PlanDevice(Field(1), Field(2)[0], (uint)U(3), (uint)U(4), Convert.ToUInt32(Field(5), 8)))),
                "symlink" => Add(plan, () => steps.Add(new PlanSymlink(Field(1), Field(2)))),
                "masked" => Add(plan, () => masked.Add(Field(1))),
                "readonly" => Add(plan, () => readOnly.Add(Field(1))),
                "rlimit" => Add(plan, () => rlimits.Add(new PlanRlimit((int)U(1), U(2), U(3)))),
                "user" => plan with { Uid = (uint)U(1), Gid = (uint)U(2) },
                "groups" => plan with { Groups = Field(1).Length == 0 ? [] : Field(1).Split(',').Select(g => uint.Parse(g, CultureInfo.InvariantCulture)).ToList() },
                "caps" => plan with { Capabilities = new ProcessCapabilities(H(1), H(2), H(3), H(4), H(5)) },
                "seccomp" => plan with { Seccomp = Convert.FromHexString(Field(1)) },
                "env" => Add(plan, () => env.Add(Field(1))),
                "cwd" => plan with { Cwd = Field(1) },
                "arg" => Add(plan, () => args.Add(Field(1))),
                "log" => plan with { LogPath = Field(1), LogMaxSize = (long)U(2), LogMaxFiles = (int)U(3) },
                "attach" => plan with { AttachSocket = Field(1) },
                _ => throw new FormatException($"plan line {lineNumber}: unknown directive \"{f[0]}\""),
            };
        }

        return plan with
        {
            CgroupProcs = cgroups, Steps = steps, Masked = masked, ReadOnlyPaths = readOnly, Rlimits = rlimits,
            Env = env, Args = args, Labels = labels,
        };
    }

    private static LaunchPlan Add(LaunchPlan plan, Action add)
    {
        add();
        return plan;
    }

    private static string Hex(ulong value) => value.ToString("x", CultureInfo.InvariantCulture);

    private static void Escape(StringBuilder text, string field)
    {
        foreach (var ch in field)
        {
            _ = ch switch
            {
                '\\' => text.Append(@"\\"),
                '\t' => text.Append(@"\t"),
                '\n' => text.Append(@"\n"),
                _ => text.Append(ch),
            };
        }
    }

    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var text = new StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 1 < field.Length)
            {
                i++;
                text.Append(field[i] switch { 't' => '\t', 'n' => '\n', var c => c });
            }
            else
            {
                text.Append(field[i]);
            }
        }

        return text.ToString();
    }
}
