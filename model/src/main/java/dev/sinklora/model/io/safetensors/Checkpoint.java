package dev.sinklora.model.io.safetensors;

import dev.sinklora.model.BadInputException;
import dev.sinklora.model.io.LocalModelDirectory;
import dev.sinklora.model.io.ModelDirectory;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The safetensors weights of a Hugging Face model (or adapter) directory, seen as one name-to-tensor map whichever
 * file each tensor lives in: a single file, or shards listed by {@code model.safetensors.index.json}. All files
 * are opened and cross-checked up front; tensors are read on demand. The directory may be local ({@link Path}) or
 * any {@link ModelDirectory} (e.g. a Hadoop file system).
 */
public final class Checkpoint implements Closeable {
    private final String dir;
    private final Map<String, SafetensorsFile> fileByTensor;
    private final List<SafetensorsFile> files;

    private Checkpoint(String dir, Map<String, SafetensorsFile> fileByTensor, List<SafetensorsFile> files) {
        this.dir = dir;
        this.fileByTensor = Collections.unmodifiableMap(fileByTensor);
        this.files = files;
    }

    /**
     * Opens {@code dir}: its {@code model.safetensors.index.json} and the shards it names if the index exists,
     * otherwise {@code model.safetensors}.
     *
     * @throws BadInputException if neither exists, the index is malformed, names a missing shard or a tensor its
     *     shard lacks, or any file is malformed
     */
    public static Checkpoint open(Path dir) throws IOException {
        return open(new LocalModelDirectory(dir));
    }

    /** As {@link #open(Path)}, for a directory on any file system. */
    public static Checkpoint open(ModelDirectory dir) throws IOException {
        checkDirectory(dir);
        if (dir.hasFile(SafetensorsWriter.INDEX_FILE_NAME)) {
            return openSharded(dir);
        }
        if (dir.hasFile(SafetensorsWriter.SINGLE_FILE_NAME)) {
            return open(dir, SafetensorsWriter.SINGLE_FILE_NAME);
        }
        throw new BadInputException(dir.describe() + ": no " + SafetensorsWriter.INDEX_FILE_NAME + " or "
                + SafetensorsWriter.SINGLE_FILE_NAME + " (not a safetensors checkpoint directory)");
    }

    /** Opens the single file {@code singleFileName} in {@code dir}, e.g. a PEFT {@code adapter_model.safetensors}. */
    public static Checkpoint open(Path dir, String singleFileName) throws IOException {
        return open(new LocalModelDirectory(dir), singleFileName);
    }

    /** As {@link #open(Path, String)}, for a directory on any file system. */
    public static Checkpoint open(ModelDirectory dir, String singleFileName) throws IOException {
        checkDirectory(dir);
        if (!dir.hasFile(singleFileName)) {
            throw new BadInputException(dir.describe() + ": no file " + singleFileName);
        }
        SafetensorsFile file = SafetensorsFile.open(dir.open(singleFileName));
        Map<String, SafetensorsFile> byTensor = new TreeMap<>();
        for (String name : file.tensors().keySet()) {
            byTensor.put(name, file);
        }
        return new Checkpoint(dir.describe(), byTensor, List.of(file));
    }

    private static Checkpoint openSharded(ModelDirectory dir) throws IOException {
        String index = dir.describe(SafetensorsWriter.INDEX_FILE_NAME);
        Map<String, String> weightMap = ShardIndex.readWeightMap(dir.readAll(SafetensorsWriter.INDEX_FILE_NAME), index);
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        try {
            Map<String, SafetensorsFile> byTensor = new TreeMap<>();
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                SafetensorsFile shard = shards.get(e.getValue());
                if (shard == null) {
                    if (!dir.hasFile(e.getValue())) {
                        throw new BadInputException(index + ": tensor '" + e.getKey() + "' is mapped to shard "
                                + e.getValue() + ", which does not exist in " + dir.describe());
                    }
                    shard = SafetensorsFile.open(dir.open(e.getValue()));
                    shards.put(e.getValue(), shard);
                }
                if (!shard.contains(e.getKey())) {
                    throw new BadInputException(index + ": tensor '" + e.getKey() + "' is mapped to shard "
                            + e.getValue() + ", which does not contain it");
                }
                byTensor.put(e.getKey(), shard);
            }
            return new Checkpoint(dir.describe(), byTensor, new ArrayList<>(shards.values()));
        } catch (IOException | RuntimeException e) {
            closeAll(shards.values(), e);
            throw e;
        }
    }

    /** All tensor names, sorted. */
    public Set<String> names() {
        return fileByTensor.keySet();
    }

    public boolean contains(String name) {
        return fileByTensor.containsKey(name);
    }

    /** @throws BadInputException if the checkpoint has no tensor {@code name} */
    public TensorInfo info(String name) {
        return fileOf(name).info(name);
    }

    /** The tensor as a new FLOAT, c-ordered array of its stored shape (see {@link SafetensorsFile#load}). */
    public INDArray load(String name) throws IOException {
        return fileOf(name).load(name);
    }

    /** The tensor in its stored dtype (see {@link SafetensorsFile#loadStored}). */
    public INDArray loadStored(String name) throws IOException {
        return fileOf(name).loadStored(name);
    }

    /**
     * The dtype holding the most stored bytes, used as the default export dtype; ties go to the earlier
     * {@link DType} constant, and an empty checkpoint reports F32.
     */
    public DType dominantDType() {
        Map<DType, Long> bytes = new EnumMap<>(DType.class);
        for (Map.Entry<String, SafetensorsFile> e : fileByTensor.entrySet()) {
            TensorInfo info = e.getValue().info(e.getKey());
            bytes.merge(info.dtype(), info.byteLength(), Long::sum);
        }
        DType best = DType.F32;
        long bestBytes = -1;
        for (Map.Entry<DType, Long> e : bytes.entrySet()) {
            if (e.getValue() > bestBytes) {
                best = e.getKey();
                bestBytes = e.getValue();
            }
        }
        return best;
    }

    @Override
    public void close() throws IOException {
        IOException first = closeAll(files, null);
        if (first != null) {
            throw first;
        }
    }

    private SafetensorsFile fileOf(String name) {
        SafetensorsFile file = fileByTensor.get(name);
        if (file == null) {
            throw new BadInputException(dir + ": checkpoint has no tensor '" + name + "'");
        }
        return file;
    }

    private static void checkDirectory(ModelDirectory dir) throws IOException {
        if (!dir.isDirectory()) {
            throw new BadInputException(dir.describe() + ": checkpoint directory does not exist or is not a directory");
        }
    }

    /**
     * Closes every file; failures are added to {@code pending} if given, else the first is returned with the rest
     * suppressed.
     */
    private static IOException closeAll(Iterable<SafetensorsFile> files, Exception pending) {
        IOException first = null;
        for (SafetensorsFile f : files) {
            try {
                f.close();
            } catch (IOException e) {
                if (pending != null) {
                    pending.addSuppressed(e);
                } else if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        return first;
    }
}
