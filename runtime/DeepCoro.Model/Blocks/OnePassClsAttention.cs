using System;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading.Tasks;
using DeepCoro.Runtime.Blocks.Simd;

namespace DeepCoro.Runtime.Blocks
{
    /// <summary>
    /// The cls row of the attention in one pass over the tokens, forward and backward, on raw float32 memory.
    /// Per row and head, with z_0 the cls token (always valid) and z_1..z_s the row's tokens: score_j = z_j . u_h +
    /// beta_h, a = softmax over the valid positions, k_j the dropout keep factor (1, or 0 or 1/(1-p)), and the output
    /// is [sum_j a_j k_j z_j, sum_j a_j k_j] (width + 1 columns: the last one carries the value bias's weight).
    /// Forward: flash attention's online softmax, blocks of tokens scored against every head, then the running
    /// maximum, normaliser and weighted sum rescaled once per block, so each token is read once.
    /// Backward: with g the output's gradient and D_h = g_h . out_h, the score gradient is a_j (k_j (g_h . z_j +
    /// g_h,last) - D_h), because sum_k a_k (dOut . z_k) = dOut . out; one more read of each token gives the
    /// gradients of u, beta, the cls token and (when asked) the tokens. Rows run in parallel; the parameter
    /// gradients are written per row and summed by the caller in a fixed order, so the result does not depend on the
    /// thread count.
    /// 16-bit tokens (<see cref="Buffers.X16"/>) are widened to float32 a block at a time into a per-row scratch
    /// of Block x width floats (in L1), then run through the same float32 arithmetic: the result equals the float32
    /// kernel's on the widened values, bit for bit, while each pass reads half the bytes. They get no gradient.
    /// </summary>
    internal static unsafe class OnePassClsAttention
    {
        /// <summary>Tokens scored together before the running sums are rescaled: a block of 512-wide tokens
        /// (16 KiB) stays in L1 while each head's accumulator passes over it.</summary>
        private const int Block = 8;

        /// <summary>Below this many multiply-adds a call stays on the calling thread.</summary>
        private const long ParallelWork = 1 << 16;

        /// <summary>One call's memory: every pointer is to a contiguous float32 (bool for Valid) buffer.</summary>
        internal struct Buffers
        {
            public int Rows, Tokens, Width, Heads, Threads;
            public float* X;          // [rows, tokens, width], or null with X16
            public ushort* X16;       // [rows, tokens, width] as float16 or bfloat16 bits, or null
            public bool BFloat16;     // X16 holds bfloat16 (else float16)
            public byte* Valid;       // [rows, tokens], or null when every token is valid
            public float* U;          // [heads, width]
            public float* Beta;       // [heads]
            public float* Cls;        // [width]
            public float* Keep;       // [rows, heads, 1 + tokens], or null without dropout
            public float* Out;        // [rows, heads, width + 1]
            public float* Scores;     // [rows, heads, tokens]: the raw scores, kept for the backward pass
            public float* Lse;        // [rows, heads]: log of the softmax's normaliser
            public float* GradOut;    // [rows, heads, width + 1]
            public float* GradX;      // [rows, tokens, width], zeroed; null when the tokens need no gradient (always with X16)
            public float* GradU;      // [rows, heads, width]: per-row parts
            public float* GradBeta;   // [rows, heads]: per-row parts
            public float* GradCls;    // [rows, width]: per-row parts
        }

        /// <summary>Which register width this CPU runs: "avx512", "avx2" or "scalar".</summary>
        public static string Lanes =>
            Wide ? "avx512" : Avx2Fma ? "avx2" : "scalar";

        private static bool Wide => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

        private static bool Avx2Fma => Vector256.IsHardwareAccelerated && Avx2.IsSupported && Fma.IsSupported;

        public static void Forward(Buffers b)
        {
            var clsScore = stackalloc float[b.Heads];
            Dots<LanesScalar, float>(b.Cls, b.U, b.Width, b.Heads, b.Width, clsScore);
            for (var h = 0; h < b.Heads; h++) clsScore[h] += b.Beta[h];
            var scores = (nint)clsScore;
            if (Wide) EachRow(b, (r, scratch) => ForwardRow<Lanes512, Vector512<float>>(b, (float*)scores, (float*)scratch, r));
            else if (Avx2Fma) EachRow(b, (r, scratch) => ForwardRow<Lanes256, Vector256<float>>(b, (float*)scores, (float*)scratch, r));
            else EachRow(b, (r, scratch) => ForwardRow<LanesScalar, float>(b, (float*)scores, (float*)scratch, r));
        }

