package io.paligemma4j.backends.tornado;

import uk.ac.manchester.tornado.api.enums.TornadoVMBackendType;
import uk.ac.manchester.tornado.api.math.TornadoMath;

/**
 * The transcendental functions the kernels share, chosen per TornadoVM backend in this one place.
 * TornadoVM's PTX backend lowers {@code TornadoMath.tanh} to {@code tanh.approx.f32} (about 5e-4
 * relative error) whatever the build options say, far outside the parity tolerances; there tanh
 * comes from exp instead (within 2.2 ulp of the true value with a correctly rounded exp, a few ulp
 * more with PTX's {@code ex2.approx}). OpenCL (strict build, ≤ 5 ulp) and CUDA (NVRTC without
 * fast-math) keep their own. {@code -Dpaligemma.tornado.tanh=exp|native} overrides the choice.
 * The choice is a static final, folded into each kernel when TornadoVM compiles it.
 */
public final class DeviceMath {
    /** Whether tanh comes from exp on this run's device. */
    public static final boolean TANH_FROM_EXP = tanhFromExpOnDefaultDevice();

    private DeviceMath() {}

    private static boolean tanhFromExpOnDefaultDevice() {
        String forced = System.getProperty("paligemma.tornado.tanh", "");
        return switch (forced) {
            case "exp" -> true;
            case "native" -> false;
            case "" -> TornadoDevices.defaultDevice().getTornadoVMBackend() == TornadoVMBackendType.PTX;
            default -> throw new IllegalArgumentException("paligemma.tornado.tanh is exp or native, not " + forced);
        };
    }

    /** tanh by the backend's choice; one return, no loop (the helper shape TornadoVM's CUDA backend compiles). */
    public static float tanh(float x) {
        float r;
        if (TANH_FROM_EXP) {
            r = tanhFromExp(x);
        } else {
            r = TornadoMath.tanh(x);
        }
        return r;
    }

    /**
     * tanh from exp: below 0.3 its Taylor series to x^13 (the next term is under 2^-30 of the
     * value), else (1 − e)/(1 + e) with e = exp(−2|x|) ≤ 1, which neither overflows nor cancels there.
     */
    public static float tanhFromExp(float x) {
        float a = TornadoMath.abs(x);
        float r;
        if (a < 0.3f) {
            float z = x * x;
            r = x * (1f + z * (-1f / 3f + z * (2f / 15f + z * (-17f / 315f + z * (62f / 2835f
                    + z * (-1382f / 155925f + z * (21844f / 6081075f)))))));
        } else {
            float e = TornadoMath.exp(-2f * a);
            float t = (1f - e) / (1f + e);
            r = x < 0f ? -t : t;
        }
        return r;
    }
}
