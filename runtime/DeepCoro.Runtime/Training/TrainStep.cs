using System.Collections.Generic;
using System.Linq;
using DeepCoro.Runtime.Data;
using DeepCoro.Runtime.Model;
using TorchSharp;
using static TorchSharp.torch;
using Probe = TorchSharp.torch.nn.Module<DeepCoro.Runtime.Model.ModelInput, System.Collections.Generic.OrderedDictionary<string, TorchSharp.torch.Tensor>>;

namespace DeepCoro.Runtime.Training
{
    /// <summary>
    /// The per-batch training step, shared by `train` and `bench` so that the bench times what training runs:
    /// forward, the heads' weighted label-masked losses (recorded in a <see cref="SplitResults"/>), backward of the
    /// loss over the accumulation group's size, and at the group's end clipping, the optimizer step at the
    /// schedule's factor and zeroing the gradients.
    /// </summary>
    public sealed class TrainStep
    {
        private readonly Probe model;
        private readonly AdamOptimizer optimizer;
        private readonly double? clipNorm;
        private readonly Device device;
        private readonly List<TorchSharp.Modules.Parameter> parameters;

        public TrainStep(Probe model, AdamOptimizer optimizer, double? clipNorm, Device device)
        {
            this.model = model;
            this.optimizer = optimizer;
            this.clipNorm = clipNorm;
            this.device = device;
            parameters = model.parameters().Where(p => p.requires_grad).ToList();
        }

        /// <summary>
        /// Forward and backward of one batch, its gradient divided by <paramref name="groupSize"/> (the batches of
        /// its accumulation group); returns the batch's weighted loss. The batch's tensors live only inside the call,
        /// so the caller may release the batch afterwards.
        /// </summary>
        public double Accumulate(StudyBatch batch, SplitResults results, int groupSize)
        {
            using var _ = NewDisposeScope();
            var outputs = model.forward(Trainer.Inputs(batch, device));
            var total = results.Add(batch, outputs);
            if (total.requires_grad)
            {
                // kept alive through the call: an implicit double -> Scalar can be finalized mid-call (TorchSharp 0.107)
                using var share = ((double)groupSize).ToScalar();
                total.div(share).backward();
            }
            return total.item<float>();
        }

        /// <summary>Closes an accumulation group: clipping, the optimizer step at <paramref name="factor"/>, zeroed gradients.</summary>
        public void Update(double factor)
        {
            using var _ = NewDisposeScope();
            // TorchSharp 0.107's clip is one native call taking doubles: no Scalar to keep alive
            if (clipNorm is { } clip) nn.utils.clip_grad_norm_(parameters, clip);
            optimizer.Step(factor);
            optimizer.ZeroGrad();
        }
    }
}
