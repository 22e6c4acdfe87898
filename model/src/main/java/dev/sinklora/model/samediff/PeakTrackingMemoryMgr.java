package dev.sinklora.model.samediff;

import org.nd4j.autodiff.samediff.internal.SessionMemMgr;
import org.nd4j.autodiff.samediff.internal.memory.NoOpMemoryMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * A SameDiff session memory manager that allocates fresh arrays, frees them as soon as the session
 * releases them (like {@link NoOpMemoryMgr}) and records the peak number of live bytes: the
 * activation and gradient memory of one execution, without the caching of the default manager.
 */
public final class PeakTrackingMemoryMgr implements SessionMemMgr {

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
        }
        delegate.release(array);
    }

    @Override
    public void close() {
        delegate.close();
    }

    public synchronized long peakBytes() {
        return peakBytes;
    }

    public synchronized long liveBytes() {
        return liveBytes;
    }

    private INDArray track(INDArray arr) {
        long bytes = arr.length() * arr.dataType().width();
        live.put(arr, bytes);
        liveBytes += bytes;
        peakBytes = Math.max(peakBytes, liveBytes);
        return arr;
    }
}
