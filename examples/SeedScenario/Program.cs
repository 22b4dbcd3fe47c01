// The C# counterpart of DeepCORO_CLIP's cls_token_example: the model generated at build time from the F# spec
// (SeedScenario.Specs), loaded with the reference's weights and run on the golden input.
using System;
using System.Linq;
using DeepCoro.Runtime.IO;
using SeedScenario.Models;
using static TorchSharp.torch;

var weightsPath = args.Length > 0 ? args[0] : "../shared/golden/seed_scenario_cls4d.weights.safetensors";
var ioPath = args.Length > 1 ? args[1] : weightsPath.Replace(".weights.", ".io.");

Console.WriteLine($"{SeedClsToken.ModelName}: x [B, {string.Join(", ", SeedClsToken.Axes)}, {SeedClsToken.EmbeddingDim}], " +
                  $"{SeedClsToken.ParameterCount:N0} parameters, heads {string.Join(", ", SeedClsToken.HeadNames.Select(h => $"{h}:{SeedClsToken.HeadOutputs[h]}"))}");

using var model = new SeedClsToken();
StateDict.LoadStrict(model, Safetensors.Load(weightsPath), weightsPath);
model.eval();

var io = Safetensors.Load(ioPath);
using (no_grad())
{
    var output = model.forward(new SeedClsToken.Input(io["x"], io["mask"]));
    Print("cathEF", output.CathEF);
    Print("stenosis", output.Stenosis);
    Print("contrast", output.Contrast);
    var worst = output.ToDictionary().Max(head => (head.Value - io["out." + head.Key]).abs().max().item<float>());
    Console.WriteLine($"max |generated - reference| over every head: {worst:E2}");
}

static void Print(string head, Tensor t)
{
    var rows = Enumerable.Range(0, (int)t.shape[0])
        .Select(b => "[" + string.Join(", ", t[b].data<float>().ToArray().Select(v => v.ToString("F4"))) + "]");
    Console.WriteLine($"{head} [{string.Join(", ", t.shape)}]: {string.Join(" ", rows)}");
}
