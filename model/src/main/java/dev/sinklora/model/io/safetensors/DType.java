package dev.sinklora.model.io.safetensors;

import dev.sinklora.model.BadInputException;
import org.nd4j.linalg.api.buffer.DataType;

/** The safetensors element types this project reads and writes; the name is the header's dtype string. */
public enum DType {
    F32(4),
    F16(2),
    BF16(2);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** The name Hugging Face's config.json gives it ({@code torch_dtype}). */
    public String torchName() {
        return switch (this) {
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
        };
    }

    /** The ND4J data type holding this dtype's values unchanged. */
    public DataType nd4j() {
        return switch (this) {
            case F32 -> DataType.FLOAT;
            case F16 -> DataType.HALF;
            case BF16 -> DataType.BFLOAT16;
        };
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /**
     * The dtype for a header dtype string (case-sensitive, as the format specifies).
     *
     * @throws BadInputException for dtypes the format defines but we do not support (I64, F64, BOOL, ...) and for
     *     anything else
     */
    public static DType parse(String s) {
        for (DType t : values()) {
            if (t.name().equals(s)) {
                return t;
            }
        }
        throw new BadInputException("unsupported safetensors dtype \"" + s + "\" (supported: F32, F16, BF16)");
    }
}
