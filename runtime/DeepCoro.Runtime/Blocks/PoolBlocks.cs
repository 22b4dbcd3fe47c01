using System;
using System.Collections.Generic;
using System.Linq;
using DeepCoro.Spec;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Blocks
{
    /// <summary>
    /// Builds the block a plan step names by calling its constructor with the plan's arguments, as generated code
    /// does; every block type is registered here. A new pool kind is its plan step (spec/DeepCoro.Spec/Plan) and its
    /// block class listed here.
    /// </summary>
    public static class PoolBlocks
    {
        private static readonly IReadOnlyDictionary<string, Type> Registered =
            new[] { typeof(MeanPool), typeof(MaxPool), typeof(GatedAttentionPool), typeof(ClsTokenPool) }.ToDictionary(t => t.Name);

        /// <param name="modules">the module registered under a key.</param>
        /// <param name="parameter">a getter of the parameter registered under a key.</param>
        public static IInstancePool Create(BlockCall call, Func<string, object> modules, Func<string, Func<Tensor>> parameter, ClsKernel kernel)
        {
            if (!Registered.TryGetValue(call.Block, out var type))
                throw new InvalidOperationException($"the plan names block '{call.Block}', which is not registered in {nameof(PoolBlocks)}");
            var arguments = call.Arguments.Select(a => a switch
            {
                BlockArgument.Module m => modules(m.Key),
                BlockArgument.Parameter p => parameter(p.Key),
                BlockArgument.Int i => i.Value,
                BlockArgument.Real r => r.Value,
                BlockArgument.Placement n => n.Value,
                BlockArgument.Kernel => (object)kernel,
                _ => throw new InvalidOperationException($"unknown block argument {a}"),
            }).ToArray();
            return (IInstancePool)Activator.CreateInstance(type, arguments)!;
        }
    }
}
