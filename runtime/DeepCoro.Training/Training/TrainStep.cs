using System.Collections.Generic;
using System.Linq;
using DeepCoro.Runtime.Data;
using DeepCoro.Runtime.Telemetry;
using TorchSharp;
using static TorchSharp.torch;
using Probe = TorchSharp.torch.nn.Module<DeepCoro.Runtime.Model.ModelInput, System.Collections.Generic.OrderedDictionary<string, TorchSharp.torch.Tensor>>;

namespace DeepCoro.Runtime.Training
{
    /// <summary>
    /// The per-batch training step, shared by `train` and `bench` so that the bench times what training runs:
    /// forward, the heads' weighted label-masked losses (recorded in a <see cref="SplitResults"/>), backward of the
    /// loss over the accumulation group's size, and at the group's end clipping, the optimizer step at the
    /// schedule's factor and zeroing the gradients. A batch whose loss is not finite is neither recorded nor
    /// back-propagated, and a group whose gradient norm is not finite does not step.
    /// </summary>
    public sealed class TrainStep
    {
        private readonly Probe model;
        private readonly AdamOptimizer optimizer;
        private readonly double? clipNorm;
        private readonly Device device;
        private readonly List<TorchSharp.Modules.Parameter> parameters;
        private readonly GradientStatistics? gradients;
        private bool groupHasGradient;

        /// <param name="gradients">telemetry fed at each update, or null.</param>
        public TrainStep(Probe model, AdamOptimizer optimizer, double? clipNorm, Device device, GradientStatistics? gradients = null)
        {
            this.model = model;
            this.optimizer = optimizer;
            this.clipNorm = clipNorm;
            this.device = device;
            this.gradients = gradients;
            parameters = model.parameters().Where(p => p.requires_grad).ToList();
        }

        /// <summary>
        /// Forward and backward of one batch, its gradient divided by <paramref name="groupSize"/> (the batches of
        /// its accumulation group); returns the batch's weighted loss, not finite when the batch was skipped. The
        /// batch's tensors live only inside the call, so the caller may release the batch afterwards.
        /// </summary>
        public double Accumulate(StudyBatch batch, SplitResults results, int groupSize)
        {
            using var _ = NewDisposeScope();
            var outputs = model.forward(Trainer.Inputs(batch, device));
            var measured = results.Measure(batch, outputs);
            double loss = measured.Total.item<float>();
            if (!double.IsFinite(loss)) return loss;
            results.Record(measured);
            if (measured.Total.requires_grad)
            {
                // kept alive through the call: an implicit double ->
                // Scalar can be finalized mid-call (TorchSharp 0.107)
                using var share = ((double)groupSize).ToScalar();
                measured.Total.div(share).backward();
                groupHasGradient = true;
            }
            return loss;
        }

        /// <summary>
        /// Closes an accumulation group: clipping, the optimizer step at <paramref name="factor"/> (unless the group
        /// has no finite batch or its gradient norm is not finite), zeroed gradients.
        /// </summary>
        public UpdateOutcome Update(double factor)
        {
            using var _ = NewDisposeScope();
            try
            {
                if (!groupHasGradient) return UpdateOutcome.NoFiniteBatch;
                gradients?.BeforeClip();
                // TorchSharp 0.107's clip is one native call taking doubles: no Scalar to keep alive
                var norm = clipNorm is { } clip ? nn.utils.clip_grad_norm_(parameters, clip) : GlobalNorm();
                gradients?.Clipping(norm);
                if (!double.IsFinite(norm)) return UpdateOutcome.NonFiniteGradient;
                gradients?.BeforeStep();
                optimizer.Step(factor);
                gradients?.AfterStep();
                return UpdateOutcome.Stepped;
            }
            finally
            {
                optimizer.ZeroGrad();
                groupHasGradient = false;
            }
        }

        /// <summary>The L2 norm of every gradient together (what clipping measures), when nothing clips.</summary>
        private double GlobalNorm()
        {
            var norms = parameters.Where(p => p.grad is not null).Select(p => p.grad!.norm()).ToArray();
            return norms.Length == 0 ? 0 : stack(norms).norm().item<float>();
        }
    }
}
