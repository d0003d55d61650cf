// Half-split RoPE in place (contract: io.paligemma4j.kernels.ref.Rope). Angles come from a
// [positions, headDim/2] cos/sin table the host fills once in float64 (the reference's values),
// so no transcendental runs on the device. Pass row r is at position pos0 + r and sits at buffer
// row rowBase + r (rowBase = pos0 for keys written into the KV cache, else 0).
__kernel void rope(__global float* x, __global const float* cosT, __global const float* sinT, int rows, int heads,
                   int headDim, int pos0, int rowBase) {
    int halfDim = headDim / 2;
    long id = get_global_id(0);
    int perRow = heads * halfDim;
    if (id >= (long) rows * perRow) {
        return;
    }
    int r = id / perRow;
    int h = (id % perRow) / halfDim;
    int i = id % halfDim;
    int pos = pos0 + r;
    long base = ((long) (rowBase + r) * heads + h) * headDim;
    float c = cosT[pos * halfDim + i];
    float s = sinT[pos * halfDim + i];
    float a = x[base + i];
    float b = x[base + halfDim + i];
    x[base + i] = a * c - b * s;
    x[base + halfDim + i] = b * c + a * s;
}
