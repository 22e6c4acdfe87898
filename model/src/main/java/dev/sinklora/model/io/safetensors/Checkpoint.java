package dev.sinklora.model.io.safetensors;

import dev.sinklora.model.BadInputException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
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
 * are opened and cross-checked up front; tensors are read on demand.
 */
public final class Checkpoint implements Closeable {
    private final Path dir;
    private final Map<String, SafetensorsFile> fileByTensor;
    private final List<SafetensorsFile> files;

    private Checkpoint(Path dir, Map<String, SafetensorsFile> fileByTensor, List<SafetensorsFile> files) {
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
        checkDirectory(dir);
        Path index = dir.resolve(SafetensorsWriter.INDEX_FILE_NAME);
        if (Files.exists(index)) {
            return openSharded(dir, index);
        }
        if (Files.exists(dir.resolve(SafetensorsWriter.SINGLE_FILE_NAME))) {
            return open(dir, SafetensorsWriter.SINGLE_FILE_NAME);
        }
        throw new BadInputException(dir + ": no " + SafetensorsWriter.INDEX_FILE_NAME + " or "
                + SafetensorsWriter.SINGLE_FILE_NAME + " (not a safetensors checkpoint directory)");
    }

    /** Opens the single file {@code singleFileName} in {@code dir}, e.g. a PEFT {@code adapter_model.safetensors}. */
    public static Checkpoint open(Path dir, String singleFileName) throws IOException {
        checkDirectory(dir);
        Path path = dir.resolve(singleFileName);
        if (!Files.isRegularFile(path)) {
            throw new BadInputException(dir + ": no file " + singleFileName);
        }
        SafetensorsFile file = SafetensorsFile.open(path);
        Map<String, SafetensorsFile> byTensor = new TreeMap<>();
        for (String name : file.tensors().keySet()) {
            byTensor.put(name, file);
        }
        return new Checkpoint(dir, byTensor, List.of(file));
    }

    private static Checkpoint openSharded(Path dir, Path index) throws IOException {
        Map<String, String> weightMap = ShardIndex.readWeightMap(index);
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        try {
            Map<String, SafetensorsFile> byTensor = new TreeMap<>();
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                SafetensorsFile shard = shards.get(e.getValue());
                if (shard == null) {
                    Path shardPath = dir.resolve(e.getValue());
                    if (!Files.isRegularFile(shardPath)) {
                        throw new BadInputException(index + ": tensor '" + e.getKey() + "' is mapped to shard "
                                + e.getValue() + ", which does not exist in " + dir);
                    }
                    shard = SafetensorsFile.open(shardPath);
                    shards.put(e.getValue(), shard);
                }
                if (!shard.contains(e.getKey())) {
                    throw new BadInputException(index + ": tensor '" + e.getKey() + "' is mapped to shard "
                            + e.getValue() + ", which does not contain it");
                }
                byTensor.put(e.getKey(), shard);
            }
            return new Checkpoint(dir, byTensor, new ArrayList<>(shards.values()));
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

    private static void checkDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new BadInputException(dir + ": checkpoint directory does not exist or is not a directory");
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
