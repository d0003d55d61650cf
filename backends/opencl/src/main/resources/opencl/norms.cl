// Row normalisations (contracts: io.paligemma4j.kernels.ref.Norms), one work-group of WG items per
// row, statistics in float32 through a local-memory tree. Output row r reads input row inRow0 + r;
// x and out may be the same buffer.

/** LayerNorm: (x − mean)·rsqrt(var + eps)·gamma + beta, var the mean of (x − mean)². */
__kernel void layer_norm(__global const float* x, __global const ushort* gamma, __global const ushort* beta, int fmt,
                         __global float* out, int dim, float eps) {
    __local float part[WG];
    int r = get_group_id(0);
    int t = get_local_id(0);
    __global const float* in = x + (long) r * dim;
    float s = 0.0f;
    for (int i = t; i < dim; i += WG) {
        s += in[i];
    }
    float mean = group_sum(part, s, WG) / dim;
    float v = 0.0f;
    for (int i = t; i < dim; i += WG) {
        float d = in[i] - mean;
        v += d * d;
    }
    float inv = 1.0f / sqrt(group_sum(part, v, WG) / dim + eps);
    for (int i = t; i < dim; i += WG) {
        out[(long) r * dim + i] = (in[i] - mean) * inv * load_w(gamma, i, fmt) + load_w(beta, i, fmt);
    }
}

/** RMSNorm (Gemma): x·rsqrt(mean(x²) + eps)·(1 + w). */
__kernel void rms_norm(__global const float* x, int inRow0, __global const ushort* w, int fmt, __global float* out,
                       int dim, float eps) {
    __local float part[WG];
    int r = get_group_id(0);
    int t = get_local_id(0);
    __global const float* in = x + (long) (inRow0 + r) * dim;
    float s = 0.0f;
    for (int i = t; i < dim; i += WG) {
        float v = in[i];
        s += v * v;
    }
    float inv = 1.0f / sqrt(group_sum(part, s, WG) / dim + eps);
    for (int i = t; i < dim; i += WG) {
        out[(long) r * dim + i] = in[i] * inv * (1.0f + load_w(w, i, fmt));
    }
}