        public static void Backward(Buffers b)
        {
            var clsScore = stackalloc float[b.Heads];
            Dots<LanesScalar, float>(b.Cls, b.U, b.Width, b.Heads, b.Width, clsScore);
            for (var h = 0; h < b.Heads; h++) clsScore[h] += b.Beta[h];
            var scores = (nint)clsScore;
            if (Wide) EachRow(b, (r, scratch) => BackwardRow<Lanes512, Vector512<float>>(b, (float*)scores, (float*)scratch, r));
            else if (Avx2Fma) EachRow(b, (r, scratch) => BackwardRow<Lanes256, Vector256<float>>(b, (float*)scores, (float*)scratch, r));
            else EachRow(b, (r, scratch) => BackwardRow<LanesScalar, float>(b, (float*)scores, (float*)scratch, r));
        }

        /// <summary>Runs row(r, scratch) for every row; with 16-bit tokens each thread gets its own scratch of
        /// Block x width floats to widen a block into (else scratch is 0).</summary>
        private static void EachRow(Buffers b, Action<int, nint> row)
        {
            var work = (long)b.Rows * b.Tokens * b.Width * b.Heads;
            nint Scratch() => b.X16 == null ? 0 : (nint)NativeMemory.AlignedAlloc((nuint)(Block * b.Width * sizeof(float)), 64);
            void Free(nint scratch)
            {
                if (scratch != 0) NativeMemory.AlignedFree((void*)scratch);
            }
            if (b.Threads <= 1 || b.Rows == 1 || work < ParallelWork)
            {
                var scratch = Scratch();
                try
                {
                    for (var r = 0; r < b.Rows; r++) row(r, scratch);
                }
                finally { Free(scratch); }
            }
            else
            {
                Parallel.For(0, b.Rows, new ParallelOptions { MaxDegreeOfParallelism = b.Threads }, Scratch,
                    (r, _, scratch) => { row(r, scratch); return scratch; }, Free);
            }
        }

        private static void ForwardRow<TL, TV>(Buffers b, float* clsScore, float* scratch, int r)
            where TL : struct, ILanes<TV> where TV : struct
        {
            int s = b.Tokens, w = b.Width, heads = b.Heads, stride = w + 1;
            var x = b.X == null ? null : b.X + (long)r * s * w;
            var x16 = b.X16 == null ? null : b.X16 + (long)r * s * w;
            var valid = b.Valid == null ? null : b.Valid + (long)r * s;
            var keep = b.Keep == null ? null : b.Keep + (long)r * heads * (s + 1);
            var outRow = b.Out + (long)r * heads * stride;
            var scores = b.Scores + (long)r * heads * s;
            var max = stackalloc float[heads];
            var norm = stackalloc float[heads];
            var kept = stackalloc float[heads];
            var blockScores = stackalloc float[Block * heads];
            var weights = stackalloc float[Block];
            var tokens = stackalloc float*[Block];
            var index = stackalloc int[Block];

            // the cls position starts every head's running sums
            for (var h = 0; h < heads; h++)
            {
                var k0 = keep == null ? 1f : keep[h * (s + 1)];
                max[h] = clsScore[h];
                norm[h] = 1f;
                kept[h] = k0;
                var acc = outRow + h * stride;
                for (var i = 0; i < w; i++) acc[i] = k0 * b.Cls[i];
            }

            for (int from = 0, n; (n = NextBlock(b, x, x16, valid, scratch, ref from, tokens, index)) > 0;)
            {
                for (var t = 0; t < n; t++)
                {
                    Dots<TL, TV>(tokens[t], b.U, w, heads, w, blockScores + t * heads);
                    for (var h = 0; h < heads; h++)
                    {
                        var score = blockScores[t * heads + h] + b.Beta[h];
                        blockScores[t * heads + h] = score;
                        scores[h * s + index[t]] = score;
                    }
                }
                for (var h = 0; h < heads; h++)
                {
                    var next = max[h];
                    for (var t = 0; t < n; t++) next = MathF.Max(next, blockScores[t * heads + h]);
                    float rescale = MathF.Exp(max[h] - next), sum = 0f, keptSum = 0f;
                    for (var t = 0; t < n; t++)
                    {
                        var p = MathF.Exp(blockScores[t * heads + h] - next);
                        var q = keep == null ? p : p * keep[h * (s + 1) + 1 + index[t]];
                        sum += p;
                        keptSum += q;
                        weights[t] = q;
                    }
                    norm[h] = norm[h] * rescale + sum;
                    kept[h] = kept[h] * rescale + keptSum;
                    max[h] = next;
                    Accumulate<TL, TV>(outRow + h * stride, rescale, tokens, weights, 1, n, w);
                }
            }

            for (var h = 0; h < heads; h++)
            {
                var inverse = 1f / norm[h];
                var acc = outRow + h * stride;
                Accumulate<TL, TV>(acc, inverse, tokens, weights, 1, 0, w);
                acc[w] = kept[h] * inverse;
                b.Lse[(long)r * heads + h] = max[h] + MathF.Log(norm[h]);
            }
        }

