using System.Numerics;

namespace DeepCoro.Runtime.Training
{
    /// <summary>
    /// One optimizer step's element-wise update over raw float32 memory: parameter, gradient and both moments read
    /// once and written once. Every operation is a single IEEE float32 operation in the order that
    /// <see cref="AdamOptimizer"/>'s per-tensor path applies its TorchSharp ops (a multiply, an add, a divide or a
    /// square root each, never fused), so both give the same bits whatever the vector width.
    /// </summary>
    internal static unsafe class AdamUpdate
    {
        /// <summary>The step's constants, each rounded once from double to float as torch rounds a Scalar.</summary>
        internal struct Coefficients
        {
            public bool AdamW, Rectified;
            public float Decay;        // AdamW: 1 - lr wd
            public float WeightDecay;  // RAdam: the L2 coefficient (0: none)
            public float Beta1, OneMinusBeta1, Beta2, OneMinusBeta2, Eps;
            public float BiasScale;    // AdamW: 1 / sqrt(bc2); RAdam: sqrt(bc2)
            public float Step;         // the signed step size
        }

        public static void Run(float* p, float* g, float* m, float* v, long n, in Coefficients c)
        {
            long i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var w = Vector<float>.Count;
                var decay = new Vector<float>(c.Decay);
                var wd = new Vector<float>(c.WeightDecay);
                var b1 = new Vector<float>(c.Beta1);
                var c1 = new Vector<float>(c.OneMinusBeta1);
                var b2 = new Vector<float>(c.Beta2);
                var c2 = new Vector<float>(c.OneMinusBeta2);
                var eps = new Vector<float>(c.Eps);
                var bias = new Vector<float>(c.BiasScale);
                var step = new Vector<float>(c.Step);
                for (; i <= n - w; i += w)
                {
                    var pv = Vector.Load(p + i);
                    var gv = Vector.Load(g + i);
                    if (c.AdamW) pv *= decay;
                    else if (c.WeightDecay != 0f) gv += pv * wd;
                    var mv = Vector.Load(m + i) * b1 + gv * c1;
                    var vv = Vector.Load(v + i) * b2 + gv * gv * c2;
                    mv.Store(m + i);
                    vv.Store(v + i);
                    if (c.AdamW) pv += mv / (Vector.SquareRoot(vv) * bias + eps) * step;
                    else if (c.Rectified) pv += mv * (Vector<float>.One / (Vector.SquareRoot(vv) + eps) * bias) * step;
                    else pv += mv * step;
                    pv.Store(p + i);
                }
            }
            for (; i < n; i++)
            {
                float pi = p[i], gi = g[i];
                if (c.AdamW) pi *= c.Decay;
                else if (c.WeightDecay != 0f) gi += pi * c.WeightDecay;
                var mi = m[i] * c.Beta1 + gi * c.OneMinusBeta1;
                var vi = v[i] * c.Beta2 + gi * gi * c.OneMinusBeta2;
                m[i] = mi;
                v[i] = vi;
                if (c.AdamW) pi += mi / (System.MathF.Sqrt(vi) * c.BiasScale + c.Eps) * c.Step;
                else if (c.Rectified) pi += mi * (1f / (System.MathF.Sqrt(vi) + c.Eps) * c.BiasScale) * c.Step;
                else pi += mi * c.Step;
                p[i] = pi;
            }
        }
    }
}
