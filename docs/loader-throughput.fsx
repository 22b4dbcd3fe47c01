// Run from docs/ after `dotnet build cli/DeepCoro.Cli -c Release`: dotnet fsi loader-throughput.fsx <config.yaml>
// Loader-only throughput: reads every train batch of a training config (no model), studies per second.
#r "../cli/DeepCoro.Cli/bin/Release/net10.0/DeepCoro.Spec.dll"
#r "../cli/DeepCoro.Cli/bin/Release/net10.0/DeepCoro.Common.dll"
#r "../cli/DeepCoro.Cli/bin/Release/net10.0/DeepCoro.Options.dll"
#r "../cli/DeepCoro.Cli/bin/Release/net10.0/DeepCoro.Model.dll"
#r "../cli/DeepCoro.Cli/bin/Release/net10.0/DeepCoro.Training.dll"
#r "../cli/DeepCoro.Cli/bin/Release/net10.0/DeepCoro.Dsl.dll"
#r "../cli/DeepCoro.Cli/bin/Release/net10.0/DeepCoro.Yaml.dll"
#r "../cli/DeepCoro.Cli/bin/Release/net10.0/DeepCoro.Sweeps.dll"
#r "../cli/DeepCoro.Cli/bin/Release/net10.0/DeepCoro.Config.dll"
#r "../cli/DeepCoro.Cli/bin/Release/net10.0/TorchSharp.dll"
#r "../cli/DeepCoro.Cli/bin/Release/net10.0/YamlDotNet.dll"
open DeepCoro.Runtime.Data
let c = DeepCoro.Config.TrainConfig.load fsi.CommandLineArgs.[1]
let data = Dataset.Open(c.Spec, c.Data, "train")
let sw = System.Diagnostics.Stopwatch.StartNew()
let mutable n = 0
for b in data.Pass(data.Studies.Train, true, 1, 0) do
    n <- n + b.Size
    b.Release()
printfn "loader: %d studies in %.2f s = %.1f studies/s" n sw.Elapsed.TotalSeconds (float n / sw.Elapsed.TotalSeconds)
