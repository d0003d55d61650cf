package io.paligemma4j.backends.cpu;

import java.util.Locale;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector width every kernel of this JVM runs at: the JVM's preferred float species, or the one
 * {@code -Dpaligemma.vector.bits=N} names (64, 128, 256, 512, or the widest the JVM has, e.g. an
 * SVE length). A width wider than the hardware is correct but emulated, hence slow; tests use it to
 * run every kernel at every width on any machine.
 *
 * <p>The width is fixed per JVM, not a parameter, because C2 compiles Vector API calls to
 * instructions only when the species is a constant: the same dot product with the species passed
 * as a value measured 12x slower here, even with one species in use.
 */
public final class VectorWidth {
    public static final String PROPERTY = "paligemma.vector.bits";

    private static final String PROBLEM;
    static final VectorSpecies<Float> F;

    static {
        String p = System.getProperty(PROPERTY);
        VectorSpecies<Float> f = FloatVector.SPECIES_PREFERRED;
        String problem = null;
        if (p != null && !p.isBlank()) {
            try {
                f = species(Integer.parseInt(p.trim()));
            } catch (IllegalArgumentException e) {
                problem = "-D" + PROPERTY + "=" + p + " is not a vector width: use 64, 128, 256, 512"
                        + (isStandard(FloatVector.SPECIES_MAX.vectorBitSize()) ? "" : " or " + hardwareBits());
            }
        }
        F = f;
        PROBLEM = problem;
    }

    private VectorWidth() {}

    private static boolean isStandard(int bits) {
        return bits == 64 || bits == 128 || bits == 256 || bits == 512;
    }

    private static VectorSpecies<Float> species(int bits) {
        if (bits == FloatVector.SPECIES_MAX.vectorBitSize()) {
            return FloatVector.SPECIES_MAX;
        }
        if (!isStandard(bits)) {
            throw new IllegalArgumentException("not a width: " + bits);
        }
        return VectorSpecies.of(float.class, VectorShape.forBitSize(bits));
    }

    /** Null when the width is usable; otherwise one line saying what is wrong with the setting. */
    public static String problem() {
        return PROBLEM;
    }

    /** Bits per vector the kernels use. */
    public static int bits() {
        return F.vectorBitSize();
    }

    /** Floats per vector the kernels use. */
    public static int lanes() {
        return F.length();
    }

    /** The widest vector this JVM compiles to instructions (the hardware's, unless -XX:MaxVectorSize caps it). */
    public static int hardwareBits() {
        return FloatVector.SPECIES_MAX.vectorBitSize();
    }

    /** True when the kernels' width exceeds what the JVM can compile, so every vector op is emulated. */
    public static boolean emulated() {
        return bits() > hardwareBits();
    }

    /**
     * Vector registers the micro-kernels may keep live: 32 with AVX-512 (a 512-bit species implies
     * it on x86), on AArch64 (NEON, SVE) and RISC-V; 16 with AVX/AVX2.
     */
    static int registers() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        boolean x86 = arch.equals("amd64") || arch.equals("x86_64") || arch.equals("x86");
        return x86 && bits() < 512 ? 16 : 32;
    }

    /** One line for {@code devices}: the width used, and the hardware's when they differ. */
    public static String describe() {
        String s = bits() + "-bit vectors (" + lanes() + " floats)";
        if (emulated()) {
            s += ", emulated: this JVM compiles at most " + hardwareBits() + "-bit vectors, so this is slow";
        } else if (bits() < hardwareBits()) {
            s += ", of " + hardwareBits() + " available";
        }
        return s;
    }
}
