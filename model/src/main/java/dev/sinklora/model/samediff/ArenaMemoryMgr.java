package dev.sinklora.model.samediff;

import org.nd4j.autodiff.samediff.internal.SessionMemMgr;
import org.nd4j.autodiff.samediff.internal.memory.NoOpMemoryMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * A SameDiff session memory manager that allocates fresh arrays, frees them deterministically instead of
 * leaving them to the garbage collector, and records the peak number of live bytes (the activation and
 * gradient memory of one execution, without the caching of SameDiff's default manager). An array the
 * session releases is closed at once (as SameDiff's own manager does with its cache off); {@link #closeAll}
 * closes every array of the run the session never released (SameDiff 1.0.0-M2.1's gradient sessions keep
 * most of a run's activations: hundreds of MB per decoder layer that would otherwise wait for a GC). The
 * caller copies what it keeps from a run's results before {@link #closeAll}.
 */
public final class ArenaMemoryMgr implements SessionMemMgr {

    private final NoOpMemoryMgr delegate = new NoOpMemoryMgr();
    private final Map<INDArray, Long> live = new IdentityHashMap<>();
    private long liveBytes;
    private long peakBytes;

    @Override
    public synchronized INDArray allocate(boolean detached, DataType dataType, long... shape) {
        return track(delegate.allocate(detached, dataType, shape));
    }

    @Override
    public synchronized INDArray allocate(boolean detached, LongShapeDescriptor descriptor) {
        return track(delegate.allocate(detached, descriptor));
    }

    @Override
    public synchronized INDArray ulike(INDArray arr) {
        return allocate(false, arr.dataType(), arr.shape());
    }

    @Override
    public synchronized INDArray dup(INDArray arr) {
        INDArray out = ulike(arr);
        out.assign(arr);
        return out;
    }

    @Override
    public synchronized void release(INDArray array) {
        Long bytes = live.remove(array);
        if (bytes != null) {
            liveBytes -= bytes;
            close(array);
        }
    }

    /** Closes every array allocated since the last call that the session has not released. */
    public synchronized void closeAll() {
        live.keySet().forEach(ArenaMemoryMgr::close);
        live.clear();
        liveBytes = 0;
    }

    @Override
    public void close() {
        closeAll();
    }

    /** The most bytes live at once since this manager was created. */
    public synchronized long peakBytes() {
        return peakBytes;
    }

    private INDArray track(INDArray arr) {
        long bytes = arr.length() * arr.dataType().width();
        live.put(arr, bytes);
        liveBytes += bytes;
        peakBytes = Math.max(peakBytes, liveBytes);
        return arr;
    }

    private static void close(INDArray a) {
        if (a.closeable()) {
            a.close();
        }
    }
}
