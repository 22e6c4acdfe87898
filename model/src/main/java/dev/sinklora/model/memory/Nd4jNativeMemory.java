package dev.sinklora.model.memory;

import java.lang.reflect.Method;

/**
 * ND4J's own count of the bytes its arrays hold natively right now (libnd4j's memory counter for
 * device 0: host memory on the CPU backend, device memory on CUDA). ND4J 1.0.0-M2.1 allocates CPU
 * arrays outside JavaCPP's accounting ({@code Pointer.totalBytes()} stays near 0), so this counter
 * is the only direct measure of its off-heap use. Read through the backend's bindings by reflection,
 * since the class depends on the backend on the classpath.
 */
public final class Nd4jNativeMemory {

    private static final String[] ENVIRONMENTS = {
            "org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment",
            "org.nd4j.linalg.jcublas.bindings.Nd4jCuda$Environment"};
    private static final Object ENVIRONMENT;
    private static final Method COUNTER;

    static {
        Object env = null;
        Method counter = null;
        for (String name : ENVIRONMENTS) {
            try {
                Class<?> c = Class.forName(name);
                env = c.getMethod("getInstance").invoke(null);
                counter = c.getMethod("getDeviceCounter", int.class);
                break;
            } catch (ReflectiveOperationException | LinkageError e) {
                // not this backend
            }
        }
        ENVIRONMENT = env;
        COUNTER = counter;
    }

    private Nd4jNativeMemory() {
    }

    public static boolean available() {
        return COUNTER != null;
    }

    /** Bytes ND4J holds natively now, or -1 when the backend does not expose its counter. */
    public static long allocatedBytes() {
        if (COUNTER == null) {
            return -1;
        }
        try {
            return (Long) COUNTER.invoke(ENVIRONMENT, 0);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("reading ND4J's memory counter", e);
        }
    }
}
