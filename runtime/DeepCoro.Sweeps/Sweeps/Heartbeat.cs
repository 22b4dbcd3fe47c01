using System;
using System.Globalization;
using System.IO;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeepCoro.Runtime.IO;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>
    /// An agent's sign of life for the attempt it runs, rewritten (atomically) every few seconds in the attempt's
    /// folder; it also names the trial process, so that an agent of the same machine can end a dead agent's leftover.
    /// </summary>
    public sealed record Heartbeat(int Trial, int Attempt, AgentIdentity Agent, int? TrialPid, string? TrialStart, DateTime At)
    {
        public void Write(string path) => AtomicFile.WriteText(path, new JsonObject
        {
            ["trial"] = Trial,
            ["attempt"] = Attempt,
            ["agent"] = Agent.ToJson(),
            ["trialPid"] = TrialPid,
            ["trialStart"] = TrialStart,
            ["at"] = At.ToString("O", CultureInfo.InvariantCulture),
        }.ToJsonString());

        /// <summary>The heartbeat at <paramref name="path"/>, or null
        /// when there is none yet (or it cannot be read).</summary>
        public static Heartbeat? Read(string path)
        {
            try
            {
                var o = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
                return new Heartbeat((int)o["trial"]!, (int)o["attempt"]!, AgentIdentity.FromJson(o["agent"]!), (int?)o["trialPid"],
                                     (string?)o["trialStart"], Date((string)o["at"]!));
            }
            catch (Exception e) when (e is IOException or JsonException or InvalidOperationException or NullReferenceException or FormatException)
            {
                return null;
            }
        }

        private static DateTime Date(string s) => DateTime.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
    }
}