        /// <summary>The row's next block: up to Block valid tokens from <paramref name="next"/> on (masked ones are
        /// skipped, never read), their pointers and positions; returns how many, 0 past the row's end.</summary>
        private static int NextBlock(Buffers b, float* x, ushort* x16, byte* valid, float* scratch, ref int next, float** tokens, int* index)
        {
            var n = 0;
            for (; next < b.Tokens && n < Block; next++)
            {
                if (valid != null && valid[next] == 0) continue;
                index[n] = next;
                tokens[n] = Token(b.BFloat16, x, x16, scratch, next, n, b.Width);
                n++;
            }
            return n;
        }

        /// <summary>Token j of a row: its float32 memory, or its 16-bit values widened into slot n of the
        /// block's scratch.</summary>
        private static float* Token(bool bfloat, float* x, ushort* x16, float* scratch, int j, int n, int w)
        {
            if (x16 == null) return x + (long)j * w;
            var slot = scratch + (long)n * w;
            if (bfloat) Widen.BFloat16(x16 + (long)j * w, slot, w);
            else Widen.Float16(x16 + (long)j * w, slot, w);
            return slot;
        }

        private static void BackwardRow<TL, TV>(Buffers b, float* clsScore, float* scratch, int r)
            where TL : struct, ILanes<TV> where TV : struct
        {
            int s = b.Tokens, w = b.Width, heads = b.Heads, stride = w + 1;
            var x = b.X == null ? null : b.X + (long)r * s * w;
            var x16 = b.X16 == null ? null : b.X16 + (long)r * s * w;
            var valid = b.Valid == null ? null : b.Valid + (long)r * s;
            var keep = b.Keep == null ? null : b.Keep + (long)r * heads * (s + 1);
            var outRow = b.Out + (long)r * heads * stride;
            var g = b.GradOut + (long)r * heads * stride;
            var scores = b.Scores + (long)r * heads * s;
            var lse = b.Lse + (long)r * heads;
            var gradU = b.GradU + (long)r * heads * w;
            var gradBeta = b.GradBeta + (long)r * heads;
            var gradCls = b.GradCls + (long)r * w;
            var gradX = b.GradX == null ? null : b.GradX + (long)r * s * w;
            var d = stackalloc float[heads];
            var gz = stackalloc float[Block * heads];
            var dScore = stackalloc float[heads * Block];   // [h, t]
            var weight = stackalloc float[heads * Block];   // [h, t]: a k, the value weights
            var tokens = stackalloc float*[Block];
            var index = stackalloc int[Block];
            var pair = stackalloc float[2];
            var clsAndGrad = stackalloc float*[2];

            for (var i = 0; i < w; i++) gradCls[i] = 0f;
            for (var h = 0; h < heads; h++)
            {
                float* gh = g + h * stride, oh = outRow + h * stride, uh = b.U + h * w;
                d[h] = Dot<TL, TV>(gh, oh, w) + gh[w] * oh[w];
                var a0 = MathF.Exp(clsScore[h] - lse[h]);
                var k0 = keep == null ? 1f : keep[h * (s + 1)];
                var d0 = a0 * (k0 * (Dot<TL, TV>(gh, b.Cls, w) + gh[w]) - d[h]);
                gradBeta[h] = d0;
                var gu = gradU + h * w;
                for (var i = 0; i < w; i++) gu[i] = d0 * b.Cls[i];
                // the cls token's gradient: through its score (d0 u_h) and as a value (a0 k0 g_h)
                clsAndGrad[0] = uh;
                clsAndGrad[1] = gh;
                pair[0] = d0;
                pair[1] = a0 * k0;
                Accumulate<TL, TV>(gradCls, 1f, clsAndGrad, pair, 1, 2, w);
            }

            for (int from = 0, n; (n = NextBlock(b, x, x16, valid, scratch, ref from, tokens, index)) > 0;)
            {
                for (var t = 0; t < n; t++) Dots<TL, TV>(tokens[t], g, stride, heads, w, gz + t * heads);
                for (var h = 0; h < heads; h++)
                {
                    float last = g[h * stride + w], sum = 0f;
                    for (var t = 0; t < n; t++)
                    {
                        var a = MathF.Exp(scores[h * s + index[t]] - lse[h]);
                        var k = keep == null ? 1f : keep[h * (s + 1) + 1 + index[t]];
                        var ds = a * (k * (gz[t * heads + h] + last) - d[h]);
                        dScore[h * Block + t] = ds;
                        weight[h * Block + t] = a * k;
                        sum += ds;
                    }
                    gradBeta[h] += sum;
                    Accumulate<TL, TV>(gradU + h * w, 1f, tokens, dScore + h * Block, 1, n, w);
                }
                if (gradX != null)
                {
                    for (var t = 0; t < n; t++)
                        Combine<TL, TV>(gradX + (long)index[t] * w, b.U, g, stride, dScore + t, weight + t, heads, w);
                }
            }
        }

