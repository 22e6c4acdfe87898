package dev.sinklora.model.samediff;

import org.nd4j.autodiff.samediff.internal.SessionMemMgr;
import org.nd4j.autodiff.samediff.internal.memory.NoOpMemoryMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * A SameDiff session memory manager that frees arrays deterministically instead of leaving them to the
 * garbage collector: an array the session releases is closed at once (as SameDiff's own manager does with
 * its cache off), and {@link #closeAll} closes every array of the run the session never released (SameDiff
 * 1.0.0-M2.1's gradient sessions keep most of a run's activations: hundreds of MB per layer that would
 * otherwise wait for a GC). The caller copies what it keeps from a run's results before {@link #closeAll}.
 */
public final class ArenaMemoryMgr implements SessionMemMgr {

    private final NoOpMemoryMgr delegate = new NoOpMemoryMgr();
    private final Set<INDArray> live = Collections.newSetFromMap(new IdentityHashMap<>());

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
        if (live.remove(array)) {
            close(array);
        }
    }

    /** Closes every array allocated since the last call that the session has not released. */
    public synchronized void closeAll() {
        live.forEach(ArenaMemoryMgr::close);
        live.clear();
    }

    @Override
    public void close() {
        closeAll();
    }

    private INDArray track(INDArray arr) {
        live.add(arr);
        return arr;
    }

    private static void close(INDArray a) {
        if (a.closeable()) {
            a.close();
        }
    }
}
