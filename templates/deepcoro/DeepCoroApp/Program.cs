// The model generated at build time from DeepCoroApp.Specs, on random input: prints each head's output shape.
using System;
using System.Linq;
using DeepCoroApp.Models;
using static TorchSharp.torch;

const int Batch = 2, Videos = 4, Tokens = 16;

Console.WriteLine($"{SeedClsToken.ModelName}: {SeedClsToken.ParameterCount:N0} parameters, " +
                  $"x [B, {string.Join(", ", SeedClsToken.Axes)}, {SeedClsToken.EmbeddingDim}]");

using var model = new SeedClsToken();
model.eval();
using var x = randn(Batch, Videos, Tokens, SeedClsToken.EmbeddingDim);
using var mask = ones(new long[] { Batch, Videos }, dtype: ScalarType.Bool);
using (no_grad())
{
    var output = model.forward(new SeedClsToken.Input(x, mask));
    var shapes = output.ToDictionary().Select(head => $"{head.Key} [{string.Join(", ", head.Value.shape)}]");
    Console.WriteLine($"x [{string.Join(", ", x.shape)}] -> {string.Join(", ", shapes)}");
}
