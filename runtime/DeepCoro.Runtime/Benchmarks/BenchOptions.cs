using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using DeepCoro.Runtime.Blocks;
using DeepCoro.Runtime.Data;
using DeepCoro.Runtime.Model;
using DeepCoro.Runtime.Training;
using DeepCoro.Spec;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Benchmarks
{
    public sealed record BenchOptions(int Batch, int Videos, int Tokens, int Steps, int Warmup, Device Device, int Seed = 0);
}
