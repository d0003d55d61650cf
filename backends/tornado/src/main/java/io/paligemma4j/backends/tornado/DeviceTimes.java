package io.paligemma4j.backends.tornado;

import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.TornadoProfilerResult;

/**
 * TornadoVM profiler figures summed over graph runs, in nanoseconds: device kernel time, transfer
 * time, bytes moved each way; and the kernel launches the runs made. Zero unless the plan runs
 * with the profiler.
 */
public final class DeviceTimes {
    private long kernelNs;
    private long transferNs;
    private long compileNs;
    private long bytesIn;
    private long bytesOut;
    private long launches;

    void add(TornadoExecutionResult r) {
        TornadoProfilerResult p = r.getProfilerResult();
        if (p == null) {
            return;
        }
        kernelNs += Math.max(0, p.getDeviceKernelTime());
        transferNs += Math.max(0, p.getDataTransfersTime());
        compileNs += Math.max(0, p.getCompileTime());
        bytesIn += Math.max(0, p.getTotalBytesCopyIn());
        bytesOut += Math.max(0, p.getTotalBytesCopyOut());
    }

    /** An on-demand copy to the host, which the run's profile does not count. */
    void addBytesOut(long bytes) {
        bytesOut += bytes;
    }

    void addLaunches(long n) {
        launches += n;
    }

    DeviceTimes take() {
        DeviceTimes t = new DeviceTimes();
        t.kernelNs = kernelNs;
        t.transferNs = transferNs;
        t.compileNs = compileNs;
        t.bytesIn = bytesIn;
        t.bytesOut = bytesOut;
        t.launches = launches;
        kernelNs = transferNs = compileNs = bytesIn = bytesOut = launches = 0;
        return t;
    }

    public long kernelNs() {
        return kernelNs;
    }

    public long transferNs() {
        return transferNs;
    }

    public long compileNs() {
        return compileNs;
    }

    public long bytesIn() {
        return bytesIn;
    }

    public long bytesOut() {
        return bytesOut;
    }

    public long launches() {
        return launches;
    }
}
