package dev.sinklora.spark;

/** Lets tests in other packages empty the per-JVM base cache. */
public final class FrozenBaseCacheAccess {

    private FrozenBaseCacheAccess() {
    }

    public static void clear() {
        FrozenBaseCache.clear();
    }
}
