// Linear layers (contract: io.paligemma4j.kernels.ref.Matmul): out[r, c] = Σ_k x[r, k]·W[c, k] (+ bias[c]).
// x is [rows, in] float32, W is [cols, in] and the bias [cols] as stored. TS (tile edge) and WPT (rows per work-item)
// come from the host, sized from the device's limits.

/**
 * Tiled GEMM: a work-group computes a TS×TS tile of out; each work-item WPT rows of one column.
 * Global (roundUp(cols, TS), roundUp(rows, TS) / WPT), local (TS, TS / WPT). Each output sums k
 * in index order. Row r is written to out row outRow0 + r (the KV cache's position).
 */
__kernel void gemm(__global const float* x, __global const ushort* w, int fmt, __global const ushort* bias,
                   int fmtBias, int hasBias, __global float* out, int rows, int in, int cols, int outRow0) {
    __local float xs[TS][TS + 1];
    __local float ws[TS][TS + 1];
    const int RT = TS / WPT;
    int tc = get_local_id(0);
    int tr = get_local_id(1);
    int c0 = get_group_id(0) * TS;
    int r0 = get_group_id(1) * TS;
    float acc[WPT];
    for (int i = 0; i < WPT; i++) {
        acc[i] = 0.0f;
    }
    for (int k0 = 0; k0 < in; k0 += TS) {
        int k = k0 + tc;
        for (int i = 0; i < WPT; i++) {
            int rr = tr + i * RT;
            int r = r0 + rr;
            int c = c0 + rr;
            xs[rr][tc] = (r < rows && k < in) ? x[(long) r * in + k] : 0.0f;
            ws[rr][tc] = (c < cols && k < in) ? load_w(w, (long) c * in + k, fmt) : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        int kn = min(TS, in - k0);
        for (int kk = 0; kk < kn; kk++) {
            float wv = ws[tc][kk];
            for (int i = 0; i < WPT; i++) {
                acc[i] += xs[tr + i * RT][kk] * wv;
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    int c = c0 + tc;
    for (int i = 0; i < WPT; i++) {
        int r = r0 + tr + i * RT;
        if (r < rows && c < cols) {
            out[(long) (outRow0 + r) * cols + c] = hasBias ? acc[i] + load_w(bias, c, fmtBias) : acc[i];
        }
    }
}

/** Prefill's gate and up projections in one GEMM, fused with GeGLU: out = gelu_tanh(x·Wgᵀ)·(x·Wuᵀ). */
__kernel void gemm_gate_up(__global const float* x, __global const ushort* wg, __global const ushort* wu, int fmt,
                           __global float* out, int rows, int in, int cols) {
    __local float xs[TS][TS + 1];
    __local float gs[TS][TS + 1];
    __local float us[TS][TS + 1];
    const int RT = TS / WPT;
    int tc = get_local_id(0);
    int tr = get_local_id(1);
    int c0 = get_group_id(0) * TS;
    int r0 = get_group_id(1) * TS;
    float ag[WPT];
    float au[WPT];
    for (int i = 0; i < WPT; i++) {
        ag[i] = 0.0f;
        au[i] = 0.0f;
    }
    for (int k0 = 0; k0 < in; k0 += TS) {
        int k = k0 + tc;
        for (int i = 0; i < WPT; i++) {
            int rr = tr + i * RT;
            int r = r0 + rr;
            int c = c0 + rr;
            bool wok = c < cols && k < in;
            xs[rr][tc] = (r < rows && k < in) ? x[(long) r * in + k] : 0.0f;
            gs[rr][tc] = wok ? load_w(wg, (long) c * in + k, fmt) : 0.0f;
            us[rr][tc] = wok ? load_w(wu, (long) c * in + k, fmt) : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        int kn = min(TS, in - k0);
        for (int kk = 0; kk < kn; kk++) {
            float g = gs[tc][kk];
            float u = us[tc][kk];
            for (int i = 0; i < WPT; i++) {
                float xv = xs[tr + i * RT][kk];
                ag[i] += xv * g;
                au[i] += xv * u;
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    int c = c0 + tc;
    for (int i = 0; i < WPT; i++) {
        int r = r0 + tr + i * RT;
        if (r < rows && c < cols) {
            out[(long) r * cols + c] = gelu(ag[i]) * au[i];
        }
    }
}

/** Eight consecutive weights from 16 bytes (F32: 32 bytes), k a multiple of 8. */
inline float8 load_w8(__global const ushort* w, long i, int fmt) {
    if (fmt == FMT_BF16) {
        uint8 b = convert_uint8(vload8(0, w + i));
        return as_float8(b << 16);
    }
    if (fmt == FMT_F16) {
        ushort8 h = vload8(0, w + i);
        return (float8) (f16_to_f32(h.s0), f16_to_f32(h.s1), f16_to_f32(h.s2), f16_to_f32(h.s3),
                         f16_to_f32(h.s4), f16_to_f32(h.s5), f16_to_f32(h.s6), f16_to_f32(h.s7));
    }
    return vload8(0, (__global const float*) w + i);
}

inline float dot8(float8 a, float8 b) {
    float8 p = a * b;
    return ((p.s0 + p.s1) + (p.s2 + p.s3)) + ((p.s4 + p.s5) + (p.s6 + p.s7));
}

/** One row's dot with weight row c by a work-group of WG items, 16-byte weight loads. */
inline float row_dot(__global const float* x, __global const ushort* w, long base, int in, int fmt,
                     __local float* part) {
    int t = get_local_id(0);
    float s = 0.0f;
    int k = t * 8;
    for (; k + 8 <= in; k += WG * 8) {
        s += dot8(vload8(0, x + k), load_w8(w, base + k, fmt));
    }
    // The tail (in not a multiple of 8) element by element.
    for (int j = (in / 8) * 8 + t; j < in; j += WG) {
        s += x[j] * load_w(w, base + j, fmt);
    }
    return group_sum(part, s, WG);
}

/**
 * GEMV for one row (decode): work-group g computes output column g; global (cols·WG), local (WG).
 * The result goes to out row outRow.
 */
__kernel void gemv(__global const float* x, __global const ushort* w, int fmt, __global const ushort* bias,
                   int fmtBias, int hasBias, __global float* out, int in, int cols, int outRow) {
    __local float part[WG];
    int c = get_group_id(0);
    float v = row_dot(x, w, (long) c * in, in, fmt, part);
    if (get_local_id(0) == 0) {
        out[(long) outRow * cols + c] = hasBias ? v + load_w(bias, c, fmtBias) : v;
    }
}

/** Decode's gate/up GEMVs fused with GeGLU: out[c] = gelu_tanh(x·Wg[c])·(x·Wu[c]). */
__kernel void gemv_gate_up(__global const float* x, __global const ushort* wg, __global const ushort* wu, int fmt,
                           __global float* out, int in, int cols) {
    __local float part[WG];
    int c = get_group_id(0);
    float g = row_dot(x, wg, (long) c * in, in, fmt, part);
    float u = row_dot(x, wu, (long) c * in, in, fmt, part);
    if (get_local_id(0) == 0) {
        out[c] = gelu(g) * u;
    }
}
