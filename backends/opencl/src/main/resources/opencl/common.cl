// Shared by every family: strict IEEE arithmetic (no contraction into fma, so products round as the
// reference's do), and weights decoded from their stored bits. PoCL has no half type, so F16 is
// decoded with integer operations; the results are exact for every bit pattern.
#pragma OPENCL FP_CONTRACT OFF

#define FMT_BF16 0
#define FMT_F16 1
#define FMT_F32 2

inline float f16_to_f32(uint h) {
    uint s = (h & 0x8000u) << 16;
    uint e = (h >> 10) & 0x1fu;
    uint m = h & 0x3ffu;
    if (e == 0u) {
        float v = (float) m * 5.9604644775390625e-8f; // m · 2^-24, exact
        return as_float(as_uint(v) | s);
    }
    if (e == 31u) {
        return as_float(s | 0x7f800000u | (m << 13));
    }
    return as_float(s | ((e + 112u) << 23) | (m << 13));
}

/** Element i of a weight stored as fmt (F32 as two little-endian 16-bit halves). */
inline float load_w(__global const ushort* w, long i, int fmt) {
    if (fmt == FMT_BF16) {
        return as_float(((uint) w[i]) << 16);
    }
    if (fmt == FMT_F16) {
        return f16_to_f32(w[i]);
    }
    return as_float((uint) w[2 * i] | ((uint) w[2 * i + 1] << 16));
}

/** Sum of v over the work-group (size n, a power of two), through local memory; every item gets it. */
inline float group_sum(__local float* part, float v, int n) {
    int t = get_local_id(0);
    part[t] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int span = n / 2; span > 0; span >>= 1) {
        if (t < span) {
            part[t] += part[t + span];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float s = part[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return s;
}

inline float group_max(__local float* part, float v, int n) {
    int t = get_local_id(0);
    part[t] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int span = n / 2; span > 0; span >>= 1) {
        if (t < span) {
            part[t] = fmax(part[t], part[t + span]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float s = part[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return s;
}

/** gelu_tanh with the reference's constants. */
inline float gelu(float x) {
    return 0.5f * x * (1.0f + tanh(0.7978845608f * (x + 0.044715f * x * x * x)));
}
