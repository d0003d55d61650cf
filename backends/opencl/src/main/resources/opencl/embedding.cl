// Inputs into activation rows (contracts: io.paligemma4j.kernels.ref.Embedding).

/** out[row0 + r, :] = table[ids[r], :]·scale for r < n; the ids were range-checked on the host. */
__kernel void lookup(__global const ushort* table, int fmt, __global const int* ids, __global float* out, int row0,
                     int n, int dim, float scale) {
    long id = get_global_id(0);
    if (id >= (long) n * dim) {
        return;
    }
    int r = id / dim;
    int i = id % dim;
    out[(long) (row0 + r) * dim + i] = load_w(table, (long) ids[r] * dim + i, fmt) * scale;
}

/**
 * SigLIP's patch embedding: Conv2d with kernel = stride = patch over pixels [C, S, S], plus bias,
 * plus the position embedding. One work-item per (patch, output channel); the C·P·P products are
 * summed in (c, ky, kx) order, the flattened weight's.
 */
__kernel void patch_embed(__global const float* pixels, int imageSize, int patch, int channels,
                          __global const ushort* w, __global const ushort* bias, __global const ushort* pos, int fmtW,
                          int fmtB, int fmtP, __global float* out, int dim) {
    int g = imageSize / patch;
    long id = get_global_id(0);
    if (id >= (long) g * g * dim) {
        return;
    }
    int p = id / dim;
    int o = id % dim;
    int py = (p / g) * patch;
    int px = (p % g) * patch;
    int k = channels * patch * patch;
    float s = 0.0f;
    for (int j = 0; j < k; j++) {
        int ch = j / (patch * patch);
        int ky = (j / patch) % patch;
        int kx = j % patch;
        s += pixels[(ch * imageSize + py + ky) * imageSize + px + kx] * load_w(w, (long) o * k + j, fmtW);
    }
    out[id] = s + load_w(bias, o, fmtB) + load_w(pos, id, fmtP);
}
