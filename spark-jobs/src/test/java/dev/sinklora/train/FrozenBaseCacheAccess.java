package dev.sinklora.train;

/** Lets tests in other packages empty the per-JVM base cache. */
public final class FrozenBaseCacheAccess {

    private FrozenBaseCacheAccess() {
    }

    public static void clear() {
        FrozenBaseCache.clear();
    }
}
