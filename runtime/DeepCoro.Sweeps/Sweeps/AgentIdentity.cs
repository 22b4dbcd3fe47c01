using System;
using System.Text.Json.Nodes;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>A sweep agent: its machine, process id and start token (see <see cref="ProcessLiveness"/>), which
    /// together tell a live process from a later one that reuses the id.</summary>
    public sealed record AgentIdentity(string Host, int Pid, string Start)
    {
        public static AgentIdentity Current()
        {
            var pid = Environment.ProcessId;
            return new AgentIdentity(Environment.MachineName, pid, ProcessLiveness.StartToken(pid) ?? "");
        }

        public override string ToString() => $"{Host}:{Pid}";

        public JsonObject ToJson() => new JsonObject { ["host"] = Host, ["pid"] = Pid, ["start"] = Start };

        public static AgentIdentity FromJson(JsonNode node) => new AgentIdentity((string)node["host"]!, (int)node["pid"]!, (string)node["start"]!);
    }
}
