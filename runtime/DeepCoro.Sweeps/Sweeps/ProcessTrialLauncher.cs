using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>
    /// Runs each trial as its own process from a command template; <c>{config}</c>, <c>{output}</c> and <c>{trial}</c>
    /// in an argument become the trial's config path, run directory and index. The run's metrics are read from
    /// <c>{output}/&lt;metricsFile&gt;</c>, one JSON object per line (per epoch).
    /// </summary>
    public sealed class ProcessTrialLauncher : ITrialLauncher
    {
        public const string DefaultMetricsFile = "metrics.jsonl";
        private readonly IReadOnlyList<string> command;
        private readonly string metricsFile;

        public ProcessTrialLauncher(IReadOnlyList<string> command, string metricsFile = DefaultMetricsFile)
        {
            if (command.Count == 0) throw new DeepCoroUserException("the trial command is empty");
            this.command = command;
            this.metricsFile = metricsFile;
        }

        public IRunningTrial Start(TrialLaunch launch)
        {
            Directory.CreateDirectory(launch.LogDir);
            string Fill(string arg) => arg.Replace("{config}", launch.ConfigPath).Replace("{output}", launch.RunDir)
                                          .Replace("{trial}", launch.Index.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var info = new ProcessStartInfo(Fill(command[0]))
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            foreach (var a in command.Skip(1)) info.ArgumentList.Add(Fill(a));
            info.Environment["DEEPCORO_SWEEP_TRIAL"] = launch.Index.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return new ProcessTrial(info, Path.Combine(launch.RunDir, metricsFile), launch.LogDir);
        }

        private sealed class ProcessTrial : IRunningTrial
        {
            private readonly Process process;
            private readonly JsonlTail metrics;
            private readonly StreamWriter stdout, stderr;
            private readonly Queue<string> lastErrors = new Queue<string>();

            public ProcessTrial(ProcessStartInfo info, string metricsPath, string logDir)
            {
                stdout = new StreamWriter(Path.Combine(logDir, "stdout.log"), append: true) { AutoFlush = true };
                stderr = new StreamWriter(Path.Combine(logDir, "stderr.log"), append: true) { AutoFlush = true };
                metrics = new JsonlTail(metricsPath);
                process = new Process { StartInfo = info };
                process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (stdout) stdout.WriteLine(e.Data); };
                process.ErrorDataReceived += (_, e) =>
                {
                    if (e.Data == null) return;
                    lock (stderr)
                    {
                        stderr.WriteLine(e.Data);
                        lastErrors.Enqueue(e.Data);
                        if (lastErrors.Count > 5) lastErrors.Dequeue();
                    }
                };
                try { process.Start(); }
                catch (System.ComponentModel.Win32Exception e)
                {
                    throw new DeepCoroUserException($"cannot start the trial command '{info.FileName}': {e.Message}");
                }
                process.StandardInput.Close();
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                ProcessId = process.Id;
                ProcessStart = ProcessLiveness.StartToken(process.Id);
            }

            public int? ProcessId { get; }
            public string? ProcessStart { get; }
            public bool WaitForExit(TimeSpan timeout) => process.WaitForExit(timeout);

            public int ExitCode
            {
                get
                {
                    // drains the output readers so the logs are complete before the record is written
                    process.WaitForExit();
                    return process.ExitCode;
                }
            }

            public IReadOnlyList<JsonObject> ReadNewRows() => metrics.ReadNew();

            public string FailureDetail() { lock (stderr) return string.Join(" | ", lastErrors); }

            public void Kill()
            {
                try { process.Kill(entireProcessTree: true); process.WaitForExit(); }
                catch (InvalidOperationException) { /* already gone */ }
            }

            public void Dispose()
            {
                process.Dispose();
                lock (stdout) stdout.Dispose();
                lock (stderr) stderr.Dispose();
            }
        }
    }
}