        /// <summary>result[h] = z . v_h for the count vectors v_h = vectors + h * vectorStride, four at a time so
        /// that each chunk of z is loaded once for four heads.</summary>
        private static void Dots<TL, TV>(float* z, float* vectors, int vectorStride, int count, int w, float* result)
            where TL : struct, ILanes<TV> where TV : struct
        {
            int h = 0, c = TL.Count;
            for (; h + 4 <= count; h += 4)
            {
                float* v0 = vectors + (long)h * vectorStride, v1 = v0 + vectorStride, v2 = v1 + vectorStride, v3 = v2 + vectorStride;
                TV a0 = TL.Zero, a1 = TL.Zero, a2 = TL.Zero, a3 = TL.Zero;
                var i = 0;
                for (; i <= w - c; i += c)
                {
                    var zi = TL.Load(z + i);
                    a0 = TL.MulAdd(zi, TL.Load(v0 + i), a0);
                    a1 = TL.MulAdd(zi, TL.Load(v1 + i), a1);
                    a2 = TL.MulAdd(zi, TL.Load(v2 + i), a2);
                    a3 = TL.MulAdd(zi, TL.Load(v3 + i), a3);
                }
                float s0 = TL.Sum(a0), s1 = TL.Sum(a1), s2 = TL.Sum(a2), s3 = TL.Sum(a3);
                for (; i < w; i++)
                {
                    s0 += z[i] * v0[i];
                    s1 += z[i] * v1[i];
                    s2 += z[i] * v2[i];
                    s3 += z[i] * v3[i];
                }
                result[h] = s0;
                result[h + 1] = s1;
                result[h + 2] = s2;
                result[h + 3] = s3;
            }
            for (; h < count; h++) result[h] = Dot<TL, TV>(z, vectors + (long)h * vectorStride, w);
        }

        private static float Dot<TL, TV>(float* a, float* b, int w)
            where TL : struct, ILanes<TV> where TV : struct
        {
            int i = 0, c = TL.Count;
            var acc = TL.Zero;
            for (; i <= w - c; i += c) acc = TL.MulAdd(TL.Load(a + i), TL.Load(b + i), acc);
            var sum = TL.Sum(acc);
            for (; i < w; i++) sum += a[i] * b[i];
            return sum;
        }

        /// <summary>acc = acc * scale + sum_t weights[t * weightStride] z_t over n vectors, one read and one write
        /// of acc for the whole block.</summary>
        private static void Accumulate<TL, TV>(float* acc, float scale, float** z, float* weights, int weightStride, int n, int w)
            where TL : struct, ILanes<TV> where TV : struct
        {
            int i = 0, c = TL.Count;
            var sv = TL.Splat(scale);
            for (; i <= w - c; i += c)
            {
                var v = TL.Mul(TL.Load(acc + i), sv);
                for (var t = 0; t < n; t++) v = TL.MulAdd(TL.Splat(weights[t * weightStride]), TL.Load(z[t] + i), v);
                TL.Store(acc + i, v);
            }
            for (; i < w; i++)
            {
                var v = acc[i] * scale;
                for (var t = 0; t < n; t++) v += weights[t * weightStride] * z[t][i];
                acc[i] = v;
            }
        }

        /// <summary>A token's gradient: sum_h dScore_h u_h + weight_h g_h (the score and value paths), written
        /// once; dScore and weight are [h, t] blocks read at stride Block.</summary>
        private static void Combine<TL, TV>(float* dst, float* u, float* g, int gStride, float* dScore, float* weight, int heads, int w)
            where TL : struct, ILanes<TV> where TV : struct
        {
            int i = 0, c = TL.Count;
            for (; i <= w - c; i += c)
            {
                var v = TL.Zero;
                for (var h = 0; h < heads; h++)
                {
                    v = TL.MulAdd(TL.Splat(dScore[h * Block]), TL.Load(u + (long)h * w + i), v);
                    v = TL.MulAdd(TL.Splat(weight[h * Block]), TL.Load(g + (long)h * gStride + i), v);
                }
                TL.Store(dst + i, v);
            }
            for (; i < w; i++)
            {
                var v = 0f;
                for (var h = 0; h < heads; h++) v += dScore[h * Block] * u[(long)h * w + i] + weight[h * Block] * g[(long)h * gStride + i];
                dst[i] = v;
            }
        }
    }
}
